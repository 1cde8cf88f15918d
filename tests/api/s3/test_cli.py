"""The real `aws s3` / `aws s3api` CLI against skiff: mb, cp (small and multipart), ls, sync, rm, rb."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .conftest import unique_bucket

MIB = 1024 * 1024


def test_aws_s3_round_trip(aws: Callable[..., Any], tmp_path: Path) -> None:
    bucket = unique_bucket("cli")
    assert f"make_bucket: {bucket}" in aws("s3", "mb", f"s3://{bucket}").stdout
    small = tmp_path / "app.env"
    small.write_text("DB_HOST=db.internal\nDEBUG=1\n")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(20 * MIB))
    aws("s3", "cp", str(small), f"s3://{bucket}/env/app.env")
    aws("s3", "cp", str(big), f"s3://{bucket}/data/big.bin")  # over 8 MiB: a multipart upload

    listing = aws("s3", "ls", f"s3://{bucket}/", "--recursive").stdout
    assert "env/app.env" in listing and "data/big.bin" in listing and str(20 * MIB) in listing
    top = aws("s3", "ls", f"s3://{bucket}/").stdout
    assert "PRE env/" in top and "PRE data/" in top

    assert aws("s3", "cp", f"s3://{bucket}/env/app.env", "-").stdout == small.read_text()
    head = json.loads(aws("s3api", "head-object", "--bucket", bucket, "--key", "data/big.bin").stdout)
    assert head["ETag"].endswith('-3"') and head["ContentLength"] == 20 * MIB
    back = tmp_path / "back.bin"
    aws("s3", "cp", f"s3://{bucket}/data/big.bin", str(back))  # ranged GETs
    assert back.read_bytes() == big.read_bytes()

    first10 = tmp_path / "first10"
    reply = json.loads(
        aws(
            "s3api",
            "get-object",
            "--bucket",
            bucket,
            "--key",
            "data/big.bin",
            "--range",
            "bytes=0-9",
            str(first10),
        ).stdout
    )
    assert reply["ContentRange"] == f"bytes 0-9/{20 * MIB}" and reply["ContentLength"] == 10
    assert first10.read_bytes() == big.read_bytes()[:10]

    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_text("a")
    (tree / "sub" / "b.txt").write_text("b")
    synced = aws("s3", "sync", str(tree), f"s3://{bucket}/tree").stdout
    assert synced.count("upload:") == 2
    assert "upload:" not in aws("s3", "sync", str(tree), f"s3://{bucket}/tree").stdout
    down = tmp_path / "down"
    aws("s3", "sync", f"s3://{bucket}/tree", str(down))
    assert (down / "sub" / "b.txt").read_text() == "b"

    failed = aws("s3", "rb", f"s3://{bucket}", check=False)
    assert failed.returncode != 0 and "BucketNotEmpty" in failed.stderr
    removed = aws("s3", "rm", f"s3://{bucket}", "--recursive").stdout
    assert removed.count("delete:") == 4
    assert f"remove_bucket: {bucket}" in aws("s3", "rb", f"s3://{bucket}").stdout
    assert bucket not in aws("s3", "ls").stdout


def test_aws_s3api_errors(aws: Callable[..., Any]) -> None:
    bucket = unique_bucket("cli-err")
    missing = aws("s3api", "get-object", "--bucket", bucket, "--key", "k", "/dev/null", check=False)
    assert missing.returncode != 0 and "NoSuchBucket" in missing.stderr
    aws("s3", "mb", f"s3://{bucket}")
    nokey = aws("s3api", "get-object", "--bucket", bucket, "--key", "k", "/dev/null", check=False)
    assert "NoSuchKey" in nokey.stderr
    aws("s3", "rb", f"s3://{bucket}")
