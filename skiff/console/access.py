"""Who may use the console and skiff's own endpoints (state reset, status).

Bound to a loopback address (the default, 127.0.0.1), callers on the same machine are let in
as they are. Bound elsewhere (`SKIFF_HOST`), or for callers that are not local (tasks reach the
API from their own addresses), a caller must prove an access key: either a SigV4 signature on the
request (what `skiff reset` sends), or a console session made by logging in with an access key
and its secret (verified as a signature made with them, against the root pair and IAM's keys).
Sessions are cookies (HttpOnly, SameSite=Strict) carrying a random token; every action posts the
session's CSRF token as well. Actions by a principal other than the root need IAM to allow them
(`skiff:Reset`, or the ECS action a console action performs).
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import secrets
import time
from dataclasses import dataclass

from aiohttp import web
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from skiff.api.context import RequestContext
from skiff.api.errors import AwsError
from skiff.api.http import HttpRequest
from skiff.auth.actions import Check
from skiff.auth.authorizer import Authorizer
from skiff.state.principals import Principal

SESSION_COOKIE = "skiff_session"
CSRF_HEADER = "X-Skiff-Csrf"
SESSION_SECONDS = 12 * 3600


def is_loopback(address: str | None) -> bool:
    if not address:
        return False
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Session:
    token: str
    csrf: str
    principal: Principal
    expires: float


@dataclass(frozen=True)
class Caller:
    """Who is calling: `principal` None means a local caller on a loopback-bound server."""

    principal: Principal | None
    session: Session | None = None

    @property
    def name(self) -> str:
        return self.principal.arn if self.principal is not None else "local"


class Gatekeeper:
    def __init__(self, authorizer: Authorizer, host: str, region: str = "us-east-1") -> None:
        self.authorizer = authorizer
        self.host = host
        self.region = region
        self._sessions: dict[str, Session] = {}
        self.local_csrf = secrets.token_urlsafe(24)  # local callers' pages carry it on actions

    @property
    def open(self) -> bool:
        """Local callers need no login (the server listens on a loopback address only)."""
        return is_loopback(self.host)

    # -- who is calling -------------------------------------------------------------------------
    def caller(self, request: web.Request) -> Caller | None:
        """The caller, or None when it proved nothing it needs to."""
        session = self._session_of(request)
        if session is not None:
            return Caller(session.principal, session)
        if request.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256"):
            return None  # checked by `signed_caller`, which needs the body
        if self.open and is_loopback(request.remote):
            return Caller(None)
        return None

    async def signed_caller(self, request: web.Request) -> Caller | None:
        """A caller proved by a SigV4 signature on this very request."""
        if not request.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256"):
            return None
        http = HttpRequest(
            method=request.method,
            path=request.raw_path.split("?", 1)[0],
            query_string=request.query_string,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.read(),
        )
        principal = self._authenticate(http)
        return Caller(principal) if principal is not None else None

    def _authenticate(self, http: HttpRequest) -> Principal | None:
        ctx = RequestContext("console", "skiff", "Console", self.region, self.authorizer.account)
        try:
            self.authorizer.authenticate(http, ctx)
        except AwsError:
            return None
        principal: Principal | None = ctx.principal
        return principal

    def may(self, caller: Caller, action: str, resource: str = "*") -> bool:
        """May the caller do `action`? Local callers and the root may do anything."""
        principal = caller.principal
        if principal is None or principal.is_root or not self.authorizer.verify:
            return True
        decision = self.authorizer.decide(
            principal,
            self.authorizer.policies_of(principal),
            Check(action, resource),
            self.authorizer.base_context(principal),
        )
        return decision.allowed

    # -- logins ---------------------------------------------------------------------------------
    def verify_keys(self, access_key_id: str, secret_access_key: str) -> Principal | None:
        """The principal the key pair speaks for, when the secret is the key's (root or IAM)."""
        if not access_key_id or not secret_access_key:
            return None
        url = f"http://{self.host}/console/login"
        probe = AWSRequest(method="POST", url=url, data=b"", headers={"Host": self.host})
        signer = SigV4Auth(Credentials(access_key_id, secret_access_key), "skiff", self.region)
        signer.add_auth(probe)
        http = HttpRequest(
            method="POST",
            path="/console/login",
            headers={k.lower(): str(v) for k, v in probe.headers.items()},
            body=b"",
        )
        return self._authenticate(http)

    def login(self, principal: Principal) -> Session:
        self._expire()
        session = Session(
            secrets.token_urlsafe(32), secrets.token_urlsafe(24), principal, time.time() + SESSION_SECONDS
        )
        self._sessions[session.token] = session
        return session

    def logout(self, request: web.Request) -> None:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            self._sessions.pop(token, None)

    def csrf_of(self, caller: Caller) -> str:
        return caller.session.csrf if caller.session is not None else self.local_csrf

    def check_csrf(self, caller: Caller, request: web.Request) -> bool:
        """A console action carries its page's CSRF token in a header (a page of another origin
        can neither read the token nor send the header without a preflight skiff never allows)."""
        if caller.principal is not None and caller.session is None:
            return True  # a signed request: nothing a browser page could forge
        sent = request.headers.get(CSRF_HEADER, "")
        return bool(sent) and hmac.compare_digest(sent, self.csrf_of(caller))

    @staticmethod
    def foreign_origin(request: web.Request) -> bool:
        """A browser request sent by a page of another origin (refused for skiff's endpoints)."""
        origin = request.headers.get("Origin")
        if not origin or origin == "null":
            return origin == "null"
        return origin.split("://", 1)[-1].rstrip("/") != request.host

    def _session_of(self, request: web.Request) -> Session | None:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        session = self._sessions.get(token)
        if session is None or session.expires < time.time():
            self._sessions.pop(token, None)
            return None
        return session

    def _expire(self) -> None:
        now = time.time()
        for token in [t for t, s in self._sessions.items() if s.expires < now]:
            del self._sessions[token]

    @staticmethod
    def cookie_expiry() -> str:
        when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=SESSION_SECONDS)
        return when.strftime("%a, %d %b %Y %H:%M:%S GMT")
