"""The seed walkthrough's network commands, run as written with the real aws CLI (v1)."""

from __future__ import annotations

import json
import shlex
from typing import Any

# `NAME=$(aws ...)` captures the output like the shell does; `$NAME` is substituted; a backslash
# at the end of a line continues it, as in the shell.
WALKTHROUGH = """
VPCID=$(aws ec2 create-vpc --cidr-block 10.0.0.0/16 --query "Vpc.VpcId" --output text)
aws ec2 create-tags --resources $VPCID --tags Key=Environment,Value=Demo
aws ec2 modify-vpc-attribute --vpc-id $VPCID --enable-dns-hostnames
aws ec2 modify-vpc-attribute --vpc-id $VPCID --enable-dns-support
SUBNETID=$(aws ec2 create-subnet --vpc-id $VPCID --cidr-block 10.0.0.0/24 \\
  --availability-zone us-east-1a --query "Subnet.SubnetId" --output text)
SUBNET2ID=$(aws ec2 create-subnet --vpc-id $VPCID --cidr-block 10.0.1.0/24 \\
  --availability-zone us-east-1b --query "Subnet.SubnetId" --output text)
PRIVATESUBNETID=$(aws ec2 create-subnet --vpc-id $VPCID --cidr-block 10.0.2.0/24 \\
  --availability-zone us-east-1c --query "Subnet.SubnetId" --output text)
aws ec2 create-tags --resources $SUBNETID --tags Key=Environment,Value=Demo
GATEWAYID=$(aws ec2 create-internet-gateway --query "InternetGateway.InternetGatewayId" \\
  --output text)
aws ec2 create-tags --resources $GATEWAYID --tags Key=Environment,Value=Demo
aws ec2 attach-internet-gateway --vpc-id $VPCID --internet-gateway-id $GATEWAYID
ROUTETABLEID=$(aws ec2 create-route-table --vpc-id $VPCID --query "RouteTable.RouteTableId" \\
  --output text)
aws ec2 create-tags --resources $ROUTETABLEID --tags Key=Environment,Value=Demo
aws ec2 create-route --route-table-id $ROUTETABLEID --destination-cidr-block 0.0.0.0/0 \\
  --gateway-id $GATEWAYID
aws ec2 associate-route-table --subnet-id $SUBNETID --route-table-id $ROUTETABLEID
aws ec2 associate-route-table --subnet-id $SUBNET2ID --route-table-id $ROUTETABLEID
SECURITYGROUPID=$(aws ec2 describe-security-groups --filters Name=vpc-id,Values=$VPCID \\
  --query "SecurityGroups[0].GroupId" --output text)
aws ec2 authorize-security-group-ingress --group-id $SECURITYGROUPID --protocol tcp --port 80 \\
  --cidr 0.0.0.0/0
PRIVATESECURITYGROUPID=$(aws ec2 create-security-group --group-name private-security-group \\
  --description "Private SG" --vpc-id $VPCID --query "GroupId" --output text)
aws ec2 authorize-security-group-ingress --group-id $PRIVATESECURITYGROUPID --protocol tcp \\
  --port 0-65535 --cidr 10.0.0.0/16
aws ec2 authorize-security-group-egress --group-id $PRIVATESECURITYGROUPID \\
  --ip-permissions IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=0.0.0.0/0}]
ENDPOINTSECURITYGROUPID=$(aws ec2 create-security-group --group-name endpoint-security-group \\
  --description "VPC Endpoint SG" --vpc-id $VPCID --query "GroupId" --output text)
aws ec2 authorize-security-group-ingress --group-id $ENDPOINTSECURITYGROUPID --protocol tcp \\
  --port 0-65535 --source-group $PRIVATESECURITYGROUPID
aws ec2 authorize-security-group-egress --group-id $PRIVATESECURITYGROUPID --protocol tcp \\
  --port 0-65535 --source-group $ENDPOINTSECURITYGROUPID
ECRENDPOINTID=$(aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id $VPCID \\
  --service-name com.amazonaws.us-east-1.ecr.dkr --security-group-ids $ENDPOINTSECURITYGROUPID \\
  --subnet-id $PRIVATESUBNETID --private-dns-enabled --query "VpcEndpoint.VpcEndpointId" \\
  --output text)
aws ec2 create-tags --resources $ECRENDPOINTID --tags Key=Environment,Value=Demo
DEFAULTRTID=$(aws ec2 describe-route-tables \\
  --filters Name=vpc-id,Values=$VPCID Name=association.main,Values=true \\
  --query "RouteTables[0].RouteTableId" --output text)
S3PREFIXLISTID=$(aws ec2 describe-prefix-lists \\
  --filters Name=prefix-list-name,Values=com.amazonaws.us-east-1.s3 \\
  --query "PrefixLists[0].PrefixListId" --output text)
S3ENDPOINTID=$(aws ec2 create-vpc-endpoint --vpc-endpoint-type Gateway --vpc-id $VPCID \\
  --service-name com.amazonaws.us-east-1.s3 --route-table-ids $DEFAULTRTID $ROUTETABLEID \\
  --query "VpcEndpoint.VpcEndpointId" --output text)
aws ec2 create-tags --resources $S3ENDPOINTID --tags Key=Environment,Value=Demo
aws ec2 authorize-security-group-egress --group-id $PRIVATESECURITYGROUPID \\
  --ip-permissions IpProtocol=tcp,FromPort=0,ToPort=65535,\\
PrefixListIds="[{Description=\\"Why isnt this in the docs\\",PrefixListId=${S3PREFIXLISTID}}]"
"""


def run_walkthrough(aws: Any) -> dict[str, str]:
    variables: dict[str, str] = {}
    for line in WALKTHROUGH.strip().replace("\\\n", "").splitlines():
        target = None
        if "=$(" in line.split(" ", 1)[0]:
            target, line = line.split("=$(", 1)
            line = line.removesuffix(")")
        for name, value in sorted(variables.items(), key=lambda kv: -len(kv[0])):
            line = line.replace("${" + name + "}", value).replace("$" + name, value)
        output = aws(*shlex.split(line)[1:]).stdout.strip()
        if target:
            assert output and output != "None", line
            variables[target] = output
    return variables


def describe(aws: Any, *args: str) -> Any:
    return json.loads(aws("ec2", *args, "--output", "json").stdout)


def test_walkthrough_network_commands(aws: Any) -> None:
    v = run_walkthrough(aws)
    assert v["VPCID"].startswith("vpc-")
    (vpc,) = describe(aws, "describe-vpcs", "--vpc-ids", v["VPCID"])["Vpcs"]
    assert vpc["Tags"] == [{"Key": "Environment", "Value": "Demo"}]
    hostnames = describe(
        aws, "describe-vpc-attribute", "--vpc-id", v["VPCID"], "--attribute", "enableDnsHostnames"
    )
    assert hostnames["EnableDnsHostnames"] == {"Value": True}

    subnets = describe(aws, "describe-subnets", "--filters", f"Name=vpc-id,Values={v['VPCID']}")["Subnets"]
    assert [(s["CidrBlock"], s["AvailabilityZone"]) for s in subnets] == [
        ("10.0.0.0/24", "us-east-1a"),
        ("10.0.1.0/24", "us-east-1b"),
        ("10.0.2.0/24", "us-east-1c"),
    ]
    tagged = describe(aws, "describe-subnets", "--filters", "Name=tag:Environment,Values=Demo")["Subnets"]
    assert [s["SubnetId"] for s in tagged] == [v["SUBNETID"]]

    (gateway,) = describe(aws, "describe-internet-gateways", "--internet-gateway-ids", v["GATEWAYID"])[
        "InternetGateways"
    ]
    assert gateway["Attachments"] == [{"State": "available", "VpcId": v["VPCID"]}]

    (table,) = describe(aws, "describe-route-tables", "--route-table-ids", v["ROUTETABLEID"])["RouteTables"]
    assert {(r.get("DestinationCidrBlock"), r["GatewayId"]) for r in table["Routes"]} >= {
        ("10.0.0.0/16", "local"),
        ("0.0.0.0/0", v["GATEWAYID"]),
    }
    assert sorted(a["SubnetId"] for a in table["Associations"]) == sorted([v["SUBNETID"], v["SUBNET2ID"]])
    s3_routes = [r for r in table["Routes"] if r.get("DestinationPrefixListId") == v["S3PREFIXLISTID"]]
    assert [r["GatewayId"] for r in s3_routes] == [v["S3ENDPOINTID"]]
    assert v["DEFAULTRTID"] != v["ROUTETABLEID"]

    groups = describe(aws, "describe-security-groups", "--group-ids", v["SECURITYGROUPID"])["SecurityGroups"]
    assert groups[0]["GroupName"] == "default"
    http = [p for p in groups[0]["IpPermissions"] if p["IpProtocol"] == "tcp"]
    assert http == [
        {
            "IpProtocol": "tcp",
            "FromPort": 80,
            "ToPort": 80,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [],
        }
    ]
    private = describe(aws, "describe-security-groups", "--group-ids", v["PRIVATESECURITYGROUPID"])[
        "SecurityGroups"
    ][0]
    egress = {
        (p["IpProtocol"], p.get("FromPort"), p.get("ToPort")): p for p in private["IpPermissionsEgress"]
    }
    assert egress[("tcp", 443, 443)]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    assert egress[("tcp", 0, 65535)]["UserIdGroupPairs"][0]["GroupId"] == v["ENDPOINTSECURITYGROUPID"]
    assert egress[("tcp", 0, 65535)]["PrefixListIds"] == [
        {"Description": "Why isnt this in the docs", "PrefixListId": v["S3PREFIXLISTID"]}
    ]

    endpoints = describe(aws, "describe-vpc-endpoints", "--filters", f"Name=vpc-id,Values={v['VPCID']}")[
        "VpcEndpoints"
    ]
    by_id = {e["VpcEndpointId"]: e for e in endpoints}
    ecr = by_id[v["ECRENDPOINTID"]]
    assert ecr["VpcEndpointType"] == "Interface"
    assert ecr["SubnetIds"] == [v["PRIVATESUBNETID"]]
    assert ecr["Groups"][0]["GroupId"] == v["ENDPOINTSECURITYGROUPID"]
    assert ecr["PrivateDnsEnabled"] is True
    assert ecr["Tags"] == [{"Key": "Environment", "Value": "Demo"}]
    s3 = by_id[v["S3ENDPOINTID"]]
    assert sorted(s3["RouteTableIds"]) == sorted([v["DEFAULTRTID"], v["ROUTETABLEID"]])
    interfaces = describe(
        aws, "describe-network-interfaces", "--filters", f"Name=subnet-id,Values={v['PRIVATESUBNETID']}"
    )["NetworkInterfaces"]
    assert [i["NetworkInterfaceId"] for i in interfaces] == ecr["NetworkInterfaceIds"]
    assert interfaces[0]["InterfaceType"] == "vpc_endpoint"
    assert interfaces[0]["PrivateIpAddress"].startswith("10.0.2.")


def test_cli_errors_exit_with_the_ec2_code(aws: Any) -> None:
    result = aws("ec2", "describe-vpcs", "--vpc-ids", "vpc-0123456789abcdef0", check=False)
    assert result.returncode == 255
    assert (
        "An error occurred (InvalidVpcID.NotFound) when calling the DescribeVpcs operation: "
        "The vpc ID 'vpc-0123456789abcdef0' does not exist" in result.stderr
    )
    result = aws("ec2", "create-vpc", "--cidr-block", "10.0.0.0/8", check=False)
    assert "(InvalidVpc.Range)" in result.stderr
