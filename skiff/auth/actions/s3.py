"""S3: the action each operation needs (often not its name: ListObjectsV2 is s3:ListBucket,
HeadObject s3:GetObject, the multipart calls s3:PutObject...) on the bucket
(`arn:aws:s3:::<bucket>`) or the object (`arn:aws:s3:::<bucket>/<key>`). CopyObject and
UploadPartCopy also need s3:GetObject on their source. Condition keys: `s3:prefix`,
`s3:delimiter` and `s3:max-keys` on listings."""

from __future__ import annotations

from urllib.parse import unquote

from skiff.auth.actions import Call, Check, ServiceTable

# operation -> action, where they differ; every other operation is s3:<Operation>.
ACTIONS = {
    "HeadBucket": "s3:ListBucket",
    "HeadObject": "s3:GetObject",
    "ListObjects": "s3:ListBucket",
    "ListObjectsV2": "s3:ListBucket",
    "ListObjectVersions": "s3:ListBucketVersions",
    "ListBuckets": "s3:ListAllMyBuckets",
    "ListDirectoryBuckets": "s3express:ListAllMyDirectoryBuckets",
    "CreateSession": "s3express:CreateSession",
    "WriteGetObjectResponse": "s3-object-lambda:WriteGetObjectResponse",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "UploadPartCopy": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "CopyObject": "s3:PutObject",
    "ListParts": "s3:ListMultipartUploadParts",
    "ListMultipartUploads": "s3:ListBucketMultipartUploads",
    "DeleteObjects": "s3:DeleteObject",
    "SelectObjectContent": "s3:GetObject",
    "RenameObject": "s3:PutObject",
    "GetBucketLifecycle": "s3:GetLifecycleConfiguration",
    "GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "PutBucketLifecycle": "s3:PutLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
    "DeleteBucketLifecycle": "s3:PutLifecycleConfiguration",
    "GetBucketCors": "s3:GetBucketCORS",
    "PutBucketCors": "s3:PutBucketCORS",
    "DeleteBucketCors": "s3:PutBucketCORS",
    "GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "PutBucketEncryption": "s3:PutEncryptionConfiguration",
    "DeleteBucketEncryption": "s3:PutEncryptionConfiguration",
    "GetBucketReplication": "s3:GetReplicationConfiguration",
    "PutBucketReplication": "s3:PutReplicationConfiguration",
    "DeleteBucketReplication": "s3:PutReplicationConfiguration",
    "DeleteBucketTagging": "s3:PutBucketTagging",
    "GetBucketAnalyticsConfiguration": "s3:GetAnalyticsConfiguration",
    "ListBucketAnalyticsConfigurations": "s3:GetAnalyticsConfiguration",
    "PutBucketAnalyticsConfiguration": "s3:PutAnalyticsConfiguration",
    "DeleteBucketAnalyticsConfiguration": "s3:PutAnalyticsConfiguration",
    "GetBucketMetricsConfiguration": "s3:GetMetricsConfiguration",
    "ListBucketMetricsConfigurations": "s3:GetMetricsConfiguration",
    "PutBucketMetricsConfiguration": "s3:PutMetricsConfiguration",
    "DeleteBucketMetricsConfiguration": "s3:PutMetricsConfiguration",
    "GetBucketInventoryConfiguration": "s3:GetInventoryConfiguration",
    "ListBucketInventoryConfigurations": "s3:GetInventoryConfiguration",
    "PutBucketInventoryConfiguration": "s3:PutInventoryConfiguration",
    "DeleteBucketInventoryConfiguration": "s3:PutInventoryConfiguration",
    "GetBucketIntelligentTieringConfiguration": "s3:GetIntelligentTieringConfiguration",
    "ListBucketIntelligentTieringConfigurations": "s3:GetIntelligentTieringConfiguration",
    "PutBucketIntelligentTieringConfiguration": "s3:PutIntelligentTieringConfiguration",
    "DeleteBucketIntelligentTieringConfiguration": "s3:PutIntelligentTieringConfiguration",
    "GetBucketNotificationConfiguration": "s3:GetBucketNotification",
    "PutBucketNotificationConfiguration": "s3:PutBucketNotification",
    "GetBucketAccelerateConfiguration": "s3:GetAccelerateConfiguration",
    "PutBucketAccelerateConfiguration": "s3:PutAccelerateConfiguration",
    "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
    "PutObjectLockConfiguration": "s3:PutBucketObjectLockConfiguration",
    "DeleteBucketOwnershipControls": "s3:PutBucketOwnershipControls",
    "GetBucketMetadataConfiguration": "s3:GetBucketMetadataTableConfiguration",
    "CreateBucketMetadataConfiguration": "s3:CreateBucketMetadataTableConfiguration",
    "DeleteBucketMetadataConfiguration": "s3:DeleteBucketMetadataTableConfiguration",
    "UpdateBucketMetadataAnnotationTableConfiguration": "s3:UpdateBucketMetadataAnnotationTableConfiguration",
    "UpdateBucketMetadataInventoryTableConfiguration": "s3:UpdateBucketMetadataInventoryTableConfiguration",
    "UpdateBucketMetadataJournalTableConfiguration": "s3:UpdateBucketMetadataJournalTableConfiguration",
    "GetBucketAbac": "s3:GetBucketABAC",
    "PutBucketAbac": "s3:PutBucketABAC",
    "UpdateObjectEncryption": "s3:PutObject",
}

# Operations on an object (`<bucket>/<key>`); every other one with a Bucket is on the bucket.
OBJECT_OPERATIONS = frozenset(
    {
        "AbortMultipartUpload",
        "CompleteMultipartUpload",
        "CopyObject",
        "CreateMultipartUpload",
        "DeleteObject",
        "DeleteObjectAnnotation",
        "DeleteObjectTagging",
        "GetObject",
        "GetObjectAcl",
        "GetObjectAnnotation",
        "GetObjectAttributes",
        "GetObjectLegalHold",
        "GetObjectRetention",
        "GetObjectTagging",
        "GetObjectTorrent",
        "HeadObject",
        "ListObjectAnnotations",
        "ListParts",
        "PutObject",
        "PutObjectAcl",
        "PutObjectAnnotation",
        "PutObjectLegalHold",
        "PutObjectRetention",
        "PutObjectTagging",
        "RenameObject",
        "RestoreObject",
        "SelectObjectContent",
        "UpdateObjectEncryption",
        "UploadPart",
        "UploadPartCopy",
    }
)
# Operations on no bucket at all.
ACCOUNT_OPERATIONS = frozenset({"ListBuckets", "ListDirectoryBuckets", "WriteGetObjectResponse"})
# Every other operation of the model, on its bucket.
BUCKET_OPERATIONS = frozenset(
    {
        "CreateBucket",
        "CreateBucketMetadataConfiguration",
        "CreateBucketMetadataTableConfiguration",
        "CreateSession",
        "DeleteBucket",
        "DeleteBucketAnalyticsConfiguration",
        "DeleteBucketCors",
        "DeleteBucketEncryption",
        "DeleteBucketIntelligentTieringConfiguration",
        "DeleteBucketInventoryConfiguration",
        "DeleteBucketLifecycle",
        "DeleteBucketMetadataConfiguration",
        "DeleteBucketMetadataTableConfiguration",
        "DeleteBucketMetricsConfiguration",
        "DeleteBucketOwnershipControls",
        "DeleteBucketPolicy",
        "DeleteBucketReplication",
        "DeleteBucketTagging",
        "DeleteBucketWebsite",
        "DeleteObjects",
        "DeletePublicAccessBlock",
        "GetBucketAbac",
        "GetBucketAccelerateConfiguration",
        "GetBucketAcl",
        "GetBucketAnalyticsConfiguration",
        "GetBucketCors",
        "GetBucketEncryption",
        "GetBucketIntelligentTieringConfiguration",
        "GetBucketInventoryConfiguration",
        "GetBucketLifecycle",
        "GetBucketLifecycleConfiguration",
        "GetBucketLocation",
        "GetBucketLogging",
        "GetBucketMetadataConfiguration",
        "GetBucketMetadataTableConfiguration",
        "GetBucketMetricsConfiguration",
        "GetBucketNotification",
        "GetBucketNotificationConfiguration",
        "GetBucketOwnershipControls",
        "GetBucketPolicy",
        "GetBucketPolicyStatus",
        "GetBucketReplication",
        "GetBucketRequestPayment",
        "GetBucketTagging",
        "GetBucketVersioning",
        "GetBucketWebsite",
        "GetObjectLockConfiguration",
        "GetPublicAccessBlock",
        "HeadBucket",
        "ListBucketAnalyticsConfigurations",
        "ListBucketIntelligentTieringConfigurations",
        "ListBucketInventoryConfigurations",
        "ListBucketMetricsConfigurations",
        "ListMultipartUploads",
        "ListObjectVersions",
        "ListObjects",
        "ListObjectsV2",
        "PutBucketAbac",
        "PutBucketAccelerateConfiguration",
        "PutBucketAcl",
        "PutBucketAnalyticsConfiguration",
        "PutBucketCors",
        "PutBucketEncryption",
        "PutBucketIntelligentTieringConfiguration",
        "PutBucketInventoryConfiguration",
        "PutBucketLifecycle",
        "PutBucketLifecycleConfiguration",
        "PutBucketLogging",
        "PutBucketMetricsConfiguration",
        "PutBucketNotification",
        "PutBucketNotificationConfiguration",
        "PutBucketOwnershipControls",
        "PutBucketPolicy",
        "PutBucketReplication",
        "PutBucketRequestPayment",
        "PutBucketTagging",
        "PutBucketVersioning",
        "PutBucketWebsite",
        "PutObjectLockConfiguration",
        "PutPublicAccessBlock",
        "UpdateBucketMetadataAnnotationTableConfiguration",
        "UpdateBucketMetadataInventoryTableConfiguration",
        "UpdateBucketMetadataJournalTableConfiguration",
    }
)
_LISTING_KEYS = {"Prefix": "s3:prefix", "Delimiter": "s3:delimiter", "MaxKeys": "s3:max-keys"}


def action_of(operation: str) -> str:
    return ACTIONS.get(operation, f"s3:{operation}")


def object_arn(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"


def _copy_source(call: Call) -> Check | None:
    source = call.get("CopySource")
    if not isinstance(source, str) or not source:
        return None
    path = unquote(source.split("?versionId=", 1)[0]).lstrip("/")
    return Check("s3:GetObject", f"arn:aws:s3:::{path}")


def rule(call: Call) -> list[Check]:
    action = action_of(call.operation)
    bucket = call.get("Bucket")
    if call.operation in ACCOUNT_OPERATIONS or not isinstance(bucket, str):
        return [Check(action)]
    if call.operation in OBJECT_OPERATIONS:
        checks = [Check(action, object_arn(bucket, str(call.get("Key") or "")))]
        source = _copy_source(call)
        return [*checks, source] if source is not None else checks
    context = {
        key: [str(call.get(member))] for member, key in _LISTING_KEYS.items() if call.get(member) is not None
    }
    return [Check(action, f"arn:aws:s3:::{bucket}", context)]


TABLE = ServiceTable(
    "s3", "s3", {operation: rule for operation in OBJECT_OPERATIONS | BUCKET_OPERATIONS | ACCOUNT_OPERATIONS}
)
