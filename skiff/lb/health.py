"""Target health as HAProxy's checks see it, in ELBv2's terms.

HAProxy reports each server's status (UP, DOWN, going up/down as `UP 1/3`), the last check's
status (`L7OK`, `L7STS` with the HTTP code, `L4TOUT`, `L4CON`, ...) and whether it was ever
marked down. ELBv2 reports `initial` until a new target has passed its first check, `healthy`,
`unhealthy` with a reason code, `unused` when no listener forwards to its group, `draining`
while it is being deregistered. A newly registered target needs one successful check whatever
HealthyThresholdCount says (the threshold applies when an unhealthy target recovers: HAProxy's
`rise`). A dynamic server starts UP in HAProxy; skiff keeps its weight at 0 (no traffic) during
the initial phase: until a check has passed, or, after failing, until HAProxy has brought it
back up.
"""

from __future__ import annotations

from dataclasses import dataclass

from skiff.lb.model import HealthCheck

PASSING = ("L4OK", "L6OK", "L7OK", "L7OKC")
TIMEOUTS = ("L4TOUT", "L6TOUT", "L7TOUT")


@dataclass(frozen=True)
class Health:
    state: str
    reason: str | None = None
    code: str | None = None  # the HTTP status a failed check got (Target.ResponseCodeMismatch)


def failure(row: dict[str, str]) -> Health:
    status = row.get("check_status", "").lstrip("* ")
    if status == "L7STS":
        return Health("unhealthy", "Target.ResponseCodeMismatch", row.get("check_code") or None)
    if status in TIMEOUTS:
        return Health("unhealthy", "Target.Timeout")
    return Health("unhealthy", "Target.FailedHealthChecks")


def passing(row: dict[str, str]) -> bool:
    return row.get("check_status", "").lstrip("* ") in PASSING


def is_up(row: dict[str, str]) -> bool:
    return row.get("status", "").startswith(("UP", "NOLB", "DRAIN"))


def initial_over(row: dict[str, str], check: HealthCheck, elapsed: float | None) -> bool:
    """Has a server passed its initial checks? `elapsed`: seconds since skiff added it (None: it
    was there before this skiff started, so it is past its initial phase)."""
    if elapsed is None or not check.enabled:
        return True
    if is_up(row) and int(row.get("chkdown") or 0) > 0:
        return True  # went down and HAProxy brought it back: it passed `rise` checks
    return is_up(row) and passing(row)  # one successful check (ECS-DG load-balancer-healthcheck)


def classify(row: dict[str, str] | None, check: HealthCheck, elapsed: float | None) -> Health:
    """ELBv2's view of one server's `show stat` row."""
    if not check.enabled:
        return Health("unavailable", "Target.HealthCheckDisabled")
    if row is None:
        return Health("initial", "Elb.RegistrationInProgress")
    if initial_over(row, check, elapsed):
        if is_up(row):
            return Health("healthy")
        return failure(row)
    if int(row.get("chkdown") or 0) > 0:
        return failure(row)  # HAProxy marked it down: unhealthy until it has risen again
    status = row.get("check_status", "").lstrip("* ")
    failed_long = elapsed is not None and elapsed >= check.unhealthy * check.interval + check.timeout
    if status and status not in PASSING and status not in ("INI", "UNK") and (failed_long or not is_up(row)):
        return failure(row)
    return Health("initial", "Elb.InitialHealthChecking")
