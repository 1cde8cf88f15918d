"""The web console in a real browser: Playwright driving Debian's chromium, headless, against one
shared server with real containers.

- a service scaled from its page reaches the new count (the page shows it, ECS agrees);
- the live log view shows a line a task printed after the page opened; it says it waits for the
  first line of a task that has not logged yet (and picks it up), and that a container without
  awslogs has no CloudWatch logs and why;
- a service's page lists its auto scaling activities as a scheduled action fires, unreloaded;
- charts show datapoints: CPU and memory from the stats collector, network bytes published with
  PutMetricData (the cluster has no Container Insights);
- a task's page shows how to turn on enhanced observability, and once the cluster has it
  (UpdateClusterSettings), its task CPU chart fills;
- a task stopped from its page shows its stop reason; an exited container's exit code shows;
- secrets and parameters appear by name, never with their values;
- a server bound elsewhere (SKIFF_HOST) shows the login form, and actions need the CSRF token.

With SKIFF_CONSOLE_SCREENSHOTS=1 the test also writes the main pages to docs/console/*.png
(scripts/console-screenshots.sh).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CREDENTIALS, SkiffServer, start_server
from tests.e2e.task_support import (
    TaskLab,
    by_name,
    container_def,
    docker,
    module_server,
)
from tests.e2e.test_services import ServiceLab

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "console"
SHOTS = os.environ.get("SKIFF_CONSOLE_SCREENSHOTS") == "1"
GROUP = "/ecs/console-e2e"
CLOCK = 'while true; do echo "now $(date +%s)"; sleep 1; done'
WAIT_MS = 60_000
EXECUTION_ROLE = "arn:aws:iam::000000000000:role/ecsTaskExecutionRole"

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def e2e_server(docker_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkiffServer | None]:
    """The module's own server, publishing task metrics every 3 s (the CPU chart fills quickly)."""
    if os.environ.get("SKIFF_TEST_ENDPOINT"):
        yield None
        return
    with module_server(
        tmp_path_factory.mktemp("skiff-console"), {"SKIFF_METRICS_PERIOD_SECONDS": "3"}
    ) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make setup installs it)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield opened
    finally:
        context.close()
    assert not errors, errors


@pytest.fixture(scope="module")
def services(module_lab: TaskLab) -> Iterator[ServiceLab]:
    lab = ServiceLab(module_lab)
    try:
        yield lab
    finally:
        lab.close()


def awslogs() -> dict[str, Any]:
    return {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": GROUP,
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "ecs",
            "awslogs-create-group": "true",
        },
    }


@pytest.fixture(scope="module")
def clock_service(services: ServiceLab) -> str:
    """A service of one task printing the time every second to CloudWatch Logs."""
    definition = services.lab.register(
        [
            container_def(
                "clock", CLOCK, logConfiguration=awslogs(), environment=[{"name": "GREETING", "value": "hi"}]
            )
        ],
        executionRoleArn=EXECUTION_ROLE,
        family="console-clock",
    )
    name = f"clock-{uuid.uuid4().hex[:6]}"
    services.create(definition, 1, name=name)
    services.wait_stable(name)
    return name


def open_console(page: Any, endpoint: str, route: str) -> None:
    page.goto(f"{endpoint}/console#{route}")


def wait_text(page: Any, element_id: str, text: str, timeout: float = WAIT_MS) -> None:
    """Wait until the element with that id (there or to come) holds `text`."""
    page.wait_for_function(
        "([id, text]) => ((document.getElementById(id) || {}).textContent || '').includes(text)",
        arg=[element_id, text],
        timeout=timeout,
    )


def shot(page: Any, name: str) -> None:
    if SHOTS:
        DOCS.mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(800)
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=False)


def test_a_service_scaled_from_its_page_reaches_the_new_count(
    page: Any, endpoint: str, services: ServiceLab, clock_service: str
) -> None:
    cluster = services.cluster
    open_console(page, endpoint, f"/service/{cluster}/{clock_service}")
    page.wait_for_selector("#running-count", timeout=WAIT_MS)
    assert page.inner_text("#running-count") == "1"
    page.fill("#desired", "2")
    page.click("#scale")
    page.wait_for_function(
        "(document.getElementById('running-count') || {}).textContent === '2'",
        timeout=WAIT_MS,
    )
    assert services.describe(clock_service)["desiredCount"] == 2
    services.wait_stable(clock_service)
    assert services.describe(clock_service)["runningCount"] == 2
    # the deployment's progress and the service's events are on the page
    page.wait_for_selector("#deployments .progress", timeout=WAIT_MS)
    wait_text(page, "events", "has reached a steady state")
    shot(page, "service")
    page.fill("#desired", "1")
    page.click("#scale")
    page.wait_for_function("document.getElementById('running-count').textContent === '1'", timeout=WAIT_MS)


def test_the_live_log_view_shows_a_line_printed_after_the_page_opened(
    page: Any, endpoint: str, services: ServiceLab, clock_service: str
) -> None:
    task_id = services.task_arns(clock_service)[0].rsplit("/", 1)[-1]
    open_console(page, endpoint, f"/task/{services.cluster}/{task_id}")
    page.wait_for_selector("#log .line", timeout=WAIT_MS)
    opened = int(time.time())
    seen = page.inner_text("#log")
    page.wait_for_function(
        """(after) => [...document.querySelectorAll('#log .line')].some(
             (l) => { const m = l.textContent.match(/now (\\d+)/); return m && Number(m[1]) > after; })""",
        arg=opened + 1,
        timeout=WAIT_MS,
    )
    later = [int(n) for n in re.findall(r"now (\d+)", page.inner_text("#log"))]
    assert max(later) > opened + 1, (seen, later)
    # the container's environment shows its variable names, never the values
    containers = page.inner_text("#containers")
    assert "GREETING" in containers and "hi" not in containers.split("GREETING", 1)[1].split("\n", 1)[0]
    shot(page, "task")


def test_the_log_view_waits_for_the_first_line_and_says_when_there_are_no_logs(
    page: Any, endpoint: str, module_lab: TaskLab
) -> None:
    """A task opened as it starts: "waiting for the first line..." until its container's first
    line (written when the test says, after the note showed), which then shows; its second
    container logs with no awslogs, so its view says there are no CloudWatch logs for it, and
    why; its third never logs: waiting, then, once the task stopped, that it wrote no line."""
    marker = f"first-{uuid.uuid4().hex[:8]}"
    definition = module_lab.register(
        [
            container_def("talker", logConfiguration=awslogs()),
            container_def("quiet"),
            container_def("mute", logConfiguration=awslogs()),
        ],
        executionRoleArn=EXECUTION_ROLE,
    )
    arn = module_lab.run_one(definition)["taskArn"]
    try:
        open_console(page, endpoint, f"/task/{module_lab.cluster}/{arn.rsplit('/', 1)[-1]}")
        wait_text(page, "log-note", "waiting for the first line...")
        talker = by_name(module_lab.wait_running(arn), "talker")["runtimeId"]
        page.wait_for_timeout(1000)  # the note stays while the container runs silent
        assert "waiting for the first line..." in page.inner_text("#log-note")
        docker("exec", talker, "sh", "-c", f"echo {marker} > /proc/1/fd/1")  # its PID 1's stdout
        wait_text(page, "log", marker)
        assert page.query_selector("#log-note") is None  # the note gave way to the line
        page.select_option("#log-container", "quiet")
        wait_text(page, "log", "no CloudWatch logs for container quiet")
        assert "its logConfiguration is not awslogs (no logConfiguration)" in page.inner_text("#log")
        page.select_option("#log-container", "mute")  # awslogs, never a line
        wait_text(page, "log-note", "waiting for the first line...")
        module_lab.stop(arn)
        wait_text(page, "log-note", "the task stopped before this container wrote any")
    finally:
        module_lab.stop(arn)


def test_the_service_page_lists_auto_scaling_activities_as_they_happen(
    page: Any, endpoint: str, services: ServiceLab, client_factory: Any
) -> None:
    """A service of no tasks with a scalable target; its page open, a scheduled action due in 3 s
    sets it to one task: the activity and its status message appear without a reload."""
    definition = services.lab.register([container_def("app")], family="console-scaled")
    name = f"scaled-{uuid.uuid4().hex[:6]}"
    services.create(definition, 0, name=name)
    aas = client_factory("application-autoscaling")
    target = {
        "ServiceNamespace": "ecs",
        "ResourceId": f"service/{services.cluster}/{name}",
        "ScalableDimension": "ecs:service:DesiredCount",
    }
    aas.register_scalable_target(**target, MinCapacity=0, MaxCapacity=1)
    try:
        open_console(page, endpoint, f"/service/{services.cluster}/{name}")
        wait_text(page, "activities", "No scaling activities.")
        when = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)).replace(microsecond=0)
        aas.put_scheduled_action(
            **target,
            ScheduledActionName="console-wakeup",
            Schedule=f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})",
            ScalableTargetAction={"MinCapacity": 1, "MaxCapacity": 1},
        )
        wait_text(page, "activities", "Successfully set desired count to 1.", timeout=30_000)
        text = page.inner_text("#activities")
        assert "scheduled action name console-wakeup was triggered" in text and "Successful" in text, text
        assert dt.datetime.now(dt.UTC) >= when
    finally:
        with contextlib.suppress(Exception):
            aas.deregister_scalable_target(**target)
        services.ecs.delete_service(cluster=services.cluster, service=name, force=True)


def test_a_chart_shows_datapoints(
    page: Any, endpoint: str, services: ServiceLab, clock_service: str, client_factory: Any
) -> None:
    now = dt.datetime.now(dt.UTC)
    dimensions = [
        {"Name": "ClusterName", "Value": services.cluster},
        {"Name": "ServiceName", "Value": clock_service},
    ]
    client_factory("cloudwatch").put_metric_data(
        # AWS/ is the collector's own (PutMetricData refuses it); Container Insights' is not
        Namespace="ECS/ContainerInsights",
        MetricData=[
            {
                "MetricName": name,
                "Dimensions": dimensions,
                "Timestamp": now - dt.timedelta(minutes=minutes),
                "Value": scale * (10 + (minutes * 7) % 5),
                "Unit": "Bytes/Second",
            }
            for minutes in range(1, 8)
            for name, scale in (("NetworkRxBytes", 300.0), ("NetworkTxBytes", 120.0))
        ],
    )
    open_console(page, endpoint, f"/service/{services.cluster}/{clock_service}")
    page.wait_for_selector("#chart-rx canvas", timeout=WAIT_MS)
    page.wait_for_selector("#chart-tx canvas", timeout=WAIT_MS)
    points = int(page.get_attribute("#chart-rx", "data-points") or 0)
    assert points >= 7, points
    # CPU and memory come from the stats collector (every 3 s on this server)
    page.wait_for_selector("#chart-cpu canvas", timeout=WAIT_MS)
    page.wait_for_selector("#chart-memory canvas", timeout=WAIT_MS)
    shot(page, "service-charts")


def test_a_task_chart_shows_datapoints_once_the_cluster_is_enhanced(
    page: Any, endpoint: str, services: ServiceLab, clock_service: str
) -> None:
    task_id = services.task_arns(clock_service)[0].rsplit("/", 1)[-1]
    open_console(page, endpoint, f"/task/{services.cluster}/{task_id}")
    page.wait_for_selector("#enhance-command", timeout=WAIT_MS)
    assert page.inner_text("#enhance-command") == (
        f"aws ecs update-cluster-settings --cluster {services.cluster} "
        "--settings name=containerInsights,value=enhanced"
    )
    ecs = services.lab.ecs
    ecs.update_cluster_settings(
        cluster=services.cluster, settings=[{"name": "containerInsights", "value": "enhanced"}]
    )
    try:
        page.wait_for_selector("#chart-task-cpu canvas", timeout=WAIT_MS)
        assert int(page.get_attribute("#chart-task-cpu", "data-points") or 0) >= 1
        page.wait_for_selector("#chart-task-memory canvas", timeout=WAIT_MS)
        assert page.query_selector("#enhance-command") is None
        shot(page, "task-charts")
    finally:
        ecs.update_cluster_settings(
            cluster=services.cluster, settings=[{"name": "containerInsights", "value": "disabled"}]
        )


def test_a_task_stopped_from_its_page_shows_its_stop_reason(
    page: Any, endpoint: str, services: ServiceLab, clock_service: str
) -> None:
    arn = services.task_arns(clock_service)[0]
    open_console(page, endpoint, f"/task/{services.cluster}/{arn.rsplit('/', 1)[-1]}")
    page.wait_for_selector("#containers table", timeout=WAIT_MS)
    page.click("#stop")
    page.wait_for_selector("#stopped-reason", timeout=WAIT_MS)
    assert page.inner_text("#stopped-reason") == "Stopped from the skiff console"
    stopped = services.describe_tasks([arn])[0]
    assert (
        stopped["desiredStatus"] == "STOPPED" and stopped["stoppedReason"] == "Stopped from the skiff console"
    )


def test_an_exited_task_shows_its_exit_code_and_reason(page: Any, endpoint: str, module_lab: TaskLab) -> None:
    definition = module_lab.register([container_def("quits", "echo bye; exit 3")])
    arn = module_lab.run_one(definition)["taskArn"]
    module_lab.wait_stopped(arn)
    open_console(page, endpoint, f"/task/{module_lab.cluster}/{arn.rsplit('/', 1)[-1]}")
    page.wait_for_selector("#stopped-reason", timeout=WAIT_MS)
    assert "Essential container in task exited" in page.inner_text("#stopped-reason")
    assert "3" in page.inner_text("#containers td:nth-child(4)")


def test_secrets_and_parameters_show_by_name_only(page: Any, endpoint: str, client_factory: Any) -> None:
    client_factory("secretsmanager").create_secret(Name="console-db-password", SecretString="hunter2-value")
    client_factory("ssm").put_parameter(Name="/console/api-key", Value="param-value-42", Type="SecureString")
    open_console(page, endpoint, "/configuration")
    page.wait_for_selector("#secrets table", timeout=WAIT_MS)
    page.wait_for_selector("#params table", timeout=WAIT_MS)
    text = page.inner_text("main")
    assert "console-db-password" in text and "/console/api-key" in text
    assert "hunter2-value" not in page.content() and "param-value-42" not in page.content()
    shot(page, "configuration")


def test_pages_of_the_other_services(
    page: Any, endpoint: str, services: ServiceLab, client_factory: Any
) -> None:
    """Load balancers, Cloud Map and ECR pages list what the APIs made."""
    ec2, elbv2 = client_factory("ec2"), client_factory("elbv2")
    subnet = services.lab.subnets[0]
    vpc = subnet["VpcId"]
    others = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["VpcId"] == vpc]
    balancer = elbv2.create_load_balancer(Name="console-alb", Subnets=others[:2], Type="application")
    lb_arn = balancer["LoadBalancers"][0]["LoadBalancerArn"]
    group = elbv2.create_target_group(
        Name="console-tg", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip"
    )["TargetGroups"][0]
    elbv2.modify_target_group_attributes(
        TargetGroupArn=group["TargetGroupArn"],
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "0"}],
    )
    elbv2.create_listener(
        LoadBalancerArn=lb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}],
    )
    client_factory("servicediscovery").create_http_namespace(Name="console-ns")
    client_factory("ecr").create_repository(repositoryName="console/app")
    # a service behind the balancer: its page shows its targets' health
    web = services.lab.register(
        [container_def("web", "httpd -f -p 8080", portMappings=[{"containerPort": 8080}])],
        family="console-web",
    )
    services.create(
        web,
        1,
        name="console-web",
        loadBalancers=[
            {"targetGroupArn": group["TargetGroupArn"], "containerName": "web", "containerPort": 8080}
        ],
    )
    try:
        open_console(page, endpoint, f"/service/{services.cluster}/console-web")
        wait_text(page, "targets", ":8080")
        assert "console-tg" in page.inner_text("#targets")
        shot(page, "service-targets")
        open_console(page, endpoint, "/balancers")
        wait_text(page, "lbs", "console-alb")
        assert "HTTP:80" in page.inner_text("#lbs")
        assert "console-tg" in page.inner_text("#groups")
        shot(page, "balancers")
        open_console(page, endpoint, "/discovery")
        wait_text(page, "ns", "console-ns")
        open_console(page, endpoint, "/images")
        wait_text(page, "repos", "console/app")
        open_console(page, endpoint, "/")
        wait_text(page, "clusters", services.cluster)
        shot(page, "clusters")
    finally:
        services.ecs.delete_service(cluster=services.cluster, service="console-web", force=True)
        elbv2.delete_load_balancer(LoadBalancerArn=lb_arn)


def test_a_server_bound_elsewhere_asks_for_a_login(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """SKIFF_HOST=0.0.0.0: the page is the login form; a wrong secret is refused; the right pair
    opens the console, whose actions then carry the session's CSRF token."""
    server = start_server(tmp_path_factory.mktemp("console-login"), env={"SKIFF_HOST": "0.0.0.0"})
    context = browser.new_context()
    try:
        page = context.new_page()
        url = f"http://127.0.0.1:{server.port}"
        page.goto(f"{url}/console")
        page.wait_for_selector("input[name=access_key_id]", timeout=WAIT_MS)
        assert page.url.endswith("/console/login")
        page.fill("input[name=access_key_id]", CREDENTIALS["AWS_ACCESS_KEY_ID"])
        page.fill("input[name=secret_access_key]", "wrong")
        page.click("button[type=submit]")
        page.wait_for_selector("text=not right", timeout=WAIT_MS)
        page.fill("input[name=access_key_id]", CREDENTIALS["AWS_ACCESS_KEY_ID"])
        page.fill("input[name=secret_access_key]", CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
        page.click("button[type=submit]")
        page.wait_for_selector("#clusters .empty", timeout=WAIT_MS)
        cookie = next(c for c in context.cookies() if c["name"] == "skiff_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        # the page's own fetch carries the token; one without it is refused
        status = page.evaluate(
            """async () => (await fetch('/console/api/services/x/y/scale', {method: 'POST',
                 body: '{"desiredCount": 1}'})).status"""
        )
        assert status == 403
        page.click("#logout")
        page.wait_for_selector("input[name=access_key_id]", timeout=WAIT_MS)
    finally:
        context.close()
        server.stop()
