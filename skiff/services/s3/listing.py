"""Listing keys: ListObjects (v1), ListObjectsV2 and ListMultipartUploads.

`page` is the one walk over keys in S3's order (UTF-8 byte order, which is code point order and
SQLite's BINARY collation): keys outside the prefix are skipped, keys holding the delimiter after
the prefix roll up into one CommonPrefix, each key or prefix counts once against the maximum, and
listing resumes after the last key or prefix returned (a marker, StartAfter, or the key inside an
opaque continuation token). With `EncodingType=url` every key-like value in the reply is
percent-encoded, since botocore url-decodes them when it asked for the encoding itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from skiff.services.pagination import BadToken, decode_token, encode_token
from skiff.services.s3.buckets import OBJECTS, UPLOADS, BucketBackend, owner
from skiff.services.s3.exceptions import invalid_argument
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

T = TypeVar("T")
MAX_KEYS = 1000


@dataclass
class Page(Generic[T]):
    """One page of a listing: items (with their keys), common prefixes, and where it stopped."""

    items: list[tuple[str, T]] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    last: str | None = None  # the last key or prefix returned


def page(
    entries: Iterable[tuple[str, T]],
    *,
    prefix: str = "",
    delimiter: str = "",
    after: str | None = None,
    limit: int = MAX_KEYS,
) -> Page[T]:
    """Walk `entries` (sorted by key) into one page of at most `limit` keys and prefixes."""
    out: Page[T] = Page()
    count = 0
    for key, item in entries:
        if not key.startswith(prefix):
            if key > prefix:
                break
            continue
        name, rolled = key, False
        if delimiter:
            at = key.find(delimiter, len(prefix))
            if at >= 0:
                name, rolled = key[: at + len(delimiter)], True
        if after is not None and name <= after:
            continue
        if rolled and out.prefixes and out.prefixes[-1] == name:
            continue
        if count >= limit:
            out.truncated = True
            break
        if rolled:
            out.prefixes.append(name)
        else:
            out.items.append((key, item))
        out.last = name
        count += 1
    return out


def encoder(encoding: str | None) -> Any:
    """The function applied to key-like reply values (percent-encoding for `url`)."""
    if encoding == "url":
        return lambda text: quote(text, safe="/")
    return lambda text: text


def max_keys(value: int | None, name: str = "max-keys") -> int:
    if value is None:
        return MAX_KEYS
    if value < 0:
        raise invalid_argument(f"Argument {name} must be an integer between 0 and 2147483647", name, value)
    return min(value, MAX_KEYS)


def object_entry(key: str, doc: Document, *, with_owner: bool, account: str) -> Document:
    entry: Document = {
        "Key": key,
        "LastModified": doc["LastModified"],
        "ETag": doc["ETag"],
        "Size": doc["Size"],
        "StorageClass": doc.get("StorageClass", "STANDARD"),
    }
    if doc.get("Checksums"):
        entry["ChecksumAlgorithm"] = sorted(doc["Checksums"])
        entry["ChecksumType"] = doc.get("ChecksumType", "FULL_OBJECT")
    if with_owner:
        entry["Owner"] = owner(account)
    return entry


class ListingBackend:
    """Reads keys of objects and multipart uploads for the list operations."""

    def __init__(self, store: Store, buckets: BucketBackend) -> None:
        self.store = store
        self.buckets = buckets

    def _objects(self, bucket: str) -> list[tuple[str, Document]]:
        docs = self.store.find(OBJECTS, {"bucket": bucket}, order_by=("object_key",))
        return [(doc["Key"], doc) for doc in docs]

    def list_objects(self, scope: Scope, bucket: str, params: Mapping[str, Any]) -> Document:
        """ListObjects (v1): Marker / NextMarker (NextMarker only with a delimiter, as S3)."""
        bucket_doc = self.buckets.require(scope, bucket)
        prefix, delimiter = params.get("Prefix") or "", params.get("Delimiter") or ""
        marker = params.get("Marker") or ""
        limit = max_keys(params.get("MaxKeys"))
        found = page(
            self._objects(bucket), prefix=prefix, delimiter=delimiter, after=marker or None, limit=limit
        )
        enc = encoder(params.get("EncodingType"))
        out: Document = {
            "Name": bucket,
            "Prefix": enc(prefix),
            "Marker": enc(marker),
            "MaxKeys": limit,
            "IsTruncated": found.truncated,
            "Contents": [
                object_entry(enc(key), doc, with_owner=True, account=bucket_doc["Owner"])
                for key, doc in found.items
            ],
            "CommonPrefixes": [{"Prefix": enc(p)} for p in found.prefixes],
        }
        if delimiter:
            out["Delimiter"] = enc(delimiter)
            if found.truncated and found.last is not None:
                out["NextMarker"] = enc(found.last)
        if params.get("EncodingType"):
            out["EncodingType"] = params["EncodingType"]
        return out

    def list_objects_v2(self, scope: Scope, bucket: str, params: Mapping[str, Any]) -> Document:
        """ListObjectsV2: StartAfter, opaque continuation tokens, KeyCount, FetchOwner."""
        bucket_doc = self.buckets.require(scope, bucket)
        prefix, delimiter = params.get("Prefix") or "", params.get("Delimiter") or ""
        limit = max_keys(params.get("MaxKeys"))
        token = params.get("ContinuationToken")
        after = params.get("StartAfter") or None
        if token is not None:
            try:
                after = str(decode_token(token))
            except BadToken as exc:
                raise invalid_argument(
                    "The continuation token provided is incorrect", "continuation-token", token
                ) from exc
        found = page(self._objects(bucket), prefix=prefix, delimiter=delimiter, after=after, limit=limit)
        enc = encoder(params.get("EncodingType"))
        with_owner = bool(params.get("FetchOwner"))
        out: Document = {
            "Name": bucket,
            "Prefix": enc(prefix),
            "MaxKeys": limit,
            "KeyCount": len(found.items) + len(found.prefixes),
            "IsTruncated": found.truncated,
            "Contents": [
                object_entry(enc(key), doc, with_owner=with_owner, account=bucket_doc["Owner"])
                for key, doc in found.items
            ],
            "CommonPrefixes": [{"Prefix": enc(p)} for p in found.prefixes],
        }
        if delimiter:
            out["Delimiter"] = enc(delimiter)
        if token is not None:
            out["ContinuationToken"] = token
        if params.get("StartAfter"):
            out["StartAfter"] = enc(params["StartAfter"])
        if found.truncated and found.last is not None:
            out["NextContinuationToken"] = encode_token(found.last)
        if params.get("EncodingType"):
            out["EncodingType"] = params["EncodingType"]
        return out

    def list_uploads(self, scope: Scope, bucket: str, params: Mapping[str, Any]) -> Document:
        """ListMultipartUploads: by key, then initiation; KeyMarker / UploadIdMarker."""
        bucket_doc = self.buckets.require(scope, bucket)
        prefix, delimiter = params.get("Prefix") or "", params.get("Delimiter") or ""
        limit = max_keys(params.get("MaxUploads"), "max-uploads")
        key_marker = params.get("KeyMarker") or ""
        upload_marker = params.get("UploadIdMarker") or ""
        uploads = sorted(
            self.store.find(UPLOADS, {"bucket": bucket}),
            key=lambda u: (u["Key"].encode("utf-8"), u["Initiated"], u.get("Seq", 0)),
        )
        entries = [(u["Key"], u) for u in uploads]
        after: str | None = key_marker or None
        if key_marker and upload_marker:
            ids = [u["UploadId"] for k, u in entries if k == key_marker]
            keep = ids[ids.index(upload_marker) + 1 :] if upload_marker in ids else []
            entries = [
                (k, u) for k, u in entries if k > key_marker or (k == key_marker and u["UploadId"] in keep)
            ]
            after = None
        found = page(entries, prefix=prefix, delimiter=delimiter, after=after, limit=limit)
        enc = encoder(params.get("EncodingType"))
        account = bucket_doc["Owner"]
        out: Document = {
            "Bucket": bucket,
            "KeyMarker": enc(key_marker),
            "UploadIdMarker": upload_marker,
            "Prefix": enc(prefix),
            "MaxUploads": limit,
            "IsTruncated": found.truncated,
            "Uploads": [
                {
                    "UploadId": u["UploadId"],
                    "Key": enc(key),
                    "Initiated": u["Initiated"],
                    "StorageClass": u["Settings"].get("StorageClass", "STANDARD"),
                    "Owner": owner(account),
                    "Initiator": owner(account),
                    **({"ChecksumAlgorithm": u["ChecksumAlgorithm"]} if u.get("ChecksumAlgorithm") else {}),
                }
                for key, u in found.items
            ],
            "CommonPrefixes": [{"Prefix": enc(p)} for p in found.prefixes],
        }
        if delimiter:
            out["Delimiter"] = enc(delimiter)
        if found.truncated and found.last is not None:
            out["NextKeyMarker"] = enc(found.last)
            if found.items and found.items[-1][0] == found.last:
                out["NextUploadIdMarker"] = found.items[-1][1]["UploadId"]
        if params.get("EncodingType"):
            out["EncodingType"] = params["EncodingType"]
        return out
