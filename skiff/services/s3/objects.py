"""S3 objects: put, get/head (ranges, conditions), delete (one or many), tags (copies: copies.py).

An object is a document in `s3_objects` (key, size, ETag, checksums, content type, user metadata,
last modified, the id of its body) plus its body on disk (see `storage.py`) and the body's block
digests in `s3_bodies`. A write stores the body first, then switches the metadata to it in one
transaction (where conditional writes are checked) and only then removes the body it replaced,
so readers see the old object or the new one, never a mix. `get_object_bytes` serves skiff
itself (the ECS task runtime reads environment files with it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from skiff.services.s3.buckets import BODIES, OBJECTS, BucketBackend, check_tags, now
from skiff.services.s3.checksums import (
    BodyDigest,
    checksum_fields,
    requested_algorithms,
    verify_body,
)
from skiff.services.s3.conditions import (
    check_preconditions,
    check_write_conditions,
    etag_matches,
    parse_range,
)
from skiff.services.s3.exceptions import (
    BodyCorrupted,
    BucketNotFound,
    ObjectNotFound,
    S3Error,
    invalid_argument,
    invalid_request,
    malformed_xml,
    precondition_failed,
    s3_error,
)
from skiff.services.s3.storage import BodyStore, new_body_id
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

DEFAULT_CONTENT_TYPE = "binary/octet-stream"
MAX_KEY_BYTES = 1024
MAX_METADATA_BYTES = 2048
# Stored and returned as given (headers of PutObject / CreateMultipartUpload / CopyObject).
PROPERTIES = (
    "CacheControl",
    "ContentDisposition",
    "ContentEncoding",
    "ContentLanguage",
    "Expires",
    "WebsiteRedirectLocation",
)
# GetObject's response-* query parameters -> the output member they replace.
OVERRIDES = {
    "ResponseCacheControl": "CacheControl",
    "ResponseContentDisposition": "ContentDisposition",
    "ResponseContentEncoding": "ContentEncoding",
    "ResponseContentLanguage": "ContentLanguage",
    "ResponseContentType": "ContentType",
    "ResponseExpires": "Expires",
}
READ_ATTEMPTS = 3


def object_pk(bucket: str, key: str) -> str:
    return f"{bucket}/{key}"


def check_key(key: str) -> None:
    size = len(key.encode("utf-8"))
    if size > MAX_KEY_BYTES:
        raise s3_error("KeyTooLongError", "Your key is too long", Size=size, MaxSizeAllowed=MAX_KEY_BYTES)


def check_version(version_id: str | None) -> None:
    """Buckets are unversioned: the only version id is `null`."""
    if version_id is not None and version_id != "null":
        raise invalid_argument("Invalid version id specified", "versionId", version_id)


def object_settings(params: Mapping[str, Any]) -> Document:
    """Content type, user metadata, properties, storage class and tags from a write's members."""
    metadata = {str(k): str(v) for k, v in (params.get("Metadata") or {}).items()}
    size = sum(len(k.encode()) + len(v.encode()) for k, v in metadata.items())
    if size > MAX_METADATA_BYTES:
        raise s3_error(
            "MetadataTooLarge",
            "Your metadata headers exceed the maximum allowed metadata size",
            Size=size,
            MaxSizeAllowed=MAX_METADATA_BYTES,
        )
    settings: Document = {
        "ContentType": params.get("ContentType") or DEFAULT_CONTENT_TYPE,
        "Metadata": metadata,
        "Properties": {name: params[name] for name in PROPERTIES if params.get(name) is not None},
        "StorageClass": params.get("StorageClass") or "STANDARD",
    }
    if params.get("Tagging"):
        settings["Tags"] = parse_tagging(str(params["Tagging"]))
    return settings


def parse_tagging(header: str) -> list[Document]:
    """`x-amz-tagging: k1=v1&k2=v2` as a tag set."""
    return check_tags([{"Key": k, "Value": v} for k, v in parse_qsl(header, keep_blank_values=True)], 10)


def describe(doc: Document, params: Mapping[str, Any], *, checksums: bool) -> Document:
    """HeadObject / GetObject output members of an object (without the body)."""
    out: Document = {
        "ETag": doc["ETag"],
        "LastModified": doc["LastModified"],
        "ContentLength": doc["Size"],
        "ContentType": doc["ContentType"],
        "AcceptRanges": "bytes",
        "ServerSideEncryption": "AES256",
        **doc.get("Properties", {}),
    }
    if doc.get("Metadata"):
        out["Metadata"] = dict(doc["Metadata"])
    if doc.get("StorageClass", "STANDARD") != "STANDARD":
        out["StorageClass"] = doc["StorageClass"]
    if doc.get("Tags"):
        out["TagCount"] = len(doc["Tags"])
    if checksums and doc.get("Checksums"):
        out.update(checksum_fields(doc["Checksums"]))
        out["ChecksumType"] = doc.get("ChecksumType", "FULL_OBJECT")
    for member, target in OVERRIDES.items():
        if params.get(member) is not None:
            out[target] = params[member]
    return out


class ObjectBackend:
    """Objects in buckets; bodies through a `BodyStore`."""

    def __init__(self, store: Store, bodies: BodyStore, buckets: BucketBackend) -> None:
        self.store = store
        self.bodies = bodies
        self.buckets = buckets

    # -- lookups ------------------------------------------------------------------------------
    def find(self, bucket: str, key: str) -> Document | None:
        return self.store.get(OBJECTS, object_pk(bucket, key))

    def require(self, bucket: str, key: str) -> Document:
        doc = self.find(bucket, key)
        if doc is None:
            raise ObjectNotFound(bucket, key)
        return doc

    def body_path(self, bucket_doc: Document, body_id: str) -> Path:
        return self.bodies.object_path(bucket_doc["Owner"], bucket_doc["Name"], body_id)

    # -- writing ------------------------------------------------------------------------------
    def install(
        self,
        scope: Scope,
        bucket_doc: Document,
        doc: Document,
        digest: BodyDigest,
        conditions: Mapping[str, Any],
        within: Callable[[], None] | None = None,
    ) -> None:
        """Make `doc` (whose body is written) the object under its key, atomically.

        `within` runs inside the same transaction (multipart completion removes its upload)."""
        bucket, key = bucket_doc["Name"], doc["Key"]
        with self.store.transaction():
            self.buckets.require(scope, bucket)
            old = self.find(bucket, key)
            check_write_conditions(old, conditions, key)
            if within is not None:
                within()
            body = {"Size": digest.size, "Sha256": digest.sha256, "Blocks": digest.blocks}
            self.store.put(BODIES, doc["BodyId"], body, bucket=bucket)
            self.store.put(OBJECTS, object_pk(bucket, key), doc, bucket=bucket, object_key=key)
            if old is not None and old["BodyId"] != doc["BodyId"]:
                self.store.delete(BODIES, old["BodyId"])
        if old is not None and old["BodyId"] != doc["BodyId"]:
            self.bodies.remove(self.body_path(bucket_doc, old["BodyId"]))

    def put(self, scope: Scope, bucket: str, key: str, data: bytes, params: Mapping[str, Any]) -> Document:
        """PutObject: store the body and its metadata; ETag is the quoted MD5."""
        bucket_doc = self.buckets.require(scope, bucket)
        check_key(key)
        settings = object_settings(params)
        body_id = new_body_id()
        path = self.body_path(bucket_doc, body_id)
        try:
            digest = self.bodies.write_bytes(path, data, requested_algorithms(params))
        except FileNotFoundError:
            self.buckets.require(scope, bucket)  # deleted meanwhile: NoSuchBucket
            raise
        try:
            checksums = verify_body(digest, params)
            doc: Document = {
                "Key": key,
                "Size": digest.size,
                "ETag": digest.etag,
                "LastModified": now(),
                **settings,
                "Checksums": checksums,
                "Sha256": digest.sha256,
                "BodyId": body_id,
            }
            if checksums:
                doc["ChecksumType"] = "FULL_OBJECT"
            self.install(scope, bucket_doc, doc, digest, params)
        except BaseException:
            self.bodies.remove(path)
            raise
        out: Document = {"ETag": digest.etag, "ServerSideEncryption": "AES256", **checksum_fields(checksums)}
        if checksums:
            out["ChecksumType"] = "FULL_OBJECT"
        return out

    # -- reading ------------------------------------------------------------------------------
    def read(self, scope: Scope, bucket: str, key: str, params: Mapping[str, Any], *, body: bool) -> Document:
        """GetObject (`body=True`) or HeadObject output members."""
        bucket_doc = self.buckets.require(scope, bucket)
        check_version(params.get("VersionId"))
        for _ in range(READ_ATTEMPTS):
            doc = self.require(bucket, key)
            check_preconditions(
                doc,
                if_match=params.get("IfMatch"),
                if_none_match=params.get("IfNoneMatch"),
                if_modified_since=params.get("IfModifiedSince"),
                if_unmodified_since=params.get("IfUnmodifiedSince"),
            )
            span, parts = self._span(doc, params)
            out = describe(doc, params, checksums=params.get("ChecksumMode") == "ENABLED" and span is None)
            if span is not None:
                out["ContentRange"] = f"bytes {span[0]}-{span[1]}/{doc['Size']}"
                out["ContentLength"] = span[1] - span[0] + 1
            if parts is not None:
                out["PartsCount"] = parts
            if not body:
                return out
            try:
                out["Body"] = self.read_body(bucket_doc, doc, span)
            except FileNotFoundError:
                if self.still_current(bucket, key, doc):
                    raise self.missing(bucket_doc, doc) from None
                continue
            return out
        raise self.missing(bucket_doc, self.require(bucket, key))

    def get_object_bytes(self, scope_account: str, bucket: str, key: str) -> bytes:
        """The whole body of `s3://bucket/key` in the account, verified (for skiff's own use).

        Raises `BucketNotFound`, `ObjectNotFound` or `BodyCorrupted`."""
        bucket_doc = self.buckets.find(bucket)
        if bucket_doc is None or bucket_doc["Owner"] != scope_account:
            raise BucketNotFound(bucket)
        for _ in range(READ_ATTEMPTS):
            doc = self.require(bucket, key)
            try:
                return self.read_body(bucket_doc, doc, None)
            except FileNotFoundError:
                if self.still_current(bucket, key, doc):
                    raise self.missing(bucket_doc, doc) from None
        raise self.missing(bucket_doc, self.require(bucket, key))

    def _span(self, doc: Document, params: Mapping[str, Any]) -> tuple[tuple[int, int] | None, int | None]:
        """The byte span to serve and, for partNumber reads, the object's part count."""
        part = params.get("PartNumber")
        if part is None:
            return parse_range(params.get("Range"), doc["Size"]), None
        if params.get("Range"):
            raise invalid_request("Cannot specify both Range header and partNumber query parameter")
        sizes: list[int] = doc.get("PartSizes") or [doc["Size"]]
        if not 1 <= part <= len(sizes):
            raise s3_error(
                "InvalidPartNumber",
                "The requested partnumber is not satisfiable",
                416,
                PartNumberRequested=part,
                ActualPartCount=len(sizes),
            )
        if len(sizes) == 1 or sizes[part - 1] == 0:
            return None, len(sizes)
        start = sum(sizes[: part - 1])
        return (start, start + sizes[part - 1] - 1), len(sizes)

    def read_body(self, bucket_doc: Document, doc: Document, span: tuple[int, int] | None) -> bytes:
        body = self.store.get(BODIES, doc["BodyId"])
        path = self.body_path(bucket_doc, doc["BodyId"])
        if body is None:
            raise self.bodies.corrupted(path, "no digests recorded")
        start, end = span if span is not None else (0, doc["Size"] - 1)
        return self.bodies.read(path, doc["Size"], body["Blocks"], start, end)

    def still_current(self, bucket: str, key: str, doc: Document) -> bool:
        """Whether `doc` is still the object (a vanished body then means damage, not a race)."""
        current = self.find(bucket, key)
        return current is not None and current["BodyId"] == doc["BodyId"]

    def missing(self, bucket_doc: Document, doc: Document) -> BodyCorrupted:
        return self.bodies.corrupted(self.body_path(bucket_doc, doc["BodyId"]), "body file is missing")

    # -- deleting -----------------------------------------------------------------------------
    def delete(self, scope: Scope, bucket: str, key: str, params: Mapping[str, Any]) -> None:
        """DeleteObject: idempotent; `If-Match` makes it conditional."""
        bucket_doc = self.buckets.require(scope, bucket)
        check_version(params.get("VersionId"))
        self._delete_one(bucket_doc, key, params.get("IfMatch"))

    def _delete_one(self, bucket_doc: Document, key: str, if_match: str | None) -> None:
        with self.store.transaction():
            body_id = self._forget(bucket_doc["Name"], key, if_match)
        if body_id is not None:
            self.bodies.remove(self.body_path(bucket_doc, body_id))

    def _forget(self, bucket: str, key: str, if_match: str | None) -> str | None:
        """Remove the object's records (inside a transaction); returns its body id, if it existed."""
        old = self.find(bucket, key)
        if if_match is not None:
            if old is None:
                raise ObjectNotFound(bucket, key)
            if not etag_matches(if_match, old["ETag"]):
                raise precondition_failed("If-Match")
        if old is None:
            return None
        self.store.delete(OBJECTS, object_pk(bucket, key))
        self.store.delete(BODIES, old["BodyId"])
        return str(old["BodyId"])

    def delete_many(self, scope: Scope, bucket: str, request: Mapping[str, Any]) -> Document:
        """DeleteObjects: per-key results, one transaction; `Quiet` reports errors only."""
        bucket_doc = self.buckets.require(scope, bucket)
        items = request.get("Objects") or []
        if not items or len(items) > 1000:
            raise malformed_xml()
        quiet = bool(request.get("Quiet"))
        deleted: list[Document] = []
        errors: list[Document] = []
        removed: list[str] = []
        with self.store.transaction():
            for item in items:
                key, version = str(item.get("Key", "")), item.get("VersionId")
                entry: Document = {"Key": key}
                if version is not None:
                    entry["VersionId"] = version
                try:
                    if version is not None and version != "null":
                        raise s3_error("NoSuchVersion", "The specified version does not exist.", 404)
                    check_key(key)
                    body_id = self._forget(bucket, key, item.get("ETag"))
                except S3Error as error:
                    errors.append({**entry, "Code": error.code, "Message": error.message})
                    continue
                if body_id is not None:
                    removed.append(body_id)
                if not quiet:
                    deleted.append(entry)
        for body_id in removed:
            self.bodies.remove(self.body_path(bucket_doc, body_id))
        return {"Deleted": deleted, "Errors": errors}

    # -- tags ---------------------------------------------------------------------------------
    def get_tags(self, scope: Scope, bucket: str, key: str, version_id: str | None) -> list[Document]:
        self.buckets.require(scope, bucket)
        check_version(version_id)
        return list(self.require(bucket, key).get("Tags") or [])

    def put_tags(
        self, scope: Scope, bucket: str, key: str, version_id: str | None, tags: list[Document] | None
    ) -> None:
        checked = check_tags(tags or [], 10)
        self.buckets.require(scope, bucket)
        check_version(version_id)
        with self.store.transaction():
            doc = self.require(bucket, key)
            if checked:
                doc["Tags"] = checked
            else:
                doc.pop("Tags", None)
            self.store.put(OBJECTS, object_pk(bucket, key), doc, bucket=bucket, object_key=key)
