"""Multipart uploads: create, upload parts, complete, abort, list parts.

Each part is a body under `uploads/<upload id>/` with its MD5 (the part's ETag), SHA-256 and
checksums in `s3_parts`. Completion checks the part list as S3 does (ascending numbers, known
parts with matching ETags, every part but the last at least 5 MiB), streams the chosen parts into
one new object body while verifying each part's SHA-256, and then, in one transaction, installs
the object and forgets the upload. The object's ETag is the MD5 of the parts' binary MD5s followed
by `-<number of parts>`; a COMPOSITE checksum is the checksum of the parts' checksums, a
FULL_OBJECT one (CRC32) is computed over the whole body.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from skiff.services.s3.buckets import PARTS, UPLOADS, BucketBackend, now, owner
from skiff.services.s3.checksums import (
    CHECKSUM_MEMBERS,
    COMPUTABLE,
    checksum_fields,
    composite_checksum,
    multipart_etag,
    requested_algorithms,
    sent_checksums,
    verify_body,
)
from skiff.services.s3.copies import CopyBackend
from skiff.services.s3.exceptions import (
    invalid_argument,
    invalid_request,
    malformed_xml,
    no_such_upload,
    s3_error,
)
from skiff.services.s3.objects import ObjectBackend, check_key, object_settings
from skiff.services.s3.storage import BodyStore, new_body_id
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_NUMBER = 10000
MAX_PARTS_LISTED = 1000
_CRC_ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME")


def part_pk(upload_id: str, part_number: int) -> str:
    return f"{upload_id}/{part_number:05d}"


def _invalid_part(upload_id: str, part: Mapping[str, Any]) -> Exception:
    return s3_error(
        "InvalidPart",
        "One or more of the specified parts could not be found.  The part may not have been uploaded, "
        "or the specified entity tag may not match the part's entity tag.",
        UploadId=upload_id,
        PartNumber=part.get("PartNumber"),
        ETag=part.get("ETag"),
    )


class MultipartBackend:
    """Multipart uploads of every bucket."""

    def __init__(
        self,
        store: Store,
        bodies: BodyStore,
        buckets: BucketBackend,
        objects: ObjectBackend,
        copies: CopyBackend,
    ) -> None:
        self.store = store
        self.bodies = bodies
        self.buckets = buckets
        self.objects = objects
        self.copies = copies

    def require(self, bucket: str, key: str, upload_id: str) -> Document:
        doc = self.store.get(UPLOADS, upload_id)
        if doc is None or doc["Bucket"] != bucket or doc["Key"] != key:
            raise no_such_upload(upload_id)
        return doc

    def parts(self, upload_id: str) -> list[Document]:
        return self.store.find(PARTS, {"upload_id": upload_id}, order_by=("part_number",))

    # -- operations ---------------------------------------------------------------------------
    def create(self, scope: Scope, bucket: str, key: str, params: Mapping[str, Any]) -> Document:
        """CreateMultipartUpload: remembers the object's settings until completion."""
        self.buckets.require(scope, bucket)
        check_key(key)
        settings = object_settings(params)
        algorithm = params.get("ChecksumAlgorithm")
        kind = params.get("ChecksumType")
        if kind and not algorithm:
            raise invalid_request(
                "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header."
            )
        if algorithm and not kind:
            kind = "FULL_OBJECT" if algorithm == "CRC64NVME" else "COMPOSITE"
        if kind == "FULL_OBJECT" and algorithm not in _CRC_ALGORITHMS:
            raise invalid_request(
                "The FULL_OBJECT checksum type cannot be used with the "
                f"{str(algorithm).lower()} checksum algorithm."
            )
        upload_id = new_body_id() + new_body_id()
        doc: Document = {
            "UploadId": upload_id,
            "Bucket": bucket,
            "Key": key,
            "Initiated": now(),
            "Seq": self.store.next_number("s3-upload"),  # orders uploads of one key started in one ms
            "Settings": settings,
        }
        if algorithm:
            doc["ChecksumAlgorithm"] = algorithm
            doc["ChecksumType"] = kind
        self.store.put(UPLOADS, upload_id, doc, bucket=bucket, object_key=key)
        out: Document = {
            "Bucket": bucket,
            "Key": key,
            "UploadId": upload_id,
            "ServerSideEncryption": "AES256",
        }
        if algorithm:
            out.update(ChecksumAlgorithm=algorithm, ChecksumType=kind)
        return out

    def upload_part(
        self, scope: Scope, bucket: str, key: str, params: Mapping[str, Any], data: bytes
    ) -> Document:
        """UploadPart: the part's ETag is the quoted MD5 of its bytes."""
        part = self._store_part(scope, bucket, key, params, data)
        return {"ETag": part["ETag"], "ServerSideEncryption": "AES256", **checksum_fields(part["Checksums"])}

    def upload_part_copy(self, scope: Scope, bucket: str, key: str, params: Mapping[str, Any]) -> Document:
        """UploadPartCopy: a part made of (a range of) another object."""
        self.require(bucket, key, str(params["UploadId"]))
        data = self.copies.read_source(scope, params)
        part = self._store_part(scope, bucket, key, params, data)
        result: Document = {"ETag": part["ETag"], "LastModified": part["LastModified"]}
        result.update(checksum_fields(part["Checksums"]))
        return {"CopyPartResult": result, "ServerSideEncryption": "AES256"}

    def _store_part(
        self, scope: Scope, bucket: str, key: str, params: Mapping[str, Any], data: bytes
    ) -> Document:
        bucket_doc = self.buckets.require(scope, bucket)
        upload_id, number = str(params["UploadId"]), int(params["PartNumber"])
        upload = self.require(bucket, key, upload_id)
        if not 1 <= number <= MAX_PART_NUMBER:
            raise invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive", "partNumber", number
            )
        expected = upload.get("ChecksumAlgorithm")
        sent = sent_checksums(params)
        if expected and sent and set(sent) != {expected}:
            raise invalid_request(
                f"Checksum Type mismatch occurred, expected checksum Type: {str(expected).lower()}, "
                f"actual checksum Type: {next(iter(sent)).lower()}"
            )
        body_id = new_body_id()
        path = self.bodies.part_path(bucket_doc["Owner"], bucket, upload_id, body_id)
        try:
            digest = self.bodies.write_bytes(path, data, requested_algorithms(params, expected))
        except FileNotFoundError:
            self.require(bucket, key, upload_id)  # aborted or completed meanwhile: NoSuchUpload
            raise
        try:
            part: Document = {
                "PartNumber": number,
                "ETag": digest.etag,
                "Size": digest.size,
                "LastModified": now(),
                "Md5": digest.md5,
                "Sha256": digest.sha256,
                "BodyId": body_id,
                "Checksums": verify_body(digest, params),
            }
            with self.store.transaction():
                self.require(bucket, key, upload_id)
                old = self.store.get(PARTS, part_pk(upload_id, number))
                self.store.put(
                    PARTS, part_pk(upload_id, number), part, upload_id=upload_id, part_number=number
                )
        except BaseException:
            self.bodies.remove(path)
            raise
        if old is not None:
            self.bodies.remove(self.bodies.part_path(bucket_doc["Owner"], bucket, upload_id, old["BodyId"]))
        return part

    def complete(self, scope: Scope, bucket: str, key: str, params: Mapping[str, Any]) -> Document:
        """CompleteMultipartUpload: assemble the listed parts into the object."""
        bucket_doc = self.buckets.require(scope, bucket)
        upload_id = str(params["UploadId"])
        upload = self.require(bucket, key, upload_id)
        requested = (params.get("MultipartUpload") or {}).get("Parts") or []
        chosen = self._chosen_parts(upload_id, requested)
        total = sum(p["Size"] for p in chosen)
        if params.get("MpuObjectSize") is not None and int(params["MpuObjectSize"]) != total:
            raise invalid_request(
                f"The provided 'x-amz-mp-object-size' header value {params['MpuObjectSize']} does not match "
                f"what was computed: {total}"
            )
        algorithm, kind = upload.get("ChecksumAlgorithm"), upload.get("ChecksumType")
        full = [algorithm] if kind == "FULL_OBJECT" and algorithm in COMPUTABLE else []
        owner_account = bucket_doc["Owner"]
        sources = (
            self.bodies.read_verified_chunks(
                self.bodies.part_path(owner_account, bucket, upload_id, p["BodyId"]), p["Size"], p["Sha256"]
            )
            for p in chosen
        )
        body_id = new_body_id()
        path = self.objects.body_path(bucket_doc, body_id)
        try:
            digest = self.bodies.write(path, itertools.chain.from_iterable(sources), full)
        except FileNotFoundError as exc:
            self.require(bucket, key, upload_id)  # completed or aborted meanwhile: NoSuchUpload
            raise self.bodies.corrupted(path.parent, f"a part of upload {upload_id} is missing") from exc
        try:
            checksums = self._object_checksums(algorithm, kind, chosen, digest.checksums, params)
            doc: Document = {
                "Key": key,
                "Size": digest.size,
                "ETag": multipart_etag([p["Md5"] for p in chosen]),
                "LastModified": now(),
                **upload["Settings"],
                "Checksums": checksums,
                "Sha256": digest.sha256,
                "BodyId": body_id,
                "PartSizes": [p["Size"] for p in chosen],
            }
            if checksums:
                doc["ChecksumType"] = kind

            def forget_upload() -> None:
                self.require(bucket, key, upload_id)
                self._forget(upload_id)

            self.objects.install(scope, bucket_doc, doc, digest, params, within=forget_upload)
        except BaseException:
            self.bodies.remove(path)
            raise
        self.bodies.remove_tree(self.bodies.upload_dir(owner_account, bucket, upload_id))
        out: Document = {
            "Location": f"/{bucket}/{quote(key)}",
            "Bucket": bucket,
            "Key": key,
            "ETag": doc["ETag"],
            "ServerSideEncryption": "AES256",
            **checksum_fields(checksums),
        }
        if checksums:
            out["ChecksumType"] = kind
        return out

    def _chosen_parts(self, upload_id: str, requested: list[Document]) -> list[Document]:
        if not requested:
            raise malformed_xml()
        stored = {p["PartNumber"]: p for p in self.parts(upload_id)}
        chosen: list[Document] = []
        previous = 0
        for item in requested:
            number = item.get("PartNumber")
            if not isinstance(number, int) or number <= previous:
                raise s3_error(
                    "InvalidPartOrder",
                    "The list of parts was not in ascending order. Parts must be ordered by part number.",
                    UploadId=upload_id,
                )
            previous = number
            part = stored.get(number)
            if part is None or str(item.get("ETag", "")).strip('"') != part["ETag"].strip('"'):
                raise _invalid_part(upload_id, item)
            for name, value in part["Checksums"].items():
                sent = item.get(CHECKSUM_MEMBERS[name])
                if sent and sent != value:
                    raise _invalid_part(upload_id, item)
            chosen.append(part)
        for part in chosen[:-1]:
            if part["Size"] < MIN_PART_SIZE:
                raise s3_error(
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                    ProposedSize=part["Size"],
                    MinSizeAllowed=MIN_PART_SIZE,
                    PartNumber=part["PartNumber"],
                    ETag=part["ETag"].strip('"'),
                )
        return chosen

    @staticmethod
    def _object_checksums(
        algorithm: str | None,
        kind: str | None,
        parts: list[Document],
        computed: Mapping[str, str],
        params: Mapping[str, Any],
    ) -> dict[str, str]:
        if not algorithm or algorithm not in COMPUTABLE:
            return {}
        if kind == "FULL_OBJECT":
            value = computed[algorithm]
            sent = params.get(CHECKSUM_MEMBERS[algorithm])
            if sent and sent != value:
                raise s3_error(
                    "BadDigest", f"The {algorithm} you specified did not match the calculated checksum."
                )
            return {algorithm: value}
        values = [p["Checksums"].get(algorithm) for p in parts]
        if not all(values):
            return {}
        return {algorithm: composite_checksum(algorithm, [str(v) for v in values])}

    def _forget(self, upload_id: str) -> None:
        for pk, _ in self.store.scan(PARTS, {"upload_id": upload_id}):
            self.store.delete(PARTS, pk)
        self.store.delete(UPLOADS, upload_id)

    def abort(self, scope: Scope, bucket: str, key: str, upload_id: str) -> None:
        """AbortMultipartUpload: the parts are deleted."""
        bucket_doc = self.buckets.require(scope, bucket)
        with self.store.transaction():
            self.require(bucket, key, upload_id)
            self._forget(upload_id)
        self.bodies.remove_tree(self.bodies.upload_dir(bucket_doc["Owner"], bucket, upload_id))

    def list_parts(self, scope: Scope, bucket: str, key: str, params: Mapping[str, Any]) -> Document:
        """ListParts: by part number after PartNumberMarker, at most MaxParts (1000)."""
        bucket_doc = self.buckets.require(scope, bucket)
        upload_id = str(params["UploadId"])
        upload = self.require(bucket, key, upload_id)
        limit = params.get("MaxParts")
        if limit is not None and limit < 0:
            raise invalid_argument(
                "Argument max-parts must be an integer between 0 and 2147483647", "max-parts", limit
            )
        limit = MAX_PARTS_LISTED if limit is None else min(limit, MAX_PARTS_LISTED)
        marker = params.get("PartNumberMarker") or 0
        remaining = [p for p in self.parts(upload_id) if p["PartNumber"] > marker]
        shown = remaining[:limit]
        account = bucket_doc["Owner"]
        out: Document = {
            "Bucket": bucket,
            "Key": key,
            "UploadId": upload_id,
            "PartNumberMarker": marker,
            "MaxParts": limit,
            "IsTruncated": len(remaining) > limit,
            "Parts": [
                {
                    "PartNumber": p["PartNumber"],
                    "LastModified": p["LastModified"],
                    "ETag": p["ETag"],
                    "Size": p["Size"],
                    **checksum_fields(p["Checksums"]),
                }
                for p in shown
            ],
            "Initiator": owner(account),
            "Owner": owner(account),
            "StorageClass": upload["Settings"].get("StorageClass", "STANDARD"),
        }
        if shown:
            out["NextPartNumberMarker"] = shown[-1]["PartNumber"]
        if upload.get("ChecksumAlgorithm"):
            out.update(ChecksumAlgorithm=upload["ChecksumAlgorithm"], ChecksumType=upload["ChecksumType"])
        return out
