"""Listeners: create, describe, modify, delete, their certificates and attributes.

A listener owns its default rule (priority `default`, the listener's DefaultActions), which
DescribeRules lists last. HTTPS and TLS listeners need one default ACM certificate and take
an SslPolicy (ELBSecurityPolicy-2016-08 unless given).
"""

from __future__ import annotations

import re
from typing import Any

from skiff.services.elbv2 import exceptions as err
from skiff.services.elbv2.actions import check_actions
from skiff.services.elbv2.common import (
    attribute_list,
    check_int,
    check_tags,
    in_scope,
    parse_attributes,
    public,
)
from skiff.services.elbv2.load_balancers import LoadBalancerBackend
from skiff.services.elbv2.paging import paged
from skiff.state import balancers as records
from skiff.state import certificates as acm
from skiff.state import ssl_policies
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

PROTOCOLS = {"application": ("HTTP", "HTTPS"), "network": ("TCP", "TLS", "UDP", "TCP_UDP")}
SECURE = ("HTTPS", "TLS")
MAX_LISTENERS = 50
MAX_CERTIFICATES = 25
ALPN = ("HTTP1Only", "HTTP2Only", "HTTP2Optional", "HTTP2Preferred", "None")
_REQUEST_HEADERS = {
    "x_amzn_mtls_clientcert": "X-Amzn-Mtls-Clientcert",
    "x_amzn_mtls_clientcert_issuer": "X-Amzn-Mtls-Clientcert-Issuer",
    "x_amzn_mtls_clientcert_leaf": "X-Amzn-Mtls-Clientcert-Leaf",
    "x_amzn_mtls_clientcert_serial_number": "X-Amzn-Mtls-Clientcert-Serial-Number",
    "x_amzn_mtls_clientcert_subject": "X-Amzn-Mtls-Clientcert-Subject",
    "x_amzn_mtls_clientcert_validity": "X-Amzn-Mtls-Clientcert-Validity",
    "x_amzn_tls_cipher_suite": "X-Amzn-Tls-Cipher-Suite",
    "x_amzn_tls_version": "X-Amzn-Tls-Version",
}
_RESPONSE_HEADERS = (
    "access_control_allow_credentials", "access_control_allow_headers", "access_control_allow_methods",
    "access_control_allow_origin", "access_control_expose_headers", "access_control_max_age",
    "content_security_policy", "strict_transport_security", "x_content_type_options", "x_frame_options",
)  # fmt: skip
LISTENER_ATTRIBUTES = {
    "application": {
        "routing.http.response.server.enabled": "true",
        **{f"routing.http.response.{name}.header_value": "" for name in _RESPONSE_HEADERS},
        **{f"routing.http.request.{name}.header_name": value for name, value in _REQUEST_HEADERS.items()},
    },
    "network": {"tcp.idle_timeout.seconds": "350"},
}


class ListenerBackend:
    def __init__(self, store: Store, balancers: LoadBalancerBackend) -> None:
        self.store = store
        self.balancers = balancers

    def get(self, scope: Scope, arn: str) -> Document | None:
        return in_scope(records.load_listener(self.store, arn), scope)

    def require(self, scope: Scope, arn: str) -> Document:
        doc = self.get(scope, arn)
        if doc is None:
            raise err.listener_not_found()
        return doc

    def _certificates(self, scope: Scope, protocol: str, given: list[dict[str, Any]] | None) -> list[str]:
        arns = [str(c.get("CertificateArn") or "") for c in given or []]
        if protocol not in SECURE:
            if arns:
                raise err.validation(f"Certificates are not supported for '{protocol}' listeners")
            return []
        if not arns:
            raise err.validation(f"A certificate must be specified for {protocol} listeners")
        if len(arns) > 1:
            raise err.validation("Only one default certificate can be specified for a listener")
        for arn in arns:
            if in_scope(acm.load_certificate(self.store, arn), scope) is None:
                raise err.certificate_not_found(arn)
        return arns

    def _policy(self, protocol: str, policy: Any, current: str | None = None) -> str | None:
        if protocol not in SECURE:
            if policy:
                raise err.validation(f"An SSL policy is not supported for '{protocol}' listeners")
            return None
        name = str(policy or current or ssl_policies.DEFAULT_POLICY)
        if not ssl_policies.exists(name):
            raise err.ssl_policy_not_found(name)
        return name

    def _alpn(self, protocol: str, alpn: list[str] | None) -> list[str] | None:
        if not alpn:
            return None
        if protocol != "TLS":
            raise err.validation("An ALPN policy can only be specified for TLS listeners")
        if len(alpn) != 1 or alpn[0] not in ALPN:
            raise err.error(
                f"ALPN policy '{alpn[0] if alpn else ''}' is not supported", "ALPNPolicyNotSupportedException"
            )
        return list(alpn)

    # -- create -------------------------------------------------------------------------------
    def create(self, scope: Scope, params: dict[str, Any]) -> Document:
        lb = self.balancers.require(scope, str(params["LoadBalancerArn"]))
        protocol = params.get("Protocol")
        if not protocol:
            raise err.validation("A listener protocol must be specified")
        if protocol not in PROTOCOLS[lb["Type"]]:
            raise err.unsupported_protocol(
                f"Protocol '{protocol}' is not supported for load balancers of type '{lb['Type']}'"
            )
        if params.get("Port") is None:
            raise err.validation("A listener port must be specified")
        port = int(params["Port"])
        tags = check_tags(params.get("Tags"))
        certificates = self._certificates(scope, str(protocol), params.get("Certificates"))
        policy = self._policy(str(protocol), params.get("SslPolicy"))
        alpn = self._alpn(str(protocol), params.get("AlpnPolicy"))
        with self.store.transaction():
            actions = check_actions(self.store, scope, lb, str(protocol), params["DefaultActions"])
            existing = records.listeners_of(self.store, lb["LoadBalancerArn"])
            if any(int(other["Port"]) == port for other in existing):
                raise err.duplicate_listener(lb["LoadBalancerArn"])
            if len(existing) >= MAX_LISTENERS:
                raise err.too_many("listeners", "TooManyListenersException")
            arn = records.listener_arn(lb["LoadBalancerArn"], records.new_id())
            doc: Document = {
                "ListenerArn": arn,
                "LoadBalancerArn": lb["LoadBalancerArn"],
                "Port": port,
                "Protocol": protocol,
                "DefaultActions": actions,
                records.INTERNAL: {
                    "account": scope.account,
                    "region": scope.region,
                    "certificates": certificates,
                    "attributes": {},
                },
            }
            if certificates:
                doc["Certificates"] = [{"CertificateArn": certificates[0]}]
            if policy:
                doc["SslPolicy"] = policy
            if alpn:
                doc["AlpnPolicy"] = alpn
            records.save_listener(self.store, doc)
            records.save_rule(self.store, self._default_rule(scope, arn, actions))
            records.save_tags(self.store, arn, tags)
        return public(doc)

    def _default_rule(self, scope: Scope, listener: str, actions: list[Document]) -> Document:
        return {
            "RuleArn": records.rule_arn(listener, records.new_id()),
            "Priority": "default",
            "Conditions": [],
            "Actions": actions,
            "IsDefault": True,
            records.INTERNAL: {"listener": listener, "account": scope.account, "region": scope.region},
        }

    # -- describe / modify / delete -----------------------------------------------------------
    def describe(self, scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
        arns, lb_arn = params.get("ListenerArns") or [], params.get("LoadBalancerArn")
        if arns and lb_arn:
            raise err.validation("Listener ARNs and a load balancer ARN cannot be specified at the same time")
        if arns:
            found = [self.get(scope, str(a)) for a in dict.fromkeys(arns)]
            if any(d is None for d in found):
                raise err.listener_not_found()
            docs = [d for d in found if d is not None]
        elif lb_arn:
            docs = records.listeners_of(
                self.store, self.balancers.require(scope, str(lb_arn))["LoadBalancerArn"]
            )
        else:
            raise err.validation("You must specify either listener ARNs or a load balancer ARN")
        return paged("Listeners", [public(d) for d in docs], params)

    def modify(self, scope: Scope, params: dict[str, Any]) -> Document:
        with self.store.transaction():
            doc = self.require(scope, str(params["ListenerArn"]))
            lb = self.balancers.require(scope, doc["LoadBalancerArn"])
            protocol = str(params.get("Protocol") or doc["Protocol"])
            if protocol not in PROTOCOLS[lb["Type"]]:
                raise err.unsupported_protocol(
                    f"Protocol '{protocol}' is not supported for load balancers of type '{lb['Type']}'"
                )
            port = int(params["Port"]) if params.get("Port") is not None else int(doc["Port"])
            if port != int(doc["Port"]) and any(
                int(other["Port"]) == port
                for other in records.listeners_of(self.store, lb["LoadBalancerArn"])
            ):
                raise err.validation(f"Listener port '{port}' is already in use")
            internal = doc[records.INTERNAL]
            if params.get("Certificates") is not None:
                chosen = self._certificates(scope, protocol, params["Certificates"])
                extra = [a for a in internal.get("certificates", []) if a not in chosen and chosen]
                internal["certificates"] = chosen + extra[: MAX_CERTIFICATES - 1]
            elif protocol in SECURE and not doc.get("Certificates"):
                raise err.validation(f"A certificate must be specified for {protocol} listeners")
            elif protocol not in SECURE:
                internal["certificates"] = []
            defaults = [c for c in internal.get("certificates", [])[:1]]
            doc["Certificates"] = [{"CertificateArn": c} for c in defaults]
            if not defaults:
                doc.pop("Certificates")
            policy = self._policy(
                protocol, params.get("SslPolicy"), doc.get("SslPolicy") if protocol in SECURE else None
            )
            if policy:
                doc["SslPolicy"] = policy
            else:
                doc.pop("SslPolicy", None)
            if params.get("AlpnPolicy") is not None:
                alpn = self._alpn(protocol, params["AlpnPolicy"])
                if alpn:
                    doc["AlpnPolicy"] = alpn
            if protocol != "TLS":
                doc.pop("AlpnPolicy", None)
            actions_given = params.get("DefaultActions")
            actions = check_actions(self.store, scope, lb, protocol, actions_given or doc["DefaultActions"])
            doc.update({"Protocol": protocol, "Port": port, "DefaultActions": actions})
            records.save_listener(self.store, doc)
            for rule in records.rules_of(self.store, doc["ListenerArn"]):
                if rule.get("IsDefault"):
                    rule["Actions"] = actions
                    records.save_rule(self.store, rule)
        return public(doc)

    def delete(self, scope: Scope, arn: str) -> None:
        if self.get(scope, arn) is None:
            raise err.listener_not_found()
        records.delete_listener(self.store, arn)

    # -- certificates -------------------------------------------------------------------------
    def certificates(self, scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
        doc = self.require(scope, str(params["ListenerArn"]))
        arns = records.listener_certificates(doc)
        shown = [{"CertificateArn": a, "IsDefault": i == 0} for i, a in enumerate(arns)]
        return paged("Certificates", shown, params)

    def add_certificates(self, scope: Scope, arn: str, given: list[dict[str, Any]]) -> list[Document]:
        with self.store.transaction():
            doc = self.require(scope, arn)
            if doc["Protocol"] not in SECURE:
                raise err.validation(f"Certificates are not supported for '{doc['Protocol']}' listeners")
            held = records.listener_certificates(doc)
            for certificate in given:
                cert_arn = str(certificate.get("CertificateArn") or "")
                if certificate.get("IsDefault"):
                    raise err.validation(
                        "You cannot add a default certificate; use ModifyListener to change it"
                    )
                if in_scope(acm.load_certificate(self.store, cert_arn), scope) is None:
                    raise err.certificate_not_found(cert_arn)
                if cert_arn not in held:
                    held.append(cert_arn)
            if len(held) > MAX_CERTIFICATES:
                raise err.too_many("certificates", "TooManyCertificatesException")
            doc[records.INTERNAL]["certificates"] = held
            records.save_listener(self.store, doc)
        return [{"CertificateArn": a, "IsDefault": False} for a in held[1:]]

    def remove_certificates(self, scope: Scope, arn: str, given: list[dict[str, Any]]) -> None:
        with self.store.transaction():
            doc = self.require(scope, arn)
            held = records.listener_certificates(doc)
            for certificate in given:
                cert_arn = str(certificate.get("CertificateArn") or "")
                if held and cert_arn == held[0]:
                    raise err.operation_not_permitted(
                        "You cannot remove the default certificate of a listener"
                    )
                if cert_arn in held:
                    held.remove(cert_arn)
            doc[records.INTERNAL]["certificates"] = held
            records.save_listener(self.store, doc)

    # -- attributes ---------------------------------------------------------------------------
    def _kind(self, doc: Document) -> str:
        return (
            records.kind_of(doc["ListenerArn"])
            if records.kind_of(doc["ListenerArn"]) in LISTENER_ATTRIBUTES
            else "application"
        )

    def attributes(self, scope: Scope, arn: str) -> list[dict[str, str]]:
        doc = self.require(scope, arn)
        values = {**LISTENER_ATTRIBUTES[self._kind(doc)], **doc[records.INTERNAL].get("attributes", {})}
        return attribute_list(values)

    def modify_attributes(
        self, scope: Scope, arn: str, attributes: list[dict[str, Any]]
    ) -> list[dict[str, str]]:
        with self.store.transaction():
            doc = self.require(scope, arn)
            known = LISTENER_ATTRIBUTES[self._kind(doc)]
            changes = parse_attributes(attributes, known, "Listener")
            for key, value in changes.items():
                if key == "tcp.idle_timeout.seconds":
                    check_int(key, value, 60, 6000)
                elif key.endswith(".enabled") and value not in ("true", "false"):
                    raise err.validation(f"'{key}' must be one of [true, false]")
                elif key.endswith(".header_name") and not re.match(r"^[A-Za-z0-9-]{1,40}$", value):
                    raise err.validation(
                        f"'{key}' must be a header name of 1 to 40 letters, digits or hyphens"
                    )
            doc[records.INTERNAL].setdefault("attributes", {}).update(changes)
            records.save_listener(self.store, doc)
        return attribute_list({**known, **doc[records.INTERNAL]["attributes"]})
