"""The AWS managed policies skiff knows: the ones ECS users attach, present in every account.

Their ARNs (`arn:aws:iam::aws:policy<path><name>`) and paths are AWS's. The documents of
AmazonECSTaskExecutionRolePolicy, AdministratorAccess, AmazonS3ReadOnlyAccess and
AmazonSSMReadOnlyAccess are AWS's; the larger ones (AmazonECS_FullAccess,
SecretsManagerReadWrite, CloudWatchLogsFullAccess) keep their main statements. Ids are stable
per name; dates are fixed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from skiff.services.iam.ids import stable_policy_id

AWS_ACCOUNT = "aws"
AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy/"


@dataclass(frozen=True)
class ManagedPolicy:
    name: str
    path: str
    description: str
    version_id: str
    created: dt.datetime
    updated: dt.datetime
    statements: tuple[dict[str, Any], ...]

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{AWS_ACCOUNT}:policy{self.path}{self.name}"

    @property
    def document(self) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": list(self.statements)}, indent=4)


def _at(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 12, 0, 0, tzinfo=dt.UTC)


def _allow(actions: list[str] | str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


_POLICIES = (
    ManagedPolicy(
        "AmazonECSTaskExecutionRolePolicy",
        "/service-role/",
        "Provides access to other AWS service resources that are required to run Amazon ECS tasks",
        "v1",
        _at(2017, 11, 16),
        _at(2017, 11, 16),
        (
            _allow(
                [
                    "ecr:GetAuthorizationToken",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                ]
            ),
        ),
    ),
    ManagedPolicy(
        "AmazonECS_FullAccess",
        "/",
        "Provides administrative access to Amazon ECS resources and enables ECS features through "
        "access to other AWS service resources, including VPCs, Auto Scaling groups, and "
        "CloudFormation stacks.",
        "v1",
        _at(2017, 11, 7),
        _at(2024, 1, 30),
        (
            {
                **_allow(["ecs:*", "application-autoscaling:*", "elasticloadbalancing:*"]),
                "Sid": "ECSPermissions",
            },
            _allow(
                [
                    "ec2:Describe*",
                    "ec2:CreateSecurityGroup",
                    "ec2:AuthorizeSecurityGroupIngress",
                    "logs:CreateLogGroup",
                    "logs:DescribeLogGroups",
                    "logs:FilterLogEvents",
                    "servicediscovery:*",
                    "cloudwatch:DescribeAlarms",
                    "cloudwatch:PutMetricAlarm",
                    "iam:ListRoles",
                    "iam:ListAttachedRolePolicies",
                ]
            ),
            _allow(
                "iam:PassRole",
                Condition={"StringLike": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            ),
        ),
    ),
    ManagedPolicy(
        "AmazonS3ReadOnlyAccess",
        "/",
        "Provides read only access to all buckets via the AWS Management Console.",
        "v3",
        _at(2015, 2, 6),
        _at(2023, 8, 10),
        (_allow(["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"]),),
    ),
    ManagedPolicy(
        "SecretsManagerReadWrite",
        "/",
        "Provides read/write access to AWS Secrets Manager via the AWS Management Console. Note: "
        "this exludes IAM actions, so combine with IAMFullAccess if rotation configuration is required.",
        "v5",
        _at(2018, 4, 4),
        _at(2024, 5, 1),
        (
            {
                **_allow(
                    [
                        "secretsmanager:*",
                        "kms:DescribeKey",
                        "kms:ListAliases",
                        "kms:ListKeys",
                        "lambda:ListFunctions",
                        "rds:DescribeDBInstances",
                        "rds:DescribeDBClusters",
                        "tag:GetResources",
                    ]
                ),
                "Sid": "BasePermissions",
            },
        ),
    ),
    ManagedPolicy(
        "AmazonSSMReadOnlyAccess",
        "/",
        "Provides read only access to Amazon SSM.",
        "v1",
        _at(2015, 5, 29),
        _at(2015, 5, 29),
        (_allow(["ssm:Describe*", "ssm:Get*", "ssm:List*"]),),
    ),
    ManagedPolicy(
        "CloudWatchLogsFullAccess",
        "/",
        "Provides full access to CloudWatch Logs",
        "v2",
        _at(2015, 2, 6),
        _at(2023, 11, 27),
        ({**_allow(["logs:*", "cloudwatch:GenerateQuery"]), "Sid": "CloudWatchLogsFullAccess"},),
    ),
    ManagedPolicy(
        "AdministratorAccess",
        "/",
        "Provides full access to AWS services and resources.",
        "v1",
        _at(2015, 2, 6),
        _at(2015, 2, 6),
        (_allow("*"),),
    ),
)


@cache
def aws_policies() -> dict[str, ManagedPolicy]:
    """AWS managed policies by ARN."""
    return {policy.arn: policy for policy in _POLICIES}


def find(arn: str) -> ManagedPolicy | None:
    return aws_policies().get(arn)


def view(policy: ManagedPolicy, attachment_count: int) -> dict[str, Any]:
    """The Policy shape of an AWS managed policy, as seen from one account."""
    return {
        "PolicyName": policy.name,
        "PolicyId": stable_policy_id(policy.name),
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.version_id,
        "AttachmentCount": attachment_count,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "Description": policy.description,
        "CreateDate": policy.created,
        "UpdateDate": policy.updated,
    }
