"""Which rest-xml (S3) operation a request names, from its method, path, query and headers.

Every operation's `http.requestUri` template (`/{Bucket}/{Key+}?uploads`) becomes a matcher:
`{X}` takes one path segment, `{X+}` the rest of the path, and literal query keys must be present.
Several operations share a template (PutObject, CopyObject, UploadPart, UploadPartCopy), so among
the matches the one with the most literal query keys wins, then the one whose required query and
header members are all present and that names the most of them, then non-deprecated operations,
then the longest literal path.

Virtual-host addressing (`<bucket>.s3.<region>.amazonaws.com`, `<bucket>.localhost:4566`) is
turned into path-style first: the bucket from the host becomes the first path segment. Templates
without labels (`/WriteGetObjectResponse`, sent to a `{RequestRoute}.` host prefix) are tried on
the path as sent before that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote

from botocore.model import OperationModel, ServiceModel

from skiff.api.http import HttpRequest

_LABEL = re.compile(r"\{([^}]+)\}")
_S3_HOST = re.compile(r"^(?P<bucket>.+?)\.s3(?:-website)?(?:[.-][^:]*)?$")
_LOCAL_HOST = re.compile(r"^(?P<bucket>.+)\.localhost\.?$")


@dataclass(frozen=True)
class UriTemplate:
    """One operation's request-URI template, compiled."""

    operation: str
    method: str
    path: re.Pattern[str]
    labels: tuple[str, ...]
    literal_query: tuple[tuple[str, str | None], ...]
    literal_length: int
    required_query: tuple[str, ...]
    required_headers: tuple[str, ...]
    deprecated: bool

    def match(self, request: HttpRequest, path: str) -> dict[str, str] | None:
        """Raw (still percent-encoded) label values when the request fits the template."""
        if request.method.upper() != self.method:
            return None
        labels = self.labels_of(path)
        if labels is None:
            return None
        pairs = request.query
        keys = {key for key, _ in pairs}
        for key, value in self.literal_query:
            present = key in keys if value is None else (key, value) in pairs
            if not present:
                return None
        return labels

    def labels_of(self, path: str) -> dict[str, str] | None:
        """Raw label values when `path` fits the template's path part."""
        found = self.path.fullmatch(path)
        if found is None:
            return None
        return dict(zip(self.labels, found.groups(), strict=True))

    def score(self, request: HttpRequest) -> tuple[int, bool, int, bool, int]:
        """Sort key among matching templates: higher is more specific."""
        keys = {key for key, _ in request.query}
        headers = {name.lower() for name in request.headers}
        present = sum(1 for key in self.required_query if key in keys)
        present += sum(1 for name in self.required_headers if name in headers)
        complete = present == len(self.required_query) + len(self.required_headers)
        return len(self.literal_query), complete, present, not self.deprecated, self.literal_length


def compile_template(operation: OperationModel) -> UriTemplate:
    uri = str(operation.http.get("requestUri", "/"))
    path_part, _, query_part = uri.partition("?")
    pattern: list[str] = []
    labels: list[str] = []
    literal_length = 0
    pieces = _LABEL.split(path_part)
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            pattern.append(re.escape(piece))
            literal_length += len(piece)
        elif piece.endswith("+"):
            labels.append(piece[:-1])
            pattern.append("(.+)")
        else:
            labels.append(piece)
            pattern.append("([^/]+)")
    if len(pieces) > 1 and pieces[-1] == "" and not pieces[-2].endswith("+"):
        pattern.append("/?")
    literal_query: list[tuple[str, str | None]] = []
    for part in filter(None, query_part.split("&")):
        key, eq, value = part.partition("=")
        literal_query.append((key, value if eq else None))
    required_query: list[str] = []
    required_headers: list[str] = []
    shape = operation.input_shape
    if shape is not None:
        for name in shape.required_members:
            member = shape.members[name]
            location = member.serialization.get("location")
            wire = str(member.serialization.get("name", name))
            if location == "querystring" and member.type_name != "map":
                required_query.append(wire)
            elif location == "header":
                required_headers.append(wire.lower())
    return UriTemplate(
        operation=operation.name,
        method=str(operation.http.get("method", "POST")).upper(),
        path=re.compile("".join(pattern), re.DOTALL),
        labels=tuple(labels),
        literal_query=tuple(literal_query),
        literal_length=literal_length,
        required_query=tuple(required_query),
        required_headers=tuple(required_headers),
        deprecated=bool(operation.deprecated),
    )


@cache
def templates(model: ServiceModel) -> tuple[UriTemplate, ...]:
    return tuple(compile_template(model.operation_model(name)) for name in model.operation_names)


@cache
def template_for(operation: OperationModel) -> UriTemplate:
    return compile_template(operation)


def host_bucket(request: HttpRequest) -> str | None:
    """The bucket named by a virtual-host style Host header, if any."""
    host = request.host.strip().lower()
    if not host or host.startswith("["):
        return None
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if "s3-object-lambda" in host:
        return None
    for pattern in (_S3_HOST, _LOCAL_HOST):
        found = pattern.match(host)
        if found:
            return found.group("bucket")
    return None


def effective_path(request: HttpRequest) -> str:
    """The path-style path of the request (bucket from the host put in front)."""
    path = request.path or "/"
    bucket = host_bucket(request)
    if bucket is None:
        return path
    prefix = "/" + quote(bucket, safe="")
    return prefix if path == "/" else prefix + path


def find_operation(request: HttpRequest, model: ServiceModel) -> str | None:
    """The most specific operation whose template fits the request, or None."""
    for template in templates(model):
        # Label-free paths (POST /WriteGetObjectResponse) come with a host prefix, not a bucket.
        if template.labels or template.literal_length < 2:
            continue
        if template.match(request, request.path) is not None:
            return template.operation
    path = effective_path(request)
    if path == "/" and request.method.upper() == "GET" and "ListBuckets" in model.operation_names:
        return "ListBuckets"
    best: UriTemplate | None = None
    for template in templates(model):
        if template.match(request, path) is None:
            continue
        if best is None or template.score(request) > best.score(request):
            best = template
    return best.operation if best is not None else None


def uri_labels(request: HttpRequest, operation: OperationModel) -> dict[str, str]:
    """Raw label values of `operation`'s template for this request ({} when it does not fit)."""
    return template_for(operation).labels_of(effective_path(request)) or {}
