"""Application Auto Scaling acting on real containers, with the metric period shortened
(SKIFF_METRICS_PERIOD_SECONDS=3: alarms of Period 60 are evaluated every 3 s over 3 s periods,
cooldowns are scaled by 3/60 too, the balancers' metrics are published every 3 s):

- a scheduled action at() a few seconds ahead sets the capacity, and the service runs it;
- a step policy on a custom metric alarm (PutMetricData + PutMetricAlarm with the policy ARN as
  its action) adds the right number of tasks, once per breach;
- an ALBRequestCountPerTarget target tracking policy scales out under a bounded request loop
  through the balancer (HAProxy), whose AWS/ApplicationELB RequestCount counts each request once;
- CPU target tracking (target 50 %) scales out while one task burns a core and back in to
  MinCapacity after it stops, DescribeScalingActivities naming the High and then the Low alarm;
- skiff killed (-9) just after a scheduled action fired, or before it was due, acts once.

One server of the module's own (SKIFF_LB=on); HAProxy, which outlives skiff by design, is
stopped at the end. Run under the e2e lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from skiff.runtime.labels import ECS_TASK_ARN
from tests.conftest import SkiffServer, start_server
from tests.e2e.task_support import (
    CLEANUP_SECONDS,
    TaskLab,
    container_def,
    containers_labelled,
    docker,
    module_server,
    open_default_group,
    opened_lab,
)
from tests.e2e.test_services import ServiceLab, sleeper

pytestmark = pytest.mark.e2e

PERIOD = "3"
ENV = {
    "SKIFF_LB": "on",
    "SKIFF_METRICS_PERIOD_SECONDS": PERIOD,
    "SKIFF_TASK_CLEANUP_SECONDS": CLEANUP_SECONDS,
}
DIMENSION = "ecs:service:DesiredCount"
POLL = 0.5
HTTP_APP = "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"


@pytest.fixture(scope="module")
def e2e_server(docker_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkiffServer | None]:
    """The module's own server, with the shortened metric period and HAProxy; the restart test
    replaces its process with a restarted one."""
    if os.environ.get("SKIFF_TEST_ENDPOINT"):
        yield None
        return
    with module_server(tmp_path_factory.mktemp("skiff-autoscaling"), ENV) as server:
        yield server


@pytest.fixture(scope="module")
def module_lab(endpoint: str) -> Iterator[TaskLab]:
    """The module's cluster, on the default subnets (the balancer's)."""
    with opened_lab(endpoint, default_subnets_only=True) as lab:
        yield lab


@pytest.fixture(scope="module")
def aas(client_factory: Callable[..., Any]) -> Any:
    return client_factory("application-autoscaling")


@pytest.fixture
def svc(lab: TaskLab) -> Iterator[ServiceLab]:
    slab = ServiceLab(lab)
    try:
        yield slab
    finally:
        slab.close()


def target_of(svc: ServiceLab, name: str) -> dict[str, str]:
    return {
        "ServiceNamespace": "ecs",
        "ResourceId": f"service/{svc.cluster}/{name}",
        "ScalableDimension": DIMENSION,
    }


def running(svc: ServiceLab, name: str) -> int:
    return sum(1 for t in svc.live_tasks(name) if t["lastStatus"] == "RUNNING")


def wait_running(svc: ServiceLab, name: str, count: int, timeout: float) -> float:
    """Wait until `count` of the service's tasks run (and its desired count is `count`); seconds taken."""
    started = time.monotonic()
    svc.wait_for(
        name,
        lambda s: s["desiredCount"] == count and s["runningCount"] == count and running(svc, name) == count,
        f"{count} running tasks",
        timeout,
    )
    return time.monotonic() - started


def activities(aas: Any, target: dict[str, str]) -> list[dict[str, Any]]:
    reply = aas.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=target["ResourceId"])
    found: list[dict[str, Any]] = reply["ScalingActivities"]
    return found


def test_scheduled_action_sets_the_capacity(svc: ServiceLab, aas: Any) -> None:
    definition = svc.lab.register([sleeper()])
    name = svc.create(definition, 1)["serviceName"]
    wait_running(svc, name, 1, 60)
    target = target_of(svc, name)
    aas.register_scalable_target(**target, MinCapacity=1, MaxCapacity=3)
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=4)).replace(microsecond=0)  # at() has seconds
    aas.put_scheduled_action(
        **target, ScheduledActionName="morning", Schedule=f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})",
        ScalableTargetAction={"MinCapacity": 2, "MaxCapacity": 3},
    )  # fmt: skip
    assert svc.describe(name)["desiredCount"] == 1
    wait_running(svc, name, 2, 60)
    assert dt.datetime.now(dt.UTC) >= when
    (stored,) = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[target["ResourceId"]])[
        "ScalableTargets"
    ]
    assert (stored["MinCapacity"], stored["MaxCapacity"]) == (2, 3)
    found = activities(aas, target)
    assert [a["Description"] for a in found] == [
        "Setting desired count to 2.",
        "Setting min capacity to 2 and max capacity to 3",
    ]
    # as AWS writes them: the action sets the bounds, the raised minimum sets the desired count
    assert [a["Cause"] for a in found] == [
        "minimum capacity was set to 2",
        "scheduled action name morning was triggered",
    ]
    assert [a["StatusMessage"] for a in found] == [
        "Successfully set desired count to 2. Change successfully fulfilled by ecs.",
        "Successfully set min capacity to 2 and max capacity to 3",
    ]
    assert all(a["StatusCode"] == "Successful" for a in found)


@pytest.fixture(scope="module")
def cloudwatch(client_factory: Callable[..., Any]) -> Any:
    return client_factory("cloudwatch")


def seconds_of(started: float) -> str:
    return f"{time.monotonic() - started:.1f} s"


def test_step_policy_on_a_custom_metric_alarm_adds_the_right_number_of_tasks(
    svc: ServiceLab, aas: Any, cloudwatch: Any
) -> None:
    definition = svc.lab.register([sleeper()])
    name = svc.create(definition, 1)["serviceName"]
    wait_running(svc, name, 1, 60)
    target = target_of(svc, name)
    aas.register_scalable_target(**target, MinCapacity=1, MaxCapacity=8)
    policy = aas.put_scaling_policy(
        **target,
        PolicyName="backlog-steps",
        PolicyType="StepScaling",
        StepScalingPolicyConfiguration={
            "AdjustmentType": "ChangeInCapacity",
            "StepAdjustments": [
                {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 1},
                {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 3},
            ],
            "Cooldown": 600,  # 30 s at the shortened period: one breach, one scale-out
        },
    )
    alarm = f"backlog-{name}"
    dims = [{"Name": "Queue", "Value": name}]
    cloudwatch.put_metric_alarm(
        AlarmName=alarm, Namespace="Skiff/E2E", MetricName="Backlog", Dimensions=dims, Statistic="Maximum",
        Period=60, EvaluationPeriods=1, Threshold=10, ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[policy["PolicyARN"]],
    )  # fmt: skip
    started = time.monotonic()
    deadline = started + 45
    while svc.describe(name)["desiredCount"] == 1 and time.monotonic() < deadline:
        # 35 is 25 above the threshold: the second step, +3
        cloudwatch.put_metric_data(
            Namespace="Skiff/E2E", MetricData=[{"MetricName": "Backlog", "Dimensions": dims, "Value": 35}]
        )
        time.sleep(1)
    wait_running(svc, name, 4, 60)
    print(f"step policy: 1 -> 4 tasks running after {seconds_of(started)}")
    time.sleep(4 * int(PERIOD))  # more evaluations (in ALARM, then not): no further change
    assert svc.describe(name)["desiredCount"] == 4
    found = activities(aas, target)
    assert [a["Description"] for a in found] == ["Setting desired count to 4."]
    assert found[0]["Cause"] == f"monitor alarm {alarm} in state ALARM triggered policy backlog-steps"
    assert found[0]["StatusCode"] == "Successful"


class RequestLoop:
    """GETs through the balancer at a bounded rate until stopped (or `limit` seconds); counts the
    requests that got an HTTP answer."""

    def __init__(self, url: str, rate: float, limit: float = 90.0) -> None:
        self.url, self.rate, self.limit = url, rate, limit
        self.answered = 0
        self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RequestLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        started = time.monotonic()
        sent = 0
        while not self._stop.is_set() and time.monotonic() - started < self.limit:
            try:
                with urllib.request.urlopen(self.url, timeout=5) as reply:
                    reply.read()
                self.answered += 1
            except urllib.error.HTTPError:
                self.answered += 1
            except OSError:
                self.failed += 1
            sent += 1
            ahead = started + sent / self.rate - time.monotonic()
            if ahead > 0:
                self._stop.wait(ahead)


@pytest.fixture
def balanced(svc: ServiceLab, client_factory: Callable[..., Any]) -> Iterator[dict[str, Any]]:
    """A balancer (listener :80) over a target group of one busybox httpd service task, healthy."""
    elb = client_factory("elbv2")
    subnets = [s["SubnetId"] for s in svc.lab.subnets[:2]]
    open_default_group(svc.lab.ec2, svc.lab.subnets[0]["VpcId"], (80,))  # the host's request loop
    lb = elb.create_load_balancer(Name=f"as-{uuid.uuid4().hex[:6]}", Type="application", Subnets=subnets)[
        "LoadBalancers"
    ][0]
    tg = elb.create_target_group(
        Name=f"as-tg-{uuid.uuid4().hex[:6]}", Protocol="HTTP", Port=8080, TargetType="ip",
        VpcId=svc.lab.subnets[0]["VpcId"], HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2,
        HealthyThresholdCount=2, UnhealthyThresholdCount=2,
    )["TargetGroups"][0]  # fmt: skip
    tg_arn = tg["TargetGroupArn"]
    elb.modify_target_group_attributes(
        TargetGroupArn=tg_arn, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "2"}]
    )
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}],
    )  # fmt: skip
    container = {
        "name": "web", "image": "busybox:latest", "command": ["sh", "-c", HTTP_APP],
        "portMappings": [{"containerPort": 8080, "protocol": "tcp"}], "stopTimeout": 2,
    }  # fmt: skip
    definition = svc.lab.register([container], family=f"as-web-{uuid.uuid4().hex[:6]}")
    name = svc.create(
        definition, 1,
        loadBalancers=[{"targetGroupArn": tg_arn, "containerName": "web", "containerPort": 8080}],
    )["serviceName"]  # fmt: skip
    wait_running(svc, name, 1, 60)

    def healthy() -> bool:
        states = [
            h["TargetHealth"]["State"]
            for h in elb.describe_target_health(TargetGroupArn=tg_arn)["TargetHealthDescriptions"]
        ]
        return states == ["healthy"]

    deadline = time.monotonic() + 60
    while not healthy():
        assert time.monotonic() < deadline, "the service's target never healthy"
        time.sleep(POLL)
    try:
        yield {"elb": elb, "lb": lb, "tg": tg, "service": name}
    finally:
        with contextlib.suppress(Exception):
            svc.ecs.delete_service(cluster=svc.cluster, service=name, force=True)
        with contextlib.suppress(Exception):
            elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])


def test_alb_request_count_per_target_scales_out_under_a_request_loop(
    svc: ServiceLab, aas: Any, cloudwatch: Any, balanced: dict[str, Any]
) -> None:
    name, lb, tg = balanced["service"], balanced["lb"], balanced["tg"]
    lb_dim = lb["LoadBalancerArn"].split(":loadbalancer/", 1)[1]
    tg_dim = tg["TargetGroupArn"].rsplit(":", 1)[1]
    target = target_of(svc, name)
    aas.register_scalable_target(**target, MinCapacity=1, MaxCapacity=3)
    aas.put_scaling_policy(
        **target,
        PolicyName="requests-per-task",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            # per 3 s period at the shortened cadence: 20 requests/s on one task is 60, twice this
            "TargetValue": 30.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ALBRequestCountPerTarget",
                "ResourceLabel": f"{lb_dim}/{tg_dim}",
            },
            "ScaleOutCooldown": 600,
            "ScaleInCooldown": 600,
        },
    )
    before = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    started = time.monotonic()
    with RequestLoop(f"http://{lb['DNSName']}/", rate=20) as loop:
        svc.wait_for(name, lambda s: s["desiredCount"] > 1, "a scale-out", 60)
        print(f"ALBRequestCountPerTarget: scale-out decided after {seconds_of(started)}")
    desired = svc.describe(name)["desiredCount"]
    assert desired in (2, 3)
    wait_running(svc, name, desired, 60)
    assert loop.failed == 0 and loop.answered > 0
    (found,) = activities(aas, target)
    assert found["Description"] == f"Setting desired count to {desired}."
    assert found["Cause"].startswith(f"monitor alarm TargetTracking-{target['ResourceId']}-AlarmHigh-")
    assert found["Cause"].endswith("in state ALARM triggered policy requests-per-task")
    # every request the loop got an answer to is counted once in RequestCount (after two periods)
    time.sleep(2 * int(PERIOD) + 1)
    after = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)

    def total(metric: str, dims: dict[str, str]) -> float:
        reply = cloudwatch.get_metric_statistics(
            Namespace="AWS/ApplicationELB", MetricName=metric,
            Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
            StartTime=before, EndTime=after, Period=600, Statistics=["Sum"],
        )  # fmt: skip
        return float(sum(p["Sum"] for p in reply["Datapoints"]))

    assert total("RequestCount", {"LoadBalancer": lb_dim}) == loop.answered
    assert total("RequestCount", {"LoadBalancer": lb_dim, "TargetGroup": tg_dim}) == loop.answered
    assert total("HTTPCode_Target_2XX_Count", {"LoadBalancer": lb_dim}) == loop.answered
    assert total("RequestCountPerTarget", {"TargetGroup": tg_dim}) > 0


# burns one core while /tmp/burn exists (the test makes and removes it in the first task only)
BURNER = "while :; do if [ -f /tmp/burn ]; then :; else sleep 0.2; fi; done"


def burn(task_arn: str, on: bool) -> None:
    (container,) = containers_labelled(f"{ECS_TASK_ARN}={task_arn}", running_only=True)
    docker("exec", container, "sh", "-c", "touch /tmp/burn" if on else "rm -f /tmp/burn")


def test_cpu_target_tracking_scales_out_under_a_burning_task_and_back_in(
    svc: ServiceLab, aas: Any, cloudwatch: Any
) -> None:
    # one vCPU: a task burning a core is at about 100 % CPUUtilization
    definition = svc.lab.register(
        [container_def("burn", BURNER, linuxParameters={"initProcessEnabled": True})],
        cpu="1024",
        memory="2048",
    )
    name = svc.create(definition, 1)["serviceName"]
    wait_running(svc, name, 1, 60)
    (first,) = [t["taskArn"] for t in svc.live_tasks(name)]
    target = target_of(svc, name)
    aas.register_scalable_target(**target, MinCapacity=1, MaxCapacity=3)
    aas.put_scaling_policy(
        **target,
        PolicyName="cpu50",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 50.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
            "ScaleOutCooldown": 600,  # 30 s at the shortened period: one scale-out while it burns
            "ScaleInCooldown": 60,
        },
    )
    started = time.monotonic()
    burn(first, True)
    try:
        out = svc.wait_for(name, lambda s: s["desiredCount"] > 1, "a scale-out", 60)
        print(f"CPU target tracking: scale-out to {out['desiredCount']} decided after {seconds_of(started)}")
    finally:
        burn(first, False)
    assert out["desiredCount"] in (2, 3)  # ceil(1 task x ~100 % / 50 %) = 2, at most MaxCapacity 3
    stopped = time.monotonic()
    # the Low alarm: 15 of 15 periods below 45 % (45 s at 3 s), then back to MinCapacity
    wait_running(svc, name, 1, 120)
    print(f"CPU target tracking: back to 1 task {seconds_of(stopped)} after the burning stopped")
    found = activities(aas, target)  # newest first
    assert [a["Description"] for a in found] == [
        "Setting desired count to 1.",
        f"Setting desired count to {out['desiredCount']}.",
    ]
    low, high = (a["Cause"] for a in found)
    assert high.startswith(f"monitor alarm TargetTracking-{target['ResourceId']}-AlarmHigh-")
    assert low.startswith(f"monitor alarm TargetTracking-{target['ResourceId']}-AlarmLow-")
    assert all(c.endswith("in state ALARM triggered policy cpu50") for c in (low, high))
    assert all(a["StatusCode"] == "Successful" for a in found)
    assert svc.describe(name)["desiredCount"] == 1


def restart(server: SkiffServer) -> None:
    """kill -9 the module's server and start it again on the same data dir and port."""
    server.stop(kill=True)
    again = start_server(server.data_dir, port=server.port, env=ENV)
    server.process = again.process  # the module's fixture stops the restarted one


def test_a_kill_during_scheduled_actions_never_acts_twice(
    svc: ServiceLab, aas: Any, e2e_server: SkiffServer | None
) -> None:
    if e2e_server is None:
        pytest.skip("kills the server: needs one of the module's own")
    definition = svc.lab.register([sleeper()])
    name = svc.create(definition, 1)["serviceName"]
    wait_running(svc, name, 1, 60)
    target = target_of(svc, name)
    aas.register_scalable_target(**target, MinCapacity=1, MaxCapacity=4)

    def schedule(action: str, seconds: float, minimum: int) -> dt.datetime:
        when = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)).replace(microsecond=0)
        aas.put_scheduled_action(
            **target, ScheduledActionName=action, Schedule=f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})",
            ScalableTargetAction={"MinCapacity": minimum, "MaxCapacity": 4},
        )  # fmt: skip
        return when

    def fired(action: str) -> list[str]:
        cause = f"scheduled action name {action} was triggered"
        return [a["Description"] for a in activities(aas, target) if a["Cause"] == cause]

    def raised(minimum: int) -> list[str]:
        cause = f"minimum capacity was set to {minimum}"
        return [a["Description"] for a in activities(aas, target) if a["Cause"] == cause]

    # killed just after the action fired: the restarted skiff does not fire it again
    schedule("first", 3, 2)
    deadline = time.monotonic() + 30
    while not fired("first"):
        assert time.monotonic() < deadline, "the scheduled action never fired"
        time.sleep(0.1)
    restart(e2e_server)
    wait_running(svc, name, 2, 60)
    # killed before the next one was due: the restarted skiff fires it once, late
    when = schedule("second", 2, 3)
    e2e_server.stop(kill=True)
    time.sleep(max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds()) + 1)
    restart(e2e_server)
    wait_running(svc, name, 3, 60)
    time.sleep(3)  # more controller passes
    assert fired("first") == ["Setting min capacity to 2 and max capacity to 4"]
    assert raised(2) == ["Setting desired count to 2."]
    assert fired("second") == ["Setting min capacity to 3 and max capacity to 4"]
    assert raised(3) == ["Setting desired count to 3."]
    assert svc.describe(name)["desiredCount"] == 3
