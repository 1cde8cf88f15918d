"""The IAM backends wired together over one store (IAM and STS each hold one set). `sealer`
seals the secrets of access keys and issued credentials at rest."""

from __future__ import annotations

from skiff.security.sealing import Sealer
from skiff.services.iam.access_keys import AccessKeyBackend
from skiff.services.iam.changes import ChangeCountingStore
from skiff.services.iam.credentials import CredentialBackend
from skiff.services.iam.entity_policies import EntityPolicyBackend
from skiff.services.iam.groups import GroupBackend
from skiff.services.iam.policies import PolicyBackend
from skiff.services.iam.role_policies import RolePolicyBackend
from skiff.services.iam.roles import RoleBackend
from skiff.services.iam.users import UserBackend
from skiff.store.base import Store


class IamBackend:
    def __init__(self, store: Store, sealer: Sealer) -> None:
        store = self.store = ChangeCountingStore(store)  # readers cache until IAM changes
        self.policies = PolicyBackend(store)
        self.roles = RoleBackend(store, self.policies)
        self.role_policies = RolePolicyBackend(store, self.roles, self.policies)
        self.credentials = CredentialBackend(store, self.roles, sealer)
        self.users = UserBackend(store, self.policies)
        self.access_keys = AccessKeyBackend(store, self.users, sealer)
        self.groups = GroupBackend(store, self.users)
        self.user_policies = EntityPolicyBackend(
            store, "user", self.users.require, self.policies, self.users.delete_guards
        )
        self.group_policies = EntityPolicyBackend(
            store, "group", self.groups.require, self.policies, self.groups.delete_guards
        )
