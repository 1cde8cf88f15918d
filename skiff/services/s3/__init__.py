"""Amazon S3: buckets, objects (bodies on disk, metadata in the store), listing and multipart uploads."""
