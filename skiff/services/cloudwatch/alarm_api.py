"""The alarm operations: PutMetricAlarm, DescribeAlarms(ForMetric), DeleteAlarms, SetAlarmState,
DescribeAlarmHistory, Enable/DisableAlarmActions, and tags on alarms.

Input is checked as CloudWatch checks it; records are state/alarms.py's `Alarm`. `to_metric_alarm`
gives the API's MetricAlarm shape (also used by Application Auto Scaling's describe calls).
"""

from __future__ import annotations

import json
from typing import Any

from skiff.services.cloudwatch import exceptions as errors
from skiff.services.cloudwatch import statistics
from skiff.services.cloudwatch.metric_data import (
    check_dimensions,
    check_period,
    decode_token,
    dimensions_of,
    encode_token,
)
from skiff.services.cloudwatch.metric_queries import check_queries
from skiff.state import alarms as records
from skiff.state.alarms import Alarm, MetricQuery
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]

TREAT_MISSING = ("breaching", "notBreaching", "ignore", "missing")
BAND_OPERATORS = (
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
)
MAX_TAGS = 50
DEFAULT_RECORDS = 50


def queries_of(raw: list[Params]) -> list[MetricQuery]:
    out = []
    for q in raw:
        stat = q.get("MetricStat") or {}
        metric = stat.get("Metric") or {}
        out.append(
            MetricQuery(
                id=str(q["Id"]),
                return_data=bool(q.get("ReturnData", True)),
                expression=q.get("Expression"),
                namespace=metric.get("Namespace"),
                metric_name=metric.get("MetricName"),
                dimensions=dimensions_of(metric.get("Dimensions")),
                period=int(stat["Period"])
                if stat.get("Period")
                else (int(q["Period"]) if q.get("Period") else None),
                stat=stat.get("Stat"),
                unit=stat.get("Unit"),
                label=q.get("Label"),
                account_id=q.get("AccountId"),
            )
        )
    return out


def query_params(query: MetricQuery) -> Params:
    """A MetricQuery in the API's MetricDataQuery shape."""
    out: Params = {"Id": query.id, "ReturnData": query.return_data}
    if query.expression is not None:
        out["Expression"] = query.expression
        if query.period:
            out["Period"] = query.period
    else:
        stat: Params = {
            "Metric": {
                "Namespace": query.namespace,
                "MetricName": query.metric_name,
                "Dimensions": list(query.dimensions),
            },
            "Period": query.period,
            "Stat": query.stat,
        }
        if query.unit:
            stat["Unit"] = query.unit
        out["MetricStat"] = stat
    if query.label is not None:
        out["Label"] = query.label
    if query.account_id is not None:
        out["AccountId"] = query.account_id
    return out


def to_metric_alarm(alarm: Alarm) -> Params:
    """The API's MetricAlarm."""
    out: Params = {
        "AlarmName": alarm.name,
        "AlarmArn": alarm.arn,
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated,
        "ActionsEnabled": alarm.actions_enabled,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "StateValue": alarm.state_value,
        "StateReason": alarm.state_reason,
        "StateUpdatedTimestamp": alarm.state_updated,
        "StateTransitionedTimestamp": alarm.state_transitioned,
        "EvaluationPeriods": alarm.evaluation_periods,
        "ComparisonOperator": alarm.comparison_operator,
        "Dimensions": list(alarm.dimensions),
        "TreatMissingData": alarm.treat_missing_data,
    }
    optional = {
        "AlarmDescription": alarm.description,
        "StateReasonData": alarm.state_reason_data,
        "MetricName": alarm.metric_name,
        "Namespace": alarm.namespace,
        "Statistic": alarm.statistic,
        "ExtendedStatistic": alarm.extended_statistic,
        "Period": alarm.period,
        "Unit": alarm.unit,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "Threshold": alarm.threshold,
        "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile,
        "ThresholdMetricId": alarm.threshold_metric_id,
    }
    out.update({k: v for k, v in optional.items() if v is not None})
    if alarm.metrics:
        out["Metrics"] = [query_params(q) for q in alarm.metrics]
    return out


def alarm_from_params(scope: Scope, params: Params) -> Alarm:
    """Check PutMetricAlarm's input and build the alarm it describes."""
    name = str(params["AlarmName"])
    periods = params.get("EvaluationPeriods")
    operator = params.get("ComparisonOperator")
    if periods is None:
        raise errors.missing("The parameter EvaluationPeriods is required.")
    if operator is None:
        raise errors.missing("The parameter ComparisonOperator is required.")
    metrics_raw = list(params.get("Metrics") or [])
    single = [
        m
        for m in ("MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit")
        if params.get(m) not in (None, [])
    ]
    if metrics_raw and single:
        raise errors.combination(
            f"The parameters {single[0]} and Metrics are mutually exclusive; "
            "specify a single metric or Metrics."
        )
    if not metrics_raw:
        for member in ("MetricName", "Namespace", "Period"):
            if params.get(member) is None:
                raise errors.missing(f"The parameter {member} is required.")
        if (params.get("Statistic") is None) == (params.get("ExtendedStatistic") is None):
            raise errors.combination(
                "Exactly one of the parameters Statistic and ExtendedStatistic must be given."
            )
        if params.get("ExtendedStatistic") is not None:
            parsed = statistics.parse(str(params["ExtendedStatistic"]))
            if parsed is None or not parsed.extended:
                raise errors.bad_value(params["ExtendedStatistic"], "ExtendedStatistic")
        period = int(params["Period"])
        if period not in (10, 20, 30) and period % 60 != 0:
            raise errors.invalid_value("The parameter Period must be 10, 20, 30 or a multiple of 60.")
        check_dimensions(dimensions_of(params.get("Dimensions")), "Dimensions")
        span_limit = 7 * 86400 if period >= 3600 else 86400
        if period * int(periods) > span_limit:
            raise errors.validation(
                "Metrics cannot be checked across more than a day "
                f"(EvaluationPeriods * Period must be <= {span_limit})."
            )
    else:
        check_queries(metrics_raw, "Metrics")
        returned = [q for q in metrics_raw if q.get("ReturnData", True)]
        if len(returned) != 1:
            raise errors.validation("Exactly one element of the metrics list should return data.")
        for index, q in enumerate(metrics_raw, 1):
            if q.get("MetricStat") is not None:
                check_period(int(q["MetricStat"]["Period"]), f"Metrics.member.{index}.MetricStat.Period")
    datapoints = params.get("DatapointsToAlarm")
    if datapoints is not None and int(datapoints) > int(periods):
        raise errors.validation("DatapointsToAlarm must be less than or equal to EvaluationPeriods.")
    threshold_id = params.get("ThresholdMetricId")
    if operator in BAND_OPERATORS:
        if threshold_id is None:
            raise errors.validation(f"ThresholdMetricId is required for the comparison operator {operator}.")
        if params.get("Threshold") is not None:
            raise errors.validation("Threshold and ThresholdMetricId are mutually exclusive.")
    else:
        if params.get("Threshold") is None:
            raise errors.validation(f"Threshold is required for the comparison operator {operator}.")
        if threshold_id is not None:
            raise errors.validation(
                "ThresholdMetricId may only be used with anomaly detection band operators."
            )
    treat = params.get("TreatMissingData") or "missing"
    if treat not in TREAT_MISSING:
        raise errors.bad_value(treat, "TreatMissingData")
    low = params.get("EvaluateLowSampleCountPercentile")
    if low is not None and low not in ("evaluate", "ignore"):
        raise errors.bad_value(low, "EvaluateLowSampleCountPercentile")
    for member in ("OKActions", "AlarmActions", "InsufficientDataActions"):
        for arn in params.get(member) or []:
            if not str(arn).startswith("arn:") or len(str(arn).split(":")) < 6:
                raise errors.validation(f"Invalid arn syntax: {arn}")
    tags = tags_of(params.get("Tags"))
    return Alarm(
        account=scope.account,
        region=scope.region,
        name=name,
        comparison_operator=str(operator),
        evaluation_periods=int(periods),
        threshold=None if params.get("Threshold") is None else float(params["Threshold"]),
        datapoints_to_alarm=None if datapoints is None else int(datapoints),
        namespace=params.get("Namespace"),
        metric_name=params.get("MetricName"),
        dimensions=dimensions_of(params.get("Dimensions")),
        statistic=params.get("Statistic"),
        extended_statistic=params.get("ExtendedStatistic"),
        period=None if params.get("Period") is None else int(params["Period"]),
        unit=params.get("Unit"),
        metrics=queries_of(metrics_raw),
        threshold_metric_id=threshold_id,
        treat_missing_data=str(treat),
        evaluate_low_sample_count_percentile=low,
        description=params.get("AlarmDescription"),
        actions_enabled=bool(params.get("ActionsEnabled", True)),
        ok_actions=[str(a) for a in params.get("OKActions") or []],
        alarm_actions=[str(a) for a in params.get("AlarmActions") or []],
        insufficient_data_actions=[str(a) for a in params.get("InsufficientDataActions") or []],
        tags=tags,
    )


def _pairs(dims: list[dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((d["Name"], d["Value"]) for d in dims)


def tags_of(raw: Any) -> dict[str, str]:
    tags: dict[str, str] = {}
    for index, tag in enumerate(raw or [], 1):
        key, value = tag.get("Key"), tag.get("Value")
        if not key:
            raise errors.missing(f"The parameter Tags.member.{index}.Key is required.")
        if value is None:
            raise errors.missing(f"The parameter Tags.member.{index}.Value is required.")
        tags[str(key)] = str(value)
    if len(tags) > MAX_TAGS:
        raise errors.limit_exceeded(f"The resource can have at most {MAX_TAGS} tags.")
    return tags


class AlarmBackend:
    def __init__(self, store: Store) -> None:
        self.store = store

    def put(self, scope: Scope, params: Params) -> None:
        records.put_alarm(self.store, alarm_from_params(scope, params))

    def describe(self, scope: Scope, params: Params) -> Params:
        names, prefix = params.get("AlarmNames"), params.get("AlarmNamePrefix")
        if names and prefix:
            raise errors.combination("The parameters AlarmNames and AlarmNamePrefix are mutually exclusive.")
        family = params.get("ChildrenOfAlarmName") or params.get("ParentsOfAlarmName")
        if family and (names or prefix or params.get("StateValue") or params.get("ActionPrefix")):
            raise errors.combination(
                "ChildrenOfAlarmName and ParentsOfAlarmName cannot be used with other filters."
            )
        limit = int(params.get("MaxRecords") or DEFAULT_RECORDS)
        types = params.get("AlarmTypes") or ["MetricAlarm"]
        found = records.alarms_of(self.store, scope.account, scope.region, state=params.get("StateValue"))
        if names:
            wanted = set(names)
            found = [a for a in found if a.name in wanted]
        if prefix:
            found = [a for a in found if a.name.startswith(prefix)]
        action_prefix = params.get("ActionPrefix")
        if action_prefix:
            found = [
                a
                for a in found
                if any(
                    x.startswith(action_prefix)
                    for x in a.ok_actions + a.alarm_actions + a.insufficient_data_actions
                )
            ]
        if params.get("ChildrenOfAlarmName") or params.get("ParentsOfAlarmName"):
            found = []  # composite alarms are not kept, so no alarm has parents or children
        if "MetricAlarm" not in types:
            found = []
        start = decode_token(params.get("NextToken"), "DescribeAlarms")
        page = found[start : start + limit]
        result: Params = {"MetricAlarms": [to_metric_alarm(a) for a in page], "CompositeAlarms": []}
        if start + limit < len(found):
            result["NextToken"] = encode_token(start + limit, "DescribeAlarms")
        return result

    def for_metric(self, scope: Scope, params: Params) -> Params:
        metric = f"{params['Namespace']}|{params['MetricName']}"
        found = records.alarms_of(self.store, scope.account, scope.region, metric=metric)
        dims = dimensions_of(params.get("Dimensions")) if params.get("Dimensions") is not None else None
        out = []
        for alarm in found:
            if dims is not None and _pairs(dims) != _pairs(alarm.dimensions):
                continue
            if params.get("Statistic") and alarm.statistic != params["Statistic"]:
                continue
            if params.get("ExtendedStatistic") and alarm.extended_statistic != params["ExtendedStatistic"]:
                continue
            if params.get("Period") and alarm.period != params["Period"]:
                continue
            if params.get("Unit") and alarm.unit != params["Unit"]:
                continue
            out.append(to_metric_alarm(alarm))
        return {"MetricAlarms": out}

    def delete(self, scope: Scope, names: list[str]) -> None:
        missing = [n for n in names if records.load_alarm(self.store, scope.account, scope.region, n) is None]
        if missing:
            raise errors.not_found(f"The following alarms were not found: [{', '.join(missing)}]")
        for name in names:
            records.delete_alarm(self.store, scope.account, scope.region, name)

    def _load(self, scope: Scope, name: str) -> Alarm:
        alarm = records.load_alarm(self.store, scope.account, scope.region, name)
        if alarm is None:
            raise errors.not_found(f"Alarm {name} not found")
        return alarm

    def set_state(self, scope: Scope, params: Params) -> None:
        alarm = self._load(scope, str(params["AlarmName"]))
        data = params.get("StateReasonData")
        if data is not None:
            try:
                json.loads(data)
            except ValueError:
                raise errors.invalid_format("The StateReasonData is not valid JSON.") from None
        records.set_state(
            self.store, alarm, str(params["StateValue"]), str(params["StateReason"]), data, evaluated=False
        )

    def set_actions_enabled(self, scope: Scope, names: list[str], enabled: bool) -> None:
        for name in names:
            alarm = records.load_alarm(self.store, scope.account, scope.region, name)
            if alarm is None:
                continue  # AWS ignores names it does not know here
            with self.store.transaction():
                alarm.actions_enabled = enabled
                records.save_alarm(self.store, alarm)
                summary = f'Alarm "{name}" {"enabled" if enabled else "disabled"} actions'
                records.add_history(
                    self.store, alarm, "ConfigurationUpdate", summary, {"actionsEnabled": enabled}
                )

    def history(self, scope: Scope, params: Params) -> Params:
        types = params.get("AlarmTypes") or ["MetricAlarm", "CompositeAlarm"]
        items = records.history_of(
            self.store,
            scope.account,
            scope.region,
            name=params.get("AlarmName"),
            item_type=params.get("HistoryItemType"),
        )
        start_date, end_date = params.get("StartDate"), params.get("EndDate")
        if start_date and end_date and start_date > end_date:
            raise errors.invalid_value("The parameter StartDate must be less than the parameter EndDate.")
        kept = [
            i
            for i in items
            if i["AlarmType"] in types
            and (start_date is None or i["Timestamp"] >= start_date)
            and (end_date is None or i["Timestamp"] <= end_date)
        ]
        if params.get("ScanBy") == "TimestampAscending":
            kept.reverse()
        limit = int(params.get("MaxRecords") or 100)
        start = decode_token(params.get("NextToken"), "DescribeAlarmHistory")
        page = kept[start : start + limit]
        result: Params = {"AlarmHistoryItems": [{k: v for k, v in i.items() if k != "_pk"} for i in page]}
        if start + limit < len(kept):
            result["NextToken"] = encode_token(start + limit, "DescribeAlarmHistory")
        return result

    # -- tags ---------------------------------------------------------------------------------
    def _by_arn(self, scope: Scope, arn: str) -> Alarm:
        parsed = records.parse_alarm_arn(arn)
        alarm = None
        if parsed is not None and parsed[:2] == (scope.account, scope.region):
            alarm = records.load_alarm(self.store, *parsed)
        if alarm is None:
            raise errors.resource_not_found(f"The resource {arn} was not found.")
        return alarm

    def tags(self, scope: Scope, arn: str) -> list[Params]:
        return [{"Key": k, "Value": v} for k, v in self._by_arn(scope, arn).tags.items()]

    def tag(self, scope: Scope, arn: str, raw: list[Params]) -> None:
        alarm = self._by_arn(scope, arn)
        merged = {**alarm.tags, **tags_of(raw)}
        if len(merged) > MAX_TAGS:
            raise errors.limit_exceeded(f"The resource can have at most {MAX_TAGS} tags.")
        alarm.tags = merged
        records.save_alarm(self.store, alarm)

    def untag(self, scope: Scope, arn: str, keys: list[str]) -> None:
        alarm = self._by_arn(scope, arn)
        alarm.tags = {k: v for k, v in alarm.tags.items() if k not in set(keys)}
        records.save_alarm(self.store, alarm)
