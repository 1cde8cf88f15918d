"""The S3 API: thin handlers that read the request members and call the S3 backends.

Handlers that move object bodies (put, get, copy, parts, completion) run their backend call in a
worker thread, so disk I/O and hashing never stall the event loop; the store is thread-safe.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from skiff.api.context import RequestContext
from skiff.api.provider import Provider
from skiff.services.s3.buckets import BucketBackend
from skiff.services.s3.copies import CopyBackend
from skiff.services.s3.listing import ListingBackend
from skiff.services.s3.multipart import MultipartBackend
from skiff.services.s3.objects import ObjectBackend
from skiff.services.s3.storage import BodyStore
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]


class S3Provider(Provider):
    """S3 buckets and objects; bodies live under `<data dir>/s3/`."""

    service = "s3"

    def __init__(self, store: Store, data_dir: Path) -> None:
        self.bodies = BodyStore(data_dir / "s3")
        self.buckets = BucketBackend(store, self.bodies)
        self.objects = ObjectBackend(store, self.bodies, self.buckets)
        self.copies = CopyBackend(self.objects)
        self.multipart = MultipartBackend(store, self.bodies, self.buckets, self.objects, self.copies)
        self.listing = ListingBackend(store, self.buckets)

    # -- buckets ------------------------------------------------------------------------------
    def create_bucket(self, ctx: RequestContext, params: Params) -> Params:
        location = (params.get("CreateBucketConfiguration") or {}).get("LocationConstraint")
        doc = self.buckets.create(Scope.of(ctx), params["Bucket"], location)
        return {"Location": f"/{doc['Name']}", "BucketArn": f"arn:aws:s3:::{doc['Name']}"}

    async def delete_bucket(self, ctx: RequestContext, params: Params) -> Params:
        await asyncio.to_thread(self.buckets.delete, Scope.of(ctx), params["Bucket"])
        return {}

    def head_bucket(self, ctx: RequestContext, params: Params) -> Params:
        doc = self.buckets.require(Scope.of(ctx), params["Bucket"])
        return {"BucketRegion": doc["Region"], "AccessPointAlias": False}

    def get_bucket_location(self, ctx: RequestContext, params: Params) -> Params:
        return {"LocationConstraint": self.buckets.location(Scope.of(ctx), params["Bucket"])}

    def list_buckets(self, ctx: RequestContext, params: Params) -> Params:
        return self.buckets.list_buckets(
            Scope.of(ctx),
            prefix=params.get("Prefix"),
            region=params.get("BucketRegion"),
            max_buckets=params.get("MaxBuckets"),
            token=params.get("ContinuationToken"),
        )

    def get_bucket_tagging(self, ctx: RequestContext, params: Params) -> Params:
        return {"TagSet": self.buckets.get_tags(Scope.of(ctx), params["Bucket"])}

    def put_bucket_tagging(self, ctx: RequestContext, params: Params) -> Params:
        tags = (params.get("Tagging") or {}).get("TagSet") or []
        self.buckets.put_tags(Scope.of(ctx), params["Bucket"], tags)
        return {}

    def delete_bucket_tagging(self, ctx: RequestContext, params: Params) -> Params:
        self.buckets.delete_tags(Scope.of(ctx), params["Bucket"])
        return {}

    def get_bucket_policy(self, ctx: RequestContext, params: Params) -> Params:
        return {"Policy": self.buckets.get_policy(Scope.of(ctx), params["Bucket"])}

    def put_bucket_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.buckets.put_policy(Scope.of(ctx), params["Bucket"], params["Policy"])
        return {}

    def delete_bucket_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.buckets.delete_policy(Scope.of(ctx), params["Bucket"])
        return {}

    # -- objects ------------------------------------------------------------------------------
    async def put_object(self, ctx: RequestContext, params: Params) -> Params:
        return await asyncio.to_thread(
            self.objects.put,
            Scope.of(ctx),
            params["Bucket"],
            params["Key"],
            params.get("Body") or b"",
            params,
        )

    async def get_object(self, ctx: RequestContext, params: Params) -> Params:
        return await asyncio.to_thread(
            self.objects.read, Scope.of(ctx), params["Bucket"], params["Key"], params, body=True
        )

    def head_object(self, ctx: RequestContext, params: Params) -> Params:
        return self.objects.read(Scope.of(ctx), params["Bucket"], params["Key"], params, body=False)

    def delete_object(self, ctx: RequestContext, params: Params) -> Params:
        self.objects.delete(Scope.of(ctx), params["Bucket"], params["Key"], params)
        return {}

    async def delete_objects(self, ctx: RequestContext, params: Params) -> Params:
        return await asyncio.to_thread(
            self.objects.delete_many, Scope.of(ctx), params["Bucket"], params.get("Delete") or {}
        )

    async def copy_object(self, ctx: RequestContext, params: Params) -> Params:
        return await asyncio.to_thread(
            self.copies.copy, Scope.of(ctx), params["Bucket"], params["Key"], params
        )

    def get_object_tagging(self, ctx: RequestContext, params: Params) -> Params:
        tags = self.objects.get_tags(Scope.of(ctx), params["Bucket"], params["Key"], params.get("VersionId"))
        return {"TagSet": tags}

    def put_object_tagging(self, ctx: RequestContext, params: Params) -> Params:
        tags = (params.get("Tagging") or {}).get("TagSet")
        self.objects.put_tags(Scope.of(ctx), params["Bucket"], params["Key"], params.get("VersionId"), tags)
        return {}

    def delete_object_tagging(self, ctx: RequestContext, params: Params) -> Params:
        self.objects.put_tags(Scope.of(ctx), params["Bucket"], params["Key"], params.get("VersionId"), [])
        return {}

    # -- listing ------------------------------------------------------------------------------
    def list_objects(self, ctx: RequestContext, params: Params) -> Params:
        return self.listing.list_objects(Scope.of(ctx), params["Bucket"], params)

    def list_objects_v2(self, ctx: RequestContext, params: Params) -> Params:
        return self.listing.list_objects_v2(Scope.of(ctx), params["Bucket"], params)

    def list_multipart_uploads(self, ctx: RequestContext, params: Params) -> Params:
        return self.listing.list_uploads(Scope.of(ctx), params["Bucket"], params)

    # -- multipart uploads --------------------------------------------------------------------
    def create_multipart_upload(self, ctx: RequestContext, params: Params) -> Params:
        return self.multipart.create(Scope.of(ctx), params["Bucket"], params["Key"], params)

    async def upload_part(self, ctx: RequestContext, params: Params) -> Params:
        return await asyncio.to_thread(
            self.multipart.upload_part,
            Scope.of(ctx),
            params["Bucket"],
            params["Key"],
            params,
            params.get("Body") or b"",
        )

    async def upload_part_copy(self, ctx: RequestContext, params: Params) -> Params:
        return await asyncio.to_thread(
            self.multipart.upload_part_copy, Scope.of(ctx), params["Bucket"], params["Key"], params
        )

    async def complete_multipart_upload(self, ctx: RequestContext, params: Params) -> Params:
        return await asyncio.to_thread(
            self.multipart.complete, Scope.of(ctx), params["Bucket"], params["Key"], params
        )

    async def abort_multipart_upload(self, ctx: RequestContext, params: Params) -> Params:
        await asyncio.to_thread(
            self.multipart.abort, Scope.of(ctx), params["Bucket"], params["Key"], params["UploadId"]
        )
        return {}

    def list_parts(self, ctx: RequestContext, params: Params) -> Params:
        return self.multipart.list_parts(Scope.of(ctx), params["Bucket"], params["Key"], params)
