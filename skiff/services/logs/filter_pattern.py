"""CloudWatch Logs filter patterns, compiled once into a predicate over an event's message.

Three families, as on AWS (matching is case-sensitive):
- terms: `ERROR Exception` (all), `?ERROR ?WARN` (any), `-DEBUG` (none), `"exact phrase"`,
  `%regex%`; plain and optional terms combine (every plain term and at least one `?` term);
- JSON: `{ $.level = "error" }`, `{ $.latency > 100 && ($.path = "/a*" || $.code != 200) }`,
  `{ $.user IS NULL }`, `{ $.flag IS TRUE }`, `{ $.x NOT EXISTS }`, `$.list[0]`; a message that is
  not a JSON object never matches;
- space-delimited: `[ip, user, ..., status = 404, size > 1000]`, fields split on spaces (quoted
  and bracketed fields kept whole), `...` standing for any number of fields.
An unquoted term holds only letters, digits and underscores (others go in double quotes, as AWS
requires). An empty pattern, or `" "`, matches every event. A JSON selector naming an object or an array
matches neither `=` nor `!=` (use `[*]` or an index). `%regex%` takes no parentheses, no `!` and no
multi-byte characters, and a JSON or space-delimited pattern at most two of them, as on AWS. A
pattern that does not parse is `PatternError`, carrying the text AWS answers with.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[str], bool]


INVALID = "Invalid filter pattern"
MAX_REGEX = 2  # regular expressions in one JSON or space-delimited pattern
_UNQUOTED_REFUSED = re.compile(r"[^A-Za-z0-9_]")  # an unquoted term: letters, digits, underscores
_REGEX_REFUSED = re.compile(r"[()!]|[^\x00-\x7f]")  # no sub-patterns, no `!`, no multi-byte characters


class PatternError(ValueError):
    """The pattern is not valid filter pattern syntax; `aws` is the text AWS answers with."""

    def __init__(self, detail: str, aws: str = INVALID) -> None:
        super().__init__(detail)
        self.aws = aws


def invalid_term(term: str) -> PatternError:
    """AWS's refusal of a term with characters it does not take there."""
    text = f"Invalid character(s) in term '{term}'"
    return PatternError(text, text)


def _regex(body: str) -> re.Pattern[str]:
    """A `%regex%` term's expression, within what CloudWatch Logs accepts."""
    refused = _REGEX_REFUSED.search(body)
    if refused is not None:
        raise invalid_term(refused.group())
    try:
        return re.compile(body)
    except re.error as exc:
        raise PatternError(f"Invalid regular expression {body!r}") from exc


def compile_pattern(pattern: str | None) -> Predicate:
    text = (pattern or "").strip()
    if not text:
        return lambda _message: True
    if text.startswith("{"):
        return _json_pattern(text)
    if text.startswith("["):
        return _delimited_pattern(text)
    return _term_pattern(text)


# -- terms ----------------------------------------------------------------------------------------
_TERM = re.compile(r'\s*([?-]?)(?:"((?:[^"\\]|\\.)*)"|%([^%]*)%|(\S+))')


def _term_pattern(text: str) -> Predicate:
    required: list[Predicate] = []
    optional: list[Predicate] = []
    excluded: list[Predicate] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TERM.match(text, position)
        if match is None or match.end() == position:
            raise PatternError(f"Invalid filter pattern near {text[position : position + 20]!r}")
        position = match.end()
        sign, quoted, regex, plain = match.groups()
        if regex is not None:
            test: Predicate = _regex_test(_regex(regex))
        else:
            if plain is not None:
                refused = _UNQUOTED_REFUSED.search(plain)
                if refused is not None:  # AWS: such terms go in double quotes
                    raise invalid_term(refused.group())
            needle = quoted.replace('\\"', '"') if quoted is not None else plain
            if not needle.strip():
                continue  # `" "` (or `""`) matches every event
            test = _substring_test(needle)
        {"": required, "?": optional, "-": excluded}[sign].append(test)
    if not (required or optional or excluded):
        return lambda _message: True

    def matches(message: str) -> bool:
        if any(t(message) for t in excluded):
            return False
        if not all(t(message) for t in required):
            return False
        return not optional or any(t(message) for t in optional)

    return matches


def _regex_test(compiled: re.Pattern[str]) -> Predicate:
    return lambda message: compiled.search(message) is not None


def _substring_test(needle: str) -> Predicate:
    return lambda message: needle in message


# -- values compared by JSON and delimited patterns -------------------------------------------------
def _wildcard(value: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if ch == "*" else re.escape(ch) for ch in value), re.DOTALL)


def _literal(token: str) -> Any:
    """A pattern's right-hand side: a quoted string, a number, or a bare word."""
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return token[1:-1].replace('\\"', '"')
    if token.startswith("%") and token.endswith("%") and len(token) >= 2:
        return _regex(token[1:-1])
    try:
        return float(token)
    except ValueError:
        return token


def _compare(actual: Any, op: str, expected: Any) -> bool:
    if isinstance(expected, re.Pattern):
        found = isinstance(actual, str) and expected.search(actual) is not None
        return found if op == "=" else not found if op == "!=" else False
    if isinstance(expected, float):
        if isinstance(actual, bool):
            return False
        try:
            number = float(actual)
        except (TypeError, ValueError):
            return op == "!=" and actual is not None
        return {
            "=": number == expected,
            "!=": number != expected,
            "<": number < expected,
            ">": number > expected,
            "<=": number <= expected,
            ">=": number >= expected,
        }.get(op, False)
    if op not in ("=", "!="):
        return False
    if actual is None or isinstance(actual, (dict, list)):
        return op == "!="
    text = json.dumps(actual) if isinstance(actual, bool) else str(actual)
    same = _wildcard(str(expected)).fullmatch(text) is not None
    return same if op == "=" else not same


def _regex_budget(text: str) -> None:
    if len(re.findall(r"%[^%]*%", text)) > MAX_REGEX:
        raise PatternError(f"At most {MAX_REGEX} regular expressions in a JSON or space-delimited pattern")


# -- JSON -----------------------------------------------------------------------------------------
_JSON_TOKEN = re.compile(
    r'\s*(?:(&&|\|\||\(|\)|!=|<=|>=|=|<|>)|(\$(?:\.[^\s=!<>&|()\[\]]+|\[\d+\]|\[\*\])*)|("(?:[^"\\]|\\.)*")'
    r"|(%[^%]*%)|([^\s()&|=!<>]+))"
)
_MISSING = object()


def _tokens(body: str) -> list[str]:
    out: list[str] = []
    position = 0
    while position < len(body):
        if not body[position:].strip():
            break
        match = _JSON_TOKEN.match(body, position)
        if match is None or match.end() == position:
            raise PatternError(f"Invalid filter pattern near {body[position : position + 20]!r}")
        out.append(next(g for g in match.groups() if g is not None))
        position = match.end()
    return out


def _select(document: Any, selector: str) -> Any:
    value = document
    for part in re.findall(r"\.([^.\[]+)|\[(\d+|\*)\]", selector[1:]):
        key, index = part
        if key:
            if not isinstance(value, dict) or key not in value:
                return _MISSING
            value = value[key]
        elif index == "*":
            return value if isinstance(value, list) else _MISSING
        else:
            if not isinstance(value, list) or int(index) >= len(value):
                return _MISSING
            value = value[int(index)]
    return value


class _JsonParser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise PatternError("Unexpected end of filter pattern")
        self.at += 1
        return token

    def expression(self) -> Callable[[Any], bool]:
        left = self.conjunction()
        while self.peek() == "||":
            self.take()
            right = self.conjunction()
            left = (lambda a, b: lambda d: a(d) or b(d))(left, right)
        return left

    def conjunction(self) -> Callable[[Any], bool]:
        left = self.condition()
        while self.peek() == "&&":
            self.take()
            right = self.condition()
            left = (lambda a, b: lambda d: a(d) and b(d))(left, right)
        return left

    def condition(self) -> Callable[[Any], bool]:
        token = self.take()
        if token == "(":
            inner = self.expression()
            if self.take() != ")":
                raise PatternError("Unbalanced parentheses in filter pattern")
            return inner
        if not token.startswith("$"):
            raise PatternError(f"Expected a selector such as $.field, found {token!r}")
        selector = token
        if '"' in selector:  # `$."detail-type"`: AWS names the term up to the quote
            term = selector[: selector.index('"') + 1]
            raise invalid_term(term)
        op = self.take()
        if op.upper() == "IS":
            word = self.take().upper()
            if word == "NULL":
                return lambda d: _select(d, selector) is None
            if word in ("TRUE", "FALSE"):
                flag = word == "TRUE"
                return lambda d: _select(d, selector) is flag
            raise PatternError(f"Expected NULL, TRUE or FALSE after IS, found {word!r}")
        if op.upper() == "NOT":
            if self.take().upper() != "EXISTS":
                raise PatternError("Expected EXISTS after NOT")
            return lambda d: _select(d, selector) is _MISSING
        if op not in ("=", "!=", "<", ">", "<=", ">="):
            raise PatternError(f"Unknown operator {op!r}")
        expected = _literal(self.take())
        if isinstance(expected, str) and op not in ("=", "!="):
            raise PatternError(f"Operator {op} needs a number")

        def test(document: Any) -> bool:
            actual = _select(document, selector)
            if actual is _MISSING:
                return False
            if isinstance(actual, list) and selector.endswith("[*]"):
                return any(_compare(item, op, expected) for item in actual)
            if isinstance(actual, (dict, list)):
                return False  # a selector naming an object or array matches neither = nor !=
            return _compare(actual, op, expected)

        return test


def _json_pattern(text: str) -> Predicate:
    if not text.endswith("}"):
        raise PatternError(
            "A JSON filter pattern ends with }", "If a filter pattern starts with '{' it must end with '}'"
        )
    _regex_budget(text)
    parser = _JsonParser(_tokens(text[1:-1]))
    test = parser.expression()
    if parser.peek() is not None:
        raise PatternError(f"Unexpected {parser.peek()!r} in filter pattern")

    def matches(message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return isinstance(document, dict) and test(document)

    return matches


# -- space-delimited ------------------------------------------------------------------------------
_FIELD = re.compile(r'"[^"]*"|\[[^\]]*\]|\S+')
_CONDITION = re.compile(r"^\s*([A-Za-z_][\w.-]*)?\s*(!=|<=|>=|=|<|>)\s*(.+?)\s*$")


def _fields(message: str) -> list[str]:
    out = []
    for field in _FIELD.findall(message):
        if (len(field) >= 2 and field[0] == field[-1] == '"') or (
            field.startswith("[") and field.endswith("]")
        ):
            field = field[1:-1]
        out.append(field)
    return out


def _delimited_pattern(text: str) -> Predicate:
    if not text.endswith("]"):
        raise PatternError(
            "A space-delimited filter pattern ends with ]",
            "If a filter pattern starts with '[' it must end with ']'",
        )
    _regex_budget(text)
    parts = [p.strip() for p in _split_commas(text[1:-1])]
    columns: list[tuple[bool, Callable[[str], bool]]] = []  # (is ellipsis, test)
    for part in parts:
        if part == "...":
            columns.append((True, lambda _f: True))
            continue
        condition = _CONDITION.match(part)
        if condition is None:
            if not re.fullmatch(r"[A-Za-z_][\w.-]*|", part):
                raise PatternError(f"Invalid field {part!r} in filter pattern")
            columns.append((False, lambda _f: True))
            continue
        columns.append((False, _column_test(part, condition.group(2))))

    def matches(message: str) -> bool:
        return _match_columns(columns, _fields(message))

    return matches


def _column_test(part: str, first_op: str) -> Callable[[str], bool]:
    """A field's conditions: `a = 1 || a = 2`, `a != 1 && a != 2` (the field named again or not)."""
    alternatives: list[list[tuple[str, Any]]] = []
    for alternative in part.split("||"):
        conjunction: list[tuple[str, Any]] = []
        for piece in alternative.split("&&"):
            condition = _CONDITION.match(piece)
            if condition is not None:
                conjunction.append((condition.group(2), _literal(condition.group(3))))
            elif piece.strip():
                conjunction.append((first_op, _literal(piece.strip())))
            else:
                raise PatternError(f"Invalid condition {part!r} in filter pattern")
        alternatives.append(conjunction)

    def test(field: str) -> bool:
        return any(all(_compare(field, op, value) for op, value in conj) for conj in alternatives)

    return test


def _split_commas(body: str) -> list[str]:
    out, current, quoted = [], "", False
    for ch in body:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            out.append(current)
            current = ""
        else:
            current += ch
    out.append(current)
    return out if body.strip() else []


def _match_columns(columns: list[tuple[bool, Callable[[str], bool]]], fields: list[str]) -> bool:
    if not columns:
        return not fields
    ellipsis, test = columns[0]
    if ellipsis:
        return any(_match_columns(columns[1:], fields[skip:]) for skip in range(len(fields) + 1))
    if not fields or not test(fields[0]):
        return False
    if len(columns) == 1:
        return len(fields) == 1
    return _match_columns(columns[1:], fields[1:])
