"""Listeners and rules through boto3: actions in their full form, the default rule, priorities,
conditions, certificates and texts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.fixture(scope="module")
def setup(elb: Any, network: dict[str, Any]) -> dict[str, str]:
    subnets = [s["SubnetId"] for s in network["subnets"][:2]]
    lb = elb.create_load_balancer(Name="rules-lb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    groups = {}
    for name in ("hostname-tg", "quote-tg"):
        created = elb.create_target_group(
            Name=name, Protocol="HTTP", Port=80, TargetType="ip", VpcId=network["vpc"]
        )
        groups[name] = created["TargetGroups"][0]["TargetGroupArn"]
    return {"lb": lb, "web": groups["hostname-tg"], "quote": groups["quote-tg"]}


def test_a_listener_forwards_and_owns_its_default_rule(elb: Any, setup: dict[str, str]) -> None:
    listener = elb.create_listener(
        LoadBalancerArn=setup["lb"], Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": setup["web"]}],
    )["Listeners"][0]  # fmt: skip
    assert listener["ListenerArn"].split(":")[5].startswith("listener/app/rules-lb/")
    assert listener["DefaultActions"] == [
        {
            "Type": "forward",
            "TargetGroupArn": setup["web"],
            "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": setup["web"], "Weight": 1}],
                "TargetGroupStickinessConfig": {"Enabled": False},
            },
        }
    ]
    with pytest.raises(ClientError) as excinfo:
        elb.create_listener(
            LoadBalancerArn=setup["lb"], Protocol="HTTP", Port=80,
            DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        )  # fmt: skip
    assert _error(excinfo) == (
        "DuplicateListener",
        f"A listener already exists on this port for this load balancer '{setup['lb']}'",
    )
    (default,) = elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
    assert (default["Priority"], default["IsDefault"], default["Conditions"]) == ("default", True, [])
    quote = elb.create_rule(
        ListenerArn=listener["ListenerArn"], Priority=10,
        Conditions=[{"Field": "path-pattern", "Values": ["/quote*"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": setup["quote"]}],
    )["Rules"][0]  # fmt: skip
    assert quote["Conditions"] == [
        {"Field": "path-pattern", "Values": ["/quote*"], "PathPatternConfig": {"Values": ["/quote*"]}}
    ]
    with pytest.raises(ClientError) as excinfo:
        elb.create_rule(
            ListenerArn=listener["ListenerArn"], Priority=10,
            Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": ["api.example.com"]}}],
            Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503"}}],
        )  # fmt: skip
    assert _error(excinfo) == ("PriorityInUse", "Priority '10' is currently in use")
    header = elb.create_rule(
        ListenerArn=listener["ListenerArn"], Priority=5,
        Conditions=[
            {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Canary", "Values": ["1"]}},
            {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["GET"]}},
        ],
        Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": setup["web"], "Weight": 80},
            {"TargetGroupArn": setup["quote"], "Weight": 20}]}}],
    )["Rules"][0]  # fmt: skip
    assert "TargetGroupArn" not in header["Actions"][0]
    rules = elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
    assert [r["Priority"] for r in rules] == ["5", "10", "default"]
    swapped = elb.set_rule_priorities(
        RulePriorities=[
            {"RuleArn": header["RuleArn"], "Priority": 20},
            {"RuleArn": quote["RuleArn"], "Priority": 1},
        ]
    )["Rules"]
    assert {r["RuleArn"]: r["Priority"] for r in swapped} == {header["RuleArn"]: "20", quote["RuleArn"]: "1"}
    with pytest.raises(ClientError) as excinfo:
        elb.set_rule_priorities(RulePriorities=[{"RuleArn": header["RuleArn"], "Priority": 1}])
    assert _error(excinfo) == ("PriorityInUse", "Priority '1' is currently in use")
    with pytest.raises(ClientError) as excinfo:
        elb.delete_rule(RuleArn=rules[-1]["RuleArn"])
    assert _error(excinfo)[0] == "OperationNotPermitted"
    modified = elb.modify_rule(
        RuleArn=quote["RuleArn"],
        Conditions=[{"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/8"]}}],
    )["Rules"][0]
    assert modified["Conditions"] == [{"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/8"]}}]
    elb.delete_rule(RuleArn=header["RuleArn"])
    groups = elb.describe_target_groups(LoadBalancerArn=setup["lb"])["TargetGroups"]
    assert sorted(g["TargetGroupName"] for g in groups) == ["hostname-tg", "quote-tg"]


def test_redirects_fixed_responses_and_bad_actions(elb: Any, setup: dict[str, str]) -> None:
    listener = elb.create_listener(
        LoadBalancerArn=setup["lb"], Protocol="HTTP", Port=8080,
        DefaultActions=[{"Type": "redirect",
                         "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}],
    )["Listeners"][0]  # fmt: skip
    assert listener["DefaultActions"][0]["RedirectConfig"] == {
        "Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}",
        "StatusCode": "HTTP_301",
    }  # fmt: skip
    fixed = {
        "Type": "fixed-response",
        "FixedResponseConfig": {"StatusCode": "503", "ContentType": "text/plain", "MessageBody": "down"},
    }
    changed = elb.modify_listener(ListenerArn=listener["ListenerArn"], Port=8081, DefaultActions=[fixed])[
        "Listeners"
    ][0]
    assert (changed["Port"], changed["DefaultActions"]) == (8081, [fixed])
    rules = elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
    assert rules[-1]["Actions"] == [fixed]  # the default rule follows the listener
    missing = setup["web"][:-16] + "0123456789abcdef"
    bad = [
        ([{"Type": "forward", "TargetGroupArn": missing}], "TargetGroupNotFound",
         "One or more target groups not found"),
        ([{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "302"}}], "ValidationError",
         "1 validation error detected: Value '302' at "
         "'defaultActions.1.member.fixedResponseConfig.statusCode' "
         "failed to satisfy constraint: Member must satisfy regular expression pattern: ^(2|4|5)\\d\\d$"),
        ([{"Type": "redirect", "RedirectConfig": {"StatusCode": "HTTP_301"}}], "ValidationError",
         "The redirect action cannot redirect to its own address (a redirect loop)"),
    ]  # fmt: skip
    for actions, code, message in bad:
        with pytest.raises(ClientError) as excinfo:
            elb.modify_listener(ListenerArn=listener["ListenerArn"], DefaultActions=actions)
        assert _error(excinfo) == (code, message)
    with pytest.raises(ClientError) as excinfo:
        elb.create_listener(LoadBalancerArn=setup["lb"], Protocol="TCP", Port=81, DefaultActions=[fixed])
    assert _error(excinfo)[0] == "UnsupportedProtocol"
    with pytest.raises(ClientError) as excinfo:
        elb.create_listener(LoadBalancerArn=setup["lb"], Protocol="HTTPS", Port=443, DefaultActions=[fixed])
    assert _error(excinfo) == ("ValidationError", "A certificate must be specified for HTTPS listeners")
    elb.delete_listener(ListenerArn=listener["ListenerArn"])
    with pytest.raises(ClientError) as excinfo:
        elb.describe_listeners(ListenerArns=[listener["ListenerArn"]])
    assert _error(excinfo) == ("ListenerNotFound", "One or more listeners not found")


def test_listener_attributes_and_tags(elb: Any, setup: dict[str, str]) -> None:
    listener = elb.create_listener(
        LoadBalancerArn=setup["lb"], Protocol="HTTP", Port=9000,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}],
        Tags=[{"Key": "team", "Value": "web"}],
    )["Listeners"][0]["ListenerArn"]  # fmt: skip
    attributes = {
        a["Key"]: a["Value"] for a in elb.describe_listener_attributes(ListenerArn=listener)["Attributes"]
    }
    assert attributes["routing.http.response.server.enabled"] == "true"
    assert attributes["routing.http.request.x_amzn_tls_version.header_name"] == "X-Amzn-Tls-Version"
    changed = elb.modify_listener_attributes(
        ListenerArn=listener,
        Attributes=[
            {"Key": "routing.http.response.strict_transport_security.header_value", "Value": "max-age=60"}
        ],
    )["Attributes"]
    assert {
        "Key": "routing.http.response.strict_transport_security.header_value",
        "Value": "max-age=60",
    } in changed
    elb.add_tags(ResourceArns=[listener, setup["lb"]], Tags=[{"Key": "env", "Value": "demo"}])
    elb.remove_tags(ResourceArns=[listener], TagKeys=["team"])
    described = {
        d["ResourceArn"]: d["Tags"] for d in elb.describe_tags(ResourceArns=[listener])["TagDescriptions"]
    }
    assert described == {listener: [{"Key": "env", "Value": "demo"}]}
    with pytest.raises(ClientError) as excinfo:
        elb.add_tags(ResourceArns=[listener], Tags=[{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}])
    assert _error(excinfo)[0] == "DuplicateTagKeys"
    elb.delete_listener(ListenerArn=listener)


def test_the_walkthrough_through_the_cli(aws: Callable[..., Any], network: dict[str, Any]) -> None:
    subnets = [s["SubnetId"] for s in network["subnets"][:2]]
    region = ["--region", "eu-north-1"]
    lb = aws(
        "elbv2", "create-load-balancer", *region, "--tags", "Key=Environment,Value=Demo",
        "--name", "demo-balancer",
        "--type", "application", "--subnets", *subnets, "--security-groups", network["group"],
        "--query", "LoadBalancers[0].LoadBalancerArn", "--output", "text",
    ).stdout.strip()  # fmt: skip
    tg = aws(
        "elbv2", "create-target-group", *region, "--name", "hostname-app-tg", "--protocol", "HTTP",
        "--port", "80", "--target-type", "ip", "--vpc-id", network["vpc"],
        "--query", "TargetGroups[0].TargetGroupArn", "--output", "text",
    ).stdout.strip()  # fmt: skip
    aws("elbv2", "add-tags", *region, "--resource-arns", tg, "--tags", "Key=Environment,Value=Demo")
    listener = aws(
        "elbv2", "create-listener", *region, "--load-balancer-arn", lb, "--protocol", "HTTP", "--port", "80",
        "--default-actions", f"Type=forward,TargetGroupArn={tg}",
        "--query", "Listeners[0].ListenerArn", "--output", "text",
    ).stdout.strip()  # fmt: skip
    assert (
        listener.startswith("arn:aws:elasticloadbalancing:eu-north-1:")
        and ":listener/app/demo-balancer/" in listener
    )
    aws("elbv2", "wait", "load-balancer-available", *region, "--load-balancer-arns", lb)
    dns = aws("elbv2", "describe-load-balancers", *region, "--names", "demo-balancer",
              "--query", "LoadBalancers[0].DNSName", "--output", "text").stdout.strip()  # fmt: skip
    assert dns.startswith("demo-balancer-") and dns.endswith(".eu-north-1.elb.amazonaws.com")
    failed = aws("elbv2", "delete-target-group", *region, "--target-group-arn", tg, check=False)
    assert failed.returncode != 0 and "ResourceInUse" in failed.stderr
    aws("elbv2", "delete-load-balancer", *region, "--load-balancer-arn", lb)
    aws("elbv2", "delete-target-group", *region, "--target-group-arn", tg)
