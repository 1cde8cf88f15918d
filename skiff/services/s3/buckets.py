"""S3 buckets: create (name rules, location constraints), head, location, list, delete, tags.

Bucket names are global, as in S3: the store's key is the name, and the bucket records the
account that owns it and its region. Another account's bucket answers AccessDenied, a name taken
by another account BucketAlreadyExists. Requests reach a bucket whatever region they are signed
for (skiff has one endpoint, so S3's cross-region redirects would lead nowhere).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from skiff.services.pagination import BadToken, decode_token, encode_token
from skiff.services.s3.exceptions import BucketNotFound, access_denied, invalid_argument, s3_error
from skiff.services.s3.storage import BodyStore
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

BUCKETS = "s3_buckets"
OBJECTS = "s3_objects"
BODIES = "s3_bodies"
UPLOADS = "s3_uploads"
PARTS = "s3_parts"
DEFAULT_REGION = "us-east-1"

_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_ADDRESS = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_LEGACY_LOCATIONS = {"EU": "eu-west-1"}


def now() -> dt.datetime:
    """The current time at S3's precision (milliseconds)."""
    stamp = dt.datetime.now(dt.UTC)
    return stamp.replace(microsecond=stamp.microsecond // 1000 * 1000)


def canonical_user_id(account: str) -> str:
    """A stable 64-hex canonical user id for the account (S3's Owner.ID)."""
    return hashlib.sha256(f"skiff-s3-owner:{account}".encode()).hexdigest()


def owner(account: str) -> Document:
    return {"ID": canonical_user_id(account), "DisplayName": account}


def valid_bucket_name(name: str) -> bool:
    """S3's general purpose bucket naming rules."""
    if not _NAME.fullmatch(name) or _IP_ADDRESS.fullmatch(name):
        return False
    if ".." in name or ".-" in name or "-." in name:
        return False
    return not name.startswith(_RESERVED_PREFIXES) and not name.endswith(_RESERVED_SUFFIXES)


def check_tags(tags: list[Document], limit: int) -> list[Document]:
    """Tags as S3 checks them (count, key and value lengths, unique keys)."""
    if len(tags) > limit:
        raise s3_error("BadRequest", f"Tags cannot be more than {limit}")
    seen: set[str] = set()
    out: list[Document] = []
    for tag in tags:
        key, value = str(tag.get("Key", "")), str(tag.get("Value", ""))
        if not 1 <= len(key) <= 128:
            raise s3_error("InvalidTag", "The TagKey you have provided is invalid", TagKey=key)
        if len(value) > 256:
            raise s3_error("InvalidTag", "The TagValue you have provided is invalid", TagKey=key)
        if key in seen:
            raise s3_error("InvalidTag", "Cannot provide multiple Tags with the same key", TagKey=key)
        seen.add(key)
        out.append({"Key": key, "Value": value})
    return out


class BucketBackend:
    """Buckets of every account; bodies of deleted buckets are removed from disk."""

    def __init__(self, store: Store, bodies: BodyStore) -> None:
        self.store = store
        self.bodies = bodies

    # -- lookups ------------------------------------------------------------------------------
    def find(self, name: str) -> Document | None:
        return self.store.get(BUCKETS, name)

    def require(self, scope: Scope, name: str) -> Document:
        """The bucket, if it exists and belongs to the scope's account."""
        doc = self.find(name)
        if doc is None:
            raise BucketNotFound(name)
        if doc["Owner"] != scope.account:
            raise access_denied()
        return doc

    def bucket_dir(self, doc: Document) -> Path:
        return self.bodies.bucket_dir(doc["Owner"], doc["Name"])

    # -- operations ---------------------------------------------------------------------------
    def create(self, scope: Scope, name: str, location: str | None) -> Document:
        """Create the bucket (or accept a repeated us-east-1 create); returns the bucket."""
        if not valid_bucket_name(name):
            raise s3_error("InvalidBucketName", "The specified bucket is not valid.", BucketName=name)
        region = self._region(scope, location)
        with self.store.transaction():
            existing = self.find(name)
            if existing is not None:
                if existing["Owner"] != scope.account:
                    raise s3_error(
                        "BucketAlreadyExists",
                        "The requested bucket name is not available. The bucket namespace is shared by "
                        "all users of the system. Please select a different name and try again.",
                        409,
                        BucketName=name,
                    )
                if region == DEFAULT_REGION and existing["Region"] == DEFAULT_REGION:
                    return existing
                raise s3_error(
                    "BucketAlreadyOwnedByYou",
                    "Your previous request to create the named bucket succeeded and you already own it.",
                    409,
                    BucketName=name,
                )
            doc: Document = {"Name": name, "CreationDate": now(), "Region": region, "Owner": scope.account}
            self.store.put(BUCKETS, name, doc, account=scope.account, region=region)
        return doc

    @staticmethod
    def _region(scope: Scope, location: str | None) -> str:
        if not location:
            if scope.region != DEFAULT_REGION:
                raise s3_error(
                    "IllegalLocationConstraintException",
                    "The unspecified location constraint is incompatible for the region specific endpoint "
                    "this request was sent to.",
                )
            return DEFAULT_REGION
        region = _LEGACY_LOCATIONS.get(location, location)
        if region == DEFAULT_REGION or not _REGION.fullmatch(region):
            raise s3_error(
                "InvalidLocationConstraint",
                "The specified location-constraint is not valid",
                LocationConstraint=location,
            )
        if scope.region not in (DEFAULT_REGION, region):
            raise s3_error(
                "IllegalLocationConstraintException",
                f"The {location} location constraint is incompatible for the region specific endpoint "
                "this request was sent to.",
            )
        return region

    def delete(self, scope: Scope, name: str) -> None:
        """Delete an empty bucket; its unfinished multipart uploads go with it."""
        doc = self.require(scope, name)
        with self.store.transaction():
            if self.store.find(OBJECTS, {"bucket": name}, limit=1):
                raise s3_error(
                    "BucketNotEmpty", "The bucket you tried to delete is not empty", 409, BucketName=name
                )
            for upload in self.store.find(UPLOADS, {"bucket": name}):
                for pk, _ in self.store.scan(PARTS, {"upload_id": upload["UploadId"]}):
                    self.store.delete(PARTS, pk)
                self.store.delete(UPLOADS, upload["UploadId"])
            for pk, _ in self.store.scan(BODIES, {"bucket": name}):
                self.store.delete(BODIES, pk)
            self.store.delete(BUCKETS, name)
        self.bodies.remove_tree(self.bucket_dir(doc))

    def list_buckets(
        self,
        scope: Scope,
        *,
        prefix: str | None = None,
        region: str | None = None,
        max_buckets: int | None = None,
        token: str | None = None,
    ) -> Document:
        """ListBuckets' output members: the account's buckets by name, optionally paginated."""
        if max_buckets is not None and not 1 <= max_buckets <= 10000:
            raise invalid_argument(
                "The maximum number of buckets must be between 1 and 10000.", "max-buckets", max_buckets
            )
        after = ""
        if token:
            try:
                after = str(decode_token(token))
            except BadToken as exc:
                raise invalid_argument(
                    "The continuation token provided is incorrect", "continuation-token", token
                ) from exc
        docs = [
            d
            for d in self.store.find(BUCKETS, {"account": scope.account}, order_by=("pk",))
            if d["Name"] > after
            and (not prefix or d["Name"].startswith(prefix))
            and (not region or d["Region"] == region)
        ]
        limit = max_buckets or len(docs) or 1
        page = docs[:limit]
        out: Document = {
            "Buckets": [
                {"Name": d["Name"], "CreationDate": d["CreationDate"], "BucketRegion": d["Region"]}
                for d in page
            ],
            "Owner": owner(scope.account),
        }
        if prefix:
            out["Prefix"] = prefix
        if len(docs) > limit:
            out["ContinuationToken"] = encode_token(page[-1]["Name"])
        return out

    def location(self, scope: Scope, name: str) -> str | None:
        """GetBucketLocation: None for us-east-1 (S3 writes an empty element), else the region."""
        region = str(self.require(scope, name)["Region"])
        return None if region == DEFAULT_REGION else region

    # -- tags ---------------------------------------------------------------------------------
    def get_tags(self, scope: Scope, name: str) -> list[Document]:
        doc = self.require(scope, name)
        if not doc.get("Tags"):
            raise s3_error("NoSuchTagSet", "The TagSet does not exist", 404, BucketName=name)
        return list(doc["Tags"])

    def put_tags(self, scope: Scope, name: str, tags: list[Document]) -> None:
        checked = check_tags(tags, 50)
        with self.store.transaction():
            doc = self.require(scope, name)
            doc["Tags"] = checked
            self.store.put(BUCKETS, name, doc, account=doc["Owner"], region=doc["Region"])

    def delete_tags(self, scope: Scope, name: str) -> None:
        with self.store.transaction():
            doc = self.require(scope, name)
            doc.pop("Tags", None)
            self.store.put(BUCKETS, name, doc, account=doc["Owner"], region=doc["Region"])

    # -- bucket policy ------------------------------------------------------------------------
    def get_policy(self, scope: Scope, name: str) -> str:
        doc = self.require(scope, name)
        if not doc.get("Policy"):
            raise s3_error("NoSuchBucketPolicy", "The bucket policy does not exist", 404, BucketName=name)
        return str(doc["Policy"])

    def put_policy(self, scope: Scope, name: str, policy: str) -> None:
        try:
            parsed = json.loads(policy)
        except ValueError:
            parsed = None
        if not policy.lstrip().startswith("{") or not isinstance(parsed, dict):
            raise s3_error("MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'")
        if not isinstance(parsed.get("Statement"), (list, dict)):
            raise s3_error("MalformedPolicy", "Missing required field Statement")
        with self.store.transaction():
            doc = self.require(scope, name)
            doc["Policy"] = policy
            self.store.put(BUCKETS, name, doc, account=doc["Owner"], region=doc["Region"])

    def delete_policy(self, scope: Scope, name: str) -> None:
        with self.store.transaction():
            doc = self.require(scope, name)
            doc.pop("Policy", None)
            self.store.put(BUCKETS, name, doc, account=doc["Owner"], region=doc["Region"])

    def policy_of(self, name: str) -> str | None:
        """The bucket's policy document, whoever asks (for the policy evaluator)."""
        doc = self.find(name)
        return str(doc["Policy"]) if doc and doc.get("Policy") else None
