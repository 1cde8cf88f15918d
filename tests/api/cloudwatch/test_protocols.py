"""The same CloudWatch calls over each protocol the model lists (rpc-v2-cbor, awsJson 1.0,
query), errors with `x-amzn-query-error` on the JSON ones, and the real aws CLI."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest

from tests.api.cloudwatch.conftest import call
from tests.conftest import CliResult

PROTOCOLS = ("smithy-rpc-v2-cbor", "json", "query")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_put_and_read_back(endpoint: str, protocol: str) -> None:
    t = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    namespace = f"Proto/{protocol}"
    status, _, _ = call(
        endpoint,
        protocol,
        "PutMetricData",
        {
            "Namespace": namespace,
            "MetricData": [
                {
                    "MetricName": "Count",
                    "Dimensions": [{"Name": "D", "Value": "v"}],
                    "Timestamp": t,
                    "Value": 3.0,
                    "Unit": "Count",
                }
            ],
        },
    )
    assert status == 200
    status, got, _ = call(
        endpoint,
        protocol,
        "GetMetricStatistics",
        {
            "Namespace": namespace,
            "MetricName": "Count",
            "Dimensions": [{"Name": "D", "Value": "v"}],
            "StartTime": t,
            "EndTime": t + dt.timedelta(minutes=1),
            "Period": 60,
            "Statistics": ["Sum"],
        },
    )
    assert status == 200 and [(p["Sum"], p["Unit"]) for p in got["Datapoints"]] == [(3.0, "Count")]
    status, listed, _ = call(endpoint, protocol, "ListMetrics", {"Namespace": namespace})
    assert status == 200 and [m["MetricName"] for m in listed["Metrics"]] == ["Count"]
    status, data, _ = call(
        endpoint,
        protocol,
        "GetMetricData",
        {
            "StartTime": t,
            "EndTime": t + dt.timedelta(minutes=1),
            "MetricDataQueries": [
                {
                    "Id": "m1",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": namespace,
                            "MetricName": "Count",
                            "Dimensions": [{"Name": "D", "Value": "v"}],
                        },
                        "Period": 60,
                        "Stat": "Sum",
                    },
                },
                {"Id": "e1", "Expression": "m1 * 10"},
            ],
        },
    )
    assert status == 200
    assert {r["Id"]: r["Values"] for r in data["MetricDataResults"]} == {"m1": [3.0], "e1": [30.0]}
    alarm = {
        "AlarmName": f"proto-{protocol}",
        "Namespace": namespace,
        "MetricName": "Count",
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    assert call(endpoint, protocol, "PutMetricAlarm", alarm)[0] == 200
    status, described, _ = call(endpoint, protocol, "DescribeAlarms", {"AlarmNames": [alarm["AlarmName"]]})
    assert status == 200 and described["MetricAlarms"][0]["Threshold"] == 1.0
    assert call(endpoint, protocol, "DeleteAlarms", {"AlarmNames": [alarm["AlarmName"]]})[0] == 200


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_errors_per_protocol(endpoint: str, protocol: str) -> None:
    status, parsed, headers = call(
        endpoint,
        protocol,
        "PutMetricData",
        {"Namespace": "AWS/EC2", "MetricData": [{"MetricName": "m", "Value": 1.0}]},
    )
    assert status == 400
    assert parsed["Error"]["Code"] == "InvalidParameterValue"
    assert parsed["Error"]["Message"] == "The value AWS/EC2 for parameter Namespace is invalid."
    if protocol != "query":
        assert headers["x-amzn-query-error"] == "InvalidParameterValue;Sender"
    status, parsed, _ = call(
        endpoint, protocol, "SetAlarmState", {"AlarmName": "nothere", "StateValue": "OK", "StateReason": "x"}
    )
    assert status == 404 and parsed["Error"]["Code"] == "ResourceNotFound"


def test_the_aws_cli(aws: Callable[..., CliResult]) -> None:
    aws(
        "cloudwatch",
        "put-metric-data",
        "--namespace",
        "Cli/Test",
        "--metric-name",
        "Queue",
        "--dimensions",
        "Queue=jobs",
        "--value",
        "42",
        "--unit",
        "Count",
    )
    listed = json.loads(aws("cloudwatch", "list-metrics", "--namespace", "Cli/Test").stdout)
    assert listed["Metrics"] == [
        {"Namespace": "Cli/Test", "MetricName": "Queue", "Dimensions": [{"Name": "Queue", "Value": "jobs"}]}
    ]
    now = dt.datetime.now(dt.UTC)
    stats = json.loads(
        aws(
            "cloudwatch",
            "get-metric-statistics",
            "--namespace",
            "Cli/Test",
            "--metric-name",
            "Queue",
            "--dimensions",
            "Name=Queue,Value=jobs",
            "--statistics",
            "Maximum",
            "--period",
            "60",
            "--start-time",
            (now - dt.timedelta(minutes=5)).isoformat(),
            "--end-time",
            (now + dt.timedelta(minutes=1)).isoformat(),
        ).stdout
    )
    assert [p["Maximum"] for p in stats["Datapoints"]] == [42.0]
    aws(
        "cloudwatch",
        "put-metric-alarm",
        "--alarm-name",
        "cli-queue",
        "--namespace",
        "Cli/Test",
        "--metric-name",
        "Queue",
        "--dimensions",
        "Name=Queue,Value=jobs",
        "--statistic",
        "Maximum",
        "--period",
        "60",
        "--evaluation-periods",
        "1",
        "--threshold",
        "10",
        "--comparison-operator",
        "GreaterThanThreshold",
    )
    aws(
        "cloudwatch",
        "set-alarm-state",
        "--alarm-name",
        "cli-queue",
        "--state-value",
        "ALARM",
        "--state-reason",
        "manual",
    )
    state = aws(
        "cloudwatch",
        "describe-alarms",
        "--alarm-names",
        "cli-queue",
        "--query",
        "MetricAlarms[0].[StateValue,StateReason]",
        "--output",
        "text",
    ).stdout.split("\t")
    assert [s.strip() for s in state] == ["ALARM", "manual"]
    missing = aws("cloudwatch", "delete-alarms", "--alarm-names", "nothere", check=False)
    assert missing.returncode != 0 and "ResourceNotFound" in missing.stderr
    aws("cloudwatch", "delete-alarms", "--alarm-names", "cli-queue")
