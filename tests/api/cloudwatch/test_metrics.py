"""PutMetricData, GetMetricStatistics, GetMetricData (metric stats, math, pagination, ScanBy) and
ListMetrics through boto3 (rpc-v2-cbor), with CloudWatch's errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError


def now_minute() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err["Message"]


def test_statistics_of_values_counts_and_statistic_sets(cw: Any) -> None:
    t = now_minute() - dt.timedelta(minutes=10)
    dims = [{"Name": "Service", "Value": "web"}, {"Name": "Env", "Value": "prod"}]
    cw.put_metric_data(
        Namespace="Test/Stats",
        MetricData=[
            {
                "MetricName": "Latency",
                "Dimensions": dims,
                "Timestamp": t,
                "Value": 10.0,
                "Unit": "Milliseconds",
            },
            {
                "MetricName": "Latency",
                "Dimensions": dims,
                "Timestamp": t + dt.timedelta(seconds=5),
                "Values": [20.0, 30.0],
                "Counts": [1, 2],
                "Unit": "Milliseconds",
            },
            {
                "MetricName": "Latency",
                "Dimensions": dims,
                "Timestamp": t + dt.timedelta(minutes=1),
                "StatisticValues": {"SampleCount": 4, "Sum": 400, "Minimum": 50, "Maximum": 150},
                "Unit": "Milliseconds",
            },
        ],
    )
    # dimensions in another order name the same metric
    got = cw.get_metric_statistics(
        Namespace="Test/Stats",
        MetricName="Latency",
        Dimensions=list(reversed(dims)),
        StartTime=t,
        EndTime=t + dt.timedelta(minutes=2),
        Period=60,
        Statistics=["SampleCount", "Average", "Sum", "Minimum", "Maximum"],
    )
    assert got["Label"] == "Latency"
    points = sorted(got["Datapoints"], key=lambda p: p["Timestamp"])
    assert [(p["SampleCount"], p["Sum"], p["Minimum"], p["Maximum"], p["Unit"]) for p in points] == [
        (4.0, 90.0, 10.0, 30.0, "Milliseconds"),
        (4.0, 400.0, 50.0, 150.0, "Milliseconds"),
    ]
    assert points[0]["Average"] == 22.5 and points[0]["Timestamp"] == t
    whole = cw.get_metric_statistics(
        Namespace="Test/Stats",
        MetricName="Latency",
        Dimensions=dims,
        StartTime=t,
        EndTime=t + dt.timedelta(minutes=5),
        Period=300,
        ExtendedStatistics=["p50", "p100"],
    )["Datapoints"]
    # percentiles only from raw values: the StatisticSet of the second minute makes them unknown
    assert len(whole) == 1 and whole[0]["ExtendedStatistics"] == {}
    first = cw.get_metric_statistics(
        Namespace="Test/Stats",
        MetricName="Latency",
        Dimensions=dims,
        StartTime=t,
        EndTime=t + dt.timedelta(minutes=1),
        Period=60,
        ExtendedStatistics=["p50", "p99", "tm50"],
    )["Datapoints"]
    assert first[0]["ExtendedStatistics"] == {"p50": 20.0, "p99": 30.0, "tm50": 15.0}
    assert (
        cw.get_metric_statistics(
            Namespace="Test/Stats",
            MetricName="Latency",
            Dimensions=dims[:1],
            StartTime=t,
            EndTime=t + dt.timedelta(minutes=5),
            Period=60,
            Statistics=["Sum"],
        )["Datapoints"]
        == []
    )
    assert (
        cw.get_metric_statistics(
            Namespace="Test/Stats",
            MetricName="Latency",
            Dimensions=dims,
            StartTime=t,
            EndTime=t + dt.timedelta(minutes=5),
            Period=60,
            Statistics=["Sum"],
            Unit="Count",
        )["Datapoints"]
        == []
    )


def test_high_resolution_data_answers_short_periods(cw: Any) -> None:
    t = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=2)
    cw.put_metric_data(
        Namespace="Test/HiRes",
        MetricData=[
            {
                "MetricName": "Ticks",
                "Timestamp": t + dt.timedelta(seconds=s),
                "Value": 1.0,
                "StorageResolution": 1,
            }
            for s in range(20)
        ],
    )
    points = cw.get_metric_statistics(
        Namespace="Test/HiRes",
        MetricName="Ticks",
        StartTime=t,
        EndTime=t + dt.timedelta(seconds=20),
        Period=10,
        Statistics=["Sum"],
    )["Datapoints"]
    assert sorted(p["Sum"] for p in points) == [10.0, 10.0]


@pytest.mark.parametrize(
    ("datum", "code", "text"),
    [
        (
            {
                "MetricName": "m",
                "Value": 1.0,
                "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1},
            },
            "InvalidParameterCombination",
            "The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually "
            "exclusive",
        ),
        (
            {"MetricName": "m", "Values": [1.0, 2.0], "Counts": [1.0]},
            "InvalidParameterValue",
            "The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same "
            "size.",
        ),
        (
            {"MetricName": "m", "Value": 1.0, "StorageResolution": 5},
            "InvalidParameterValue",
            "The value 5 for parameter MetricData.member.1.StorageResolution is invalid.",
        ),
        (
            {"MetricName": "m", "Value": 1.0, "Timestamp": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
            "InvalidParameterValue",
            "must specify a time no more than two weeks in the past",
        ),
        ({"MetricName": "m"}, "MissingParameter", "At least one of the parameters MetricData.member.1.Value"),
        (
            {
                "MetricName": "m",
                "Value": 1.0,
                "Dimensions": [{"Name": "a", "Value": "1"}, {"Name": "a", "Value": "2"}],
            },
            "InvalidParameterValue",
            "duplicate dimension names",
        ),
    ],
)
def test_put_metric_data_errors(cw: Any, datum: dict[str, Any], code: str, text: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        cw.put_metric_data(Namespace="Test/Errors", MetricData=[datum])
    got_code, message = error(excinfo)
    assert got_code == code and text in message
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_reserved_namespace_and_statistics_errors(cw: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        cw.put_metric_data(Namespace="AWS/ECS", MetricData=[{"MetricName": "m", "Value": 1.0}])
    assert error(excinfo) == (
        "InvalidParameterValue",
        "The value AWS/ECS for parameter Namespace is invalid.",
    )
    t = now_minute()
    cases = [
        ({"Period": 60}, "MissingParameter"),
        ({"Period": 61, "Statistics": ["Sum"]}, "InvalidParameterValue"),
        ({"Period": 60, "Statistics": ["Sum"], "ExtendedStatistics": ["p90"]}, "InvalidParameterCombination"),
        ({"Period": 60, "ExtendedStatistics": ["p101"]}, "InvalidParameterValue"),
        (
            {"Period": 1, "Statistics": ["Sum"], "StartTime": t - dt.timedelta(days=1)},
            "InvalidParameterCombination",
        ),
        (
            {"Period": 60, "Statistics": ["Sum"], "StartTime": t + dt.timedelta(hours=1)},
            "InvalidParameterValue",
        ),
    ]
    for extra, code in cases:
        params = {
            "Namespace": "Test/Stats",
            "MetricName": "Latency",
            "StartTime": t - dt.timedelta(hours=1),
            "EndTime": t,
            **extra,
        }
        with pytest.raises(ClientError) as excinfo:
            cw.get_metric_statistics(**params)
        assert error(excinfo)[0] == code, (extra, error(excinfo))


def test_get_metric_data_stats_math_and_pages(cw: Any) -> None:
    t = now_minute() - dt.timedelta(minutes=30)
    data = []
    for minute in range(10):
        for name, value in (("Hits", 10.0 + minute), ("Misses", 2.0)):
            data.append(
                {
                    "MetricName": name,
                    "Dimensions": [{"Name": "Cache", "Value": "c1"}],
                    "Timestamp": t + dt.timedelta(minutes=minute),
                    "Value": value,
                }
            )
    cw.put_metric_data(Namespace="Test/Cache", MetricData=data)

    def stat(qid: str, name: str, ret: bool = False) -> dict[str, Any]:
        return {
            "Id": qid,
            "ReturnData": ret,
            "MetricStat": {
                "Metric": {
                    "Namespace": "Test/Cache",
                    "MetricName": name,
                    "Dimensions": [{"Name": "Cache", "Value": "c1"}],
                },
                "Period": 60,
                "Stat": "Sum",
            },
        }

    queries = [
        stat("hits", "Hits", True),
        stat("misses", "Misses"),
        {"Id": "total", "Expression": "hits + misses", "Label": "Total"},
        {"Id": "ratio", "Expression": "100 * misses / (hits + misses)"},
        {"Id": "summed", "Expression": "SUM(METRICS())"},
        {"Id": "peak", "Expression": "MAX(hits)"},
    ]
    got = cw.get_metric_data(
        MetricDataQueries=queries,
        StartTime=t,
        EndTime=t + dt.timedelta(minutes=10),
        ScanBy="TimestampAscending",
    )
    results = {r["Id"]: r for r in got["MetricDataResults"]}
    assert set(results) == {"hits", "total", "ratio", "summed", "peak"}
    assert results["hits"]["Label"] == "Hits" and results["total"]["Label"] == "Total"
    assert results["hits"]["Values"] == [10.0 + m for m in range(10)]
    assert results["total"]["Values"] == [12.0 + m for m in range(10)] == results["summed"]["Values"]
    assert results["ratio"]["Values"][0] == pytest.approx(100 * 2 / 12)
    assert results["peak"]["Values"] == [19.0] * 10
    assert all(r["StatusCode"] == "Complete" for r in results.values())
    assert results["hits"]["Timestamps"][0] == t
    descending = cw.get_metric_data(
        MetricDataQueries=queries[:1], StartTime=t, EndTime=t + dt.timedelta(minutes=10)
    )
    assert descending["MetricDataResults"][0]["Values"] == [10.0 + m for m in reversed(range(10))]
    # pages of 4 datapoints
    values: list[float] = []
    token = None
    pages = 0
    while True:
        extra = {"NextToken": token} if token else {}
        page = cw.get_metric_data(
            MetricDataQueries=queries[:1],
            StartTime=t,
            EndTime=t + dt.timedelta(minutes=10),
            ScanBy="TimestampAscending",
            MaxDatapoints=4,
            **extra,
        )
        values.extend(page["MetricDataResults"][0]["Values"])
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert values == [10.0 + m for m in range(10)] and pages == 3


@pytest.mark.parametrize(
    ("queries", "text"),
    [
        ([{"Id": "Bad", "Expression": "1"}], "Invalid metric id Bad"),
        ([{"Id": "e1", "Expression": "m1 +"}], "Error in expression 'e1'"),
        ([{"Id": "e1", "Expression": "nothere * 2"}], "Unrecognized metric or expression id: nothere"),
        ([{"Id": "a", "Expression": "b"}, {"Id": "b", "Expression": "a"}], "Circular dependency"),
        ([{"Id": "e1", "Expression": "1", "ReturnData": False}], "At least one query must have ReturnData"),
        ([{"Id": "e1"}], "Exactly one of MetricStat and Expression"),
    ],
)
def test_get_metric_data_errors(cw: Any, queries: list[dict[str, Any]], text: str) -> None:
    t = now_minute()
    with pytest.raises(ClientError) as excinfo:
        cw.get_metric_data(MetricDataQueries=queries, StartTime=t - dt.timedelta(hours=1), EndTime=t)
    code, message = error(excinfo)
    assert code == "ValidationError" and text in message


def test_list_metrics_filters_and_pages(cw: Any) -> None:
    cw.put_metric_data(
        Namespace="Test/List",
        MetricData=[
            {
                "MetricName": f"M{i:03d}",
                "Dimensions": [{"Name": "Kind", "Value": "odd" if i % 2 else "even"}],
                "Value": 1.0,
            }
            for i in range(0, 600)
        ][:1000],
    )
    listed: list[dict[str, Any]] = []
    for page in cw.get_paginator("list_metrics").paginate(Namespace="Test/List"):
        listed.extend(page["Metrics"])
    assert len(listed) == 600 and listed[0]["MetricName"] == "M000"
    odd = cw.list_metrics(
        Namespace="Test/List", Dimensions=[{"Name": "Kind", "Value": "odd"}], MetricName="M001"
    )
    assert odd["Metrics"] == [
        {"Namespace": "Test/List", "MetricName": "M001", "Dimensions": [{"Name": "Kind", "Value": "odd"}]}
    ]
    assert (
        cw.list_metrics(
            Namespace="Test/List", MetricName="M002", Dimensions=[{"Name": "Kind", "Value": "odd"}]
        )["Metrics"]
        == []
    )
    anykind = cw.list_metrics(
        Namespace="Test/List", MetricName="M002", Dimensions=[{"Name": "Kind"}], RecentlyActive="PT3H"
    )
    assert len(anykind["Metrics"]) == 1
    with pytest.raises(ClientError) as excinfo:
        cw.list_metrics(NextToken="garbage")
    assert error(excinfo)[0] == "InvalidNextToken"
