"""What ACM reads from a certificate: names, serial, key algorithm, usages, key match."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from skiff.api.errors import AwsError
from skiff.security.ca import LocalCA
from skiff.services.acm import x509_facts as facts


def test_an_issued_certificate_is_read_as_acm_shows_it(tmp_path: Path) -> None:
    issued = LocalCA.for_data_dir(tmp_path).issue(
        ["web.example.test", "*.web.example.test"], key_algorithm="RSA_2048"
    )
    certificate = facts.load_certificate(issued.certificate_pem)
    assert facts.names(certificate) == ("web.example.test", ["web.example.test", "*.web.example.test"])
    assert facts.key_algorithm(certificate.public_key()) == "RSA_2048"
    assert facts.signature_algorithm(certificate) == "ECDSAWITHSHA256"  # signed by the EC CA
    _, extended = facts.usages(certificate)
    assert extended == [{"Name": "TLS_WEB_SERVER_AUTHENTICATION", "OID": "1.3.6.1.5.5.7.3.1"}]
    assert facts.matches(certificate, facts.load_key(issued.private_key_pem))
    assert not facts.matches(certificate, ec.generate_private_key(ec.SECP256R1()))
    assert facts.serial_text(0xABC) == "0a:bc"
    assert facts.load_chain(issued.chain_pem)[0].subject.rfc4514_string().endswith("CN=skiff local CA")


def test_bad_pem_is_a_validation_error() -> None:
    for loader in (facts.load_certificate, facts.load_key, facts.load_chain):
        with pytest.raises(AwsError) as excinfo:
            loader(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        assert excinfo.value.code == "ValidationException"
