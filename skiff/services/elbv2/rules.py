"""Listener rules: create, describe, modify, delete, and SetRulePriorities.

Priorities are unique per listener (1-50000, PriorityInUse otherwise); the default rule keeps
priority `default`, cannot be deleted, and changes only through the listener's DefaultActions.
"""

from __future__ import annotations

from typing import Any

from skiff.services.elbv2 import exceptions as err
from skiff.services.elbv2.actions import check_actions, check_conditions
from skiff.services.elbv2.common import check_tags, in_scope, public
from skiff.services.elbv2.listeners import ListenerBackend
from skiff.services.elbv2.paging import paged
from skiff.state import balancers as records
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

MAX_RULES = 100  # per listener, the default rule not counted


class RuleBackend:
    def __init__(self, store: Store, listeners: ListenerBackend) -> None:
        self.store = store
        self.listeners = listeners

    def get(self, scope: Scope, arn: str) -> Document | None:
        return in_scope(records.load_rule(self.store, arn), scope)

    def require(self, scope: Scope, arn: str) -> Document:
        doc = self.get(scope, arn)
        if doc is None:
            raise err.rule_not_found()
        return doc

    def _context(self, scope: Scope, listener_arn: str) -> tuple[Document, Document]:
        listener = self.listeners.require(scope, listener_arn)
        lb = self.listeners.balancers.require(scope, listener["LoadBalancerArn"])
        if lb["Type"] != "application":
            raise err.validation("Rules are supported only for Application Load Balancers")
        return listener, lb

    def create(self, scope: Scope, params: dict[str, Any]) -> Document:
        priority = int(params["Priority"])
        if not 1 <= priority <= 50000:
            raise err.validation("Priority must be between 1 and 50000")
        tags = check_tags(params.get("Tags"))
        with self.store.transaction():
            listener, lb = self._context(scope, str(params["ListenerArn"]))
            conditions = check_conditions(params.get("Conditions") or [])
            actions = check_actions(self.store, scope, lb, listener["Protocol"], params.get("Actions") or [])
            rules = records.rules_of(self.store, listener["ListenerArn"])
            if any(not r.get("IsDefault") and int(r["Priority"]) == priority for r in rules):
                raise err.priority_in_use(priority)
            if len(rules) - 1 >= MAX_RULES:
                raise err.too_many("rules", "TooManyRulesException")
            arn = records.rule_arn(listener["ListenerArn"], records.new_id())
            doc: Document = {
                "RuleArn": arn,
                "Priority": str(priority),
                "Conditions": conditions,
                "Actions": actions,
                "IsDefault": False,
                records.INTERNAL: {
                    "listener": listener["ListenerArn"],
                    "account": scope.account,
                    "region": scope.region,
                },
            }
            records.save_rule(self.store, doc)
            records.save_tags(self.store, arn, tags)
        return public(doc)

    def describe(self, scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
        arns, listener_arn = params.get("RuleArns") or [], params.get("ListenerArn")
        if arns and listener_arn:
            raise err.validation("Rule ARNs and a listener ARN cannot be specified at the same time")
        if arns:
            found = [self.get(scope, str(a)) for a in dict.fromkeys(arns)]
            if any(d is None for d in found):
                raise err.rule_not_found()
            docs = [d for d in found if d is not None]
        elif listener_arn:
            docs = records.rules_of(
                self.store, self.listeners.require(scope, str(listener_arn))["ListenerArn"]
            )
        else:
            raise err.validation("You must specify either rule ARNs or a listener ARN")
        return paged("Rules", [public(d) for d in docs], params)

    def modify(self, scope: Scope, params: dict[str, Any]) -> Document:
        with self.store.transaction():
            doc = self.require(scope, str(params["RuleArn"]))
            listener, lb = self._context(scope, doc[records.INTERNAL]["listener"])
            if doc.get("IsDefault"):
                if params.get("Conditions"):
                    raise err.operation_not_permitted("You cannot add conditions to a default rule")
                if params.get("Actions"):
                    actions = check_actions(self.store, scope, lb, listener["Protocol"], params["Actions"])
                    self.listeners.modify(
                        scope, {"ListenerArn": listener["ListenerArn"], "DefaultActions": actions}
                    )
                    doc = self.require(scope, doc["RuleArn"])
                return public(doc)
            if params.get("Conditions") is not None:
                doc["Conditions"] = check_conditions(params["Conditions"])
            if params.get("Actions") is not None:
                doc["Actions"] = check_actions(self.store, scope, lb, listener["Protocol"], params["Actions"])
            records.save_rule(self.store, doc)
        return public(doc)

    def delete(self, scope: Scope, arn: str) -> None:
        with self.store.transaction():
            doc = self.require(scope, arn)
            if doc.get("IsDefault"):
                raise err.operation_not_permitted("You cannot delete a default rule")
            records.delete_rule(self.store, arn)

    def set_priorities(self, scope: Scope, changes: list[dict[str, Any]]) -> list[Document]:
        with self.store.transaction():
            wanted: dict[str, int] = {}
            for change in changes:
                arn, priority = str(change.get("RuleArn") or ""), change.get("Priority")
                if priority is None:
                    raise err.validation("A priority must be specified for every rule")
                if not 1 <= int(priority) <= 50000:
                    raise err.validation("Priority must be between 1 and 50000")
                wanted[arn] = int(priority)
            docs = [self.require(scope, arn) for arn in wanted]
            listeners = {d[records.INTERNAL]["listener"] for d in docs}
            if len(listeners) > 1:
                raise err.validation("All rules must belong to the same listener")
            if any(d.get("IsDefault") for d in docs):
                raise err.operation_not_permitted("You cannot change the priority of a default rule")
            if len(set(wanted.values())) != len(wanted):
                raise err.priority_in_use(
                    next(p for p in wanted.values() if list(wanted.values()).count(p) > 1)
                )
            for listener in listeners:
                for rule in records.rules_of(self.store, listener):
                    if rule.get("IsDefault") or rule["RuleArn"] in wanted:
                        continue
                    if int(rule["Priority"]) in wanted.values():
                        raise err.priority_in_use(rule["Priority"])
            for doc in docs:
                doc["Priority"] = str(wanted[doc["RuleArn"]])
                records.save_rule(self.store, doc)
        return [public(d) for d in docs]
