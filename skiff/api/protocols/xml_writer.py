"""XML output written along a botocore output shape, shared by the `query` and `ec2` protocols.

Element names come from a member's `locationName` (else its member name); lists wrap each item
in `<member>` (`<item>` for EC2) or the list member's `locationName`, unless `flattened`, when
the items repeat in place; maps write `<entry><key/><value/></entry>` with the key/value
`locationName`s honoured. Scalars: timestamps ISO 8601 (or the shape's `timestampFormat`),
blobs base64, booleans `true`/`false`. Text is escaped so any Python string yields
well-formed XML: characters XML 1.0 cannot carry at all become U+FFFD, and a carriage return
is written as `&#13;` so parsers do not fold it into a newline.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from botocore.model import Shape

from skiff.api.errors import AwsError
from skiff.api.protocols.values import encode_base64, epoch_seconds, iso8601, parse_timestamp, rfc822

# Characters outside XML 1.0's `Char` production (C0 controls but tab/newline/CR, surrogates,
# U+FFFE and U+FFFF) cannot be sent even as character references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"}
)


def xml_safe(text: str) -> str:
    """`text` with the characters XML cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def escape_text(text: str) -> str:
    return xml_safe(text).translate(_TEXT_ESCAPES)


def escape_attr(text: str) -> str:
    return xml_safe(text).translate(_ATTR_ESCAPES)


def format_timestamp(value: Any, timestamp_format: str | None) -> str:
    """A timestamp in the given model format (ISO 8601 when none is given)."""
    if not isinstance(value, dt.datetime):
        try:
            value = parse_timestamp(value, "timestamp")
        except AwsError:
            return str(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    fmt = (timestamp_format or "iso8601").lower()
    if fmt == "unixtimestamp":
        return str(epoch_seconds(value))
    if fmt == "rfc822":
        return rfc822(value)
    return iso8601(value)


def format_float(value: Any) -> str:
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return repr(number)


def scalar_text(shape: Shape, value: Any) -> str:
    """The text of one scalar value, per the shape's type."""
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        return format_timestamp(value, shape.serialization.get("timestampFormat"))
    if kind == "blob":
        return encode_base64(value)
    if kind in ("integer", "long"):
        return str(int(value))
    if kind in ("float", "double"):
        return format_float(value)
    return str(value)


class XmlWriter:
    """Writes values of output shapes as XML fragments into a list of string parts."""

    def __init__(self, list_item: str = "member") -> None:
        # Element name of list items when the list member has no locationName.
        self.list_item = list_item

    def member_tag(self, name: str, member: Shape) -> str:
        """The element name a structure member is written under."""
        if member.type_name == "list" and member.serialization.get("flattened"):
            item_name = member.member.serialization.get("name")
            if item_name:
                return str(item_name)
        return str(member.serialization.get("name", name))

    def members(self, out: list[str], shape: Shape, value: Mapping[str, Any]) -> None:
        """The child elements of a structure (without its own element)."""
        for name, member in shape.members.items():
            item = value.get(name)
            if item is None or member.serialization.get("xmlAttribute"):
                continue
            if member.serialization.get("location") in ("header", "headers", "statusCode"):
                continue
            self.element(out, self.member_tag(name, member), member, item)

    def element(self, out: list[str], tag: str, shape: Shape, value: Any) -> None:
        """One value as `<tag>...</tag>` (or repeated elements for flattened lists/maps)."""
        kind = shape.type_name
        if kind == "list":
            self._list(out, tag, shape, value)
        elif kind == "map":
            self._map(out, tag, shape, value)
        elif kind == "structure":
            out.append(f"<{tag}{self._attributes(shape, value)}>")
            if isinstance(value, Mapping):
                self.members(out, shape, value)
            out.append(f"</{tag}>")
        else:
            text = escape_text(scalar_text(shape, value))
            out.append(f"<{tag}{self._attributes(shape, None)}>{text}</{tag}>")

    def _attributes(self, shape: Shape, value: Any) -> str:
        attrs: list[str] = []
        namespace = shape.serialization.get("xmlNamespace")
        if isinstance(namespace, Mapping) and namespace.get("uri"):
            prefix = namespace.get("prefix")
            name = f"xmlns:{prefix}" if prefix else "xmlns"
            attrs.append(f' {name}="{escape_attr(str(namespace["uri"]))}"')
        if shape.type_name == "structure" and isinstance(value, Mapping):
            for name, member in shape.members.items():
                item = value.get(name)
                if item is not None and member.serialization.get("xmlAttribute"):
                    attr = member.serialization.get("name", name)
                    attrs.append(f' {attr}="{escape_attr(scalar_text(member, item))}"')
        return "".join(attrs)

    def _list(self, out: list[str], tag: str, shape: Shape, value: Any) -> None:
        member = shape.member
        items = [item for item in value if item is not None]
        if shape.serialization.get("flattened"):
            for item in items:
                self.element(out, tag, member, item)
            return
        item_tag = str(member.serialization.get("name", self.list_item))
        out.append(f"<{tag}{self._attributes(shape, None)}>")
        for item in items:
            self.element(out, item_tag, member, item)
        out.append(f"</{tag}>")

    def _map(self, out: list[str], tag: str, shape: Shape, value: Mapping[Any, Any]) -> None:
        key_tag = str(shape.key.serialization.get("name", "key"))
        value_tag = str(shape.value.serialization.get("name", "value"))
        flat = bool(shape.serialization.get("flattened"))
        if not flat:
            out.append(f"<{tag}{self._attributes(shape, None)}>")
        for key, item in value.items():
            if item is None:
                continue
            out.append(f"<{tag}>" if flat else "<entry>")
            self.element(out, key_tag, shape.key, key)
            self.element(out, value_tag, shape.value, item)
            out.append(f"</{tag}>" if flat else "</entry>")
        if not flat:
            out.append(f"</{tag}>")
