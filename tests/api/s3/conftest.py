"""S3 clients for the API tests: path-style, and virtual-host style without DNS.

Virtual-host style sends `Host: <bucket>.localhost:<port>`; since `<bucket>.localhost` may not
resolve here, a botocore `before-send` hook sends the request to 127.0.0.1 with that Host header
kept (botocore uses path-style for IP endpoints, so an IP endpoint cannot test this).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import pytest
from botocore.config import Config

from tests.conftest import CREDENTIALS


def unique_bucket(prefix: str = "b") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def s3(client_factory: Callable[..., Any]) -> Any:
    return client_factory("s3", s3={"addressing_style": "path"})


@pytest.fixture(scope="session")
def s3_virtual(endpoint: str) -> Any:
    """A virtual-host style client: `Host: <bucket>.localhost:<port>`, sent to 127.0.0.1."""
    url = urlsplit(endpoint)
    if url.hostname not in ("127.0.0.1", "localhost"):
        pytest.skip("virtual-host style needs a local endpoint")
    client = boto3.client(
        "s3",
        endpoint_url=f"http://localhost:{url.port}",  # a name: botocore only uses bucket hosts for names
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "virtual"}),
    )

    def to_loopback(request: Any, **_: Any) -> None:
        sent = urlsplit(request.url)
        request.headers["Host"] = sent.netloc
        request.url = urlunsplit(sent._replace(netloc=f"127.0.0.1:{sent.port}"))

    client.meta.events.register("before-send.s3", to_loopback)
    return client


@pytest.fixture
def bucket(s3: Any) -> str:
    name = unique_bucket()
    s3.create_bucket(Bucket=name)
    return name
