"""Signing hand-built requests with the test server's root keys, as an SDK would (botocore's
own SigV4 signer), for tests that send raw HTTP."""

from __future__ import annotations

from collections.abc import Mapping

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.conftest import CREDENTIALS


def signed_headers(
    method: str,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    service: str,
    region: str = "us-east-1",
    credentials: Credentials | None = None,
) -> dict[str, str]:
    """`headers` plus X-Amz-Date and Authorization (and X-Amz-Content-SHA256 for S3)."""
    creds = credentials or Credentials(CREDENTIALS["AWS_ACCESS_KEY_ID"], CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    signer = S3SigV4Auth if service == "s3" else SigV4Auth
    signer(creds, service, region).add_auth(request)
    return dict(request.headers.items())
