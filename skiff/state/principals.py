"""Who signs requests: the records IAM hands the signature check and the policy evaluator.

IAM (skiff/services/iam) builds them from its users, access keys, roles and issued
credentials; auth (skiff/auth) reads them through its `Directory` protocol. Both stand on this
module, so neither imports the other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

ROOT = "root"
USER = "user"
ASSUMED_ROLE = "assumed-role"


@dataclass(frozen=True)
class Principal:
    # arn:aws:iam::<acct>:root, ...:user/<path><name>, arn:aws:sts::<acct>:assumed-role/<role>/<session>
    arn: str
    account: str
    kind: str  # ROOT | USER | ASSUMED_ROLE
    user_id: str  # the account id, AIDA..., or <RoleId>:<session>
    name: str = ""  # user name or role name
    role_arn: str | None = None  # the role of an assumed-role session
    session_name: str | None = None

    @property
    def is_root(self) -> bool:
        return self.kind == ROOT


def root_principal(account: str) -> Principal:
    return Principal(f"arn:aws:iam::{account}:root", account, ROOT, account)


@dataclass(frozen=True)
class SigningSecret:
    """What verifies a signature made with one access key, and whom it speaks for."""

    principal: Principal
    secret: str
    active: bool = True
    expiration: dt.datetime | None = None  # temporary credentials only
    token_digest: str | None = None  # SHA-256 hex of the session token (temporary credentials)
    session_policy: str | None = None  # an AssumeRole `Policy`, when one was given


@dataclass(frozen=True)
class PermissionSet:
    """Every policy that speaks for a principal: (source, JSON document) pairs."""

    identity: tuple[tuple[str, str], ...] = ()
    boundary: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
