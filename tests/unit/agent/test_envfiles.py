"""Property tests of the environment-file rules (shared/reference §4)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from skiff.agent.envfiles import merge_env_files, parse_env_file, parse_s3_arn

NAME = st.text(alphabet=st.characters(codec="ascii", exclude_characters="=\n\r#"), min_size=1, max_size=8)
VALUE = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n\r"), max_size=12)
LINE = st.one_of(
    st.tuples(NAME, VALUE).map(lambda kv: f"{kv[0]}={kv[1]}"),
    VALUE.map(lambda v: "#" + v),
    NAME,  # no '=': ignored
    VALUE.map(lambda v: "=" + v),  # empty name: skipped
)


def reference_parse(lines: list[str]) -> dict[str, str]:
    """The rules written out once more, independently."""
    out: dict[str, str] = {}
    for line in lines:
        if line[:1] == "#":
            continue
        index = line.find("=")
        if index <= 0:
            continue
        out[line[:index]] = line[index + 1 :]
    return out


@given(st.lists(LINE, max_size=12))
def test_parser_follows_the_rules(lines: list[str]) -> None:
    assert parse_env_file("\n".join(lines)) == reference_parse(lines)


@given(NAME, VALUE)
def test_no_trimming_and_quotes_kept(name: str, value: str) -> None:
    text = f"{name}= {value!r} "
    assert parse_env_file(text) == {name: f" {value!r} "}


@given(st.lists(st.dictionaries(NAME, VALUE, max_size=5), max_size=5))
def test_first_file_wins(files: list[dict[str, str]]) -> None:
    merged = merge_env_files(files)
    for name, value in merged.items():
        assert value == next(f[name] for f in files if name in f)
    assert set(merged) == {name for f in files for name in f}


def test_only_newlines_end_lines() -> None:
    assert parse_env_file("A=1\r\nB=x\x1ey\u2028z\n") == {"A": "1", "B": "x\x1ey\u2028z"}


def test_later_line_wins_within_a_file() -> None:
    assert parse_env_file("A=1\nA=2\n#A=3\nA\n=x\nB==y") == {"A": "2", "B": "=y"}


def test_s3_arns() -> None:
    assert parse_s3_arn("arn:aws:s3:::bucket/dir/app.env") == ("bucket", "dir/app.env")
    assert parse_s3_arn("arn:aws:s3:::bucket") is None
    assert parse_s3_arn("s3://bucket/key") is None
