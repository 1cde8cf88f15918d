"""The ELBv2 errors skiff raises, by modelled shape name, with ELB's own texts.

The query protocol writes each shape name as ELB's wire code (`LoadBalancerNotFoundException` ->
`LoadBalancerNotFound`, 400). Input that breaks a rule the model cannot express is a
`ValidationError`, as ELB answers it.
"""

from __future__ import annotations

from skiff.api.errors import AwsError


def validation(message: str) -> AwsError:
    return AwsError(message, code="ValidationError")


def load_balancer_not_found() -> AwsError:
    return AwsError("One or more load balancers not found", code="LoadBalancerNotFoundException")


def target_group_not_found() -> AwsError:
    return AwsError("One or more target groups not found", code="TargetGroupNotFoundException")


def listener_not_found() -> AwsError:
    return AwsError("One or more listeners not found", code="ListenerNotFoundException")


def rule_not_found() -> AwsError:
    return AwsError("One or more rules not found", code="RuleNotFoundException")


def duplicate_load_balancer(name: str) -> AwsError:
    return AwsError(
        f"A load balancer with the same name '{name}' exists, but with different settings",
        code="DuplicateLoadBalancerNameException",
    )


def duplicate_target_group(name: str) -> AwsError:
    return AwsError(
        f"A target group with the same name '{name}' exists, but with different settings",
        code="DuplicateTargetGroupNameException",
    )


def duplicate_listener(lb_arn: str) -> AwsError:
    return AwsError(
        f"A listener already exists on this port for this load balancer '{lb_arn}'",
        code="DuplicateListenerException",
    )


def priority_in_use(priority: int | str) -> AwsError:
    return AwsError(f"Priority '{priority}' is currently in use", code="PriorityInUseException")


def target_group_in_use(arn: str) -> AwsError:
    return AwsError(
        f"Target group '{arn}' is currently in use by a listener or a rule", code="ResourceInUseException"
    )


def invalid_configuration(message: str = "The requested configuration is not valid.") -> AwsError:
    return AwsError(message, code="InvalidConfigurationRequestException")


def subnet_not_found(subnet_id: str) -> AwsError:
    return AwsError(f"The subnet ID '{subnet_id}' is not valid", code="SubnetNotFoundException")


def invalid_subnet(message: str) -> AwsError:
    return AwsError(message, code="InvalidSubnetException")


def invalid_security_group(group_id: str) -> AwsError:
    return AwsError(f"The security group '{group_id}' does not exist", code="InvalidSecurityGroupException")


def invalid_target(message: str) -> AwsError:
    return AwsError(message, code="InvalidTargetException")


def too_many_targets() -> AwsError:
    return AwsError("You've reached the limit on the number of targets.", code="TooManyTargetsException")


def too_many(kind: str, shape: str) -> AwsError:
    return AwsError(f"You've reached the limit on the number of {kind}.", code=shape)


def certificate_not_found(arn: str) -> AwsError:
    return AwsError(f"Certificate '{arn}' not found", code="CertificateNotFoundException")


def ssl_policy_not_found(name: str) -> AwsError:
    return AwsError(f"SSL policy '{name}' not found", code="SSLPolicyNotFoundException")


def incompatible_protocols(message: str) -> AwsError:
    return AwsError(message, code="IncompatibleProtocolsException")


def unsupported_protocol(message: str) -> AwsError:
    return AwsError(message, code="UnsupportedProtocolException")


def operation_not_permitted(message: str) -> AwsError:
    return AwsError(message, code="OperationNotPermittedException")


def duplicate_tag_keys(key: str) -> AwsError:
    return AwsError(f"Tag key '{key}' is duplicated", code="DuplicateTagKeysException")


def too_many_tags() -> AwsError:
    return AwsError("The quota for the number of tags that can be assigned to a resource has been reached.",
                    code="TooManyTagsException")  # fmt: skip


def error(message: str, shape: str) -> AwsError:
    """A modelled exception by its shape name (`TooManyActionsException`, ...)."""
    return AwsError(message, code=shape)
