"""Tags of Cloud Map namespaces and services, kept in the resource's own record, found by ARN."""

from __future__ import annotations

from skiff.services.servicediscovery.exceptions import invalid_input, resource_not_found
from skiff.services.servicediscovery.names import check_tags, merge_tags
from skiff.state.discovery import INTERNAL, NAMESPACES, SERVICES, save_namespace, save_service
from skiff.state.scope import Scope
from skiff.store.base import Document, Store


class TagBackend:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _resource(self, scope: Scope, arn: str) -> tuple[str, Document]:
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or parts[2] != "servicediscovery":
            raise invalid_input(f"{arn} is not a Cloud Map ARN.")
        kind, _, ident = parts[5].partition("/")
        collection = {"namespace": NAMESPACES, "service": SERVICES}.get(kind)
        doc = self.store.get(collection, ident) if collection else None
        if (
            doc is None
            or doc.get("Arn") != arn
            or doc[INTERNAL]["account"] != scope.account
            or doc[INTERNAL]["region"] != scope.region
        ):
            raise resource_not_found(arn)
        return kind, doc

    def _save(self, kind: str, doc: Document) -> None:
        (save_namespace if kind == "namespace" else save_service)(self.store, doc)

    def tags_of(self, scope: Scope, arn: str) -> list[dict[str, str]]:
        _, doc = self._resource(scope, arn)
        return list(doc[INTERNAL].get("tags") or [])

    def tag(self, scope: Scope, arn: str, tags: list[dict[str, str]]) -> None:
        kind, doc = self._resource(scope, arn)
        merged = merge_tags(doc[INTERNAL].get("tags") or [], check_tags(tags, arn))
        doc[INTERNAL]["tags"] = check_tags(merged, arn)
        self._save(kind, doc)

    def untag(self, scope: Scope, arn: str, keys: list[str]) -> None:
        kind, doc = self._resource(scope, arn)
        doc[INTERNAL]["tags"] = [t for t in doc[INTERNAL].get("tags") or [] if t["Key"] not in set(keys)]
        self._save(kind, doc)
