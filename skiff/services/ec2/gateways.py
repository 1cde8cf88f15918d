"""Internet gateways: create, attach to one VPC, detach, delete, describe.

A gateway document holds the `InternetGateway` members; `Attachments` has at most one entry
(`State` "available", as EC2 reports an attached gateway). The indexed `vpc_id` column is the
attached VPC or "" so that VPC deletion can find what is still attached.
"""

from __future__ import annotations

from typing import Any

from skiff.services.ec2.exceptions import dependency_violation, error
from skiff.services.ec2.filters import FilterSpec, field, select
from skiff.services.ec2.ids import new_id
from skiff.services.ec2.records import Records, public
from skiff.services.ec2.tags import Tag, TagBackend
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

GATEWAYS = "ec2_internet_gateways"

GATEWAY_FILTERS: FilterSpec = {
    "attachment.state": field("Attachments", "State"),
    "attachment.vpc-id": field("Attachments", "VpcId"),
    "internet-gateway-id": field("InternetGatewayId"),
    "owner-id": field("OwnerId"),
}


class InternetGatewayBackend:
    def __init__(self, store: Store, tags: TagBackend) -> None:
        self.store = store
        self.tags = tags
        self.records = Records(store, GATEWAYS, "internet-gateway")

    def _put(self, scope: Scope, doc: Document) -> None:
        attached = doc["Attachments"][0]["VpcId"] if doc["Attachments"] else ""
        self.records.put(scope, doc["InternetGatewayId"], doc, vpc_id=attached)

    def create(self, scope: Scope, tags: list[Tag]) -> Document:
        gateway_id = new_id("igw")
        doc: Document = {"InternetGatewayId": gateway_id, "OwnerId": scope.account, "Attachments": []}
        with self.store.transaction():
            self._put(scope, doc)
            self.tags.replace(scope, gateway_id, tags)
        return self.view(doc)

    def view(self, doc: Document) -> Document:
        return self.tags.attach(public(doc), "InternetGatewayId")

    def require(self, scope: Scope, gateway_id: str) -> Document:
        return self.records.require(scope, gateway_id)

    def attached_to(self, scope: Scope, vpc_id: str) -> list[Document]:
        return self.records.all(scope, vpc_id=vpc_id)

    def attach(self, scope: Scope, gateway_id: str, vpc_id: str) -> None:
        """Attaches to a VPC (which the caller has checked exists)."""
        doc = self.require(scope, gateway_id)
        if doc["Attachments"]:
            attached = doc["Attachments"][0]["VpcId"]
            raise error(
                "Resource.AlreadyAssociated",
                f"resource {gateway_id} is already attached to network {attached}",
            )
        if self.attached_to(scope, vpc_id):
            raise error(
                "Resource.AlreadyAssociated", f"Network {vpc_id} already has an internet gateway attached"
            )
        doc["Attachments"] = [{"State": "available", "VpcId": vpc_id}]
        self._put(scope, doc)

    def detach(self, scope: Scope, gateway_id: str, vpc_id: str) -> None:
        doc = self.require(scope, gateway_id)
        if not doc["Attachments"] or doc["Attachments"][0]["VpcId"] != vpc_id:
            raise error("Gateway.NotAttached", f"resource {gateway_id} is not attached to network {vpc_id}")
        doc["Attachments"] = []
        self._put(scope, doc)

    def delete(self, scope: Scope, gateway_id: str) -> None:
        doc = self.require(scope, gateway_id)
        if doc["Attachments"]:
            raise dependency_violation("internetGateway", gateway_id)
        self.records.delete(gateway_id)
        self.tags.drop(gateway_id)

    def is_attached(self, scope: Scope, gateway_id: str, vpc_id: str) -> bool:
        doc = self.records.get(scope, gateway_id)
        return bool(doc and doc["Attachments"] and doc["Attachments"][0]["VpcId"] == vpc_id)

    def describe(
        self, scope: Scope, ids: list[str] | None, filters: list[dict[str, Any]] | None
    ) -> list[Document]:
        views = [self.view(d) for d in self.records.lookup(scope, ids, "InternetGatewayId")]
        return select(views, filters, GATEWAY_FILTERS)
