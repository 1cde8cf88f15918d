"""SigV4: reading a request's signature (header or presigned query) and recomputing it.

`parse` finds the signature's parts (access key, scope, signed headers, date, payload hash);
`expected_signature` rebuilds the canonical request and string to sign exactly as AWS SDKs do
and signs them with the secret key. S3 signs the path as sent; every other service signs the
normalized path percent-encoded once more. Signing keys are cached per (secret, date, region,
service), as they change once a day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import quote, unquote

from skiff.api.http import HttpRequest

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_PAYLOAD_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_PRESIGN_SECONDS = 604800

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_AMZ_DATE = re.compile(r"^\d{8}T\d{6}Z$")
_SCOPE = re.compile(r"^([^/\s]+)/(\d{8})/([^/\s]+)/([^/\s]+)/aws4_request$")
_HEADER_NAME = re.compile(r"^[a-z0-9!#$%&'*+.^_`|~-]+$")


class MalformedSignature(Exception):
    """The request claims a SigV4 signature but its parts are missing or malformed."""


@dataclass(slots=True)  # not frozen: a frozen dataclass is slow to build, and one is built per request
class Signed:
    """The parts of one request's signature."""

    access_key_id: str
    date: str  # YYYYMMDD of the credential scope
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str  # YYYYMMDDTHHMMSSZ
    security_token: str | None
    presigned: bool
    expires: int | None  # seconds a presigned URL stays valid
    payload_hash: str  # what the canonical request carries as the payload's hash

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"

    @property
    def when(self) -> dt.datetime:
        """The signing time (ValueError for an impossible date such as month 13)."""
        d = self.amz_date  # YYYYMMDDTHHMMSSZ, already checked by shape; strptime is slow
        return dt.datetime(
            int(d[0:4]), int(d[4:6]), int(d[6:8]), int(d[9:11]), int(d[11:13]), int(d[13:15]), tzinfo=dt.UTC
        )


def _split_authorization(value: str) -> dict[str, str]:
    """`Credential=..., SignedHeaders=..., Signature=...` -> a dict (names as sent)."""
    parts: dict[str, str] = {}
    for item in value.split(","):
        name, sep, field = item.strip().partition("=")
        if not sep:
            raise MalformedSignature(f"Authorization header component {item.strip()!r} is not name=value")
        parts[name.strip()] = field.strip()
    return parts


def _amz_date(request: HttpRequest) -> str:
    value = request.header("x-amz-date")
    if value:
        if not _AMZ_DATE.match(value):
            raise MalformedSignature(f"Invalid X-Amz-Date {value!r}: expected YYYYMMDD'T'HHMMSS'Z'")
        return value
    date = request.header("date")
    if not date:
        raise MalformedSignature(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    try:
        parsed = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError) as exc:
        raise MalformedSignature(f"Invalid Date header {date!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).strftime(AMZ_DATE_FORMAT)


def _scope(text: str) -> tuple[str, str, str, str]:
    match = _SCOPE.match(text)
    if match is None:
        raise MalformedSignature(
            f"Credential should be scoped to a valid region and service: {text!r} is not "
            "<key>/<YYYYMMDD>/<region>/<service>/aws4_request"
        )
    key, date, region, service = match.groups()
    return key, date, region, service


@lru_cache(maxsize=256)
def _signed_header_names(text: str) -> tuple[str, ...]:
    names = tuple(text.split(";")) if text else ()
    if not names or any(not _HEADER_NAME.match(name) for name in names):
        raise MalformedSignature(f"SignedHeaders {text!r} is not a ';'-separated list of lower-case names")
    return names


def _signature_hex(text: str) -> str:
    if not _HEX64.match(text):
        raise MalformedSignature("Signature must be 64 lower-case hexadecimal characters")
    return text


def parse(request: HttpRequest, *, s3: bool) -> Signed | None:
    """The request's signature, or None when it carries none (an anonymous request)."""
    auth = request.header("authorization")
    if auth:
        return _parse_header(request, auth, s3=s3)
    if "X-Amz-" in request.query_string or "x-amz-" in request.query_string:
        query = dict(request.query)
        if "X-Amz-Algorithm" in query or "X-Amz-Signature" in query or "X-Amz-Credential" in query:
            return _parse_query(request, query, s3=s3)
    return None


def _parse_header(request: HttpRequest, auth: str, *, s3: bool) -> Signed:
    algorithm, _, rest = auth.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise MalformedSignature(
            f"Unsupported authorization type {algorithm!r}: only {ALGORITHM} is accepted"
        )
    parts = _split_authorization(rest)
    missing = [name for name in ("Credential", "SignedHeaders", "Signature") if name not in parts]
    if missing:
        raise MalformedSignature(
            " ".join(f"Authorization header requires '{name}' parameter." for name in missing)
        )
    key, date, region, service = _scope(parts["Credential"])
    return Signed(
        access_key_id=key,
        date=date,
        region=region,
        service=service,
        signed_headers=_signed_header_names(parts["SignedHeaders"]),
        signature=_signature_hex(parts["Signature"]),
        amz_date=_amz_date(request),
        security_token=request.header("x-amz-security-token") or None,
        presigned=False,
        expires=None,
        payload_hash=_payload_hash(request, s3=s3, presigned=False),
    )


def _parse_query(request: HttpRequest, query: dict[str, str], *, s3: bool) -> Signed:
    missing = [
        name
        for name in (
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Signature",
            "X-Amz-Date",
            "X-Amz-SignedHeaders",
        )
        if name not in query
    ]
    if missing:
        raise MalformedSignature(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
            "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
        )
    if query["X-Amz-Algorithm"] != ALGORITHM:
        raise MalformedSignature(f'X-Amz-Algorithm only supports "{ALGORITHM}"')
    amz_date = query["X-Amz-Date"]
    if not _AMZ_DATE.match(amz_date):
        raise MalformedSignature(f"Invalid X-Amz-Date {amz_date!r}: expected YYYYMMDD'T'HHMMSS'Z'")
    expires: int | None = None
    if "X-Amz-Expires" in query:
        text = query["X-Amz-Expires"]
        if not (text.isascii() and text.isdigit()) or len(text) > 9:
            raise MalformedSignature("X-Amz-Expires should be a number")
        expires = int(text)
        if expires > MAX_PRESIGN_SECONDS:
            raise MalformedSignature("X-Amz-Expires must be less than a week (in seconds) that is 604800")
    elif s3:
        raise MalformedSignature("X-Amz-Expires must be given for a presigned S3 URL")
    key, date, region, service = _scope(query["X-Amz-Credential"])
    return Signed(
        access_key_id=key,
        date=date,
        region=region,
        service=service,
        signed_headers=_signed_header_names(query["X-Amz-SignedHeaders"]),
        signature=_signature_hex(query["X-Amz-Signature"]),
        amz_date=amz_date,
        security_token=query.get("X-Amz-Security-Token") or None,
        presigned=True,
        expires=expires,
        payload_hash=_payload_hash(request, s3=s3, presigned=True),
    )


def _payload_hash(request: HttpRequest, *, s3: bool, presigned: bool) -> str:
    declared = request.headers.get("x-amz-content-sha256")
    if declared:
        return declared
    if presigned and s3:
        return UNSIGNED_PAYLOAD
    return hashlib.sha256(request.body).hexdigest()


# -- canonical request ----------------------------------------------------------------------------


def _remove_dot_segments(path: str) -> str:
    """RFC 3986's dot-segment removal, also collapsing repeated slashes (as AWS services do)."""
    kept: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if kept:
                kept.pop()
        else:
            kept.append(segment)
    lead = "/" if path.startswith("/") else ""
    trail = "/" if path.endswith("/") and kept else ""
    return lead + "/".join(kept) + trail


def canonical_uri(raw_path: str, *, s3: bool) -> str:
    """The path as signed: S3's as sent; other services' normalized and encoded once more."""
    if s3:
        return raw_path or "/"
    if raw_path == "/":
        return "/"
    return quote(_remove_dot_segments(raw_path) or "/", safe="/~")


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_query(query_string: str, *, presigned: bool) -> str:
    pairs: list[tuple[str, str]] = []
    for item in query_string.split("&") if query_string else ():
        if not item:
            continue
        name, _, value = item.partition("=")
        name, value = unquote(name), unquote(value)
        if presigned and name == "X-Amz-Signature":
            continue
        pairs.append((_encode(name), _encode(value)))
    pairs.sort()
    return "&".join(f"{name}={value}" for name, value in pairs)


def canonical_headers(request: HttpRequest, names: tuple[str, ...]) -> str:
    headers = request.headers  # names are lower-case on both sides
    return "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in names)


def canonical_request(request: HttpRequest, signed: Signed, *, s3: bool) -> str:
    return "\n".join(
        (
            request.method.upper(),
            canonical_uri(request.path, s3=s3),
            canonical_query(request.query_string, presigned=signed.presigned),
            canonical_headers(request, signed.signed_headers),
            ";".join(signed.signed_headers),
            signed.payload_hash,
        )
    )


def string_to_sign(signed: Signed, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{signed.amz_date}\n{signed.scope}\n{digest}"


@lru_cache(maxsize=1024)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def expected_signature(request: HttpRequest, signed: Signed, secret: str, *, s3: bool) -> str:
    key = signing_key(secret, signed.date, signed.region, signed.service)
    return sign(key, string_to_sign(signed, canonical_request(request, signed, s3=s3)))


def matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())
