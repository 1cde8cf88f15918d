"""The account and region a backend call acts in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class ScopedRequest(Protocol):
    """Anything that names an account and a region (the API's request context does)."""

    @property
    def account_id(self) -> str: ...

    @property
    def region(self) -> str: ...


@dataclass(frozen=True)
class Scope:
    account: str
    region: str

    @classmethod
    def of(cls, ctx: ScopedRequest) -> Scope:
        return cls(ctx.account_id, ctx.region)

    @property
    def root_arn(self) -> str:
        """The account's root principal, the identity of requests signed with plain keys."""
        return f"arn:aws:iam::{self.account}:root"
