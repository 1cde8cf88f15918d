"""The Cloud Map (servicediscovery) API: thin handlers over the namespace, service, instance,
operation and tag backends. Served over awsJson 1.1 and rpc-v2-cbor, as the model lists both."""

from __future__ import annotations

from typing import Any

from skiff.api.context import RequestContext
from skiff.api.provider import Provider
from skiff.services.servicediscovery.instances import InstanceBackend
from skiff.services.servicediscovery.namespaces import NamespaceBackend
from skiff.services.servicediscovery.operations import OperationBackend
from skiff.services.servicediscovery.sd_services import ServiceBackend
from skiff.services.servicediscovery.tags import TagBackend
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]


class ServiceDiscoveryProvider(Provider):
    service = "servicediscovery"

    def __init__(self, store: Store) -> None:
        self.operations = OperationBackend(store)
        self.namespaces = NamespaceBackend(store, self.operations)
        self.services = ServiceBackend(store, self.namespaces, self.operations)
        self.instances = InstanceBackend(store, self.namespaces, self.services, self.operations)
        self.tags = TagBackend(store)

    # -- namespaces ---------------------------------------------------------------------------
    def create_private_dns_namespace(self, ctx: RequestContext, params: Params) -> Params:
        return {"OperationId": self.namespaces.create(Scope.of(ctx), "DNS_PRIVATE", params)}

    def create_public_dns_namespace(self, ctx: RequestContext, params: Params) -> Params:
        return {"OperationId": self.namespaces.create(Scope.of(ctx), "DNS_PUBLIC", params)}

    def create_http_namespace(self, ctx: RequestContext, params: Params) -> Params:
        return {"OperationId": self.namespaces.create(Scope.of(ctx), "HTTP", params)}

    def get_namespace(self, ctx: RequestContext, params: Params) -> Params:
        return {"Namespace": self.namespaces.get(Scope.of(ctx), params["Id"])}

    def list_namespaces(self, ctx: RequestContext, params: Params) -> Params:
        return self.namespaces.list(Scope.of(ctx), params)

    def delete_namespace(self, ctx: RequestContext, params: Params) -> Params:
        return {"OperationId": self.namespaces.delete(Scope.of(ctx), params["Id"])}

    def update_private_dns_namespace(self, ctx: RequestContext, params: Params) -> Params:
        return {"OperationId": self.namespaces.update(Scope.of(ctx), "DNS_PRIVATE", params)}

    def update_public_dns_namespace(self, ctx: RequestContext, params: Params) -> Params:
        return {"OperationId": self.namespaces.update(Scope.of(ctx), "DNS_PUBLIC", params)}

    def update_http_namespace(self, ctx: RequestContext, params: Params) -> Params:
        return {"OperationId": self.namespaces.update(Scope.of(ctx), "HTTP", params)}

    # -- operations ---------------------------------------------------------------------------
    def get_operation(self, ctx: RequestContext, params: Params) -> Params:
        return {"Operation": self.operations.get(Scope.of(ctx), params["OperationId"])}

    def list_operations(self, ctx: RequestContext, params: Params) -> Params:
        return self.operations.list(Scope.of(ctx), params)

    # -- services -----------------------------------------------------------------------------
    def create_service(self, ctx: RequestContext, params: Params) -> Params:
        return {"Service": self.services.create(Scope.of(ctx), params)}

    def get_service(self, ctx: RequestContext, params: Params) -> Params:
        return {"Service": self.services.get(Scope.of(ctx), params["Id"])}

    def list_services(self, ctx: RequestContext, params: Params) -> Params:
        return self.services.list(Scope.of(ctx), params)

    def update_service(self, ctx: RequestContext, params: Params) -> Params:
        return {"OperationId": self.services.update(Scope.of(ctx), params)}

    def delete_service(self, ctx: RequestContext, params: Params) -> Params:
        self.services.delete(Scope.of(ctx), params["Id"])
        return {}

    def get_service_attributes(self, ctx: RequestContext, params: Params) -> Params:
        return {"ServiceAttributes": self.services.attributes(Scope.of(ctx), params["ServiceId"])}

    def update_service_attributes(self, ctx: RequestContext, params: Params) -> Params:
        self.services.update_attributes(Scope.of(ctx), params["ServiceId"], params["Attributes"])
        return {}

    def delete_service_attributes(self, ctx: RequestContext, params: Params) -> Params:
        self.services.delete_attributes(Scope.of(ctx), params["ServiceId"], params["Attributes"])
        return {}

    # -- instances ----------------------------------------------------------------------------
    def register_instance(self, ctx: RequestContext, params: Params) -> Params:
        return {"OperationId": self.instances.register(Scope.of(ctx), params)}

    def deregister_instance(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        return {"OperationId": self.instances.deregister(scope, params["ServiceId"], params["InstanceId"])}

    def get_instance(self, ctx: RequestContext, params: Params) -> Params:
        return self.instances.get(Scope.of(ctx), params["ServiceId"], params["InstanceId"])

    def list_instances(self, ctx: RequestContext, params: Params) -> Params:
        return self.instances.list(Scope.of(ctx), params)

    def get_instances_health_status(self, ctx: RequestContext, params: Params) -> Params:
        return self.instances.health_status(Scope.of(ctx), params)

    def update_instance_custom_health_status(self, ctx: RequestContext, params: Params) -> Params:
        self.instances.set_custom_health(
            Scope.of(ctx), params["ServiceId"], params["InstanceId"], params["Status"]
        )
        return {}

    def discover_instances(self, ctx: RequestContext, params: Params) -> Params:
        return self.instances.discover(Scope.of(ctx), params)

    def discover_instances_revision(self, ctx: RequestContext, params: Params) -> Params:
        return self.instances.revision(Scope.of(ctx), params)

    # -- tags ---------------------------------------------------------------------------------
    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        return {"Tags": self.tags.tags_of(Scope.of(ctx), params["ResourceARN"])}

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        self.tags.tag(Scope.of(ctx), params["ResourceARN"], params["Tags"])
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        self.tags.untag(Scope.of(ctx), params["ResourceARN"], params["TagKeys"])
        return {}
