"""Identifiers and secrets in the shapes IAM and STS give them.

Unique ids are a four-letter prefix naming the kind (`AROA` role, `ANPA` managed policy, `AIDA`
user, `AGPA` group, `AKIA` access key, `ASIA` temporary access key) and random upper-case
letters and digits. Secrets come from `secrets`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import string

_UPPER_ALNUM = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"

ROLE_PREFIX = "AROA"
POLICY_PREFIX = "ANPA"
TEMPORARY_KEY_PREFIX = "ASIA"
USER_PREFIX = "AIDA"
GROUP_PREFIX = "AGPA"
ACCESS_KEY_PREFIX = "AKIA"


def random_upper(length: int) -> str:
    return "".join(secrets.choice(_UPPER_ALNUM) for _ in range(length))


def role_id() -> str:
    """`AROA` and 17 upper-case letters and digits."""
    return ROLE_PREFIX + random_upper(17)


def policy_id() -> str:
    """`ANPA` and 17 upper-case letters and digits."""
    return POLICY_PREFIX + random_upper(17)


def stable_policy_id(name: str) -> str:
    """The id of an AWS managed policy: the same in every account and every run."""
    digest = hashlib.sha256(f"aws-managed-policy/{name}".encode()).digest()
    return POLICY_PREFIX + "".join(_UPPER_ALNUM[b % len(_UPPER_ALNUM)] for b in digest[:17])


def user_id() -> str:
    """`AIDA` and 17 upper-case letters and digits."""
    return USER_PREFIX + random_upper(17)


def group_id() -> str:
    """`AGPA` and 17 upper-case letters and digits."""
    return GROUP_PREFIX + random_upper(17)


def access_key_id() -> str:
    """`AKIA` and 16 upper-case letters and digits: a long-term key of an IAM user."""
    return ACCESS_KEY_PREFIX + random_upper(16)


def temporary_access_key_id() -> str:
    """`ASIA` and 16 upper-case letters and digits."""
    return TEMPORARY_KEY_PREFIX + random_upper(16)


def secret_access_key() -> str:
    """40 characters of the alphabet AWS secret keys use."""
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


def session_token() -> str:
    """An opaque session token (base64 of random bytes, as long as typical STS tokens)."""
    return base64.b64encode(secrets.token_bytes(264)).decode("ascii")


def digest(secret: str) -> str:
    """What the store keeps of a secret: its SHA-256, never the secret itself."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
