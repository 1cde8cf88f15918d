"""Secrets at rest: the data dir's key and AES-GCM sealing of secret values."""
