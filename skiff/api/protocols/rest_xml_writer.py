"""Writing rest-xml replies: XML documents by botocore shape, and header texts.

The output mirrors what botocore's `RestXMLParser` reads: structure members by their
`locationName`, wrapped lists (`<Tags><Tag/></Tags>`) or flattened ones (repeated elements), maps
as `<entry><key/><value/></entry>`, `xmlAttribute` members as attributes (S3's `xsi:type`) and
`xmlNamespace` declarations where the model puts them. Characters XML 1.0 cannot carry are
replaced by U+FFFD; carriage returns and tabs are written as character references.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from botocore.model import Shape

from skiff.api.protocols.rest_xml_reader import xml_member_name
from skiff.api.protocols.values import encode_base64, epoch_seconds, iso8601, rfc822

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"}
)


def escape_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text).translate(_TEXT_ESCAPES)


def escape_attr(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text).translate(_ATTR_ESCAPES)


def _float_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(float(value))


def timestamp_text(value: Any, fmt: str) -> str:
    """A timestamp in `fmt` (iso8601, rfc822 or unixtimestamp); text passes through."""
    if not isinstance(value, dt.datetime):
        return str(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    if fmt == "rfc822":
        return rfc822(value)
    if fmt == "unixtimestamp":
        return str(epoch_seconds(value))
    return iso8601(value)


def scalar_text(shape: Shape, value: Any, default_timestamp: str = "iso8601") -> str:
    """A scalar as wire text: booleans lower-case, blobs base64, timestamps per the model."""
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("float", "double") and isinstance(value, (int, float)):
        return _float_text(float(value))
    if kind == "timestamp":
        return timestamp_text(value, str(shape.serialization.get("timestampFormat", default_timestamp)))
    if kind == "blob" and isinstance(value, (bytes, bytearray, str)):
        return encode_base64(bytes(value) if not isinstance(value, str) else value)
    return str(value)


def header_text(shape: Shape, value: Any) -> str:
    """A header member's text: timestamps RFC 822 unless the model says otherwise."""
    kind = shape.type_name
    if kind == "list":
        parts = []
        for item in value:
            text = header_text(shape.member, item)
            if shape.member.type_name == "string" and ("," in text or '"' in text):
                text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
            parts.append(text)
        return ",".join(parts)
    if kind == "string" and shape.serialization.get("jsonvalue"):
        return encode_base64(json.dumps(value, separators=(",", ":")))
    return scalar_text(shape, value, default_timestamp="rfc822")


def _namespace_attrs(shape: Shape) -> str:
    namespace = shape.serialization.get("xmlNamespace")
    if isinstance(namespace, Mapping):
        prefix = namespace.get("prefix")
        name = f"xmlns:{prefix}" if prefix else "xmlns"
        return f' {name}="{escape_attr(str(namespace.get("uri", "")))}"'
    if isinstance(namespace, str):
        return f' xmlns="{escape_attr(namespace)}"'
    return ""


def write_element(parts: list[str], shape: Shape, value: Any, name: str, extra_attrs: str = "") -> None:
    """Append `<name>...</name>` for `value` of `shape` to `parts`."""
    kind = shape.type_name
    attrs = extra_attrs + _namespace_attrs(shape)
    if kind == "structure":
        body: list[str] = []
        for member_name, member in shape.members.items():
            item = value.get(member_name) if isinstance(value, Mapping) else None
            if item is None or member.serialization.get("location"):
                continue
            if member.serialization.get("xmlAttribute"):
                attr_name = str(member.serialization.get("name", member_name))
                attrs += f' {attr_name}="{escape_attr(scalar_text(member, item))}"'
                continue
            write_member(body, member, item, xml_member_name(member, member_name))
        parts.append(f"<{name}{attrs}>{''.join(body)}</{name}>")
    elif kind == "list":
        item_name = str(shape.member.serialization.get("name", "member"))
        body = []
        for item in value:
            write_element(body, shape.member, item, item_name)
        parts.append(f"<{name}{attrs}>{''.join(body)}</{name}>")
    elif kind == "map":
        body = []
        for key, item in value.items():
            body.append("<entry>")
            _write_map_pair(body, shape, key, item)
            body.append("</entry>")
        parts.append(f"<{name}{attrs}>{''.join(body)}</{name}>")
    else:
        parts.append(f"<{name}{attrs}>{escape_text(scalar_text(shape, value))}</{name}>")


def _write_map_pair(parts: list[str], shape: Shape, key: Any, item: Any) -> None:
    write_element(parts, shape.key, key, str(shape.key.serialization.get("name", "key")))
    write_element(parts, shape.value, item, str(shape.value.serialization.get("name", "value")))


def write_member(parts: list[str], member: Shape, value: Any, name: str) -> None:
    """A structure member: flattened lists and maps repeat `name`, everything else is one element."""
    if member.serialization.get("flattened") and member.type_name == "list":
        for item in value:
            write_element(parts, member.member, item, name)
    elif member.serialization.get("flattened") and member.type_name == "map":
        for key, item in value.items():
            parts.append(f"<{name}>")
            _write_map_pair(parts, member, key, item)
            parts.append(f"</{name}>")
    else:
        write_element(parts, member, value, name)


def xml_document(shape: Shape, value: Any, root: str, namespace: str | None) -> bytes:
    """A whole document whose root element `root` holds `value` (declaring `namespace`)."""
    parts: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>']
    extra = ""
    if namespace and "xmlNamespace" not in shape.serialization:
        extra = f' xmlns="{escape_attr(namespace)}"'
    write_element(parts, shape, value, root, extra)
    return "".join(parts).encode("utf-8")
