"""ACM records: the PEM bundle HAProxy loads, and which balancers use a certificate."""

from __future__ import annotations

from pathlib import Path

from skiff.security.ca import LocalCA
from skiff.security.sealing import Sealer
from skiff.state import balancers, certificates
from skiff.state.scope import Scope
from skiff.store import SqliteStore

SCOPE = Scope("123456789012", "us-east-1")


def test_bundle_holds_certificate_chain_and_unsealed_key_and_use_is_derived(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    sealer = Sealer.for_data_dir(tmp_path)
    issued = LocalCA.for_data_dir(tmp_path).issue(["example.test"])
    arn = certificates.certificate_arn(SCOPE, "0b1e5c9e-0000-4000-8000-000000000001")
    doc = {
        "CertificateArn": arn,
        "DomainName": "Example.test",
        "Status": "ISSUED",
        certificates.INTERNAL: {
            "account": SCOPE.account,
            "region": SCOPE.region,
            "certificate": issued.certificate_pem.decode(),
            "chain": issued.chain_pem.decode(),
            "key": certificates.seal_key(sealer, arn, issued.private_key_pem),
            "tags": [],
        },
    }
    certificates.save_certificate(store, doc)
    assert [c["CertificateArn"] for c in certificates.certificates(store, SCOPE)] == [arn]
    bundle = certificates.pem_bundle(store, sealer, arn)
    assert bundle is not None
    assert bundle.count(b"BEGIN CERTIFICATE") == 2 and b"BEGIN PRIVATE KEY" in bundle
    assert bundle.startswith(issued.certificate_pem.strip())
    assert certificates.pem_bundle(store, sealer, arn + "x") is None
    assert certificates.in_use_by(store, arn) == []
    lb = balancers.load_balancer_arn(SCOPE, "application", "web", "0123456789abcdef")
    listener = {
        "ListenerArn": balancers.listener_arn(lb, "fedcba9876543210"),
        "LoadBalancerArn": lb,
        "Port": 443,
        "Protocol": "HTTPS",
        "Certificates": [{"CertificateArn": "arn:other"}],
        balancers.INTERNAL: {"certificates": ["arn:other", arn]},
    }
    balancers.save_listener(store, listener)
    assert balancers.listener_certificates(listener) == ["arn:other", arn]
    assert certificates.in_use_by(store, arn) == [lb]
    assert certificates.delete_certificate(store, arn) and certificates.load_certificate(store, arn) is None
