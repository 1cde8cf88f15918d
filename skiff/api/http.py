"""Plain HTTP request/response values passed between the gateway and the wire protocols.

The gateway turns an aiohttp request into an `HttpRequest`; protocols never see aiohttp,
which keeps them testable with values built by botocore's own serializers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class HttpRequest:
    """One incoming request. Header names are lower-case; `path` is still percent-encoded."""

    method: str
    path: str
    query_string: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    @property
    def query(self) -> list[tuple[str, str]]:
        """Decoded query pairs in order (keys may repeat)."""
        return parse_qsl(self.query_string, keep_blank_values=True)

    @property
    def host(self) -> str:
        return self.header("host")


@dataclass
class HttpResponse:
    """One outgoing reply."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = None  # an event stream, written chunk by chunk
