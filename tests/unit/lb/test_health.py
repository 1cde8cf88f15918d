"""ELBv2 target health from HAProxy's `show stat` rows."""

from __future__ import annotations

from skiff.lb.health import Health, classify
from skiff.lb.model import HealthCheck

DEFAULTS = HealthCheck()  # 30 s interval, healthy 5, unhealthy 2, timeout 5


def row(status: str, check: str, chkdown: int = 0, code: str = "") -> dict[str, str]:
    return {"status": status, "check_status": check, "chkdown": str(chkdown), "check_code": code}


def test_a_new_target_is_healthy_after_one_passing_check_whatever_the_threshold() -> None:
    assert classify(None, DEFAULTS, 0.0) == Health("initial", "Elb.RegistrationInProgress")
    assert classify(row("UP", "INI"), DEFAULTS, 1.0) == Health("initial", "Elb.InitialHealthChecking")
    assert classify(row("UP", "L7OK"), DEFAULTS, 1.0) == Health("healthy")


def test_failures_carry_elb_reason_codes() -> None:
    down = classify(row("DOWN", "L7STS", chkdown=1, code="404"), DEFAULTS, 70.0)
    assert down == Health("unhealthy", "Target.ResponseCodeMismatch", "404")
    assert classify(row("DOWN", "L4TOUT", chkdown=1), DEFAULTS, 70.0) == Health("unhealthy", "Target.Timeout")
    assert classify(row("DOWN", "L4CON", chkdown=1), DEFAULTS, 70.0) == Health(
        "unhealthy", "Target.FailedHealthChecks"
    )
    # one failed check of a new target: still initial until the unhealthy threshold has passed
    assert classify(row("UP", "L4CON"), DEFAULTS, 31.0).state == "initial"


def test_a_recovered_target_is_healthy_again_once_haproxy_brings_it_up() -> None:
    assert classify(row("UP", "L7OK", chkdown=1), DEFAULTS, 400.0) == Health("healthy")
    assert classify(row("DOWN 1/5", "L7OK", chkdown=1), DEFAULTS, 400.0).state == "unhealthy"
    assert classify(row("UP", "L7OK"), HealthCheck(enabled=False), 1.0) == Health(
        "unavailable", "Target.HealthCheckDisabled"
    )
