"""ACM: `acm:<Operation>` on the certificate a request names (`CertificateArn`), else on `*`
(RequestCertificate, ListCertificates, a first ImportCertificate)."""

from __future__ import annotations

from skiff.auth.actions import Call, Check, ServiceTable


def rule(call: Call) -> list[Check]:
    action = f"acm:{call.operation}"
    arn = call.get("CertificateArn")
    if isinstance(arn, str) and arn.startswith("arn:aws:"):
        return [Check(action, arn)]
    return [Check(action)]


TABLE = ServiceTable("acm", "acm", {}, every_operation=rule)
