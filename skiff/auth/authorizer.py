"""The gateway's authorizer: every request's SigV4 signature verified, then its permissions
evaluated for any principal but the account root.

Keys that verify: the root pair (configured), IAM users' access keys and the temporary
credentials skiff issued (their session token must come along and be unexpired). With
`verify=False` (the "any key works" setting) nothing is checked: issued keys still speak for
their role session, any other key for the root. Calls arriving from tasks must always carry
credentials skiff issued.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from skiff.api.authorizer import task_must_be_signed_by_issued
from skiff.api.context import RequestContext
from skiff.api.errors import AwsError
from skiff.api.http import HttpRequest
from skiff.api.specs import spec_index
from skiff.auth import chunks, errors, signature_v2
from skiff.auth.actions import Call, Check, checks_for
from skiff.auth.context import request_context
from skiff.auth.directory import Directory, Resolver, ResourcePolicies
from skiff.auth.evaluate import Decision, Policies, decide, denial_message
from skiff.auth.policy import Caller
from skiff.auth.signature import (
    STREAMING_PAYLOAD,
    STREAMING_PAYLOAD_TRAILER,
    MalformedSignature,
    Signed,
    expected_signature,
    matches,
    parse,
    signing_key,
)
from skiff.state.principals import USER, Principal, SigningSecret, root_principal

log = logging.getLogger("skiff.auth")

SKEW = dt.timedelta(minutes=errors.SKEW_MINUTES)
_HEX64 = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class RootKeys:
    access_key_id: str
    secret_access_key: str


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _is_hex_hash(value: str) -> bool:
    return len(value) == 64 and set(value) <= _HEX64


class Authorizer:
    def __init__(
        self,
        directory: Directory,
        account: str,
        root: RootKeys,
        *,
        verify: bool = True,
        resource_policies: ResourcePolicies | None = None,
        resolver: Resolver | None = None,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        self.directory = directory
        self.account = account
        self.root = root
        self.verify = verify
        self.resource_policies = resource_policies
        self.resolver = resolver
        self.clock = clock
        self._root = SigningSecret(root_principal(account), root.secret_access_key)

    # -- who signed ---------------------------------------------------------------------------
    def _secret(self, access_key_id: str) -> SigningSecret | None:
        if hmac.compare_digest(access_key_id.encode(), self.root.access_key_id.encode()):
            return self._root
        return self.directory.signing_secret(access_key_id)

    def authenticate(self, request: HttpRequest, ctx: RequestContext) -> None:
        protocol = ctx.protocol
        s3 = protocol == errors.S3
        try:
            signed = parse(request, s3=s3)
        except MalformedSignature as exc:
            if self.verify:
                presigned = not request.header("authorization")
                raise errors.malformed(protocol, str(exc), presigned=presigned) from exc
            signed = None
        if not self.verify:
            self._identify_only(ctx, signed)
            return
        if signed is None and s3:
            legacy = signature_v2.parse(request)
            if legacy is not None:
                self._authenticate_v2(request, ctx, legacy)
                return
        if signed is None:
            if ctx.from_task:
                raise task_must_be_signed_by_issued(ctx)
            raise errors.missing_authentication(protocol)
        secret = self._secret(signed.access_key_id)
        if secret is None or not secret.active:
            raise errors.unknown_key(protocol)
        if ctx.from_task and secret.token_digest is None:
            raise task_must_be_signed_by_issued(ctx)
        now = self.clock()
        self._check_token(protocol, signed, secret, now)
        self._check_time(protocol, signed, now)
        if signed.date != signed.amz_date[:8]:
            raise errors.bad_signature(protocol)
        expected = expected_signature(request, signed, secret.secret, s3=s3)
        if not matches(expected, signed.signature):
            raise errors.bad_signature(protocol)
        self._check_payload(request, protocol, signed, secret)
        ctx.access_key_id = signed.access_key_id
        self._record(ctx, secret.principal)
        ctx.session_policy = secret.session_policy

    def _authenticate_v2(
        self, request: HttpRequest, ctx: RequestContext, signed: signature_v2.SignedV2
    ) -> None:
        protocol = ctx.protocol
        secret = self._secret(signed.access_key_id)
        if secret is None or not secret.active or (ctx.from_task and secret.token_digest is None):
            raise errors.unknown_key(protocol)
        now = self.clock()
        if secret.token_digest is not None:
            given = signed.security_token
            if not given or not hmac.compare_digest(token_digest(given), secret.token_digest):
                raise errors.invalid_token(protocol)
            if secret.expiration is not None and secret.expiration <= now:
                raise errors.expired_token(protocol)
        expires = dt.datetime.fromtimestamp(min(signed.expires, 253402300799), dt.UTC)
        if now > expires:
            raise errors.presign_expired(protocol, expires, now)
        expected = signature_v2.expected_signatures(request, signed, secret.secret)
        if not any(matches(candidate, signed.signature) for candidate in expected):
            raise errors.bad_signature(protocol)
        ctx.access_key_id = signed.access_key_id
        self._record(ctx, secret.principal)
        ctx.session_policy = secret.session_policy

    def _identify_only(self, ctx: RequestContext, signed: Signed | None) -> None:
        secret = self.directory.signing_secret(signed.access_key_id) if signed else None
        issued = secret is not None and secret.token_digest is not None
        if (
            issued
            and secret is not None
            and secret.expiration is not None
            and secret.expiration <= self.clock()
        ):
            issued = False
        if ctx.from_task and not issued:
            raise task_must_be_signed_by_issued(ctx)
        self._record(
            ctx, secret.principal if issued and secret is not None else root_principal(ctx.account_id)
        )

    @staticmethod
    def _record(ctx: RequestContext, principal: Principal) -> None:
        ctx.principal = principal
        ctx.principal_arn = principal.arn
        log.debug("%s %s.%s signed by %s", ctx.request_id, ctx.service, ctx.operation, principal.arn)

    @staticmethod
    def _check_token(protocol: str, signed: Signed, secret: SigningSecret, now: dt.datetime) -> None:
        if secret.token_digest is None:
            if signed.security_token:
                raise errors.invalid_token(protocol)
            return
        given = signed.security_token
        if not given or not hmac.compare_digest(token_digest(given), secret.token_digest):
            raise errors.invalid_token(protocol)
        if secret.expiration is not None and secret.expiration <= now:
            raise errors.expired_token(protocol)

    @staticmethod
    def _check_time(protocol: str, signed: Signed, now: dt.datetime) -> None:
        try:
            when = signed.when
        except ValueError as exc:
            raise errors.malformed(
                protocol, f"Invalid date {signed.amz_date}", presigned=signed.presigned
            ) from exc
        if signed.presigned:
            if when - now > SKEW:
                raise errors.skewed(protocol, when, now)
            if signed.expires is not None and now > when + dt.timedelta(seconds=signed.expires):
                raise errors.presign_expired(protocol, when + dt.timedelta(seconds=signed.expires), now)
            return
        if abs(now - when) > SKEW:
            raise errors.skewed(protocol, when, now)

    @staticmethod
    def _check_payload(request: HttpRequest, protocol: str, signed: Signed, secret: SigningSecret) -> None:
        declared = signed.payload_hash
        if declared in (STREAMING_PAYLOAD, STREAMING_PAYLOAD_TRAILER):
            key = signing_key(secret.secret, signed.date, signed.region, signed.service)
            try:
                chunks.verify(request.body, signed, key, trailer=declared == STREAMING_PAYLOAD_TRAILER)
            except chunks.ChunkSignatureMismatch as exc:
                raise errors.bad_signature(protocol) from exc
            except chunks.MalformedChunk as exc:
                raise AwsError(
                    f"The request body is not a valid signed chunk stream: {exc}.", code="IncompleteBody"
                ) from exc
            return
        if (
            _is_hex_hash(declared)
            and request.header("x-amz-content-sha256")
            and not hmac.compare_digest(declared, hashlib.sha256(request.body).hexdigest())
        ):
            raise AwsError(
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
                code="XAmzContentSHA256Mismatch",
                status=400,
            )

    # -- what they may do ---------------------------------------------------------------------
    def authorize(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        principal: Principal | None = ctx.principal
        if not self.verify or principal is None or principal.is_root:
            return
        spec = spec_index().by_name.get(ctx.service)
        signing_name = spec.signing_name if spec else ctx.service
        call = Call(
            ctx.operation,
            params,
            ctx.account_id,
            ctx.region,
            self.resolver,
            caller_user=principal.name if principal.kind == USER else None,
        )
        checks = checks_for(ctx.service, signing_name, call)
        if not checks:
            return
        policies = self.policies_of(principal, ctx.session_policy)
        base = request_context(principal, ctx.region, ctx.source_ip, ctx.secure, self.clock())
        for check in checks:
            decision = self.decide(principal, policies, check, base)
            if not decision.allowed:
                message = denial_message(
                    principal.arn, check.action, check.resource, decision, quote=ctx.protocol == errors.S3
                )
                raise errors.access_denied(ctx.protocol, message)

    def policies_of(self, principal: Principal, session_policy: str | None = None) -> Policies:
        found = self.directory.permissions(principal)
        return Policies(identity=found.identity, boundary=found.boundary, session=session_policy)

    def decide(
        self, principal: Principal, policies: Policies, check: Check, base: dict[str, list[str]]
    ) -> Decision:
        context = {**base, **{key.lower(): list(values) for key, values in check.context.items()}}
        resource_policy = None
        if self.resource_policies is not None and check.resource != "*":
            resource_policy = self.resource_policies.policy_of(check.resource)
        caller = Caller(principal.arn, principal.account, principal.role_arn)
        decision = decide(
            policies, check.action, check.resource, context, resource_policy=resource_policy, caller=caller
        )
        if (
            check.action.lower() == "sts:assumerole"
            and decision.allowed
            and "resource" not in decision.matched
        ):
            decision = self._trusted(principal, check, resource_policy, context, decision)
        return decision

    @staticmethod
    def _trusted(
        principal: Principal,
        check: Check,
        trust: str | None,
        context: dict[str, list[str]],
        decision: Decision,
    ) -> Decision:
        """AssumeRole also needs the role's trust policy to let the caller's account in."""
        account_root = Caller(f"arn:aws:iam::{principal.account}:root", principal.account)
        if (
            trust is not None
            and decide(
                Policies(), check.action, check.resource, context, resource_policy=trust, caller=account_root
            ).allowed
        ):
            return decision
        return Decision("implicitDeny", f"because no resource-based policy allows the {check.action} action")

    # -- for the agent (execution roles) and simulate-principal-policy --------------------------
    def role_allows(
        self, account: str, region: str, role_arn: str, session_name: str, action: str, resource: str
    ) -> None:
        """Raise AccessDeniedException unless a session of the role may do `action` on `resource`."""
        if not self.verify:
            return
        principal = self.directory.role_session(role_arn, session_name)
        if principal is None or principal.account != account:
            raise AwsError(
                f"ECS was unable to assume the role '{role_arn}' that was provided for this task. "
                "Please verify that the role being passed has the proper trust relationship and "
                "permissions and that your IAM user has permissions to pass this role.",
                code="ClientException",
            )
        base = request_context(principal, region, None, True, self.clock())
        decision = self.decide(principal, self.policies_of(principal), Check(action, resource), base)
        if not decision.allowed:
            raise errors.access_denied("json", denial_message(principal.arn, action, resource, decision))

    def base_context(self, principal: Principal) -> dict[str, list[str]]:
        """The global condition keys of a request by `principal` with no request around it."""
        return request_context(principal, "us-east-1", None, True, self.clock())


__all__ = ["Authorizer", "RootKeys"]
