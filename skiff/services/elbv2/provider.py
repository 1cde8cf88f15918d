"""The ELBv2 API (`elasticloadbalancing`, query protocol): thin handlers over the load balancer,
target group, target, listener, rule and tag backends. Trust stores, capacity reservations, IPAM
pools and resource policies are not served (UnsupportedOperation)."""

from __future__ import annotations

from typing import Any

from skiff.api.context import RequestContext
from skiff.api.provider import Provider
from skiff.services.ec2.backend import Ec2Backend
from skiff.services.elbv2 import limits
from skiff.services.elbv2.listeners import ListenerBackend
from skiff.services.elbv2.load_balancers import LoadBalancerBackend
from skiff.services.elbv2.network import Network
from skiff.services.elbv2.rules import RuleBackend
from skiff.services.elbv2.tags import TagBackend
from skiff.services.elbv2.target_groups import TargetGroupBackend
from skiff.services.elbv2.targets import TargetBackend
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]


class Elbv2Provider(Provider):
    service = "elbv2"

    def __init__(self, store: Store, ec2: Ec2Backend | None = None) -> None:
        network = Network(ec2 or Ec2Backend(store))
        self.load_balancers = LoadBalancerBackend(store, network)
        self.target_groups = TargetGroupBackend(store, network)
        self.targets = TargetBackend(store, network, self.target_groups)
        self.listeners = ListenerBackend(store, self.load_balancers)
        self.rules = RuleBackend(store, self.listeners)
        self.tags = TagBackend(store)

    # -- load balancers -----------------------------------------------------------------------
    def create_load_balancer(self, ctx: RequestContext, params: Params) -> Params:
        return {"LoadBalancers": [self.load_balancers.create(Scope.of(ctx), params)]}

    def describe_load_balancers(self, ctx: RequestContext, params: Params) -> Params:
        return self.load_balancers.describe(Scope.of(ctx), params)

    def delete_load_balancer(self, ctx: RequestContext, params: Params) -> Params:
        self.load_balancers.delete(Scope.of(ctx), params["LoadBalancerArn"])
        return {}

    def set_subnets(self, ctx: RequestContext, params: Params) -> Params:
        return self.load_balancers.set_subnets(Scope.of(ctx), params)

    def set_security_groups(self, ctx: RequestContext, params: Params) -> Params:
        return self.load_balancers.set_security_groups(Scope.of(ctx), params)

    def set_ip_address_type(self, ctx: RequestContext, params: Params) -> Params:
        return self.load_balancers.set_ip_address_type(Scope.of(ctx), params)

    def describe_load_balancer_attributes(self, ctx: RequestContext, params: Params) -> Params:
        return {"Attributes": self.load_balancers.attributes(Scope.of(ctx), params["LoadBalancerArn"])}

    def modify_load_balancer_attributes(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        return {
            "Attributes": self.load_balancers.modify_attributes(
                scope, params["LoadBalancerArn"], params["Attributes"]
            )
        }

    # -- target groups ------------------------------------------------------------------------
    def create_target_group(self, ctx: RequestContext, params: Params) -> Params:
        return {"TargetGroups": [self.target_groups.create(Scope.of(ctx), params)]}

    def describe_target_groups(self, ctx: RequestContext, params: Params) -> Params:
        return self.target_groups.describe(Scope.of(ctx), params)

    def modify_target_group(self, ctx: RequestContext, params: Params) -> Params:
        return {"TargetGroups": [self.target_groups.modify(Scope.of(ctx), params)]}

    def delete_target_group(self, ctx: RequestContext, params: Params) -> Params:
        self.target_groups.delete(Scope.of(ctx), params["TargetGroupArn"])
        return {}

    def describe_target_group_attributes(self, ctx: RequestContext, params: Params) -> Params:
        return {"Attributes": self.target_groups.attributes(Scope.of(ctx), params["TargetGroupArn"])}

    def modify_target_group_attributes(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        return {
            "Attributes": self.target_groups.modify_attributes(
                scope, params["TargetGroupArn"], params["Attributes"]
            )
        }

    # -- targets ------------------------------------------------------------------------------
    def register_targets(self, ctx: RequestContext, params: Params) -> Params:
        self.targets.register(Scope.of(ctx), params["TargetGroupArn"], params["Targets"])
        return {}

    def deregister_targets(self, ctx: RequestContext, params: Params) -> Params:
        self.targets.deregister(Scope.of(ctx), params["TargetGroupArn"], params["Targets"])
        return {}

    def describe_target_health(self, ctx: RequestContext, params: Params) -> Params:
        found = self.targets.health(
            Scope.of(ctx), params["TargetGroupArn"], params.get("Targets"), params.get("Include") or []
        )
        return {"TargetHealthDescriptions": found}

    # -- listeners ----------------------------------------------------------------------------
    def create_listener(self, ctx: RequestContext, params: Params) -> Params:
        return {"Listeners": [self.listeners.create(Scope.of(ctx), params)]}

    def describe_listeners(self, ctx: RequestContext, params: Params) -> Params:
        return self.listeners.describe(Scope.of(ctx), params)

    def modify_listener(self, ctx: RequestContext, params: Params) -> Params:
        return {"Listeners": [self.listeners.modify(Scope.of(ctx), params)]}

    def delete_listener(self, ctx: RequestContext, params: Params) -> Params:
        self.listeners.delete(Scope.of(ctx), params["ListenerArn"])
        return {}

    def describe_listener_certificates(self, ctx: RequestContext, params: Params) -> Params:
        return self.listeners.certificates(Scope.of(ctx), params)

    def add_listener_certificates(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        return {
            "Certificates": self.listeners.add_certificates(
                scope, params["ListenerArn"], params["Certificates"]
            )
        }

    def remove_listener_certificates(self, ctx: RequestContext, params: Params) -> Params:
        self.listeners.remove_certificates(Scope.of(ctx), params["ListenerArn"], params["Certificates"])
        return {}

    def describe_listener_attributes(self, ctx: RequestContext, params: Params) -> Params:
        return {"Attributes": self.listeners.attributes(Scope.of(ctx), params["ListenerArn"])}

    def modify_listener_attributes(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        return {
            "Attributes": self.listeners.modify_attributes(scope, params["ListenerArn"], params["Attributes"])
        }

    # -- rules --------------------------------------------------------------------------------
    def create_rule(self, ctx: RequestContext, params: Params) -> Params:
        return {"Rules": [self.rules.create(Scope.of(ctx), params)]}

    def describe_rules(self, ctx: RequestContext, params: Params) -> Params:
        return self.rules.describe(Scope.of(ctx), params)

    def modify_rule(self, ctx: RequestContext, params: Params) -> Params:
        return {"Rules": [self.rules.modify(Scope.of(ctx), params)]}

    def delete_rule(self, ctx: RequestContext, params: Params) -> Params:
        self.rules.delete(Scope.of(ctx), params["RuleArn"])
        return {}

    def set_rule_priorities(self, ctx: RequestContext, params: Params) -> Params:
        return {"Rules": self.rules.set_priorities(Scope.of(ctx), params["RulePriorities"])}

    # -- tags, limits, policies ---------------------------------------------------------------
    def add_tags(self, ctx: RequestContext, params: Params) -> Params:
        self.tags.add(Scope.of(ctx), params["ResourceArns"], params["Tags"])
        return {}

    def remove_tags(self, ctx: RequestContext, params: Params) -> Params:
        self.tags.remove(Scope.of(ctx), params["ResourceArns"], params["TagKeys"])
        return {}

    def describe_tags(self, ctx: RequestContext, params: Params) -> Params:
        return {"TagDescriptions": self.tags.describe(Scope.of(ctx), params["ResourceArns"])}

    def describe_account_limits(self, ctx: RequestContext, params: Params) -> Params:
        return limits.account_limits(params)

    def describe_ssl_policies(self, ctx: RequestContext, params: Params) -> Params:
        return limits.ssl_policy_list(params)
