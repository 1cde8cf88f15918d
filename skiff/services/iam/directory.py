"""IAM as the signature check and the policy evaluator see it (skiff/auth's `Directory` and
`Resolver` protocols, wired by skiff/server/): the secret behind each access key, and every policy
that speaks for a user (its own, its groups', its boundary) or an assumed role (the role's, its
boundary)."""

from __future__ import annotations

from skiff.services.iam.backend import IamBackend
from skiff.services.iam.changes import ChangeCache
from skiff.services.iam.entity_policies import EntityPolicyBackend
from skiff.services.iam.ids import ACCESS_KEY_PREFIX
from skiff.services.iam.roles import account_of
from skiff.services.iam.users import parse_user_arn
from skiff.state.principals import ASSUMED_ROLE, USER, PermissionSet, Principal, SigningSecret
from skiff.state.scope import Scope
from skiff.store.base import Document

GROUP = "group"


class IamDirectory:
    """Reads are cached until IAM changes (`changes.py`): a request costs no store query then."""

    def __init__(self, iam: IamBackend) -> None:
        self.iam = iam
        self._secrets: ChangeCache[SigningSecret | None] = ChangeCache(iam.store.changes)
        self._permissions: ChangeCache[PermissionSet] = ChangeCache(iam.store.changes)

    # -- keys ---------------------------------------------------------------------------------
    def signing_secret(self, access_key_id: str) -> SigningSecret | None:
        return self._secrets.get(access_key_id, lambda: self._signing_secret(access_key_id))

    def _signing_secret(self, access_key_id: str) -> SigningSecret | None:
        if access_key_id.startswith(ACCESS_KEY_PREFIX):
            return self._user_key(access_key_id)
        opened = self.iam.credentials.secret_of(access_key_id)
        if opened is None:
            return None
        record, secret = opened
        principal = Principal(
            arn=record["AssumedRoleArn"],
            account=record["Account"],
            kind=ASSUMED_ROLE,
            user_id=record["AssumedRoleId"],
            name=record["RoleName"],
            role_arn=record["RoleArn"],
            session_name=record["SessionName"],
        )
        return SigningSecret(
            principal,
            secret,
            expiration=record["Expiration"],
            token_digest=record["TokenDigest"],
            session_policy=record.get("SessionPolicy"),
        )

    def _user_key(self, access_key_id: str) -> SigningSecret | None:
        opened = self.iam.access_keys.secret_of(access_key_id)
        if opened is None:
            return None
        record, secret = opened
        user = self.iam.users.find(Scope(record["Account"], ""), record["UserName"])
        if user is None:
            return None
        return SigningSecret(user_principal(user), secret, active=record["Status"] == "Active")

    # -- principals ---------------------------------------------------------------------------
    def role_session(self, role_arn: str, session_name: str) -> Principal | None:
        role = self.iam.roles.find_by_arn(role_arn)
        if role is None:
            return None
        account = account_of(role)
        return Principal(
            arn=f"arn:aws:sts::{account}:assumed-role/{role['RoleName']}/{session_name}",
            account=account,
            kind=ASSUMED_ROLE,
            user_id=f"{role['RoleId']}:{session_name}",
            name=role["RoleName"],
            role_arn=role["Arn"],
            session_name=session_name,
        )

    def principal_of(self, arn: str) -> Principal | None:
        """The principal a user, role or group ARN names (for simulate-principal-policy)."""
        user_parts = parse_user_arn(arn)
        if user_parts is not None:
            user = self.iam.users.find(Scope(user_parts[0], ""), user_parts[2])
            return user_principal(user) if user is not None and user["Arn"] == arn else None
        if ":role/" in arn:
            return self.role_session(arn, "simulation")
        if ":group/" in arn:
            account, name = arn.split(":")[4], arn.rsplit("/", 1)[-1]
            group = self.iam.groups.find(Scope(account, ""), name)
            if group is None or group["Arn"] != arn:
                return None
            return Principal(
                arn=arn, account=account, kind=GROUP, user_id=group["GroupId"], name=group["GroupName"]
            )
        return None

    # -- policies -----------------------------------------------------------------------------
    def permissions(self, principal: Principal) -> PermissionSet:
        key = f"{principal.kind}|{principal.arn}|{principal.role_arn or ''}"
        return self._permissions.get(key, lambda: self._permissions_of(principal))

    def _permissions_of(self, principal: Principal) -> PermissionSet:
        scope = Scope(principal.account, "")
        identity: list[tuple[str, str]] = []
        boundary_arn: str | None = None
        if principal.kind == ASSUMED_ROLE and principal.role_arn:
            role = self.iam.roles.find_by_arn(principal.role_arn)
            if role is None:
                return PermissionSet()
            inline, attached = self.iam.role_policies.policies_of(role)
            identity.extend((doc["PolicyName"], doc["PolicyDocument"]) for doc in inline)
            for doc in attached:
                identity.extend(self._managed(doc["PolicyArn"]))
            boundary_arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        elif principal.kind == USER:
            user = self.iam.users.find(scope, principal.name)
            if user is None:
                return PermissionSet()
            identity.extend(self._entity(self.iam.user_policies, scope, f"user|{principal.name.lower()}"))
            for group in self.iam.groups.groups_of(scope, principal.name):
                owner = f"group|{group['GroupName'].lower()}"
                identity.extend(self._entity(self.iam.group_policies, scope, owner))
            boundary_arn = (user.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        elif principal.kind == GROUP:
            identity.extend(self._entity(self.iam.group_policies, scope, f"group|{principal.name.lower()}"))
        boundary = self.iam.policies.document_of(boundary_arn) if boundary_arn else None
        return PermissionSet(tuple(identity), boundary)

    def _entity(self, backend: EntityPolicyBackend, scope: Scope, owner: str) -> list[tuple[str, str]]:
        found = [(doc["PolicyName"], doc["PolicyDocument"]) for doc in backend.inline(scope, owner)]
        for doc in backend.attached(scope, owner):
            found.extend(self._managed(doc["PolicyArn"]))
        return found

    def _managed(self, arn: str) -> list[tuple[str, str]]:
        document = self.iam.policies.document_of(arn)
        return [(arn, document)] if document is not None else []

    # -- names to ARNs (auth's Resolver) --------------------------------------------------------
    def arn_of(self, kind: str, account: str, region: str, name_or_arn: str) -> str | None:
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        scope = Scope(account, region)
        found: Document | None = None
        if kind == "role":
            found = self.iam.roles.find(scope, name_or_arn)
        elif kind == "user":
            found = self.iam.users.find(scope, name_or_arn)
        elif kind == "group":
            found = self.iam.groups.find(scope, name_or_arn)
        return str(found["Arn"]) if found is not None else None


def user_principal(user: Document) -> Principal:
    return Principal(
        arn=user["Arn"],
        account=str(user["Arn"]).split(":")[4],
        kind=USER,
        user_id=user["UserId"],
        name=user["UserName"],
    )
