"""A task's ENI, as EC2 shows it: DescribeNetworkInterfaces lists the interface of every running
task (requester-managed, described by its ECS attachment), and forgets it when the task stops."""

from __future__ import annotations

import logging
from typing import Protocol

from skiff.api.errors import AwsError
from skiff.state.scope import Scope
from skiff.state.tasks import INTERNAL
from skiff.store.base import Document

log = logging.getLogger("skiff.ecs.enis")


class InterfaceStore(Protocol):
    def record_network_interface(self, scope: Scope, eni: dict[str, object]) -> Document: ...

    def delete_network_interface(self, scope: Scope, eni_id: str) -> bool: ...


class NetworkInterfaceRecorder:
    """The agent's `on_eni` callback."""

    def __init__(self, ec2: InterfaceStore) -> None:
        self.ec2 = ec2

    def __call__(self, task: Document, attached: bool) -> None:
        internal = task[INTERNAL]
        scope = Scope(internal["account"], internal["region"])
        eni = internal.get("eni") or {}
        if not eni:
            return
        try:
            if attached:
                attachment = task["attachments"][0]["id"]
                self.ec2.record_network_interface(
                    scope,
                    {
                        "NetworkInterfaceId": eni["id"],
                        "SubnetId": internal["network"]["subnet"]["SubnetId"],
                        "PrivateIpAddress": eni["ip"],
                        "MacAddress": eni["mac"],
                        "Groups": internal["network"]["security_groups"],
                        "Description": f"arn:aws:ecs:{scope.region}:{scope.account}:attachment/{attachment}",
                        "RequesterManaged": True,
                        "RequesterId": "578734482556",
                        "InterfaceType": "interface",
                        "Attachment": {"Status": "attached", "DeviceIndex": 1},
                    },
                )
            else:
                self.ec2.delete_network_interface(scope, eni["id"])
        except AwsError as exc:
            log.warning(
                "task %s: ENI %s not recorded in EC2: %s", task["taskArn"], eni.get("id"), exc.message
            )
