"""What every command shares: where the engine is, boto3 clients for it, skiff's own endpoints,
output (tables on a terminal, JSON with --json) and errors as one line on stderr with exit 1.

The endpoint is `--endpoint`, else AWS_ENDPOINT_URL, else http://127.0.0.1:4620. Keys come from
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else the account root's keys skiff prints (SKIFF_ROOT_*,
"test"/"test" by default); profiles in ~/.aws are not read, so keys meant for AWS never reach skiff.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import boto3
import typer
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config as BotoConfig
from botocore.credentials import Credentials
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from rich.console import Console
from rich.markup import escape

from skiff.config import DEFAULT_PORT, DEFAULT_REGION, DEFAULT_ROOT_KEY

DEFAULT_ENDPOINT = f"http://127.0.0.1:{DEFAULT_PORT}"

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

COMPLETION_TIMEOUT = 2.0  # seconds a completion may ask the engine for; then it offers nothing


def completing(
    ctx: typer.Context, ask: Callable[[Any, typer.Context], Iterable[str]], incomplete: str
) -> list[str]:
    """What shell completion offers: the names `ask` finds through ECS that start with `incomplete`;
    nothing (never an error) when the engine does not answer."""
    endpoint = ctx.params.get("endpoint")
    try:
        ecs = Engine.connect(endpoint if isinstance(endpoint, str) else None).client(
            "ecs", COMPLETION_TIMEOUT
        )
        return sorted(name for name in set(ask(ecs, ctx)) if name.startswith(incomplete))
    except (BotoCoreError, ClientError, OSError):
        return []


def complete_cluster(ctx: typer.Context, incomplete: str) -> list[str]:
    return completing(
        ctx,
        lambda ecs, _: (a.rsplit("/", 1)[-1] for a in paginate(ecs, "list_clusters", "clusterArns")),
        incomplete,
    )


Endpoint = Annotated[
    str | None,
    typer.Option("--endpoint", help=f"skiff's endpoint (AWS_ENDPOINT_URL; default {DEFAULT_ENDPOINT})."),
]
Cluster = Annotated[
    str, typer.Option("--cluster", "-c", help="The cluster (name or ARN).", autocompletion=complete_cluster)
]
AnyCluster = Annotated[
    str | None,
    typer.Option(
        "--cluster", "-c", help="Only this cluster (default: every cluster).", autocompletion=complete_cluster
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


class CommandError(Exception):
    """A failure the user should read as one line (no traceback)."""


@dataclass(frozen=True)
class Engine:
    endpoint: str
    region: str
    access_key: str
    secret_key: str

    @classmethod
    def connect(cls, endpoint: str | None = None) -> Engine:
        url = (endpoint or os.environ.get("AWS_ENDPOINT_URL") or DEFAULT_ENDPOINT).rstrip("/")
        if "://" not in url:
            url = f"http://{url}"
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        key = os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("SKIFF_ROOT_ACCESS_KEY_ID")
        secret = os.environ.get("AWS_SECRET_ACCESS_KEY") or os.environ.get("SKIFF_ROOT_SECRET_ACCESS_KEY")
        return cls(url, region, key or DEFAULT_ROOT_KEY, secret or DEFAULT_ROOT_KEY)

    @functools.cached_property
    def _session(self) -> boto3.Session:
        token = os.environ.get("AWS_SESSION_TOKEN") if os.environ.get("AWS_ACCESS_KEY_ID") else None
        return boto3.Session(
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            aws_session_token=token,
            region_name=self.region,
        )

    def client(self, service: str, timeout: float = 60) -> Any:
        config = BotoConfig(
            retries={"max_attempts": 1}, connect_timeout=min(5, timeout), read_timeout=timeout
        )
        return self._session.client(service, endpoint_url=self.endpoint, config=config)

    @property
    def loopback(self) -> bool:
        host = urllib.parse.urlsplit(self.endpoint).hostname or ""
        return host in ("localhost", "::1") or host.startswith("127.")

    def internal(self, method: str, path: str, timeout: float = 120) -> Any:
        """A call to one of skiff's own endpoints (`/_skiff/...`): its JSON reply.

        Unsigned to a loopback endpoint (local callers need no key), signed otherwise or when
        the unsigned call is refused."""
        try:
            status, body = self._send(method, path, signed=not self.loopback, timeout=timeout)
            if status == 401 and self.loopback:
                status, body = self._send(method, path, signed=True, timeout=timeout)
        except urllib.error.URLError as exc:
            raise self.unreachable(exc.reason) from None
        except (ConnectionError, TimeoutError) as exc:
            raise self.unreachable(exc) from None
        try:
            reply = json.loads(body or b"{}")
        except ValueError:
            raise CommandError(
                f"skiff at {self.endpoint} answered {path} with HTTP {status}, not JSON"
            ) from None
        if status >= 400:
            message = reply.get("message") if isinstance(reply, dict) else None
            raise CommandError(f"{path}: HTTP {status}: {message or body[:200]!r}")
        return reply

    def _send(self, method: str, path: str, *, signed: bool, timeout: float) -> tuple[int, bytes]:
        url = self.endpoint + path
        headers = {"Content-Type": "application/json"}
        data = b"{}" if method == "POST" else None
        if signed:
            probe = AWSRequest(method=method, url=url, data=data or b"", headers=dict(headers))
            SigV4Auth(Credentials(self.access_key, self.secret_key), "skiff", self.region).add_auth(probe)
            headers = {k: str(v) for k, v in probe.headers.items()}
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                return int(reply.status), bytes(reply.read())
        except urllib.error.HTTPError as exc:
            return int(exc.code), bytes(exc.read())

    def unreachable(self, why: object) -> CommandError:
        return CommandError(f"skiff is not running at {self.endpoint} ({why})")


def paginate(client: Any, operation: str, key: str, **params: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key, [])


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")
    sys.stdout.flush()


def print_json_line(value: Any) -> None:
    sys.stdout.write(json.dumps(value, default=str) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]error:[/] {escape(message)}", markup=True, highlight=False)
    raise typer.Exit(code)


def describe_error(exc: BaseException, endpoint: str) -> str:
    """One line for an exception raised while talking to the engine."""
    if isinstance(exc, EndpointConnectionError):
        return f"skiff is not running at {endpoint}"
    if isinstance(exc, ConnectTimeoutError):
        return f"skiff at {endpoint} does not answer (connect timeout)"
    if isinstance(exc, ReadTimeoutError | ConnectionClosedError):
        return f"lost the connection to skiff at {endpoint}: {exc}"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code") or "Error"
        message = error.get("Message") or str(exc)
        return f"{code}: {message}"
    return str(exc) or type(exc).__name__


P = ParamSpec("P")
R = TypeVar("R")


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a command; errors end it with one line on stderr and exit 1, never a traceback."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        endpoint = kwargs.get("endpoint")
        where = Engine.connect(endpoint if isinstance(endpoint, str) else None).endpoint
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
        except CommandError as exc:
            fail(str(exc))
        except (BotoCoreError, ClientError) as exc:
            fail(describe_error(exc, where))
        except OSError as exc:
            fail(f"{type(exc).__name__}: {exc}")

    return run
