"""What ECS CreateCluster/UpdateCluster make of `serviceConnectDefaults.namespace` through Cloud Map:
an ARN names an existing namespace of the caller's account and region (else
NamespaceNotFoundException); a name is the namespace of that name (HTTP name for DNS ones), and
one that does not exist yet is created as an HTTP namespace ("API calls" discovery only), as ECS
does. The cluster stores and returns the namespace's ARN."""

from __future__ import annotations

from collections.abc import Callable

from skiff.api.errors import AwsError
from skiff.services.servicediscovery.namespaces import NamespaceBackend
from skiff.state.scope import Scope

Resolver = Callable[[Scope, str], str]


def namespace_resolver(namespaces: NamespaceBackend) -> Resolver:
    def resolve(scope: Scope, value: str) -> str:
        if value.startswith("arn:"):
            found = namespaces.find(scope, value)
            if found is None or found.get("Arn") != value:
                raise AwsError("The specified namespace wasn't found.", code="NamespaceNotFoundException")
            return str(found["Arn"])
        if any(c in value for c in '<>"/') or len(value) > 1024:
            raise AwsError(
                "The namespace name can't include greater than (>), less than (<), double quotation "
                'marks ("), or slash (/), and has up to 1024 characters.',
                code="InvalidParameterException",
            )
        existing = namespaces.by_http_name(scope, value)
        if existing is None:
            namespaces.create(scope, "HTTP", {"Name": value})
            existing = namespaces.by_http_name(scope, value)
        if existing is None:  # created just above; only a concurrent delete gets here
            raise AwsError("The specified namespace wasn't found.", code="NamespaceNotFoundException")
        return str(existing["Arn"])

    return resolve
