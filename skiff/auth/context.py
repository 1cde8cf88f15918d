"""The global condition keys skiff knows for a request: aws:PrincipalArn, aws:PrincipalAccount,
aws:PrincipalType, aws:userid, aws:username, aws:SourceIp, aws:RequestedRegion,
aws:CurrentTime, aws:EpochTime, aws:SecureTransport. Keys are lower-case, values lists."""

from __future__ import annotations

import datetime as dt

from skiff.state.principals import ASSUMED_ROLE, USER, Principal

_TYPES = {USER: "User", ASSUMED_ROLE: "AssumedRole"}


def request_context(
    principal: Principal, region: str, source_ip: str | None, secure: bool, now: dt.datetime
) -> dict[str, list[str]]:
    context = {
        "aws:principalarn": [principal.role_arn or principal.arn],
        "aws:principalaccount": [principal.account],
        "aws:principaltype": [_TYPES.get(principal.kind, "Account")],
        "aws:userid": [principal.user_id],
        "aws:requestedregion": [region],
        "aws:currenttime": [now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")],
        "aws:epochtime": [str(int(now.timestamp()))],
        "aws:securetransport": ["true" if secure else "false"],
    }
    if principal.kind == USER:
        context["aws:username"] = [principal.name]
    if source_ip:
        context["aws:sourceip"] = [source_ip]
    return context
