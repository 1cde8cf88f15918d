"""haproxy.cfg from a data plane: rule translation, and HAProxy itself accepts what is written."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from skiff.lb.model import Backend, DataPlane, Frontend, HealthCheck, Rule, Server
from skiff.lb.render import condition_acls, render, status_codes, wildcard_regex

HAPROXY = Path("/usr/sbin/haproxy")
TG_A = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/a/0000000000000001"
TG_B = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/b/0000000000000002"


def test_wildcards_become_anchored_regexes() -> None:
    assert wildcard_regex("/quote*") == "^/quote.*$"
    assert wildcard_regex("/a?c.html") == "^/a.c\\.html$"
    assert wildcard_regex("*.example.com") == "^.*\\.example\\.com$"
    assert re.match(wildcard_regex("/it's"), "/it's".replace("'", "\x27"))


def test_matcher_codes() -> None:
    assert status_codes("200") == [200]
    assert status_codes("200,202") == [200, 202]
    assert status_codes("200-204") == [200, 201, 202, 203, 204]
    assert status_codes("junk") == [200]


def test_conditions() -> None:
    assert condition_acls("c", {"Field": "path-pattern", "Values": ["/a*"]}) == ["acl c path -m reg '^/a.*$'"]
    assert condition_acls("c", {"Field": "host-header", "HostHeaderConfig": {"Values": ["*.x.com"]}}) == [
        "acl c req.hdr(host),field(1,:) -m reg -i '^.*\\.x\\.com$'"
    ]
    assert condition_acls("c", {"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/8"]}}) == [
        "acl c src '10.0.0.0/8'"
    ]
    pairs = {
        "Field": "query-string",
        "QueryStringConfig": {"Values": [{"Key": "v", "Value": "1"}, {"Value": "x*"}]},
    }
    assert condition_acls("c", pairs) == [
        "acl c urlp(v) -m reg -i '^1$'",
        "acl c query -m reg -i '(^|&)([^&=]*=)?x.*(&|$)'",
    ]
    assert condition_acls("c", {"Field": "bogus"}) == ["acl c always_false"]


def plane(tmp: Path) -> DataPlane:
    pem = tmp / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=x",
            "-days",
            "1",
            "-keyout",
            str(tmp / "key.pem"),
            "-out",
            str(tmp / "crt.pem"),
        ],
        check=True,
        capture_output=True,
    )
    pem.write_text((tmp / "crt.pem").read_text() + (tmp / "key.pem").read_text())
    forward = {"Type": "forward", "TargetGroupArn": TG_A}
    weighted = {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": TG_A, "Weight": 1}, {"TargetGroupArn": TG_B, "Weight": 3}]
        },
    }
    rules = (
        Rule(
            1,
            ({"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Env", "Values": ["dev"]}},),
            (weighted,),
        ),
        Rule(
            2,
            ({"Field": "http-request-method", "Values": ["POST"]},),
            (
                {
                    "Type": "fixed-response",
                    "FixedResponseConfig": {"StatusCode": "403", "MessageBody": 'no "way"'},
                },
            ),
        ),
        Rule(
            3,
            ({"Field": "path-pattern", "Values": ["/old*"]},),
            (
                {
                    "Type": "redirect",
                    "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_302"},
                },
            ),
        ),
    )
    return DataPlane(
        (
            Frontend("l-1", "127.77.0.1", 18080, "HTTP", (forward,), rules),
            Frontend(
                "l-2",
                "127.77.0.1",
                18443,
                "HTTPS",
                (forward,),
                certificate=str(pem),
                ciphers="ECDHE-RSA-AES128-GCM-SHA256",
                ciphersuites="TLS_AES_128_GCM_SHA256",
            ),
        ),
        (
            Backend(
                "tg-a-1",
                TG_A,
                health=HealthCheck(path="/health", matcher="200-299"),
                sticky_seconds=60,
                slow_start=30,
                servers=(
                    Server("t-1", "172.31.0.5", 8080, fail_open=True),
                    Server("t-2", "172.31.0.6", 8080, draining=True, fail_open=True),
                    Server("t-3", "172.31.0.7", 8080),
                ),
            ),
            Backend(
                "tg-b-2", TG_B, algorithm="least_outstanding_requests", health=HealthCheck(protocol="TCP")
            ),
        ),
    )


def test_rules_run_in_priority_order_before_the_default(tmp_path: Path) -> None:
    text = render(plane(tmp_path), tmp_path)
    order = [text.index(marker) for marker in ("X-Env", "status 403", "code 302", "str(tg-a-1) if !routed\n")]
    assert order == sorted(order)
    assert "str(tg-a-1) if !routed r1c0 { var(txn.rnd) -m int lt 250000 }" in text
    assert "str(tg-b-2) if !routed r1c0 { var(txn.rnd) -m int lt 1000000 }" in text
    assert "server t-2 172.31.0.6:8080 weight 0 " in text  # draining: no new requests
    assert "balance leastconn" in text
    assert "cookie AWSALB insert indirect nocache dynamic maxlife 60s" in text


def test_targets_past_their_initial_phase_have_unchecked_backup_twins(tmp_path: Path) -> None:
    text = render(plane(tmp_path), tmp_path)
    assert "  option allbackups" in text
    # ELB fails open: the twin serves only while no checked server is usable
    assert "  server t-1.open 172.31.0.5:8080 weight 1 backup cookie t-1.open\n" in text
    assert "t-2.open" not in text  # draining: no new requests, even failing open
    assert "t-3.open" not in text  # still initial


@pytest.mark.skipif(not HAPROXY.exists(), reason="haproxy is not installed")
def test_haproxy_accepts_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(render(plane(tmp_path), tmp_path))
    check = subprocess.run([str(HAPROXY), "-c", "-f", str(path)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
