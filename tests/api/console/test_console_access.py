"""Who may use the web console: open on a loopback-bound server; bound elsewhere (SKIFF_HOST) a
login with an access key and its secret (root or IAM user), a session cookie (HttpOnly,
SameSite=Strict), a CSRF token on every action, the caller's own IAM permissions on every call."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

from tests.conftest import CREDENTIALS, SkiffServer, start_server

ROOT_KEY, ROOT_SECRET = CREDENTIALS["AWS_ACCESS_KEY_ID"], CREDENTIALS["AWS_SECRET_ACCESS_KEY"]


@pytest.fixture(scope="module")
def bound(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkiffServer]:
    """A server bound to every address (not loopback only): the console asks for a login."""
    started = start_server(tmp_path_factory.mktemp("console-bound"), env={"SKIFF_HOST": "0.0.0.0"})
    yield started
    started.stop()
    assert "Traceback" not in started.log(), started.log()


@pytest.fixture(scope="module")
def url(bound: SkiffServer) -> str:
    return f"http://127.0.0.1:{bound.port}"


def login(url: str, key: str, secret: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    reply = session.post(
        f"{url}/console/login",
        data={"access_key_id": key, "secret_access_key": secret},
        allow_redirects=False,
        timeout=30,
    )
    assert reply.status_code == 303, reply.text
    page = session.get(f"{url}/console", timeout=30)
    assert page.status_code == 200
    found = re.search(r'name="skiff-csrf" content="([^"]+)"', page.text)
    assert found is not None
    return session, found.group(1)


def client(url: str, service: str, key: str = ROOT_KEY, secret: str = ROOT_SECRET) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )


def test_without_a_login_pages_redirect_and_the_api_refuses(url: str) -> None:
    page = requests.get(f"{url}/console", allow_redirects=False, timeout=30)
    assert page.status_code == 302 and page.headers["Location"] == "/console/login"
    assert requests.get(f"{url}/console/login", timeout=30).status_code == 200
    for path in ("/console/api/clusters", "/console/api/configuration", "/console/api/logs?group=g&stream=s"):
        reply = requests.get(f"{url}{path}", timeout=30)
        assert reply.status_code == 401, (path, reply.text)
        assert reply.json()["__type"] == "UnrecognizedClientException"
    scale = requests.post(
        f"{url}/console/api/services/default/web/scale", json={"desiredCount": 1}, timeout=30
    )
    assert scale.status_code == 401
    assert requests.post(f"{url}/_skiff/reset", timeout=30).status_code == 401


def test_a_wrong_secret_is_refused(url: str) -> None:
    reply = requests.post(
        f"{url}/console/login",
        data={"access_key_id": ROOT_KEY, "secret_access_key": "not-the-secret"},
        allow_redirects=False,
        timeout=30,
    )
    assert reply.status_code == 401
    assert "not right" in reply.text
    assert "skiff_session" not in reply.headers.get("Set-Cookie", "")


def test_the_session_cookie_is_httponly_and_samesite_strict(url: str) -> None:
    reply = requests.post(
        f"{url}/console/login",
        data={"access_key_id": ROOT_KEY, "secret_access_key": ROOT_SECRET},
        allow_redirects=False,
        timeout=30,
    )
    assert reply.status_code == 303 and reply.headers["Location"] == "/console/"
    cookie = reply.headers["Set-Cookie"]
    assert cookie.startswith("skiff_session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_actions_need_the_csrf_token(url: str) -> None:
    session, csrf = login(url, ROOT_KEY, ROOT_SECRET)
    assert session.get(f"{url}/console/api/clusters", timeout=30).json() == {"clusters": []}
    action = f"{url}/console/api/services/nowhere/web/scale"
    missing = session.post(action, json={"desiredCount": 2}, timeout=30)
    assert missing.status_code == 403 and "CSRF" in missing.json()["message"]
    wrong = session.post(action, json={"desiredCount": 2}, headers={"X-Skiff-Csrf": "x" + csrf}, timeout=30)
    assert wrong.status_code == 403
    foreign = session.post(
        action,
        json={"desiredCount": 2},
        headers={"X-Skiff-Csrf": csrf, "Origin": "http://evil.example"},
        timeout=30,
    )
    assert foreign.status_code == 403
    # with the token the action reaches ECS, which answers as the API does
    passed = session.post(action, json={"desiredCount": 2}, headers={"X-Skiff-Csrf": csrf}, timeout=30)
    assert passed.status_code == 400 and passed.json()["__type"] == "ClusterNotFoundException", passed.text
    bad = session.post(action, json={"desiredCount": "many"}, headers={"X-Skiff-Csrf": csrf}, timeout=30)
    assert bad.status_code == 400 and bad.json()["__type"] == "InvalidParameterException"
    stop = session.post(
        f"{url}/console/api/tasks/nowhere/abc/stop", headers={"X-Skiff-Csrf": csrf}, timeout=30
    )
    assert stop.status_code == 400, stop.text
    # the state reset: only with the session's token too
    assert session.post(f"{url}/_skiff/reset", timeout=30).status_code == 403
    reset = session.post(f"{url}/_skiff/reset", headers={"X-Skiff-Csrf": csrf}, timeout=60)
    assert reset.status_code == 200 and reset.json()["status"] == "ok"


def test_an_iam_user_sees_what_its_policies_allow(url: str) -> None:
    iam = client(url, "iam")
    iam.create_user(UserName="console-viewer")
    key = iam.create_access_key(UserName="console-viewer")["AccessKey"]
    client(url, "ecs").create_cluster(clusterName="seen")
    session, _csrf = login(url, key["AccessKeyId"], key["SecretAccessKey"])
    denied = session.get(f"{url}/console/api/clusters", timeout=30)
    assert denied.status_code == 400 and denied.json()["__type"] == "AccessDeniedException", denied.text
    assert "console-viewer" in denied.json()["message"]
    policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}'
    iam.put_user_policy(UserName="console-viewer", PolicyName="ecs", PolicyDocument=policy)
    allowed = session.get(f"{url}/console/api/clusters", timeout=30)
    assert allowed.status_code == 200
    assert [c["clusterName"] for c in allowed.json()["clusters"]] == ["seen"]
    # secrets stay out of reach: Secrets Manager's permission is not granted
    assert (
        session.get(f"{url}/console/api/configuration", timeout=30).json()["__type"]
        == "AccessDeniedException"
    )


def test_logging_out_ends_the_session(url: str) -> None:
    session, csrf = login(url, ROOT_KEY, ROOT_SECRET)
    refused = session.post(f"{url}/console/logout", allow_redirects=False, timeout=30)
    assert refused.status_code == 403
    out = session.post(
        f"{url}/console/logout", headers={"X-Skiff-Csrf": csrf}, allow_redirects=False, timeout=30
    )
    assert out.status_code == 303
    assert session.get(f"{url}/console/api/clusters", timeout=30).status_code == 401


def test_a_loopback_server_is_open(endpoint: str) -> None:
    server_endpoint = endpoint.rstrip("/")
    page = requests.get(f"{server_endpoint}/console", allow_redirects=False, timeout=30)
    assert page.status_code == 200 and "skiff-csrf" in page.text
    assert requests.get(f"{server_endpoint}/console/api/whoami", timeout=30).json()["caller"] == "local"
    vendor = requests.get(f"{server_endpoint}/console/vendor/uplot/dist/uPlot.iife.min.js", timeout=30)
    assert vendor.status_code == 200, "make setup installs uPlot from npm"
    escape = requests.get(f"{server_endpoint}/console/vendor/..%2F..%2F..%2Fpyvenv.cfg", timeout=30)
    assert escape.status_code == 404
    part = requests.get(f"{server_endpoint}/_skiff/status", timeout=30).json()["parts"]["console"]
    assert part["up"] and part["charts"] and "open to local callers" in part["address"]
    unknown = requests.get(f"{server_endpoint}/console/api/nothing-here", timeout=30)
    assert unknown.status_code == 404 and unknown.json()["__type"] == "NotFoundException"


def test_bad_input_is_a_4xx(endpoint: str) -> None:
    base = endpoint.rstrip("/")
    page = requests.get(f"{base}/console", timeout=30).text
    found = re.search(r'name="skiff-csrf" content="([^"]+)"', page)
    assert found is not None
    headers = {"X-Skiff-Csrf": found.group(1)}
    for path in (
        "tasks/x/%00",
        "services/nowhere/b",
        "clusters/%20",
        "metrics/c/s?minutes=abc",
        "task-metrics/c/t?minutes=abc",
        "task-metrics/nowhere-cluster/t",
        "logs?group=&stream=",
        "logs?group=%00&stream=x",
        "services/" + "a" * 400 + "/b",
    ):
        reply = requests.get(f"{base}/console/api/{path}", timeout=30)
        assert 400 <= reply.status_code < 500, (path, reply.status_code, reply.text)
        assert reply.json()["__type"], path
    scale = f"{base}/console/api/services/nowhere/web/scale"
    for body in (b"[1]", b"{", b'{"desiredCount": -1}', b'{"desiredCount": true}', b'{"desiredCount": 1.5}'):
        reply = requests.post(scale, data=body, headers=headers, timeout=30)
        assert 400 <= reply.status_code < 500, (body, reply.status_code, reply.text)
    assert requests.get(f"{base}/console/api/metrics/c/s?minutes=99999999", timeout=30).status_code == 200


def test_task_metrics_say_how_to_turn_on_enhanced_observability(endpoint: str, client_factory: Any) -> None:
    """Without enhanced observability the task's charts are empty and the reply carries the
    command; with it, the series are the task's (empty until the collector samples a task)."""
    ecs = client_factory("ecs")  # the console's region
    name = f"tm-{uuid.uuid4().hex[:8]}"
    ecs.create_cluster(clusterName=name, settings=[{"name": "containerInsights", "value": "disabled"}])
    base = endpoint.rstrip("/")
    reply = requests.get(f"{base}/console/api/task-metrics/{name}/{'0' * 32}", timeout=30)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["enhanced"] is False and body["insights"] == "disabled"
    assert body["hint"] == (
        f"aws ecs update-cluster-settings --cluster {name} --settings name=containerInsights,value=enhanced"
    )
    assert set(body["series"]) == {"cpu", "memory", "rx", "tx"}
    ecs.update_cluster_settings(cluster=name, settings=[{"name": "containerInsights", "value": "enhanced"}])
    body = requests.get(f"{base}/console/api/task-metrics/{name}/{'0' * 32}", timeout=30).json()
    assert body["enhanced"] is True and body["hint"] is None
    assert body["series"]["cpu"] == {"t": [], "v": []}  # no such task: nothing to chart
