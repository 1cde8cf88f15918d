"""The EC2 errors skiff raises, with the codes and texts of the EC2 API reference.

EC2 error codes (`InvalidVpcID.NotFound`, ...) are not modelled as exception shapes, so they
travel as plain `AwsError` codes with status 400; the `ec2` protocol writes them as they are.
"""

from __future__ import annotations

from skiff.api.errors import AwsError

# resource type word used in "The <word> ID '<id>' does not exist", and the NotFound code
_NOT_FOUND: dict[str, tuple[str, str]] = {
    "vpc": ("vpc", "InvalidVpcID.NotFound"),
    "subnet": ("subnet", "InvalidSubnetID.NotFound"),
    "security-group": ("security group", "InvalidGroup.NotFound"),
    "security-group-rule": ("security group rule", "InvalidSecurityGroupRuleId.NotFound"),
    "internet-gateway": ("internetGateway", "InvalidInternetGatewayID.NotFound"),
    "route-table": ("routeTable", "InvalidRouteTableID.NotFound"),
    "network-acl": ("networkAcl", "InvalidNetworkAclID.NotFound"),
    "network-interface": ("networkInterface", "InvalidNetworkInterfaceID.NotFound"),
    "vpc-endpoint": ("Vpc Endpoint", "InvalidVpcEndpointId.NotFound"),
    "prefix-list": ("prefix list", "InvalidPrefixListID.NotFound"),
    "dhcp-options": ("dhcpOptions", "InvalidDhcpOptionID.NotFound"),
    "route-table-association": ("association", "InvalidAssociationID.NotFound"),
}


def error(code: str, message: str) -> AwsError:
    return AwsError(message, code=code, status=400)


def not_found(kind: str, resource_id: str) -> AwsError:
    """`InvalidVpcID.NotFound`: "The vpc ID 'vpc-x' does not exist" and its siblings."""
    word, code = _NOT_FOUND.get(kind, (kind, "InvalidID"))
    if kind == "security-group":
        return error(code, f"The security group '{resource_id}' does not exist")
    if kind == "vpc-endpoint":
        return error(code, f"The Vpc Endpoint Id '{resource_id}' does not exist")
    return error(code, f"The {word} ID '{resource_id}' does not exist")


def invalid_id(resource_id: str) -> AwsError:
    return error("InvalidID", f"The ID '{resource_id}' is not valid")


def invalid_value(message: str) -> AwsError:
    return error("InvalidParameterValue", message)


def invalid_parameter_value(value: object, parameter: str, reason: str) -> AwsError:
    return invalid_value(f"Value ({value}) for parameter {parameter} is invalid. {reason}")


def invalid_combination(message: str) -> AwsError:
    return error("InvalidParameterCombination", message)


def missing_parameter(message: str) -> AwsError:
    return error("MissingParameter", message)


def invalid_cidr(cidr: str) -> AwsError:
    return invalid_parameter_value(cidr, "cidrBlock", "This is not a valid CIDR block.")


def dependency_violation(kind: str, resource_id: str) -> AwsError:
    """ "The vpc 'vpc-x' has dependencies and cannot be deleted." (subnet, internetGateway, ...)."""
    return error("DependencyViolation", f"The {kind} '{resource_id}' has dependencies and cannot be deleted.")


def dependent_object(resource_id: str) -> AwsError:
    """What DeleteSecurityGroup says when a group is still referenced."""
    return error("DependencyViolation", f"resource {resource_id} has a dependent object")


def duplicate_group(name: str, vpc_id: str) -> AwsError:
    return error("InvalidGroup.Duplicate", f"The security group '{name}' already exists for VPC '{vpc_id}'")


def group_not_in_default_vpc(name: str, vpc_id: str | None) -> AwsError:
    where = f"default VPC '{vpc_id}'" if vpc_id else "default VPC"
    return error("InvalidGroup.NotFound", f"The security group '{name}' does not exist in {where}")


def duplicate_permission(rule_text: str) -> AwsError:
    return error("InvalidPermission.Duplicate", f'the specified rule "{rule_text}" already exists')


def permission_not_found() -> AwsError:
    return error("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")


def invalid_filter(name: str) -> AwsError:
    return invalid_value(f"The filter '{name}' is invalid")


def invalid_token(token: str) -> AwsError:
    return invalid_value(f"Invalid value '{token}' for nextToken.")


def dry_run() -> AwsError:
    return AwsError(
        "Request would have succeeded, but DryRun flag is set.", code="DryRunOperation", status=412
    )
