"""What auth needs from IAM, as protocols skiff/server/ fills with the IAM backends.

`Directory` finds the secret behind an access key and the policies of a principal;
`ResourcePolicies` finds a resource's own policy (an S3 bucket policy, a secret's resource
policy); `Resolver` turns a name a request gives (a secret's name) into the ARN policies name.
"""

from __future__ import annotations

from typing import Protocol

from skiff.state.principals import PermissionSet, Principal, SigningSecret


class Directory(Protocol):
    def signing_secret(self, access_key_id: str) -> SigningSecret | None:
        """The secret and principal of a key skiff knows (users' keys, issued credentials)."""

    def permissions(self, principal: Principal) -> PermissionSet:
        """The identity policies and permissions boundary of a user or assumed role."""

    def role_session(self, role_arn: str, session_name: str) -> Principal | None:
        """The principal a session of the role would be (None: no such role)."""


class ResourcePolicies(Protocol):
    def policy_of(self, resource_arn: str) -> str | None:
        """The resource-based policy document attached to a resource, if any."""


class Resolver(Protocol):
    def arn_of(self, kind: str, account: str, region: str, name_or_arn: str) -> str | None:
        """The full ARN of a resource a request names by name (None: unknown)."""
