"""Reading rest-xml input: safe XML parsing, XML elements by shape, and scalars from text.

XML bodies (S3's `CreateBucketConfiguration`, `Delete`, `CompleteMultipartUpload`, ...) are parsed
with expat into ElementTree elements, refusing DOCTYPE and entity declarations so no entity is
ever expanded. Elements are then read by the botocore shape the same way botocore writes them:
namespaces ignored, lists wrapped or flattened, maps as `<entry><key/><value/></entry>`.
The scalar readers also serve URI labels, query values and headers.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from typing import Any
from xml.parsers import expat

from botocore.model import Shape

from skiff.api.errors import SerializationError
from skiff.api.protocols.values import decode_base64, parse_bool_text, parse_timestamp

MALFORMED_XML = "The XML you provided was not well-formed or did not validate against our published schema"
MAX_XML_DEPTH = 64
_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_FLOAT_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")
_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class _Refused(Exception):
    """Raised inside expat callbacks for input we never accept (DTDs, entities, deep nesting)."""


def malformed_xml() -> SerializationError:
    return SerializationError(MALFORMED_XML, code="MalformedXML", status=400)


def _local(name: str) -> str:
    """`{uri}local` or `uri}local` (expat's namespace form) -> `local`."""
    return name.rsplit("}", 1)[-1]


def parse_xml(body: bytes) -> ET.Element:
    """Parse an XML document into elements with namespace-free tags and attribute names."""
    builder = ET.TreeBuilder()
    depth = 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise _Refused("too deep")
        builder.start(_local(tag), {_local(k): v for k, v in attrs.items()})

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(_local(tag))

    def refuse(*_: Any) -> int:
        raise _Refused("declarations are not accepted")

    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        parser.Parse(body, True)
        root = builder.close()
    except (_Refused, expat.ExpatError, ValueError, AssertionError) as exc:
        raise malformed_xml() from exc
    return root


def decode_aws_chunked(body: bytes) -> tuple[bytes, dict[str, str]]:
    """Undo S3's `aws-chunked` framing: `<hex>[;chunk-signature=..]\r\n<data>\r\n`... `0\r\n`
    then trailer headers (e.g. `x-amz-checksum-crc32:...`). Returns the data and the trailers."""
    data = bytearray()
    pos = 0
    while True:
        eol = body.find(b"\r\n", pos)
        size_text = body[pos:eol].split(b";", 1)[0].strip() if eol >= 0 else b""
        if not _HEX_SIZE.fullmatch(size_text):
            raise SerializationError("The aws-chunked body is malformed.", code="IncompleteBody")
        size = int(size_text, 16)
        pos = eol + 2
        if size == 0:
            break
        if body[pos + size : pos + size + 2] != b"\r\n":
            raise SerializationError("The aws-chunked body is malformed.", code="IncompleteBody")
        data += body[pos : pos + size]
        pos += size + 2
    trailers: dict[str, str] = {}
    for line in body[pos:].split(b"\r\n"):
        if not line.strip():
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            raise SerializationError("The aws-chunked trailer is malformed.", code="IncompleteBody")
        trailers[name.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()
    return bytes(data), trailers


def scalar_from_text(shape: Shape, text: str, where: str) -> Any:
    """A wire text value (label, query value, header, XML text) as the shape's Python type."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        stripped = text.strip()
        if not _INT_TEXT.fullmatch(stripped):
            raise SerializationError(f"Value '{text}' at '{where}' is not an integer.")
        return int(stripped)
    if kind in ("float", "double"):
        stripped = text.strip()
        if stripped in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[stripped]
        if not _FLOAT_TEXT.fullmatch(stripped):
            raise SerializationError(f"Value '{text}' at '{where}' is not a number.")
        return float(stripped)
    if kind == "boolean":
        return parse_bool_text(text, where)
    if kind == "timestamp":
        return parse_timestamp(text, where)
    if kind == "blob":
        return decode_base64(text.strip(), where)
    if kind in ("structure", "list", "map"):
        raise SerializationError(f"Unexpected text value at '{where}'.")
    return text


def split_header_list(raw: str) -> list[str]:
    """RFC 7230 list items: comma-separated, optionally double-quoted with backslash escapes."""
    items: list[str] = []
    i, size = 0, len(raw)
    while i <= size:
        while i < size and raw[i] in " \t":
            i += 1
        if i < size and raw[i] == '"':
            i += 1
            chars: list[str] = []
            while i < size and raw[i] != '"':
                if raw[i] == "\\" and i + 1 < size:
                    i += 1
                chars.append(raw[i])
                i += 1
            items.append("".join(chars))
            end = raw.find(",", i)
            i = size + 1 if end < 0 else end + 1
        else:
            end = raw.find(",", i)
            stop = size if end < 0 else end
            items.append(raw[i:stop].strip())
            i = stop + 1
    return items


def header_value(shape: Shape, raw: str, where: str) -> Any:
    """A header member's value: lists comma-split, JSON values base64 JSON, scalars as text."""
    kind = shape.type_name
    if kind == "list":
        if not raw.strip():
            return []
        return [
            scalar_from_text(shape.member, item, f"{where}.{i + 1}")
            for i, item in enumerate(split_header_list(raw))
        ]
    if kind == "string" and shape.serialization.get("jsonvalue"):
        try:
            return json.loads(decode_base64(raw.strip(), where).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise SerializationError(f"Invalid JSON value in header '{where}'.") from exc
    if kind in ("structure", "map"):
        raise SerializationError(f"Unexpected header value at '{where}'.")
    return scalar_from_text(shape, raw, where)


def xml_member_name(member: Shape, member_name: str) -> str:
    """The element name of a structure member (flattened lists use their member's name)."""
    if member.type_name == "list" and member.serialization.get("flattened"):
        inner = member.member.serialization.get("name")
        if inner:
            return str(inner)
    return str(member.serialization.get("name", member_name))


def _element_text(node: ET.Element, where: str) -> str:
    if len(node):
        raise SerializationError(f"Expected a value at '{where}' but found nested elements.")
    return node.text or ""


def read_xml(shape: Shape, node: ET.Element, where: str, depth: int = 0) -> Any:
    """Read one element by `shape` (structure members located elsewhere are skipped)."""
    if depth > MAX_XML_DEPTH:
        raise malformed_xml()
    kind = shape.type_name
    if kind == "structure":
        return _read_structure(shape, node, where, depth)
    if kind == "list":
        return [read_xml(shape.member, item, f"{where}.{i + 1}", depth + 1) for i, item in enumerate(node)]
    if kind == "map":
        return _read_map_entries(shape, list(node), where, depth)
    return scalar_from_text(shape, _element_text(node, where), where)


def _read_map_entries(shape: Shape, entries: list[ET.Element], where: str, depth: int) -> dict[str, Any]:
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    out: dict[str, Any] = {}
    for entry in entries:
        key_node = entry.find(key_name)
        value_node = entry.find(value_name)
        if key_node is None or value_node is None:
            raise SerializationError(f"Map entry at '{where}' needs a {key_name} and a {value_name}.")
        key = read_xml(shape.key, key_node, f"{where}.{key_name}", depth + 1)
        out[str(key)] = read_xml(shape.value, value_node, f"{where}.{key}", depth + 1)
    return out


def _read_structure(shape: Shape, node: ET.Element, where: str, depth: int) -> dict[str, Any]:
    children: dict[str, list[ET.Element]] = {}
    for child in node:
        children.setdefault(str(child.tag), []).append(child)
    out: dict[str, Any] = {}
    # Flattened collections first: their elements are theirs alone, even when another member shares
    # the name (S3's deprecated TopicConfiguration has both `Events` as <Event/>s and `Event`).
    members = sorted(shape.members.items(), key=lambda pair: not pair[1].serialization.get("flattened"))
    for name, member in members:
        if member.serialization.get("location"):
            continue
        here = f"{where}.{name}" if where else name
        if member.serialization.get("xmlAttribute"):
            attr = _local(str(member.serialization.get("name", name)).split(":")[-1])
            if attr in node.attrib:
                out[name] = scalar_from_text(member, node.attrib[attr], here)
            continue
        key = xml_member_name(member, name)
        if key not in children:
            key = str(member.serialization.get("name", name))
        nodes = children.pop(key, None)
        if not nodes:
            continue
        flattened = bool(member.serialization.get("flattened"))
        if flattened and member.type_name == "list":
            out[name] = [
                read_xml(member.member, item, f"{here}.{i + 1}", depth + 1) for i, item in enumerate(nodes)
            ]
        elif flattened and member.type_name == "map":
            out[name] = _read_map_entries(member, nodes, here, depth)
        elif len(nodes) > 1:
            raise SerializationError(f"Element '{here}' appears more than once.")
        else:
            out[name] = read_xml(member, nodes[0], here, depth + 1)
    return out
