"""Filter pattern syntax: terms, optional and excluded terms, phrases, regexes, JSON and
space-delimited patterns, and what does not parse."""

from __future__ import annotations

import json

import pytest

from skiff.services.logs.filter_pattern import PatternError, compile_pattern


def matching(pattern: str, messages: list[str]) -> list[str]:
    test = compile_pattern(pattern)
    return [m for m in messages if test(m)]


LINES = ["ERROR disk full", "WARN disk almost full", "INFO ok", "error lower case", 'say "hi" there']


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("", LINES),
        ("   ", LINES),
        ("ERROR", ["ERROR disk full"]),
        ("disk full", ["ERROR disk full", "WARN disk almost full"]),
        ('"disk full"', ["ERROR disk full"]),
        ("?ERROR ?INFO", ["ERROR disk full", "INFO ok"]),
        ("-disk", ["INFO ok", "error lower case", 'say "hi" there']),
        ("disk -ERROR", ["WARN disk almost full"]),
        ("full ?WARN ?INFO", ["WARN disk almost full"]),
        ('"\\"hi\\""', ['say "hi" there']),
        ("%^[a-z]+ lower%", ["error lower case"]),
        ("%full$%", ["ERROR disk full", "WARN disk almost full"]),
        ('" "', LINES),  # AWS's "match everything"
    ],
)
def test_terms(pattern: str, expected: list[str]) -> None:
    assert matching(pattern, LINES) == expected


def test_quoted_terms_take_any_character() -> None:
    lines = ["Status: timeout", "mail to a@b.c", "status ok"]
    assert matching('"Status:" timeout', lines) == ["Status: timeout"]
    assert matching('?"a@b.c" ?"(none)"', lines) == ["mail to a@b.c"]
    assert matching('-"Status:" status_ok ?status', [*lines, "status_ok"]) == ["status_ok"]


def test_match_everything_takes_single_words_too() -> None:
    assert matching('" "', ["oneword", "two words"]) == ["oneword", "two words"]


DOCS = [
    json.dumps({"level": "error", "latency": 250, "user": {"id": 7, "name": "ann"}, "tags": ["a", "b"]}),
    json.dumps({"level": "info", "latency": 20, "user": None, "ok": True}),
    json.dumps({"level": "warn", "latency": "n/a", "ok": False}),
    "not json at all",
    json.dumps(["a list"]),
    json.dumps({"users": [1, 2, 3], "user": {"id": 1}}),
]


@pytest.mark.parametrize(
    ("pattern", "indexes"),
    [
        ('{ $.level = "error" }', [0]),
        ("{ $.level = error }", [0]),
        ('{ $.level != "error" }', [1, 2]),
        ("{ $.level = *rr* }", [0]),
        ("{ $.latency > 100 }", [0]),
        ("{ $.latency <= 20 }", [1]),
        ("{ $.latency >= 20 && $.level = info }", [1]),
        ('{ $.latency > 100 || $.level = "warn" }', [0, 2]),
        ("{ ($.latency > 100 || $.ok IS TRUE) && $.level != error }", [1]),
        ("{ $.user IS NULL }", [1]),
        ("{ $.ok IS FALSE }", [2]),
        ("{ $.user NOT EXISTS }", [2]),
        ("{ $.user.id = 7 }", [0]),
        ('{ $.tags[1] = "b" }', [0]),
        ("{ $.user.name = %^a.n$% }", [0]),
        # a selector naming an array or an object matches neither = nor != (AWS's docs)
        ("{ $.users = 1 }", []),
        ("{ $.users != 1 }", []),
        ('{ $.user != "x" }', [1]),  # doc 0's and 5's user are objects (doc 1's is null)
        ("{ $.users[*] = 2 }", [5]),
        ("{ $.user-id NOT EXISTS }", [0, 1, 2, 5]),  # hyphens are part of a selector unquoted
    ],
)
def test_json(pattern: str, indexes: list[int]) -> None:
    assert matching(pattern, DOCS) == [DOCS[i] for i in indexes]


ACCESS = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
    '10.1.1.1 - bob [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.0" 404 12',
]


@pytest.mark.parametrize(
    ("pattern", "indexes"),
    [
        ("[ip, user, username, timestamp, request, status_code, bytes]", [0, 1, 2]),
        ("[ip, user, username, timestamp, request, status_code = 500, bytes]", [1]),
        ("[ip, user, username, timestamp, request, status_code = 4*, bytes]", [2]),
        ("[ip, user, username, timestamp, request, status_code != 200, bytes > 1000]", [1]),
        ("[ip = 127.0.0.1, ...]", [0, 1]),
        ("[..., status_code = 200 || status_code = 404, bytes]", [0, 2]),
        ('[ip, user, username, timestamp, request = "GET /x*", ...]', [2]),
        ("[ip, user]", []),
    ],
)
def test_space_delimited(pattern: str, indexes: list[int]) -> None:
    assert matching(pattern, ACCESS) == [ACCESS[i] for i in indexes]


@pytest.mark.parametrize(
    "pattern",
    [
        "{ $.a = }",
        "{ level = 1 }",
        "{ $.a ~ 1 }",
        "{ ($.a = 1 }",
        "{ $.a > abc }",
        "%[%",
        "{ $.a IS MAYBE }",
    ],
)
def test_invalid_patterns(pattern: str) -> None:
    with pytest.raises(PatternError) as caught:
        compile_pattern(pattern)
    assert caught.value.aws == "Invalid filter pattern"


@pytest.mark.parametrize(
    ("pattern", "aws"),
    [
        ('{ $.a = "b"', "If a filter pattern starts with '{' it must end with '}'"),
        ("[a, b", "If a filter pattern starts with '[' it must end with ']'"),
        ("%(ERROR)%", "Invalid character(s) in term '('"),
        ("%something!%", "Invalid character(s) in term '!'"),
        ("%café%", "Invalid character(s) in term 'é'"),
        # an unquoted term holds letters, digits and underscores only (observed on AWS)
        ("?Status: timeout", "Invalid character(s) in term ':'"),
        ("email@domain.com", "Invalid character(s) in term '@'"),
        ("ERROR (fatal)", "Invalid character(s) in term '('"),
        ('{ $."sc-status" = 5* }', "Invalid character(s) in term '$.\"'"),
        ("{ $.a = %x% || $.b = %y% || $.c = %z% }", "Invalid filter pattern"),
        ("[a = %x%, b = %y%, c = %z%]", "Invalid filter pattern"),
    ],
)
def test_what_aws_refuses_and_its_texts(pattern: str, aws: str) -> None:
    with pytest.raises(PatternError) as caught:
        compile_pattern(pattern)
    assert caught.value.aws == aws


def test_two_regexes_are_allowed_in_json_and_delimited_patterns() -> None:
    assert matching("{ $.level = %^e% || $.level = %^w% }", DOCS) == [DOCS[0], DOCS[2]]
    assert matching("[..., status_code = %^5%, bytes = %^5%]", ACCESS) == [ACCESS[1]]
