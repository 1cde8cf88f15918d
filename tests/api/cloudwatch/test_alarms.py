"""Alarms through boto3: PutMetricAlarm checks, DescribeAlarms filters and pages,
DescribeAlarmsForMetric, SetAlarmState and history, actions switches, tags, DeleteAlarms; and a
server with SKIFF_METRICS_PERIOD_SECONDS=2 whose evaluator moves an alarm to ALARM and back."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import CREDENTIALS, SkiffServer, start_server

POLICY = "arn:aws:autoscaling:eu-north-1:000000000000:scalingPolicy:1:resource/ecs/service/c/s:policyName/p"


def alarm(name: str, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "AlarmName": name,
        "Namespace": "AWS/ECS",
        "MetricName": "CPUUtilization",
        "Dimensions": [{"Name": "ClusterName", "Value": "c"}, {"Name": "ServiceName", "Value": "s"}],
        "Statistic": "Average",
        "Period": 60,
        "EvaluationPeriods": 3,
        "Threshold": 50.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "AlarmActions": [POLICY],
    }
    params.update(extra)
    return params


def code_of(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def test_create_describe_update_and_delete(cw: Any) -> None:
    cw.put_metric_alarm(**alarm("cpu-high", Tags=[{"Key": "team", "Value": "a"}], AlarmDescription="hot"))
    (found,) = cw.describe_alarms(AlarmNames=["cpu-high"])["MetricAlarms"]
    assert found["AlarmArn"] == "arn:aws:cloudwatch:eu-north-1:000000000000:alarm:cpu-high"
    assert (found["StateValue"], found["StateReason"]) == (
        "INSUFFICIENT_DATA",
        "Unchecked: Initial alarm creation",
    )
    assert found["AlarmActions"] == [POLICY] and found["ActionsEnabled"] is True
    assert found["TreatMissingData"] == "missing" and found["AlarmDescription"] == "hot"
    assert cw.list_tags_for_resource(ResourceARN=found["AlarmArn"])["Tags"] == [{"Key": "team", "Value": "a"}]
    cw.put_metric_alarm(**alarm("cpu-high", Threshold=70.0, DatapointsToAlarm=2))
    (updated,) = cw.describe_alarms(AlarmNames=["cpu-high"])["MetricAlarms"]
    assert (updated["Threshold"], updated["DatapointsToAlarm"]) == (70.0, 2)
    for_metric = cw.describe_alarms_for_metric(
        Namespace="AWS/ECS",
        MetricName="CPUUtilization",
        Dimensions=[{"Name": "ServiceName", "Value": "s"}, {"Name": "ClusterName", "Value": "c"}],
    )["MetricAlarms"]
    assert [a["AlarmName"] for a in for_metric] == ["cpu-high"]
    assert (
        cw.describe_alarms_for_metric(Namespace="AWS/ECS", MetricName="CPUUtilization", Statistic="Maximum")[
            "MetricAlarms"
        ]
        == []
    )
    cw.delete_alarms(AlarmNames=["cpu-high"])
    assert cw.describe_alarms(AlarmNames=["cpu-high"])["MetricAlarms"] == []
    with pytest.raises(ClientError) as excinfo:
        cw.delete_alarms(AlarmNames=["cpu-high"])
    assert code_of(excinfo) == "ResourceNotFound"


def test_describe_filters_and_pages(cw: Any) -> None:
    for i in range(7):
        cw.put_metric_alarm(**alarm(f"page-{i}"))
    cw.set_alarm_state(AlarmName="page-3", StateValue="ALARM", StateReason="testing")
    names = []
    for page in cw.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix="page-", PaginationConfig={"PageSize": 3}
    ):
        names.extend(a["AlarmName"] for a in page["MetricAlarms"])
    assert names == [f"page-{i}" for i in range(7)]
    in_alarm = cw.describe_alarms(AlarmNamePrefix="page-", StateValue="ALARM")["MetricAlarms"]
    assert [a["AlarmName"] for a in in_alarm] == ["page-3"] and in_alarm[0]["StateReason"] == "testing"
    assert cw.describe_alarms(AlarmNamePrefix="page-", AlarmTypes=["CompositeAlarm"])["MetricAlarms"] == []
    by_action = cw.describe_alarms(ActionPrefix="arn:aws:autoscaling:")["MetricAlarms"]
    assert {a["AlarmName"] for a in by_action} >= {f"page-{i}" for i in range(7)}
    with pytest.raises(ClientError) as excinfo:
        cw.describe_alarms(AlarmNames=["a"], AlarmNamePrefix="a")
    assert code_of(excinfo) == "InvalidParameterCombination"
    history = cw.describe_alarm_history(AlarmName="page-3", HistoryItemType="StateUpdate")[
        "AlarmHistoryItems"
    ]
    assert history[0]["HistorySummary"] == "Alarm updated from INSUFFICIENT_DATA to ALARM"
    assert json.loads(history[0]["HistoryData"])["newState"]["stateValue"] == "ALARM"
    assert [
        h["HistoryItemType"]
        for h in cw.describe_alarm_history(AlarmName="page-3", ScanBy="TimestampAscending")[
            "AlarmHistoryItems"
        ]
    ] == ["ConfigurationUpdate", "StateUpdate"]
    cw.disable_alarm_actions(AlarmNames=["page-1"])
    assert cw.describe_alarms(AlarmNames=["page-1"])["MetricAlarms"][0]["ActionsEnabled"] is False
    cw.enable_alarm_actions(AlarmNames=["page-1"])
    assert cw.describe_alarms(AlarmNames=["page-1"])["MetricAlarms"][0]["ActionsEnabled"] is True
    cw.delete_alarms(AlarmNames=[f"page-{i}" for i in range(7)])


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"Statistic": None}, "InvalidParameterCombination"),
        ({"ExtendedStatistic": "p90"}, "InvalidParameterCombination"),
        ({"Period": 45}, "InvalidParameterValue"),
        ({"Period": 3600, "EvaluationPeriods": 200}, "ValidationError"),
        ({"DatapointsToAlarm": 4}, "ValidationError"),
        ({"Threshold": None}, "ValidationError"),
        ({"TreatMissingData": "sometimes"}, "InvalidParameterValue"),
        ({"AlarmActions": ["not-an-arn"]}, "ValidationError"),
        ({"EvaluationPeriods": None}, "MissingParameter"),
        ({"Namespace": None}, "MissingParameter"),
        ({"Metrics": [{"Id": "m1", "Expression": "1"}]}, "InvalidParameterCombination"),
    ],
)
def test_put_metric_alarm_errors(cw: Any, changes: dict[str, Any], code: str) -> None:
    params = {k: v for k, v in {**alarm("bad"), **changes}.items() if v is not None}
    with pytest.raises(ClientError) as excinfo:
        cw.put_metric_alarm(**params)
    assert code_of(excinfo) == code
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_metric_math_alarm_and_set_state_errors(cw: Any) -> None:
    stat = {"Metric": {"Namespace": "App", "MetricName": "Errors"}, "Period": 60, "Stat": "Sum"}
    cw.put_metric_alarm(
        AlarmName="math",
        EvaluationPeriods=1,
        Threshold=5.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        Metrics=[
            {"Id": "m1", "MetricStat": stat, "ReturnData": False},
            {"Id": "e1", "Expression": "m1 * 2", "Label": "Double"},
        ],
    )
    (found,) = cw.describe_alarms(AlarmNames=["math"])["MetricAlarms"]
    assert [m["Id"] for m in found["Metrics"]] == ["m1", "e1"] and "Period" not in found
    with pytest.raises(ClientError) as excinfo:
        cw.put_metric_alarm(
            AlarmName="math2",
            EvaluationPeriods=1,
            Threshold=5.0,
            ComparisonOperator="GreaterThanThreshold",
            Metrics=[{"Id": "m1", "MetricStat": stat}, {"Id": "e1", "Expression": "m1 * 2"}],
        )
    assert code_of(excinfo) == "ValidationError"
    with pytest.raises(ClientError) as excinfo:
        cw.set_alarm_state(AlarmName="nothere", StateValue="OK", StateReason="x")
    assert code_of(excinfo) == "ResourceNotFound"
    with pytest.raises(ClientError) as excinfo:
        cw.set_alarm_state(AlarmName="math", StateValue="OK", StateReason="x", StateReasonData="{nope")
    assert code_of(excinfo) == "InvalidFormat"
    with pytest.raises(ClientError) as excinfo:
        cw.tag_resource(
            ResourceARN="arn:aws:cloudwatch:eu-north-1:000000000000:alarm:nothere",
            Tags=[{"Key": "a", "Value": "b"}],
        )
    assert code_of(excinfo) == "ResourceNotFoundException"
    arn = found["AlarmArn"]
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    cw.untag_resource(ResourceARN=arn, TagKeys=["a"])
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    cw.delete_alarms(AlarmNames=["math"])


@pytest.fixture(scope="module")
def fast_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkiffServer]:
    server = start_server(tmp_path_factory.mktemp("cw-fast"), env={"SKIFF_METRICS_PERIOD_SECONDS": "2"})
    yield server
    server.stop()
    assert "Traceback" not in server.log()


def test_alarm_goes_to_alarm_and_back_on_the_short_cadence(fast_server: SkiffServer) -> None:
    cw = boto3.client(
        "cloudwatch",
        endpoint_url=fast_server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    cw.put_metric_alarm(
        AlarmName="load",
        Namespace="App",
        MetricName="Load",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=50.0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )

    def state_after(value: float | None, want: str, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            if value is not None:  # standard resolution: the short cadence stores it per second too
                cw.put_metric_data(Namespace="App", MetricData=[{"MetricName": "Load", "Value": value}])
            found: dict[str, Any] = cw.describe_alarms(AlarmNames=["load"])["MetricAlarms"][0]
            if found["StateValue"] == want or time.monotonic() > deadline:
                return found
            time.sleep(0.5)

    high = state_after(90.0, "ALARM")
    assert high["StateValue"] == "ALARM", high
    assert high["StateReason"].startswith("Threshold Crossed: 1 datapoint [90.0 (")
    assert high["StateReason"].endswith(")] was greater than the threshold (50.0).")
    low = state_after(None, "OK")
    assert low["StateValue"] == "OK", low
    kinds = [h["HistorySummary"] for h in cw.describe_alarm_history(AlarmName="load")["AlarmHistoryItems"]]
    # An evaluation may come between PutMetricAlarm and the first datapoint: missing data is
    # notBreaching, so the alarm goes to OK first, as on AWS; either way every step is recorded.
    assert kinds[0] == "Alarm updated from ALARM to OK", kinds
    if kinds[1] == "Alarm updated from OK to ALARM":
        assert kinds[2] == "Alarm updated from INSUFFICIENT_DATA to OK", kinds
    else:
        assert kinds[1] == "Alarm updated from INSUFFICIENT_DATA to ALARM", kinds
    reason = json.loads(high["StateReasonData"])
    assert reason["recentDatapoints"] == [90.0] and reason["period"] in (2, 60)
