"""Network hook: give the task its namespace and IP (a pause container), and take it back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skiff.net.bridges import BridgeError
from skiff.net.pause import PauseError

if TYPE_CHECKING:
    from skiff.agent.runner import TaskRunner


class NetworkSetupError(Exception):
    pass


async def attach(runner: TaskRunner) -> None:
    """Take a prepared pause container on the task's subnet; record the ENI details."""
    network = runner.internal["network"]
    subnet = network.get("subnet")
    if subnet is None:
        raise NetworkSetupError("the task's subnet is unknown")
    try:
        handle = await runner.env.pause_pool.take(subnet, runner.internal["region"])
    except (BridgeError, PauseError) as exc:
        raise NetworkSetupError(str(exc)) from exc
    runner.internal["pause_id"] = handle.container_id
    eni_id = "eni-" + handle.container_id[:17]
    runner.internal["eni"] = {"id": eni_id, "ip": handle.ip, "mac": handle.mac, "network": handle.network}
    attachment = runner.doc["attachments"][0]
    attachment["status"] = "ATTACHED"
    attachment["details"] = [
        {"name": "subnetId", "value": subnet["SubnetId"]},
        {"name": "networkInterfaceId", "value": eni_id},
        {"name": "macAddress", "value": handle.mac},
        {"name": "privateDnsName", "value": handle.hostname},
        {"name": "privateIPv4Address", "value": handle.ip},
    ]
    for container in runner.doc["containers"]:
        container["networkInterfaces"] = [{"attachmentId": attachment["id"], "privateIpv4Address": handle.ip}]
    if runner.env.linklocal is not None:
        await runner.env.linklocal.redirect(handle.ip)
    if runner.env.dns is not None:
        await runner.env.dns.attach(handle.ip, subnet)
    runner.doc["connectivity"] = "CONNECTED"
    runner.doc["connectivityAt"] = runner.now()
    if runner.env.on_eni is not None:
        runner.env.on_eni(runner.doc, True)


async def detach(runner: TaskRunner) -> None:
    pause_id = runner.internal.get("pause_id")
    if pause_id:
        await runner.env.pause_pool.release(pause_id)
    eni = runner.internal.get("eni") or {}
    if runner.env.linklocal is not None and eni.get("ip"):
        await runner.env.linklocal.forget(eni["ip"])
    if runner.env.dns is not None and eni.get("ip"):
        await runner.env.dns.detach(eni["ip"])
    if runner.doc["attachments"]:
        runner.doc["attachments"][0]["status"] = "DELETED"
    if runner.env.on_eni is not None and runner.internal.get("eni"):
        runner.env.on_eni(runner.doc, False)
