"""What verification and evaluation cost per request, inside one process, side by side.

This is a benchmark, not a test. It builds skiff's gateway over a fresh store three times — auth
off (SKIFF_AUTH=off), auth on with requests signed by the root, auth on with requests signed by
an IAM user (inline policy `ecs:*`) — and calls `Gateway.dispatch` with real botocore-signed
ListClusters and DescribeTaskDefinition requests, interleaving the variants in many short
batches so that the machine's load falls on all of them alike. It reports the median CPU
microseconds per request of each, and the ratios to auth off. No server, no sockets: only
skiff's own per-request work is measured (bench_api.py measures it over HTTP, where a loaded
machine's noise is larger than the difference).

    .venv/bin/python bench/bench_auth.py [--batches 40] [--batch 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from skiff.api.gateway import Gateway
from skiff.api.http import HttpRequest
from skiff.config import Config
from skiff.security.sealing import Sealer
from skiff.server import build_authorizer, build_providers
from skiff.state.scope import Scope
from skiff.store import SqliteStore

TARGET = "AmazonEC2ContainerServiceV20141113"
POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]}
)
REGISTER = (
    b'{"family": "bench", "containerDefinitions": [{"name": "app", "image": "busybox", "memory": 128}]}'
)
BODIES = {"ListClusters": b"{}", "DescribeTaskDefinition": b'{"taskDefinition": "bench"}'}


def signed(operation: str, key: str, secret: str, body: bytes | None = None) -> HttpRequest:
    """The request botocore would send, as the gateway sees it."""
    body = BODIES[operation] if body is None else body
    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1:4620/",
        data=body,
        headers={"X-Amz-Target": f"{TARGET}.{operation}", "Content-Type": "application/x-amz-json-1.1"},
    )
    SigV4Auth(Credentials(key, secret), "ecs", "us-east-1").add_auth(request)
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers["host"] = "127.0.0.1:4620"
    return HttpRequest("POST", "/", "", headers, body)


def gateway(workdir: Path, auth: bool) -> tuple[Gateway, Any]:
    config = Config(data_dir=workdir, auth=auth)
    workdir.mkdir(parents=True, exist_ok=True)
    providers = build_providers(SqliteStore(workdir / "skiff.db"), Sealer.for_data_dir(workdir), workdir)
    gw = Gateway(providers, config.account_id, config.default_region)
    gw.authorizer = build_authorizer(providers, config)
    return gw, providers


async def measure(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="skiff-bench-auth-") as tmp:
        off, _ = gateway(Path(tmp) / "off", auth=False)
        on, providers = gateway(Path(tmp) / "on", auth=True)
        iam = providers["iam"]
        scope = Scope("000000000000", "us-east-1")
        iam.backend.users.create(scope, {"UserName": "bench"})
        iam.backend.user_policies.put_inline(scope, "bench", "ecs", POLICY)
        user = iam.backend.access_keys.create(scope, "bench")
        for gw in (off, on):
            reply = await gw.dispatch(signed("RegisterTaskDefinition", "test", "test", REGISTER), "setup")
            assert reply.status == 200, reply.body[:200]
        variants = {
            "auth off": (off, "test", "test"),
            "auth on, root": (on, "test", "test"),
            "auth on, IAM user": (on, user["AccessKeyId"], user["SecretAccessKey"]),
        }
        results: dict[str, dict[str, list[float]]] = {name: {op: [] for op in BODIES} for name in variants}
        for _ in range(args.batches):
            for operation in BODIES:
                for name, (gw, key, secret) in variants.items():
                    request = signed(operation, key, secret)
                    started = time.process_time()
                    for _ in range(args.batch):
                        reply = await gw.dispatch(request, "bench")
                    spent = time.process_time() - started
                    assert reply.status == 200, (name, operation, reply.body[:200])
                    results[name][operation].append(spent / args.batch * 1e6)
        print(f"{args.batches} batches of {args.batch} requests per variant and operation\n")
        print(f"{'variant':<20} {'operation':<24} {'us/req (median)':>16} {'vs auth off':>12}")
        for name in variants:
            for operation in BODIES:
                median = statistics.median(results[name][operation])
                base = statistics.median(results["auth off"][operation])
                print(f"{name:<20} {operation:<24} {median:>16.1f} {median / base:>12.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch", type=int, default=200)
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
