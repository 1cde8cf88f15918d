"""Metric math: the `Expression` of a GetMetricData query (or an alarm's Metrics entry).

Supported, with CloudWatch's semantics:
- numbers, ids of other queries (`m1`), `+ - * / ^`, unary minus, parentheses;
- comparisons `> >= < <= == !=` (1 or 0) and `AND`, `OR`, `NOT`; `IF(cond, a, b)`;
- arrays `[m1, m2]` and `METRICS()` / `METRICS("filter")` (the other MetricStat queries, or those
  whose id or label contains the filter);
- `SUM AVG MIN MAX STDDEV`: over an array, a series (per timestamp); over a series, a scalar;
- `ABS CEIL FLOOR LOG LOG10 SQRT`, `FILL(x, value|REPEAT|LINEAR)`, `RATE`, `DIFF`, `DIFF_TIME`,
  `RUNNING_SUM`, `PERIOD`, `FIRST LAST` (of an array), `SORT`-free subset otherwise.
An operation between two series keeps the timestamps both have; a scalar applies to every
point. Errors are `MathError`s with the text AWS puts in a result's Messages.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Number = float


@dataclass
class Series:
    """One time series: timestamp (epoch seconds) -> value."""

    points: dict[float, float]
    """Values by timestamp."""
    label: str
    """The label results show."""
    period: int = 60
    """Seconds per point."""
    id: str = ""
    """The query id it came from ('' for computed series)."""


Value = float | Series | list[Series]


class MathError(Exception):
    """An expression that cannot be parsed or evaluated."""


@dataclass
class Context:
    """What an expression can refer to."""

    series: dict[str, Value]
    """Results of the other queries, by id."""
    stat_ids: list[str]
    """Ids of the MetricStat queries, in request order (what METRICS() returns)."""
    grid: list[float] = field(default_factory=list)
    """Every period's timestamp in the requested range (for FILL and scalar results)."""
    period: int = 60


_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)|(?P<str>\"[^\"]*\"|'[^']*')"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>>=|<=|==|!=|[-+*/^()\[\],<>]))"
)


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise MathError(f"Syntax error at position {pos + 1}: unexpected character {text[pos]!r}.")
        kind = match.lastgroup or ""
        tokens.append((kind, match[kind]))
        pos = match.end()
    return tokens


# -- AST ----------------------------------------------------------------------------------
@dataclass
class Node:
    kind: str  # num, str, ref, call, unary, binary, array
    value: str = ""
    args: list[Node] = field(default_factory=list)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, op: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise MathError("Syntax error: the expression ends too early.")
        if op is not None and token[1] != op:
            raise MathError(f"Syntax error: expected {op!r} but found {token[1]!r}.")
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.disjunction()
        if self.peek() is not None:
            raise MathError(f"Syntax error: unexpected {self.peek()[1]!r}.")  # type: ignore[index]
        return node

    def _keyword(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "name" and token[1].upper() == word

    def disjunction(self) -> Node:
        node = self.conjunction()
        while self._keyword("OR"):
            self.take()
            node = Node("binary", "OR", [node, self.conjunction()])
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while self._keyword("AND"):
            self.take()
            node = Node("binary", "AND", [node, self.negation()])
        return node

    def negation(self) -> Node:
        if self._keyword("NOT"):
            self.take()
            return Node("unary", "NOT", [self.negation()])
        return self.comparison()

    def comparison(self) -> Node:
        node = self.additive()
        token = self.peek()
        if token is not None and token[1] in (">", ">=", "<", "<=", "==", "!="):
            self.take()
            node = Node("binary", token[1], [node, self.additive()])
        return node

    def additive(self) -> Node:
        node = self.term()
        while (token := self.peek()) is not None and token[1] in ("+", "-"):
            self.take()
            node = Node("binary", token[1], [node, self.term()])
        return node

    def term(self) -> Node:
        node = self.unary()
        while (token := self.peek()) is not None and token[1] in ("*", "/"):
            self.take()
            node = Node("binary", token[1], [node, self.unary()])
        return node

    def unary(self) -> Node:
        token = self.peek()
        if token is not None and token[1] in ("-", "+"):
            self.take()
            inner = self.unary()
            return inner if token[1] == "+" else Node("unary", "-", [inner])
        return self.power()

    def power(self) -> Node:
        node = self.atom()
        token = self.peek()
        if token is not None and token[1] == "^":
            self.take()
            node = Node("binary", "^", [node, self.unary()])
        return node

    def atom(self) -> Node:
        kind, text = self.take()
        if kind == "num":
            return Node("num", text)
        if kind == "str":
            return Node("str", text[1:-1])
        if text == "(":
            node = self.disjunction()
            self.take(")")
            return node
        if text == "[":
            items = self._items("]")
            return Node("array", "", items)
        if kind == "name":
            token = self.peek()
            if token is not None and token[1] == "(":
                self.take()
                return Node("call", text.upper(), self._items(")"))
            return Node("ref", text)
        raise MathError(f"Syntax error: unexpected {text!r}.")

    def _items(self, closing: str) -> list[Node]:
        items: list[Node] = []
        token = self.peek()
        if token is not None and token[1] == closing:
            self.take()
            return items
        while True:
            items.append(self.disjunction())
            _, text = self.take()
            if text == closing:
                return items
            if text != ",":
                raise MathError(f"Syntax error: expected ',' or {closing!r} but found {text!r}.")


def parse(expression: str) -> Node:
    """The expression's syntax tree; MathError when it is malformed."""
    if not expression.strip():
        raise MathError("The expression is empty.")
    return _Parser(tokenize(expression)).parse()


def references(node: Node) -> set[str]:
    """Ids the expression refers to (METRICS() is reported as the id `METRICS()`)."""
    found: set[str] = set()
    if node.kind == "ref":
        found.add(node.value)
    if node.kind == "call" and node.value == "METRICS":
        found.add("METRICS()")
    for arg in node.args:
        found |= references(arg)
    return found


# -- evaluation ---------------------------------------------------------------------------
def evaluate(node: Node, ctx: Context) -> Value:
    if node.kind == "num":
        return float(node.value)
    if node.kind == "str":
        raise MathError("A string may only be the argument of METRICS().")
    if node.kind == "ref":
        if node.value not in ctx.series:
            raise MathError(f"Unrecognized metric or expression id: {node.value}.")
        return ctx.series[node.value]
    if node.kind == "array":
        items: list[Series] = []
        for arg in node.args:
            value = evaluate(arg, ctx)
            if isinstance(value, float):
                raise MathError("An array may only hold time series.")
            items.extend(value if isinstance(value, list) else [value])
        return items
    if node.kind == "unary":
        value = evaluate(node.args[0], ctx)
        if node.value == "-":
            return _map(value, lambda x: -x)
        return _map(value, lambda x: 0.0 if x else 1.0)
    if node.kind == "binary":
        return _binary(node.value, evaluate(node.args[0], ctx), evaluate(node.args[1], ctx))
    return _call(node, ctx)


def _map(value: Value, fn: Callable[[float], float]) -> Value:
    if isinstance(value, float):
        return _safe(fn, value)
    if isinstance(value, Series):
        points = {t: _safe(fn, v) for t, v in value.points.items()}
        return Series({t: v for t, v in points.items() if not math.isnan(v)}, value.label, value.period)
    return [s for s in (_map(s, fn) for s in value) if isinstance(s, Series)]


def _safe(fn: Callable[[float], float], x: float) -> float:
    try:
        result = fn(x)
    except (ValueError, OverflowError, ZeroDivisionError):
        return math.nan
    return result if math.isfinite(result) else math.nan


_OPS: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "^": lambda a, b: math.pow(a, b),
    ">": lambda a, b: float(a > b),
    ">=": lambda a, b: float(a >= b),
    "<": lambda a, b: float(a < b),
    "<=": lambda a, b: float(a <= b),
    "==": lambda a, b: float(a == b),
    "!=": lambda a, b: float(a != b),
    "AND": lambda a, b: float(bool(a) and bool(b)),
    "OR": lambda a, b: float(bool(a) or bool(b)),
}


def _binary(op: str, left: Value, right: Value) -> Value:
    fn = _OPS[op]
    if isinstance(left, list):
        return [s for s in (_binary(op, item, right) for item in left) if isinstance(s, Series)]
    if isinstance(right, list):
        return [s for s in (_binary(op, left, item) for item in right) if isinstance(s, Series)]
    if isinstance(left, float) and isinstance(right, float):
        return _safe(lambda a: fn(a, right), left)
    if isinstance(left, Series) and isinstance(right, float):
        return _map(left, lambda a: fn(a, right))
    if isinstance(left, float) and isinstance(right, Series):
        return _map(right, lambda b: fn(left, b))
    assert isinstance(left, Series) and isinstance(right, Series)
    points: dict[float, float] = {}
    for t in left.points.keys() & right.points.keys():
        value = _apply(fn, left.points[t], right.points[t])
        if not math.isnan(value):
            points[t] = value
    return Series(points, left.label, max(left.period, right.period))


def _apply(fn: Callable[[float, float], float], a: float, b: float) -> float:
    try:
        result = fn(a, b)
    except (ValueError, OverflowError, ZeroDivisionError):
        return math.nan
    return result if math.isfinite(result) else math.nan


_AGGREGATES: dict[str, Callable[[Sequence[float]], float]] = {
    "SUM": sum,
    "AVG": statistics.fmean,
    "MIN": min,
    "MAX": max,
    "STDDEV": lambda xs: statistics.pstdev(xs) if len(xs) > 1 else 0.0,
}
_SCALAR_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "ABS": abs,
    "CEIL": lambda x: float(math.ceil(x)),
    "FLOOR": lambda x: float(math.floor(x)),
    "LOG": math.log,
    "LOG10": math.log10,
    "SQRT": math.sqrt,
    "EXP": math.exp,
}


def _series_arg(value: Value, name: str) -> Series | list[Series]:
    if isinstance(value, float):
        raise MathError(f"{name} needs a time series or an array of time series.")
    return value


def _call(node: Node, ctx: Context) -> Value:
    name, args = node.value, node.args
    if name == "METRICS":
        wanted = ""
        if args:
            if args[0].kind != "str":
                raise MathError("METRICS() takes an optional string filter.")
            wanted = args[0].value
        found: list[Series] = []
        for sid in ctx.stat_ids:
            value = ctx.series.get(sid)
            if isinstance(value, Series) and (wanted in sid or wanted in value.label):
                found.append(value)
        return found
    if name == "FILL":
        return _fill_call(args, ctx)
    values = [evaluate(a, ctx) for a in args]
    if name in _AGGREGATES:
        if len(values) != 1:
            raise MathError(f"{name} takes one argument.")
        fn = _AGGREGATES[name]
        value = values[0]
        if isinstance(value, float):
            return value
        if isinstance(value, Series):
            data = list(value.points.values())
            return float(fn(data)) if data else math.nan
        stamps = sorted(set().union(*(s.points.keys() for s in value))) if value else []
        points = {t: float(fn([s.points[t] for s in value if t in s.points])) for t in stamps}
        period = max((s.period for s in value), default=ctx.period)
        return Series(points, name, period)
    if name in _SCALAR_FUNCTIONS:
        if len(values) != 1:
            raise MathError(f"{name} takes one argument.")
        return _map(values[0], _SCALAR_FUNCTIONS[name])
    if name in ("RATE", "DIFF", "DIFF_TIME", "RUNNING_SUM"):
        if len(values) != 1:
            raise MathError(f"{name} takes one argument.")
        return _each(_series_arg(values[0], name), lambda s: _over_time(name, s))
    if name == "PERIOD":
        if len(values) != 1 or isinstance(values[0], float):
            raise MathError("PERIOD takes one time series.")
        value = values[0]
        return float(
            value.period if isinstance(value, Series) else (value[0].period if value else ctx.period)
        )
    if name in ("FIRST", "LAST"):
        value = values[0] if len(values) == 1 else None
        if not isinstance(value, list) or not value:
            raise MathError(f"{name} takes a non-empty array of time series.")
        return value[0] if name == "FIRST" else value[-1]
    if name == "IF":
        if len(values) not in (2, 3):
            raise MathError("IF takes a condition, a value when true and, optionally, one when false.")
        return _if(values, ctx)
    raise MathError(f"Unsupported function: {name}.")


def _fill_call(args: list[Node], ctx: Context) -> Value:
    if len(args) != 2:
        raise MathError("FILL takes two arguments: a time series and a value, REPEAT or LINEAR.")
    target = _series_arg(evaluate(args[0], ctx), "FILL")
    how = args[1].value.upper() if args[1].kind == "ref" else None
    if how in ("REPEAT", "LINEAR"):
        return _each(target, lambda s: _fill(s, ctx.grid, how or ""))
    fill = evaluate(args[1], ctx)
    if not isinstance(fill, float):
        raise MathError("The FILL value must be a number, REPEAT or LINEAR.")
    return _each(target, lambda s: _fill(s, ctx.grid, fill))


def _each(value: Series | list[Series], fn: Callable[[Series], Series]) -> Value:
    return [fn(s) for s in value] if isinstance(value, list) else fn(value)


def _fill(series: Series, grid: list[float], how: float | str) -> Series:
    points = dict(series.points)
    known = sorted(points)
    for t in grid:
        if t in points:
            continue
        if isinstance(how, float):
            points[t] = how
            continue
        before = [k for k in known if k < t]
        after = [k for k in known if k > t]
        if how == "REPEAT" and before:
            points[t] = series.points[before[-1]]
        elif how == "LINEAR" and before and after:
            a, b = before[-1], after[0]
            va, vb = series.points[a], series.points[b]
            points[t] = va + (vb - va) * (t - a) / (b - a)
    return Series(points, series.label, series.period, series.id)


def _over_time(name: str, series: Series) -> Series:
    stamps = sorted(series.points)
    points: dict[float, float] = {}
    running = 0.0
    for i, t in enumerate(stamps):
        value = series.points[t]
        if name == "RUNNING_SUM":
            running += value
            points[t] = running
        elif i > 0:
            previous = stamps[i - 1]
            if name == "DIFF":
                points[t] = value - series.points[previous]
            elif name == "DIFF_TIME":
                points[t] = t - previous
            else:
                points[t] = (value - series.points[previous]) / (t - previous)
    return Series(points, series.label, series.period)


def _if(values: list[Value], ctx: Context) -> Value:
    cond, yes = values[0], values[1]
    no: Value = values[2] if len(values) == 3 else math.nan
    if isinstance(cond, list) or isinstance(yes, list) or isinstance(no, list):
        raise MathError("IF works on single time series and scalars.")

    def at(value: float | Series, t: float) -> float | None:
        if isinstance(value, float):
            return None if math.isnan(value) else value
        return value.points.get(t)

    if isinstance(cond, float):
        chosen = yes if cond else no
        return chosen
    points: dict[float, float] = {}
    for t, c in cond.points.items():
        picked = at(yes if c else no, t)
        if picked is not None:
            points[t] = picked
    return Series(points, cond.label, cond.period)


def as_results(value: Value, label: str, ctx: Context) -> list[Series]:
    """An expression's outcome as result series (a scalar fills the grid)."""
    if isinstance(value, float):
        if math.isnan(value):
            return [Series({}, label, ctx.period)]
        return [Series({t: value for t in ctx.grid}, label, ctx.period)]
    if isinstance(value, Series):
        return [Series(value.points, label, value.period)]
    return [Series(s.points, f"{label} {s.label}".strip() if label else s.label, s.period) for s in value]
