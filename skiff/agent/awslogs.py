"""The awslogs driver's rules, without I/O: which containers use it, their group and stream
names, their options (mode, max-buffer-size, multi-line), Docker's timestamps, and the joining
of multi-line events.

A container's stream is `<awslogs-stream-prefix>/<container name>/<task id>` (without a prefix,
which Fargate requires, the Docker container id, as on EC2) in `awslogs-group`, in
`awslogs-region` (else the task's region). `awslogs-datetime-format` (strftime directives within a
regex, as Docker reads it) or `awslogs-multiline-pattern` (a regex) mark the first line of an
event; the lines that follow it join it, separated by newlines.
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass
from typing import Any

DRIVER = "awslogs"
MODES = ("blocking", "non-blocking")
DEFAULT_MAX_BUFFER = 10 * 1024 * 1024  # Fargate's default max-buffer-size, 10m

# strftime directives -> the regex Docker's awslogs driver turns them into
_DIRECTIVES = {
    "a": r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)",
    "A": r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)",
    "b": r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)",
    "B": r"(?:January|February|March|April|May|June|July|August|September|October|November|December)",
    "c": r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{2} \d{2}:\d{2}:\d{2} \d{4}",
    "d": r"(?:0[1-9]|[1,2][0-9]|3[0,1])",
    "e": r"(?: [1-9]|[1,2][0-9]|3[0,1])",
    "f": r"\d{1,9}",
    "H": r"(?:[0,1][0-9]|2[0-3])",
    "I": r"(?:0[0-9]|1[0-2])",
    "j": r"(?:0[0-9][1-9]|[1,2][0-9][0-9]|3[0-5][0-9]|36[0-6])",
    "k": r"(?: [0-9]|1[0-9]|2[0-3])",
    "l": r"(?: [1-9]|1[0-2])",
    "L": r"\.\d{3}",
    "m": r"(?:0[1-9]|1[0-2])",
    "M": r"[0-5][0-9]",
    "p": r"[A,P]M",
    "S": r"[0-5][0-9]",
    "T": r"(?:[0,1][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]",
    "y": r"\d{2}",
    "Y": r"\d{4}",
    "z": r"[+-]\d{4}",
    "Z": r"[A-Za-z_ /]+",
    "%": "%",
}


class OptionError(ValueError):
    """A log option the driver refuses (the text is Docker's)."""


@dataclass(frozen=True)
class AwsLogsConfig:
    group: str
    region: str
    stream: str
    create_group: bool
    mode: str
    max_buffer_size: int
    first_line: re.Pattern[str] | None  # a line matching it starts a new event (multi-line)


def uses_awslogs(container: dict[str, Any]) -> bool:
    return (container.get("logConfiguration") or {}).get("logDriver") == DRIVER


def datetime_regex(fmt: str) -> re.Pattern[str]:
    out, index = ["^"], 0
    while index < len(fmt):
        ch = fmt[index]
        if ch == "%" and index + 1 < len(fmt):
            directive = fmt[index + 1]
            if directive not in _DIRECTIVES:
                raise OptionError(f"awslogs-datetime-format: unsupported directive %{directive}")
            out.append(_DIRECTIVES[directive])
            index += 2
            continue
        out.append(ch)  # the rest is a regular expression, as in Docker's driver (`\[` for a bracket)
        index += 1
    try:
        return re.compile("".join(out))
    except re.error as exc:
        raise OptionError(f"awslogs could not parse datetime format: {exc}") from exc


def buffer_size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*", text.lower())
    if match is None:
        raise OptionError(f"invalid max-buffer-size {text!r}")
    scale = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match.group(2)]
    return int(float(match.group(1)) * scale)


def config_for(
    container: dict[str, Any], task_id: str, task_region: str, container_id: str = ""
) -> AwsLogsConfig:
    """The driver's settings for one container of a task (its logConfiguration.options)."""
    options = {
        str(k): str(v) for k, v in ((container.get("logConfiguration") or {}).get("options") or {}).items()
    }
    group = options.get("awslogs-group", "")
    if not group:
        raise OptionError("must specify a value for log opt 'awslogs-group'")
    prefix = options.get("awslogs-stream-prefix", "")
    stream = f"{prefix}/{container['name']}/{task_id}" if prefix else (container_id or task_id)
    datetime_format = options.get("awslogs-datetime-format")
    pattern = options.get("awslogs-multiline-pattern")
    if datetime_format and pattern:
        raise OptionError(
            "you cannot configure log opt 'awslogs-datetime-format' and 'awslogs-multiline-pattern' "
            "at the same time"
        )
    first_line: re.Pattern[str] | None = None
    if datetime_format:
        first_line = datetime_regex(datetime_format)
    elif pattern:
        try:
            first_line = re.compile(pattern)
        except re.error as exc:
            raise OptionError(f"awslogs could not parse multiline pattern key: {exc}") from exc
    mode = options.get("mode", "non-blocking")
    if mode not in MODES:
        raise OptionError(f"logger: no log driver mode named {mode!r}")
    max_buffer = (
        buffer_size(options["max-buffer-size"]) if "max-buffer-size" in options else DEFAULT_MAX_BUFFER
    )
    return AwsLogsConfig(
        group=group,
        region=options.get("awslogs-region") or task_region,
        stream=stream,
        create_group=options.get("awslogs-create-group", "false").lower() == "true",
        mode=mode,
        max_buffer_size=max_buffer,
        first_line=first_line,
    )


# -- Docker's timestamps ----------------------------------------------------------------------------
_SECONDS: dict[bytes, int] = {}


def split_line(line: bytes) -> tuple[int, str]:
    """(nanoseconds since the epoch, text) of a line Docker prefixed with its RFC 3339 nano
    timestamp (UTC, `2026-01-02T03:04:05.123456789Z`, trailing zeros of the fraction cut)."""
    stamp, _, text = line.partition(b" ")
    base = stamp[:19]
    seconds = _SECONDS.get(base)
    if seconds is None:
        try:
            seconds = calendar.timegm(time.strptime(base.decode("ascii"), "%Y-%m-%dT%H:%M:%S"))
        except (ValueError, UnicodeDecodeError):
            return time.time_ns(), line.decode("utf-8", "replace")
        if len(_SECONDS) > 4096:
            _SECONDS.clear()
        _SECONDS[base] = seconds
    fraction = stamp[20:].rstrip(b"Z") if stamp[19:20] == b"." else b""
    nanos = int(fraction.ljust(9, b"0")[:9]) if fraction.isdigit() else 0
    return seconds * 1_000_000_000 + nanos, text.decode("utf-8", "replace")


# -- multi-line events ------------------------------------------------------------------------------
@dataclass
class Line:
    ns: int
    text: str
    count: int  # how many lines so far carried this exact timestamp (the cursor's tie-break)


@dataclass
class Event:
    ts_ms: int
    message: str
    last: Line  # the last raw line it holds: where the cursor stands once it is stored


class Joiner:
    """Turns lines into events: one per line, or one per first line and its followers."""

    def __init__(self, first_line: re.Pattern[str] | None) -> None:
        self.first_line = first_line
        self.pending: list[Line] = []

    def feed(self, line: Line) -> Event | None:
        if self.first_line is None:
            return Event(line.ns // 1_000_000, line.text, line)
        if self.pending and self.first_line.search(line.text) is not None:
            done = self.flush()
            self.pending = [line]
            return done
        self.pending.append(line)
        return None

    def flush(self) -> Event | None:
        if not self.pending:
            return None
        lines, self.pending = self.pending, []
        return Event(lines[0].ns // 1_000_000, "\n".join(line.text for line in lines), lines[-1])
