"""Copies: CopyObject, and the source side of UploadPartCopy.

A copied object shares its source's body: bodies never change once written, so the copy is a hard
link (or a byte copy where links fail) under a new body id, with its own metadata record. The
metadata is copied (`COPY`, the default) or taken from the request (`REPLACE`); tags likewise with
the tagging directive. Copying an object onto itself without changing anything is refused, as S3
does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from skiff.services.s3.buckets import BODIES, now
from skiff.services.s3.checksums import BodyDigest, checksum_fields
from skiff.services.s3.conditions import check_preconditions
from skiff.services.s3.exceptions import invalid_argument, invalid_request
from skiff.services.s3.objects import (
    READ_ATTEMPTS,
    ObjectBackend,
    check_key,
    check_version,
    object_settings,
    parse_tagging,
)
from skiff.services.s3.storage import new_body_id
from skiff.state.scope import Scope
from skiff.store.base import Document

_COPY_RANGE = re.compile(r"bytes=(\d+)-(\d+)")


def parse_copy_source(raw: str) -> tuple[str, str]:
    """`x-amz-copy-source` (`bucket/key` or `/bucket/key`, URL-encoded, `?versionId=`)."""
    path, _, query = raw.partition("?")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "versionId":
            check_version(value)
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    if not bucket or not key:
        raise invalid_argument("Invalid copy source object key", "x-amz-copy-source", raw)
    return bucket, key


def _copy_range(raw: str | None, size: int) -> tuple[int, int] | None:
    """`x-amz-copy-source-range: bytes=first-last`, which must lie inside the source."""
    if not raw:
        return None
    found = _COPY_RANGE.fullmatch(raw.strip())
    if found is None or int(found.group(2)) >= size or int(found.group(1)) > int(found.group(2)):
        raise invalid_argument(
            f"Range specified is not valid for source object of size: {size}", "x-amz-copy-source-range", raw
        )
    return int(found.group(1)), int(found.group(2))


class CopyBackend:
    """CopyObject and UploadPartCopy sources, over the object backend."""

    def __init__(self, objects: ObjectBackend) -> None:
        self.objects = objects

    def copy(self, scope: Scope, bucket: str, key: str, params: Mapping[str, Any]) -> Document:
        """CopyObject: the body is shared (hard link); metadata copied or replaced."""
        bucket_doc = self.objects.buckets.require(scope, bucket)
        check_key(key)
        source_bucket, source_key = parse_copy_source(str(params["CopySource"]))
        source_bucket_doc = self.objects.buckets.require(scope, source_bucket)
        replace = params.get("MetadataDirective") == "REPLACE"
        same = (source_bucket, source_key) == (bucket, key)
        for _ in range(READ_ATTEMPTS):
            source = self.objects.require(source_bucket, source_key)
            check_preconditions(
                source,
                if_match=params.get("CopySourceIfMatch"),
                if_none_match=params.get("CopySourceIfNoneMatch"),
                if_modified_since=params.get("CopySourceIfModifiedSince"),
                if_unmodified_since=params.get("CopySourceIfUnmodifiedSince"),
                copy_source=True,
            )
            if (
                same
                and not replace
                and not params.get("StorageClass")
                and not params.get("WebsiteRedirectLocation")
            ):
                raise invalid_request(
                    "This copy request is illegal because it is trying to copy an object to itself without "
                    "changing the object's metadata, storage class, website redirect location or encryption "
                    "attributes."
                )
            body = self.objects.store.get(BODIES, source["BodyId"])
            body_id = new_body_id()
            path = self.objects.body_path(bucket_doc, body_id)
            try:
                if body is None:
                    raise FileNotFoundError(source["BodyId"])
                self.objects.bodies.link(self.objects.body_path(source_bucket_doc, source["BodyId"]), path)
            except FileNotFoundError:
                self.objects.buckets.require(scope, bucket)  # deleted meanwhile: NoSuchBucket
                if self.objects.still_current(source_bucket, source_key, source):
                    raise self.objects.missing(source_bucket_doc, source) from None
                continue
            doc = self._copied(source, key, params, replace, body_id)
            digest = BodyDigest(source["Size"], "", source["Sha256"], body["Blocks"])
            try:
                self.objects.install(scope, bucket_doc, doc, digest, params)
            except BaseException:
                self.objects.bodies.remove(path)
                raise
            result: Document = {"ETag": doc["ETag"], "LastModified": doc["LastModified"]}
            if doc.get("Checksums"):
                result.update(checksum_fields(doc["Checksums"]))
                result["ChecksumType"] = doc.get("ChecksumType", "FULL_OBJECT")
            return {"CopyObjectResult": result, "ServerSideEncryption": "AES256"}
        raise self.objects.missing(source_bucket_doc, self.objects.require(source_bucket, source_key))

    def read_source(self, scope: Scope, params: Mapping[str, Any]) -> bytes:
        """UploadPartCopy's source bytes: `x-amz-copy-source`, its conditions and its range."""
        source_bucket, source_key = parse_copy_source(str(params["CopySource"]))
        bucket_doc = self.objects.buckets.require(scope, source_bucket)
        for _ in range(READ_ATTEMPTS):
            doc = self.objects.require(source_bucket, source_key)
            check_preconditions(
                doc,
                if_match=params.get("CopySourceIfMatch"),
                if_none_match=params.get("CopySourceIfNoneMatch"),
                if_modified_since=params.get("CopySourceIfModifiedSince"),
                if_unmodified_since=params.get("CopySourceIfUnmodifiedSince"),
                copy_source=True,
            )
            span = _copy_range(params.get("CopySourceRange"), doc["Size"])
            try:
                return self.objects.read_body(bucket_doc, doc, span)
            except FileNotFoundError:
                if self.objects.still_current(source_bucket, source_key, doc):
                    raise self.objects.missing(bucket_doc, doc) from None
        raise self.objects.missing(bucket_doc, self.objects.require(source_bucket, source_key))

    @staticmethod
    def _copied(
        source: Document, key: str, params: Mapping[str, Any], replace: bool, body_id: str
    ) -> Document:
        doc = {k: v for k, v in source.items() if k not in ("Tags",)}
        if replace:
            settings = object_settings(params)
            settings.pop("Tags", None)
            doc.update(settings)
        elif params.get("StorageClass"):
            doc["StorageClass"] = params["StorageClass"]
        if params.get("TaggingDirective") == "REPLACE":
            if params.get("Tagging"):
                doc["Tags"] = parse_tagging(str(params["Tagging"]))
        elif source.get("Tags"):
            doc["Tags"] = source["Tags"]
        doc.update(Key=key, LastModified=now(), BodyId=body_id)
        return doc
