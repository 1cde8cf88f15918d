"""S3's older query-string signature (SigV2), which boto3 still uses by default for
`generate_presigned_url`: `?AWSAccessKeyId=...&Expires=<epoch>&Signature=<base64 HMAC-SHA1>`.

The signed text is the method, Content-MD5, Content-Type, the expiry, the `x-amz-*` headers and
the resource (`/<bucket>/<key>` plus the sub-resources S3 lists), as S3 defines it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import unquote

from skiff.api.http import HttpRequest

# Query parameters that are part of the signed resource.
SUB_RESOURCES = frozenset(
    {
        "accelerate", "acl", "cors", "defaultObjectAcl", "location", "logging", "partNumber", "policy",
        "requestPayment", "torrent", "versioning", "versionId", "versions", "website", "uploads",
        "uploadId", "response-content-type", "response-content-language", "response-expires",
        "response-cache-control", "response-content-disposition", "response-content-encoding",
        "delete", "lifecycle", "tagging", "restore", "storageClass", "notification", "replication",
        "analytics", "metrics", "inventory", "select", "select-type", "object-lock",
    }
)  # fmt: skip


@dataclass(frozen=True)
class SignedV2:
    access_key_id: str
    signature: str
    expires: int
    security_token: str | None


def parse(request: HttpRequest) -> SignedV2 | None:
    """The SigV2 query signature of a request, or None when it has none (or a malformed one)."""
    if "AWSAccessKeyId=" not in request.query_string:
        return None
    query = dict(request.query)
    key, signature, expires = query.get("AWSAccessKeyId"), query.get("Signature"), query.get("Expires", "")
    if not key or not signature or not (expires.isascii() and expires.isdigit()) or len(expires) > 12:
        return None
    return SignedV2(key, signature, int(expires), query.get("x-amz-security-token"))


def _resource(path: str, query_string: str) -> str:
    pairs = []
    for item in query_string.split("&") if query_string else ():
        name, sep, value = item.partition("=")
        if name in SUB_RESOURCES:
            pairs.append((name, f"{name}={unquote(value)}" if sep else name))
    pairs.sort(key=lambda pair: pair[0])
    return path + ("?" + "&".join(text for _, text in pairs) if pairs else "")


def string_to_sign(request: HttpRequest, signed: SignedV2, path: str) -> str:
    amz = sorted(
        (name, value) for name, value in dict(request.query).items() if name.lower().startswith("x-amz-")
    )
    amz += sorted(
        (name, value.strip()) for name, value in request.headers.items() if name.startswith("x-amz-")
    )
    lines = [
        request.method.upper(),
        request.header("content-md5") or dict(request.query).get("content-md5", ""),
        request.header("content-type") or dict(request.query).get("content-type", ""),
        str(signed.expires),
        *(f"{name.lower()}:{value}" for name, value in amz),
        _resource(path, request.query_string),
    ]
    return "\n".join(lines)


def expected_signatures(request: HttpRequest, signed: SignedV2, secret: str) -> list[str]:
    """The signature for a path-style resource and, for a virtual-hosted bucket, with the bucket."""
    paths = [request.path or "/"]
    host = request.host.split(":", 1)[0]
    if "." in host and not host.replace(".", "").isdigit():
        paths.append(f"/{host.split('.', 1)[0]}{request.path or '/'}")
    out = []
    for path in paths:
        digest = hmac.new(
            secret.encode(), string_to_sign(request, signed, path).encode(), hashlib.sha1
        ).digest()
        out.append(base64.b64encode(digest).decode("ascii"))
    return out
