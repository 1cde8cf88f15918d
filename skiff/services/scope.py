"""The account and region a backend call acts in."""

from __future__ import annotations

from dataclasses import dataclass

from skiff.api.context import RequestContext


@dataclass(frozen=True)
class Scope:
    account: str
    region: str

    @classmethod
    def of(cls, ctx: RequestContext) -> Scope:
        return cls(ctx.account_id, ctx.region)

    @property
    def root_arn(self) -> str:
        """The account's root principal, the identity of requests signed with plain keys."""
        return f"arn:aws:iam::{self.account}:root"
