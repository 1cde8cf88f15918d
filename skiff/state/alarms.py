"""CloudWatch metric alarms: their records, their state, their history, and who hears changes.

Used by the CloudWatch API (PutMetricAlarm, DescribeAlarms, SetAlarmState, ...), by the alarm
evaluation controller (controllers/alarm_evaluation.py) and by Application Auto Scaling, which
creates target-tracking alarms through `save_alarm` and acts on their state.

Records: one `Alarm` per (account, region, name) in `cw_alarms` (pk: the alarm's ARN), its state
in the record itself (durable: after a restart `load_alarm(...).state_value` is what the alarm
last was); every state change and configuration change also appends an `cw_alarm_history` item
(kept 30 days, as on AWS).

Reacting to alarms — the interface for other controllers:
- `subscribe(store, callback)` registers `callback(AlarmEvent)` in-process; it is called after
  every evaluation of an alarm (`event.changed` says whether the state changed) and after every
  SetAlarmState. So a listener that must keep acting while an alarm stays in ALARM (AWS re-invokes
  scaling actions every minute then) acts on each event with `event.state == "ALARM"`, and one
  that reacts to transitions only checks `event.changed`. Callbacks run on the evaluator's thread;
  they must be quick and must not raise (an exception is logged and swallowed).
- The durable record (`load_alarm`, `alarms_in_state`) tells the state after a restart; a
  listener that must not act twice records what it did itself.
- `event.actions` lists the ARNs of the actions of the new state (AlarmActions for ALARM,
  OKActions for OK, InsufficientDataActions for INSUFFICIENT_DATA) when ActionsEnabled, else [].
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from skiff.store.base import Document, Store

ALARMS = "cw_alarms"
HISTORY = "cw_alarm_history"

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
STATES = (OK, ALARM, INSUFFICIENT_DATA)
HISTORY_DAYS = 30
INITIAL_REASON = "Unchecked: Initial alarm creation"

log = logging.getLogger(__name__)


@dataclass
class MetricQuery:
    """One entry of an alarm's `Metrics` (metric math alarms): a metric stat or an expression."""

    id: str
    """Id, referenced by expressions and by ThresholdMetricId."""
    return_data: bool = False
    """ReturnData: the one entry whose values are compared with the threshold."""
    expression: str | None = None
    """Expression (metric math), when this entry is not a metric stat."""
    namespace: str | None = None
    """MetricStat.Metric.Namespace."""
    metric_name: str | None = None
    """MetricStat.Metric.MetricName."""
    dimensions: list[dict[str, str]] = field(default_factory=list)
    """MetricStat.Metric.Dimensions ([{"Name", "Value"}])."""
    period: int | None = None
    """MetricStat.Period (or Period of an expression entry)."""
    stat: str | None = None
    """MetricStat.Stat: Average, Sum, p90, ..."""
    unit: str | None = None
    """MetricStat.Unit."""
    label: str | None = None
    """Label."""
    account_id: str | None = None
    """AccountId (cross-account; kept, not used)."""


@dataclass
class Alarm:
    """A metric alarm, with the same members as CloudWatch's MetricAlarm (snake_case)."""

    account: str
    """Owning account id."""
    region: str
    """Region."""
    name: str
    """AlarmName."""
    comparison_operator: str
    """ComparisonOperator: GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold,
    LessThanOrEqualToThreshold, or an anomaly-band operator (LessThanLowerOrGreaterThanUpperThreshold,
    LessThanLowerThreshold, GreaterThanUpperThreshold)."""
    evaluation_periods: int
    """EvaluationPeriods: how many of the latest periods are looked at."""
    threshold: float | None = None
    """Threshold (None for anomaly-band alarms, which use threshold_metric_id)."""
    datapoints_to_alarm: int | None = None
    """DatapointsToAlarm: breaching periods (of evaluation_periods) that make ALARM; None: all."""
    namespace: str | None = None
    """Namespace of a single-metric alarm."""
    metric_name: str | None = None
    """MetricName of a single-metric alarm."""
    dimensions: list[dict[str, str]] = field(default_factory=list)
    """Dimensions of a single-metric alarm ([{"Name", "Value"}], as given)."""
    statistic: str | None = None
    """Statistic: SampleCount, Average, Sum, Minimum, Maximum (single-metric alarms)."""
    extended_statistic: str | None = None
    """ExtendedStatistic such as p90 (instead of statistic)."""
    period: int | None = None
    """Period in seconds (single-metric alarms; metric math alarms have it per query)."""
    unit: str | None = None
    """Unit filter on the metric's datapoints."""
    metrics: list[MetricQuery] = field(default_factory=list)
    """Metrics: the metric math queries (empty for single-metric alarms)."""
    threshold_metric_id: str | None = None
    """ThresholdMetricId (anomaly detection band)."""
    treat_missing_data: str = "missing"
    """TreatMissingData: breaching, notBreaching, ignore, missing."""
    evaluate_low_sample_count_percentile: str | None = None
    """EvaluateLowSampleCountPercentile: evaluate or ignore (percentile alarms)."""
    description: str | None = None
    """AlarmDescription."""
    actions_enabled: bool = True
    """ActionsEnabled: whether state changes run the actions."""
    ok_actions: list[str] = field(default_factory=list)
    """OKActions: ARNs run on entering OK."""
    alarm_actions: list[str] = field(default_factory=list)
    """AlarmActions: ARNs run on entering ALARM (autoscaling policy ARNs among them)."""
    insufficient_data_actions: list[str] = field(default_factory=list)
    """InsufficientDataActions: ARNs run on entering INSUFFICIENT_DATA."""
    state_value: str = INSUFFICIENT_DATA
    """StateValue: OK, ALARM or INSUFFICIENT_DATA."""
    state_reason: str = INITIAL_REASON
    """StateReason: human text, e.g. "Threshold Crossed: 1 datapoint [...] was greater than ..."."""
    state_reason_data: str | None = None
    """StateReasonData: JSON text with the evaluated datapoints (as AWS writes it)."""
    state_updated: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    """StateUpdatedTimestamp: last state or reason update."""
    state_transitioned: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    """StateTransitionedTimestamp: last change of state_value."""
    configuration_updated: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    """AlarmConfigurationUpdatedTimestamp."""
    last_evaluated: dt.datetime | None = None
    """When the evaluator last looked at this alarm (not an AWS member)."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags (Key -> Value)."""

    @property
    def arn(self) -> str:
        """AlarmArn."""
        return alarm_arn(self.account, self.region, self.name)

    @property
    def evaluation_period(self) -> int:
        """The period evaluated: Period, or the returned query's period for metric math alarms."""
        if self.period:
            return self.period
        periods = [m.period for m in self.metrics if m.period]
        return min(periods) if periods else 60

    @property
    def metric_label(self) -> str:
        """`cw_alarms.metric` column: `<namespace>|<name>` of a single-metric alarm, else ''."""
        return f"{self.namespace}|{self.metric_name}" if self.metric_name else ""

    def actions_for(self, state: str) -> list[str]:
        if not self.actions_enabled:
            return []
        return {
            OK: self.ok_actions,
            ALARM: self.alarm_actions,
            INSUFFICIENT_DATA: self.insufficient_data_actions,
        }[state]

    def to_doc(self) -> Document:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: Document) -> Alarm:
        values = dict(doc)
        values["metrics"] = [MetricQuery(**m) for m in values.get("metrics", [])]
        return cls(**values)


def alarm_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"


def parse_alarm_arn(arn: str) -> tuple[str, str, str] | None:
    """(account, region, name) of an alarm ARN, else None."""
    parts = arn.split(":", 6)
    if len(parts) != 7 or parts[:3] != ["arn", "aws", "cloudwatch"] or parts[5] != "alarm" or not parts[6]:
        return None
    return parts[4], parts[3], parts[6]


# -- records ----------------------------------------------------------------------------------
def load_alarm(store: Store, account: str, region: str, name: str) -> Alarm | None:
    doc = store.get(ALARMS, alarm_arn(account, region, name))
    return Alarm.from_doc(doc) if doc else None


def save_alarm(store: Store, alarm: Alarm) -> None:
    """Insert or replace the record (state included); no history, no event (see put_alarm)."""
    store.put(
        ALARMS,
        alarm.arn,
        alarm.to_doc(),
        account=alarm.account,
        region=alarm.region,
        name=alarm.name,
        state=alarm.state_value,
        metric=alarm.metric_label,
    )


def put_alarm(store: Store, alarm: Alarm, now: dt.datetime | None = None) -> Alarm:
    """PutMetricAlarm's effect: create, or update keeping the current state (AWS keeps it on update
    and re-evaluates); a ConfigurationUpdate history item either way. Returns the stored alarm."""
    now = now or dt.datetime.now(dt.UTC)
    with store.transaction():
        existing = load_alarm(store, alarm.account, alarm.region, alarm.name)
        alarm.configuration_updated = now
        if existing is None:
            alarm.state_value, alarm.state_reason, alarm.state_reason_data = (
                INSUFFICIENT_DATA,
                INITIAL_REASON,
                None,
            )
            alarm.state_updated = alarm.state_transitioned = now
            summary = f'Alarm "{alarm.name}" created'
        else:
            alarm.state_value, alarm.state_reason = existing.state_value, existing.state_reason
            alarm.state_reason_data = existing.state_reason_data
            alarm.state_updated, alarm.state_transitioned = (
                existing.state_updated,
                existing.state_transitioned,
            )
            alarm.last_evaluated = None  # evaluate again soon with the new configuration
            if not alarm.tags:
                alarm.tags = existing.tags
            summary = f'Alarm "{alarm.name}" updated'
        save_alarm(store, alarm)
        add_history(
            store, alarm, "ConfigurationUpdate", summary, {"type": "Update" if existing else "Create"}, now
        )
    return alarm


def delete_alarm(store: Store, account: str, region: str, name: str, now: dt.datetime | None = None) -> bool:
    alarm = load_alarm(store, account, region, name)
    if alarm is None:
        return False
    with store.transaction():
        store.delete(ALARMS, alarm.arn)
        add_history(store, alarm, "ConfigurationUpdate", f'Alarm "{name}" deleted', {"type": "Delete"}, now)
    return True


def alarms_of(
    store: Store, account: str, region: str, *, state: str | None = None, metric: str | None = None
) -> list[Alarm]:
    """The account's alarms in the region, by name; optionally in one state or on one
    `<namespace>|<metric name>`."""
    where: dict[str, Any] = {"account": account, "region": region}
    if state is not None:
        where["state"] = state
    if metric is not None:
        where["metric"] = metric
    return [Alarm.from_doc(d) for d in store.find(ALARMS, where, order_by=("name",))]


def all_alarms(store: Store) -> list[Alarm]:
    """Every alarm of every account (for the evaluator)."""
    return [Alarm.from_doc(doc) for _, doc in store.scan(ALARMS)]


def alarms_in_state(store: Store, state: str) -> list[Alarm]:
    return [Alarm.from_doc(d) for d in store.find(ALARMS, {"state": state}, order_by=("name",))]


# -- state ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AlarmEvent:
    """What listeners hear after an evaluation or a SetAlarmState."""

    alarm: Alarm
    """The alarm as stored after the evaluation."""
    previous_state: str
    """StateValue before."""
    state: str
    """StateValue now."""
    changed: bool
    """True when the state value changed."""
    timestamp: dt.datetime
    """When it was evaluated or set."""
    actions: list[str]
    """The ARNs of the actions for `state` when actions are enabled and the state changed
    (AWS runs actions on transitions; listeners that repeat while in ALARM use `alarm.alarm_actions`)."""


_listeners: weakref.WeakKeyDictionary[Any, list[Callable[[AlarmEvent], None]]] = weakref.WeakKeyDictionary()
_listeners_lock = threading.Lock()


def subscribe(store: Store, callback: Callable[[AlarmEvent], None]) -> Callable[[], None]:
    """Hear every evaluation and state change of alarms in `store`; returns an unsubscribe."""
    with _listeners_lock:
        _listeners.setdefault(store, []).append(callback)

    def unsubscribe() -> None:
        with _listeners_lock:
            callbacks = _listeners.get(store, [])
            if callback in callbacks:
                callbacks.remove(callback)

    return unsubscribe


def notify(store: Store, event: AlarmEvent) -> None:
    with _listeners_lock:
        callbacks = list(_listeners.get(store, []))
    for callback in callbacks:
        try:
            callback(event)
        except Exception:
            log.exception("alarm listener failed on %s", event.alarm.name)


def set_state(
    store: Store,
    alarm: Alarm,
    value: str,
    reason: str,
    reason_data: str | None = None,
    now: dt.datetime | None = None,
    *,
    evaluated: bool = True,
) -> AlarmEvent:
    """Record the outcome of an evaluation (or SetAlarmState): the state, its reason, a StateUpdate
    history item when the state changed, and tell the listeners. Returns the event."""
    now = now or dt.datetime.now(dt.UTC)
    previous = alarm.state_value
    changed = value != previous
    with store.transaction():
        current = load_alarm(store, alarm.account, alarm.region, alarm.name)
        if current is not None:
            alarm = current
            previous = alarm.state_value
            changed = value != previous
        if evaluated:
            alarm.last_evaluated = now
        if changed or not evaluated:
            alarm.state_value, alarm.state_reason, alarm.state_reason_data = value, reason, reason_data
            alarm.state_updated = now
            if changed:
                alarm.state_transitioned = now
        if current is not None:
            save_alarm(store, alarm)
        if changed or not evaluated:
            history: dict[str, Any] = {
                "version": "1.0",
                "oldState": {"stateValue": previous},
                "newState": {"stateValue": value, "stateReason": reason},
            }
            if reason_data:
                history["newState"]["stateReasonData"] = reason_data
            add_history(
                store, alarm, "StateUpdate", f"Alarm updated from {previous} to {value}", history, now
            )
    event = AlarmEvent(alarm, previous, value, changed, now, alarm.actions_for(value) if changed else [])
    notify(store, event)
    return event


# -- history ----------------------------------------------------------------------------------
def add_history(
    store: Store,
    alarm: Alarm,
    item_type: str,
    summary: str,
    data: dict[str, Any],
    now: dt.datetime | None = None,
) -> None:
    """Append an AlarmHistoryItem (ConfigurationUpdate, StateUpdate or Action)."""
    now = now or dt.datetime.now(dt.UTC)
    number = store.next_number("cw-alarm-history")
    item = {
        "_pk": f"{number:012d}",
        "AlarmName": alarm.name,
        "AlarmType": "MetricAlarm",
        "Timestamp": now,
        "HistoryItemType": item_type,
        "HistorySummary": summary,
        "HistoryData": json.dumps(data),
    }
    store.put(
        HISTORY,
        f"{number:012d}",
        item,
        account=alarm.account,
        region=alarm.region,
        alarm_name=alarm.name,
        item_type=item_type,
        created=now.isoformat(),
    )


def history_of(
    store: Store, account: str, region: str, *, name: str | None = None, item_type: str | None = None
) -> list[Document]:
    """AlarmHistoryItems (plus their `_pk`), newest first."""
    where: dict[str, Any] = {"account": account, "region": region}
    if name is not None:
        where["alarm_name"] = name
    if item_type is not None:
        where["item_type"] = item_type
    return store.find(HISTORY, where, order_by=("created", "pk"), descending=True)


def prune_history(store: Store, now: dt.datetime | None = None, *, batch: int = 500) -> int:
    """Drop history items older than 30 days; returns how many went."""
    cutoff = ((now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=HISTORY_DAYS)).isoformat()
    gone = 0
    while True:
        oldest = list(_oldest(store, batch))
        stale = [pk for pk, created in oldest if created < cutoff]
        for pk in stale:
            store.delete(HISTORY, pk)
        gone += len(stale)
        if len(stale) < batch:
            return gone


def _oldest(store: Store, limit: int) -> Iterable[tuple[str, str]]:
    for doc in store.find(HISTORY, order_by=("created",), limit=limit):
        yield _history_pk(doc), doc["Timestamp"].isoformat()


def _history_pk(doc: Document) -> str:
    return str(doc["_pk"])
