"""The IAM backends wired together over one store (IAM and STS each hold one set)."""

from __future__ import annotations

from skiff.services.iam.credentials import CredentialBackend
from skiff.services.iam.policies import PolicyBackend
from skiff.services.iam.role_policies import RolePolicyBackend
from skiff.services.iam.roles import RoleBackend
from skiff.store.base import Store


class IamBackend:
    def __init__(self, store: Store) -> None:
        self.policies = PolicyBackend(store)
        self.roles = RoleBackend(store, self.policies)
        self.role_policies = RolePolicyBackend(store, self.roles, self.policies)
        self.credentials = CredentialBackend(store, self.roles)
