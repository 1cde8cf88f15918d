"""API throughput benchmark: skiff next to a no-op endpoint and next to peer emulators.

This is a benchmark, not a test. It starts its own servers on free loopback ports, drives each
one with N boto3 ECS clients (one client per thread) for a fixed time, and reports the median
requests per second over several interleaved rounds:

* ``skiff``     -- ``ListClusters`` and ``DescribeTaskDefinition`` against ``python -m skiff server``;
* ``no-op``     -- the very same ``list_clusters`` client code against the same skiff server, with
  the URL path rewritten to ``/_skiff/noop`` by a botocore ``request-created`` hook (so the
  request is still built, signed and sent the normal way). skiff answers that path ``200 {}``
  without doing any work, so the no-op figure is the ceiling set by the client, HTTP and the
  server's web layer; the gap down to ``skiff`` is skiff's own per-request work;
* ``skiff-user`` -- the same two calls on the same server signed with an IAM user's key (policy
  ``ecs:*``), so the signature check and the policy evaluation both run;
* ``skiff-auth-off`` -- the same two calls on a second skiff server started with
  ``SKIFF_AUTH=off`` (no verification, no evaluation): the cost of auth is the gap to it;
* ``moto``      -- ``moto_server`` from ``moto[server]``, same calls;
* ``ministack`` -- the ``ministack`` server, same calls.

Every server the bench starts listens on 127.0.0.1 only and is stopped on exit, also on Ctrl-C
or error. A peer that is not installed or does not start is reported as unavailable.

    .venv/bin/python bench/bench_api.py [--seconds 5] [--rounds 3] [--threads 8] [--skip-peers]

Results are printed as a table and written to ``bench/results/bench_api-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config

try:
    from bench.servers import (
        SKIFF,
        SKIFF_AUTH_OFF,
        Server,
        describe,
        interrupt,
        loopback_bypasses_proxies,
        new_session,
        package_versions,
        running_servers,
    )
except ImportError:  # run as a script: bench/ is on sys.path, the repository root is not
    from servers import (  # type: ignore[no-redef]
        SKIFF,
        SKIFF_AUTH_OFF,
        Server,
        describe,
        interrupt,
        loopback_bypasses_proxies,
        new_session,
        package_versions,
        running_servers,
    )

NOOP_PATH = "/_skiff/noop"
RESULTS_DIR = Path(__file__).resolve().parent / "results"

NOOP = "no-op"
USER = "skiff-user"
USER_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]}
)
PEERS = ("moto", "ministack")
OPERATIONS = ("ListClusters", "DescribeTaskDefinition")
TASK_FAMILY = "bench"
TASK_CONTAINERS = [{"name": "app", "image": "busybox", "memory": 128}]
WARMUP_TIME_LIMIT = 30.0

Call = Callable[[], object]


# --------------------------------------------------------------------------- clients


def client_config() -> Config:
    return Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=5,
        read_timeout=15,
    )


def rewrite_to_noop(request: Any, **_: Any) -> None:
    """botocore `request-created` hook: send the request to the no-op path (before signing)."""
    request.url = urlunsplit(urlsplit(request.url)._replace(path=NOOP_PATH))


def make_client(
    session: boto3.session.Session, endpoint: str, noop: bool = False, key: tuple[str, str] | None = None
) -> Any:
    if key is not None:
        session = boto3.session.Session(
            aws_access_key_id=key[0], aws_secret_access_key=key[1], region_name="us-east-1"
        )
    client = session.client("ecs", endpoint_url=endpoint, config=client_config())
    if noop:
        client.meta.events.register("request-created.ecs.ListClusters", rewrite_to_noop)
    return client


def operation_call(client: Any, operation: str) -> Call:
    if operation == "ListClusters":
        return functools.partial(client.list_clusters)
    if operation == "DescribeTaskDefinition":
        return functools.partial(client.describe_task_definition, taskDefinition=TASK_FAMILY)
    raise ValueError(f"unknown operation {operation!r}")


def register_task_definition(session: boto3.session.Session, endpoint: str) -> str:
    """Create what DescribeTaskDefinition reads; return an error text, empty on success."""
    try:
        make_client(session, endpoint).register_task_definition(
            family=TASK_FAMILY, containerDefinitions=TASK_CONTAINERS
        )
    except Exception as error:
        return f"RegisterTaskDefinition failed: {describe(error)}"
    return ""


def check_noop(session: boto3.session.Session, endpoint: str) -> str:
    """The no-op answers `{}`, a real ListClusters has `clusterArns`: catch a hook that did not fire."""
    try:
        response = make_client(session, endpoint, noop=True).list_clusters()
    except Exception as error:
        return f"no-op request failed: {describe(error)}"
    return "the request-created hook did not rewrite the path" if "clusterArns" in response else ""


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Case:
    """One measured combination of target and operation."""

    target: str
    operation: str
    endpoint: str
    noop: bool = False
    server_pid: int | None = None
    key: tuple[str, str] | None = None  # an IAM user's access key (None: the account root's)

    @property
    def label(self) -> str:
        return f"{self.operation} -> {NOOP_PATH}" if self.noop else self.operation


@dataclass
class Tally:
    """What one thread saw during one timed run."""

    ok: int = 0
    errors: int = 0
    first_error: str = ""
    started: float = 0.0
    finished: float = 0.0

    def record(self, call: Call) -> None:
        try:
            call()
        except Exception as error:  # an error response or a transport failure
            self.errors += 1
            self.first_error = self.first_error or describe(error)
        else:
            self.ok += 1


@dataclass
class RoundResult:
    ok: int
    errors: int
    seconds: float
    client_cpu: float  # CPU seconds of this process (all client threads) during the run
    server_cpu: float | None  # CPU seconds of the server process during the run, where known

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    @property
    def client_load(self) -> float:
        """Client CPU use in cores (1.0 = one core busy all the time)."""
        return self.client_cpu / self.seconds if self.seconds > 0 else 0.0

    @property
    def server_load(self) -> float | None:
        if self.server_cpu is None or self.seconds <= 0:
            return None
        return self.server_cpu / self.seconds

    @property
    def server_ms_per_request(self) -> float | None:
        """Server CPU milliseconds per successful request: its cost, whatever limits the rate."""
        if self.server_cpu is None or self.ok == 0:
            return None
        return 1000 * self.server_cpu / self.ok


def median_or_none(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


@dataclass
class CaseResult:
    case: Case
    unavailable: str = ""
    rounds: list[RoundResult] = field(default_factory=list)
    warmup_errors: int = 0
    first_error: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(r.rate for r in self.rounds) if self.rounds else None

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.rounds)

    @property
    def client_load(self) -> float | None:
        return statistics.median(r.client_load for r in self.rounds) if self.rounds else None

    @property
    def server_load(self) -> float | None:
        return median_or_none(r.server_load for r in self.rounds)

    @property
    def server_ms_per_request(self) -> float | None:
        return median_or_none(r.server_ms_per_request for r in self.rounds)

    @property
    def ok(self) -> int:
        return sum(r.ok for r in self.rounds)


def hammer(
    call: Call, seconds: float, barrier: threading.Barrier, stop: threading.Event, tally: Tally
) -> None:
    """Thread body: call as fast as possible until `seconds` have passed (or `stop` is set)."""
    barrier.wait(timeout=60)
    tally.started = time.perf_counter()
    deadline = tally.started + seconds
    while not stop.is_set() and time.perf_counter() < deadline:
        tally.record(call)
    tally.finished = time.perf_counter()


def process_cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of process `pid` (all its threads), from /proc; None where unknown."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def delta(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def timed_run(
    calls: Sequence[Call], seconds: float, stop: threading.Event, server_pid: int | None = None
) -> tuple[RoundResult, str]:
    """Run one thread per call for `seconds`; the rate counts successes over the wall time."""
    barrier = threading.Barrier(len(calls))
    tallies = [Tally() for _ in calls]
    threads = [
        threading.Thread(target=hammer, args=(call, seconds, barrier, stop, tally), daemon=True)
        for call, tally in zip(calls, tallies, strict=True)
    ]
    client_before, server_before = time.process_time(), process_cpu_seconds(server_pid)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client_cpu = time.process_time() - client_before
    server_cpu = delta(server_before, process_cpu_seconds(server_pid))
    elapsed = max(t.finished for t in tallies) - min(t.started for t in tallies)
    first_error = next((t.first_error for t in tallies if t.first_error), "")
    ok, errors = sum(t.ok for t in tallies), sum(t.errors for t in tallies)
    return RoundResult(ok, errors, elapsed, client_cpu, server_cpu), first_error


def warm_up(calls: Sequence[Call], total: int) -> Tally:
    """`total` requests spread over the clients, one at a time; bounded in time as well."""
    tally = Tally()
    deadline = time.monotonic() + WARMUP_TIME_LIMIT
    per_client = max(1, total // len(calls))
    for call in calls:
        for _ in range(per_client):
            if time.monotonic() > deadline:
                return tally
            tally.record(call)
    return tally


def build_cases(servers: dict[str, Server]) -> list[Case]:
    cases: list[Case] = []
    for name, server in servers.items():
        pid = server.process.pid if server.process else None
        cases.extend(Case(name, operation, server.endpoint, server_pid=pid) for operation in OPERATIONS)
        if name == SKIFF:
            key = user_key(server.endpoint) if not server.unavailable else None
            cases.extend(Case(USER, op, server.endpoint, server_pid=pid, key=key) for op in OPERATIONS)
            cases.append(Case(NOOP, "ListClusters", server.endpoint, noop=True, server_pid=pid))
    return cases


def user_key(endpoint: str) -> tuple[str, str] | None:
    """An IAM user allowed ecs:* and its access key, made with the root's keys."""
    try:
        iam = new_session().client("iam", endpoint_url=endpoint, config=client_config())
        iam.create_user(UserName="bench")
        iam.put_user_policy(UserName="bench", PolicyName="ecs", PolicyDocument=USER_POLICY)
        key = iam.create_access_key(UserName="bench")["AccessKey"]
    except Exception as error:
        print(f"no IAM user for {USER}: {describe(error)}", flush=True)
        return None
    return key["AccessKeyId"], key["SecretAccessKey"]


def prepare(cases: list[Case], servers: dict[str, Server]) -> dict[Case, CaseResult]:
    """Mark unusable cases, register the task definition, and report what cannot run."""
    session = new_session()
    setup_errors = {
        name: register_task_definition(session, s.endpoint)
        for name, s in servers.items()
        if not s.unavailable
    }
    results: dict[Case, CaseResult] = {}
    for case in cases:
        server = servers[SKIFF if case.target in (NOOP, USER) else case.target]
        reason = server.unavailable
        if not reason and case.target == USER and case.key is None:
            reason = "no IAM user could be made"
        if not reason and case.operation == "DescribeTaskDefinition":
            reason = setup_errors.get(SKIFF if case.target == USER else case.target, "")
        if not reason and case.noop:
            reason = check_noop(session, case.endpoint)
        results[case] = CaseResult(case, unavailable=reason)
    return results


def make_calls(cases: list[Case], results: dict[Case, CaseResult], threads: int) -> dict[Case, list[Call]]:
    """One client per thread and case, all created before any timing starts."""
    session = new_session()
    return {
        case: [
            operation_call(make_client(session, case.endpoint, case.noop, case.key), case.operation)
            for _ in range(threads)
        ]
        for case in cases
        if not results[case].unavailable
    }


def run_rounds(
    results: dict[Case, CaseResult],
    calls: dict[Case, list[Call]],
    args: argparse.Namespace,
    stop: threading.Event,
) -> None:
    """Interleave the targets: every case once per round, in the same order each round."""
    for number in range(1, args.rounds + 1):
        for case, case_calls in calls.items():
            result = results[case]
            warmup = warm_up(case_calls, args.warmup)
            result.warmup_errors += warmup.errors
            measured, first_error = timed_run(case_calls, args.seconds, stop, case.server_pid)
            result.rounds.append(measured)
            result.first_error = result.first_error or first_error or warmup.first_error
            print(
                f"round {number}/{args.rounds}  {case.target:<14} {case.label:<30} "
                f"{measured.rate:>9.1f} req/s  errors {measured.errors}  "
                f"cpu client {measured.client_load:.2f} server {fmt(measured.server_load, '.2f')}",
                flush=True,
            )


# --------------------------------------------------------------------------- reporting


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def find(results: dict[Case, CaseResult], target: str, operation: str) -> CaseResult | None:
    return next((r for c, r in results.items() if c.target == target and c.operation == operation), None)


def median_of(results: dict[Case, CaseResult], target: str, operation: str) -> float | None:
    found = find(results, target, operation)
    return found.median if found else None


def compute_ratios(results: dict[Case, CaseResult]) -> dict[str, dict[str, float | None]]:
    """skiff's median divided by the no-op's and by each peer's, per operation."""
    noop = median_of(results, NOOP, "ListClusters")
    ratios = {f"{SKIFF}/{NOOP}": {op: ratio(median_of(results, SKIFF, op), noop) for op in OPERATIONS}}
    for target in (SKIFF, USER):  # what verification (and, for the user, evaluation) costs
        ratios[f"{target}/{SKIFF_AUTH_OFF}"] = {
            op: ratio(median_of(results, target, op), median_of(results, SKIFF_AUTH_OFF, op))
            for op in OPERATIONS
        }
    for peer in PEERS:
        if find(results, peer, OPERATIONS[0]) is not None:
            ratios[f"{SKIFF}/{peer}"] = {
                op: ratio(median_of(results, SKIFF, op), median_of(results, peer, op)) for op in OPERATIONS
            }
    return ratios


def fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def table_row(result: CaseResult, results: dict[Case, CaseResult]) -> str:
    case = result.case
    head = f"{case.target:<14} {case.label:<30}"
    if result.unavailable:
        return f"{head} unavailable: {result.unavailable}"
    rates = [r.rate for r in result.rounds]
    spread = f"{min(rates):.0f}-{max(rates):.0f}" if rates else "n/a"
    skiff_share = ratio(median_of(results, SKIFF, case.operation), result.median)
    return (
        f"{head} {fmt(result.median, '10.1f')} {spread:>11} {result.ok:>8} {result.errors:>6} "
        f"{fmt(skiff_share, '10.2f')} {fmt(result.client_load, '7.2f')} {fmt(result.server_load, '7.2f')} "
        f"{fmt(result.server_ms_per_request, '10.3f')}"
    )


def print_report(results: dict[Case, CaseResult], ratios: dict[str, dict[str, float | None]]) -> None:
    header = (
        f"{'target':<14} {'operation':<30} {'req/s med':>10} {'min-max':>11} {'ok':>8} {'errors':>6} "
        f"{'skiff/this':>10} {'cli cpu':>7} {'srv cpu':>7} {'srv ms/req':>10}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for result in results.values():
        print(table_row(result, results))
    print(
        "cli cpu / srv cpu: CPU used by the client process / the server process, in cores;"
        " srv ms/req: server CPU time per successful request (all medians over the rounds)"
    )
    print("\nratios (median req/s of skiff divided by median req/s of the other):")
    for name, per_op in ratios.items():
        cells = "   ".join(f"{op}: {fmt(value, '.2f')}" for op, value in per_op.items())
        print(f"  {name:<26} {cells}")
    for result in results.values():
        if result.first_error:
            print(f"first error, {result.case.target} {result.case.operation}: {result.first_error}")


def result_record(result: CaseResult) -> dict[str, Any]:
    case = result.case
    return {
        "target": case.target,
        "operation": case.operation,
        "url_path": NOOP_PATH if case.noop else "/",
        "unavailable": result.unavailable or None,
        "median_rps": result.median,
        "rps_per_round": [round(r.rate, 2) for r in result.rounds],
        "ok": result.ok,
        "errors": result.errors,
        "errors_per_round": [r.errors for r in result.rounds],
        "seconds_per_round": [round(r.seconds, 3) for r in result.rounds],
        "warmup_errors": result.warmup_errors,
        "client_cpu_cores": result.client_load,
        "server_cpu_cores": result.server_load,
        "server_cpu_ms_per_request": result.server_ms_per_request,
        "first_error": result.first_error or None,
    }


def write_json(
    results: dict[Case, CaseResult],
    ratios: dict[str, dict[str, float | None]],
    servers: dict[str, Server],
    args: argparse.Namespace,
) -> Path:
    now = datetime.now(UTC)
    document = {
        "benchmark": "bench_api",
        "timestamp": now.isoformat(),
        "settings": {
            k: getattr(args, k)
            for k in ("seconds", "rounds", "threads", "warmup", "skip_peers", "peer_python")
        },
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "client_versions": package_versions(sys.executable, ("skiff", "boto3", "botocore")),
            "peer_versions": package_versions(args.peer_python, ("moto", "ministack", "botocore")),
        },
        "servers": {
            n: {"endpoint": s.endpoint or None, "unavailable": s.unavailable or None}
            for n, s in servers.items()
        },
        "results": [result_record(r) for r in results.values()],
        "ratios": ratios,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"bench_api-{now.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each timed run (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is reported")
    parser.add_argument("--threads", type=int, default=8, help="client threads, one boto3 client each")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up requests before each timed run")
    parser.add_argument("--skip-peers", action="store_true", help="measure skiff and the no-op only")
    parser.add_argument("--ready-timeout", type=float, default=90.0, help="seconds to wait for a server")
    parser.add_argument(
        "--peer-python",
        default=sys.executable,
        help="Python interpreter that runs moto and ministack, e.g. from a separate venv (default: this one)",
    )
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.rounds < 1 or args.threads < 1 or args.warmup < 0:
        parser.error("--seconds must be > 0, --rounds and --threads >= 1, --warmup >= 0")
    return args


def benchmark(args: argparse.Namespace, workdir: Path, stop: threading.Event) -> None:
    pythons = {SKIFF: sys.executable, SKIFF_AUTH_OFF: sys.executable}
    if not args.skip_peers:
        pythons.update(dict.fromkeys(PEERS, args.peer_python))
    with running_servers(pythons, workdir, args.ready_timeout) as servers:
        cases = build_cases(servers)
        results = prepare(cases, servers)
        calls = make_calls(cases, results, args.threads)
        print(f"\n{args.threads} threads, {args.seconds:g} s per run, {args.rounds} rounds\n", flush=True)
        try:
            run_rounds(results, calls, args, stop)
        finally:
            stop.set()
    ratios = compute_ratios(results)
    print_report(results, ratios)
    print(f"\nresults: {write_json(results, ratios, servers, args)}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    loopback_bypasses_proxies()
    signal.signal(signal.SIGTERM, interrupt)
    stop = threading.Event()
    try:
        with tempfile.TemporaryDirectory(prefix="skiff-bench-", ignore_cleanup_errors=True) as tmp:
            benchmark(args, Path(tmp), stop)
    except KeyboardInterrupt:
        stop.set()
        print("\ninterrupted; servers stopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
