"""The ACM API (`acm`, awsJson 1.1): thin handlers over the certificate backend. Certificates are
issued by skiff's local CA (skiff/security/ca.py); private CAs, exports, renewals, ACME and the
account's expiry-event setting are not served (UnsupportedOperation)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from skiff.api.context import RequestContext
from skiff.api.provider import Provider
from skiff.security.ca import LocalCA
from skiff.services.acm.certificates import CertificateBackend, Sealer
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]


class AcmProvider(Provider):
    service = "acm"

    def __init__(self, store: Store, sealer: Sealer, data_dir: Path) -> None:
        self.store = store
        self._ca: LocalCA | None = None
        self._data_dir = data_dir
        self.certificates = CertificateBackend(store, sealer, self.ca)

    def ca(self) -> LocalCA:
        if self._ca is None:
            self._ca = LocalCA.for_data_dir(self._data_dir)
        return self._ca

    def import_certificate(self, ctx: RequestContext, params: Params) -> Params:
        return {"CertificateArn": self.certificates.import_certificate(Scope.of(ctx), params)}

    def request_certificate(self, ctx: RequestContext, params: Params) -> Params:
        return {"CertificateArn": self.certificates.request(Scope.of(ctx), params)}

    def describe_certificate(self, ctx: RequestContext, params: Params) -> Params:
        return {"Certificate": self.certificates.describe(Scope.of(ctx), params["CertificateArn"])}

    def get_certificate(self, ctx: RequestContext, params: Params) -> Params:
        return self.certificates.get(Scope.of(ctx), params["CertificateArn"])

    def list_certificates(self, ctx: RequestContext, params: Params) -> Params:
        return self.certificates.summaries(Scope.of(ctx), params)

    def delete_certificate(self, ctx: RequestContext, params: Params) -> Params:
        self.certificates.delete(Scope.of(ctx), params["CertificateArn"])
        return {}

    def update_certificate_options(self, ctx: RequestContext, params: Params) -> Params:
        self.certificates.update_options(Scope.of(ctx), params["CertificateArn"], params["Options"])
        return {}

    def add_tags_to_certificate(self, ctx: RequestContext, params: Params) -> Params:
        self.certificates.add_tags(Scope.of(ctx), params["CertificateArn"], params["Tags"])
        return {}

    def remove_tags_from_certificate(self, ctx: RequestContext, params: Params) -> Params:
        self.certificates.remove_tags(Scope.of(ctx), params["CertificateArn"], params["Tags"])
        return {}

    def list_tags_for_certificate(self, ctx: RequestContext, params: Params) -> Params:
        return {"Tags": self.certificates.tags(Scope.of(ctx), params["CertificateArn"])}
