"""botocore service models: the spec of every operation skiff serves.

Models are loaded lazily, once, through botocore's loader. `ServiceSpec` adds the facts the
gateway routes by (target prefix, signing name, protocols) and the error-code table that maps a
modelled exception's shape name to its wire code and HTTP status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel

# botocore service name -> the protocols skiff answers for it (first = preferred)
SERVED_SERVICES: tuple[str, ...] = (
    "ecs",
    "ec2",
    "elbv2",
    "acm",  # load balancing: certificates of HTTPS listeners
    "servicediscovery",
    "route53",  # service discovery: the hosted zones Cloud Map manages
    "secretsmanager",
    "ssm",
    "s3",
    "logs",
    "cloudwatch",
    "application-autoscaling",
    "ecr",
    "iam",
    "sts",
)


@dataclass(frozen=True)
class ErrorInfo:
    """How a modelled exception appears on the wire."""

    code: str
    status: int
    sender_fault: bool


@dataclass
class ServiceSpec:
    """One AWS service model plus routing facts."""

    name: str
    model: ServiceModel
    protocols: tuple[str, ...]
    target_prefix: str | None
    signing_name: str
    errors: dict[str, ErrorInfo] = field(default_factory=dict)

    def operation(self, name: str) -> OperationModel | None:
        if name not in self.model.operation_names:
            return None
        op: OperationModel = self.model.operation_model(name)
        return op

    def error_info(self, code: str, default_status: int) -> ErrorInfo:
        """Wire code/status for a shape name; unmodelled codes pass through unchanged."""
        info = self.errors.get(code)
        if info is None:
            return ErrorInfo(code, default_status, default_status < 500)
        return info

    @property
    def json_version(self) -> str:
        return str(self.model.metadata.get("jsonVersion", "1.1"))

    @property
    def query_compatible(self) -> bool:
        return "awsQueryCompatible" in self.model.metadata


@cache
def _loader() -> Loader:
    return Loader()


@cache
def load_spec(name: str) -> ServiceSpec:
    raw: dict[str, Any] = _loader().load_service_model(name, "service-2")
    model = ServiceModel(raw, service_name=name)
    meta = raw["metadata"]
    protocols = tuple(meta.get("protocols") or [meta["protocol"]])
    errors: dict[str, ErrorInfo] = {}
    for shape_name, shape in raw["shapes"].items():
        if not shape.get("exception"):
            continue
        trait = shape.get("error", {})
        status = int(trait.get("httpStatusCode", 500 if shape.get("fault") else 400))
        errors[shape_name] = ErrorInfo(
            code=str(trait.get("code", shape_name)),
            status=status,
            sender_fault=bool(trait.get("senderFault", status < 500)),
        )
    return ServiceSpec(
        name=name,
        model=model,
        protocols=protocols,
        target_prefix=meta.get("targetPrefix"),
        signing_name=str(meta.get("signingName") or meta["endpointPrefix"]),
        errors=errors,
    )


@dataclass
class SpecIndex:
    """Lookup tables from wire facts to services, built once over SERVED_SERVICES."""

    by_target_prefix: dict[str, ServiceSpec]
    by_signing_name: dict[str, ServiceSpec]
    by_name: dict[str, ServiceSpec]


@cache
def spec_index() -> SpecIndex:
    specs = [load_spec(name) for name in SERVED_SERVICES]
    by_target = {s.target_prefix: s for s in specs if s.target_prefix}
    by_signing = {s.signing_name: s for s in specs}
    # Endpoint prefixes too: some clients sign with them (e.g. "elasticloadbalancing").
    for s in specs:
        by_signing.setdefault(str(s.model.metadata["endpointPrefix"]), s)
    return SpecIndex(by_target, by_signing, {s.name: s for s in specs})
