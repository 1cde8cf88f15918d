"""Form-encoded input shared by the `query` and `ec2` protocols.

Both protocols send their input as `application/x-www-form-urlencoded` pairs (POST body or GET
query string) whose keys are dotted paths: `Foo.Bar`, `Tags.member.2.Key`,
`Attributes.entry.1.value`. This module splits and decodes the pairs, folds the dotted keys
into a tree, and walks that tree along an operation's input shape. The two protocols differ
only in how members and list items are named, which `FormReader` subclasses override.

Every failure is a `SerializationError`: bad UTF-8, a value of the wrong type, a key nested
deeper than any model allows. List indices are sorted numerically, never used to size a list,
so `Name.member.99999999999` costs no more than `Name.member.1`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes

from botocore.model import Shape

from skiff.api.errors import AwsError, SerializationError
from skiff.api.http import HttpRequest
from skiff.api.protocols.values import (
    decode_base64,
    parse_bool_text,
    parse_float_text,
    parse_int_text,
    parse_timestamp,
)

# No model nests input anywhere near this deep; deeper keys are garbage, not members.
MAX_KEY_DEPTH = 64
_INDEX = re.compile(r"[0-9]{1,18}")
# Parameters that address the protocol, not the operation's input.
RESERVED_PARAMS = frozenset({"Action", "Version"})


def _decode(raw: bytes, what: str, strict: bool) -> str:
    data = unquote_to_bytes(raw.replace(b"+", b" "))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not strict:
            return data.decode("utf-8", "replace")
        raise SerializationError(f"The request {what} is not valid UTF-8.") from exc


def decode_form(raw: bytes, what: str = "body", *, strict: bool = True) -> list[tuple[str, str]]:
    """Split and percent-decode `a=1&b=2` pairs, in order. Blank values are kept."""
    pairs: list[tuple[str, str]] = []
    for part in raw.split(b"&"):
        if not part:
            continue
        key, _, value = part.partition(b"=")
        pairs.append((_decode(key, what, strict), _decode(value, what, strict)))
    return pairs


def _query_bytes(request: HttpRequest) -> bytes:
    try:
        return request.query_string.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:
        raise SerializationError("The request query string is not valid UTF-8.") from exc


def is_form_body(request: HttpRequest) -> bool:
    ctype = request.header("content-type").lower()
    if "x-www-form-urlencoded" in ctype:
        return True
    return not ctype and request.method.upper() == "POST"


def request_params(request: HttpRequest, *, strict: bool = True) -> list[tuple[str, str]]:
    """All form pairs of a request: the query string's, then the form body's (later wins)."""
    pairs = decode_form(_query_bytes(request), "query string", strict=strict)
    if is_form_body(request) and request.body:
        pairs.extend(decode_form(request.body, "body", strict=strict))
    return pairs


def find_action(request: HttpRequest) -> str | None:
    """The `Action` parameter, or None. Never raises: unreadable input just names nothing."""
    try:
        pairs = request_params(request, strict=False)
    except AwsError:
        return None
    action: str | None = None
    for key, value in pairs:
        if key == "Action":
            action = value
    return action or None


@dataclass
class FormNode:
    """One component of the dotted keys: its own value (if sent) and its children by name."""

    value: str | None = None
    children: dict[str, FormNode] = field(default_factory=dict)


def build_tree(pairs: list[tuple[str, str]]) -> FormNode:
    """Fold dotted keys into a tree; `Action` and `Version` are left out."""
    root = FormNode()
    for key, value in pairs:
        if key in RESERVED_PARAMS:
            continue
        parts = key.split(".")
        if len(parts) > MAX_KEY_DEPTH:
            raise SerializationError(f"Parameter '{key[:80]}...' is nested too deeply.")
        node = root
        for part in parts:
            child = node.children.get(part)
            if child is None:
                child = node.children[part] = FormNode()
            node = child
        node.value = value
    return root


def indexed(node: FormNode) -> list[tuple[str, FormNode]]:
    """Children named by a positive index, sorted by it; other children are ignored."""
    found = [(int(name), name, child) for name, child in node.children.items() if _INDEX.fullmatch(name)]
    found.sort(key=lambda item: (item[0], item[1]))
    return [(name, child) for number, name, child in found if number > 0]


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


class FormReader:
    """Reads a form tree along a shape, the `query` way; `ec2` overrides the naming hooks."""

    def member_key(self, name: str, member: Shape) -> str:
        """The key component that carries structure member `name`."""
        if member.type_name == "list" and member.serialization.get("flattened"):
            item_name = member.member.serialization.get("name")
            if item_name:
                return str(item_name)
        return str(member.serialization.get("name", name))

    def list_items(self, shape: Shape, node: FormNode) -> FormNode | None:
        """The node whose numbered children are the list items."""
        if shape.serialization.get("flattened"):
            return node
        return node.children.get(str(shape.member.serialization.get("name", "member")))

    def read_input(self, shape: Shape | None, pairs: list[tuple[str, str]]) -> dict[str, Any]:
        tree = build_tree(pairs)
        if shape is None:
            return {}
        parsed: dict[str, Any] = self.read_structure(shape, tree, "")
        return parsed

    def read(self, shape: Shape, node: FormNode, where: str) -> Any:
        kind = shape.type_name
        if kind == "structure":
            return self.read_structure(shape, node, where)
        if kind == "list":
            return self.read_list(shape, node, where)
        if kind == "map":
            return self.read_map(shape, node, where)
        if node.value is None:
            return None
        return read_scalar(shape, node.value, where)

    def read_structure(self, shape: Shape, node: FormNode, where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            key = self.member_key(name, member)
            child = node.children.get(key)
            if child is None:
                continue
            value = self.read(member, child, _join(where, key))
            if value is not None:
                out[name] = value
        return out

    def read_list(self, shape: Shape, node: FormNode, where: str) -> list[Any] | None:
        items = self.list_items(shape, node)
        if items is None or not items.children:
            # `Name=` with no items is how an empty list is sent.
            return [] if node.value == "" else None
        out: list[Any] = []
        for index, child in indexed(items):
            value = self.read(shape.member, child, f"{where}.{index}")
            if value is not None:
                out.append(value)
        return out

    def read_map(self, shape: Shape, node: FormNode, where: str) -> dict[str, Any]:
        entries = node if shape.serialization.get("flattened") else node.children.get("entry")
        out: dict[str, Any] = {}
        if entries is None:
            return out
        key_name = str(shape.key.serialization.get("name", "key"))
        value_name = str(shape.value.serialization.get("name", "value"))
        for index, entry in indexed(entries):
            key_node = entry.children.get(key_name)
            if key_node is None or key_node.value is None:
                continue
            value_node = entry.children.get(value_name)
            here = f"{where}.{index}"
            if value_node is not None:
                value = self.read(shape.value, value_node, f"{here}.{value_name}")
            else:
                value = _empty(shape.value)
            if value is not None:
                out[str(read_scalar(shape.key, key_node.value, f"{here}.{key_name}"))] = value
        return out


def _empty(shape: Shape) -> Any:
    """An entry sent with a key but no value: containers are empty (nothing to send), scalars absent."""
    return {"structure": {}, "map": {}, "list": []}.get(shape.type_name)


def read_scalar(shape: Shape, text: str, where: str) -> Any:
    """Convert one form value by the shape's type; a bad value is a `SerializationError`."""
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return parse_int_text(text, where)
        if kind in ("float", "double"):
            return parse_float_text(text, where)
        if kind == "boolean":
            return parse_bool_text(text, where)
        if kind == "timestamp":
            return parse_timestamp(text, where)
        if kind == "blob":
            return decode_base64(text, where)
    except (ValueError, OverflowError) as exc:
        raise SerializationError(f"Invalid {kind} value at '{where}'.") from exc
    return text
