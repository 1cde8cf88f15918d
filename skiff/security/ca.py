"""skiff's local certificate authority: made once in the data dir, it issues server certificates.

HTTPS listeners of load balancers (ACM RequestCertificate) and the ECR registry's TLS need
certificates that clients on this machine can trust offline. The CA's key (`ca/ca.key`, mode
0600) and certificate (`ca/ca.crt`) are created on first use; users trust `ca.crt` once
(`make run` says how), docker trusts it per registry host through /etc/docker/certs.d.
Issued certificates carry the names (DNS, or IP addresses) asked for, are valid for a year, and
come with the CA certificate as their chain.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DIR = "ca"
CA_LIFETIME = dt.timedelta(days=3650)
LEAF_LIFETIME = dt.timedelta(days=365)


@dataclass(frozen=True)
class IssuedCertificate:
    private_key_pem: bytes
    certificate_pem: bytes
    chain_pem: bytes  # the CA certificate
    serial: int
    not_before: dt.datetime
    not_after: dt.datetime


CURVES: dict[str, type[ec.EllipticCurve]] = {
    "EC_prime256v1": ec.SECP256R1,
    "EC_secp384r1": ec.SECP384R1,
    "EC_secp521r1": ec.SECP521R1,
}
RSA_SIZES = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}


def leaf_key(key_algorithm: str) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    """A new private key of an ACM key algorithm name."""
    if key_algorithm in CURVES:
        return ec.generate_private_key(CURVES[key_algorithm]())
    if key_algorithm in RSA_SIZES:
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_SIZES[key_algorithm])
    raise ValueError(f"unsupported key algorithm {key_algorithm}")


def _pem_key(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


class LocalCA:
    def __init__(
        self, key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate, directory: Path
    ) -> None:
        self.key = key
        self.certificate = certificate
        self.directory = directory

    @property
    def certificate_path(self) -> Path:
        return self.directory / "ca.crt"

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @classmethod
    def for_data_dir(cls, data_dir: Path, common_name: str = "skiff local CA") -> LocalCA:
        directory = data_dir / CA_DIR
        key_path, cert_path = directory / "ca.key", directory / "ca.crt"
        if not key_path.exists():
            directory.mkdir(parents=True, exist_ok=True)
            key = ec.generate_private_key(ec.SECP256R1())
            now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
            name = x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "skiff"),
                ]
            )
            certificate = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now)
                .not_valid_after(now + CA_LIFETIME)
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(
                    x509.KeyUsage(
                        digital_signature=True, content_commitment=False, key_encipherment=False,
                        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                        encipher_only=False, decipher_only=False,
                    ),
                    critical=True,
                )
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256())
            )  # fmt: skip
            cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
            _write_private(key_path, _pem_key(key))
        loaded = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{key_path} is not an EC private key")
        return cls(loaded, x509.load_pem_x509_certificate(cert_path.read_bytes()), directory)

    def issue(
        self, names: list[str], lifetime: dt.timedelta = LEAF_LIFETIME, key_algorithm: str = "EC_prime256v1"
    ) -> IssuedCertificate:
        """A server certificate for `names` (host names, wildcards like `*.example.com`, or IPs);
        `key_algorithm` names its key as ACM does (EC_prime256v1, EC_secp384r1, RSA_2048, ...)."""
        if not names:
            raise ValueError("a certificate needs at least one name")
        alternatives: list[x509.GeneralName] = []
        for name in names:
            try:
                alternatives.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alternatives.append(x509.DNSName(name))
        key = leaf_key(key_algorithm)
        now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        serial = x509.random_serial_number()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0][:64])]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(now)
            .not_valid_after(now + lifetime)
            .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        return IssuedCertificate(
            private_key_pem=_pem_key(key),
            certificate_pem=certificate.public_bytes(serialization.Encoding.PEM),
            chain_pem=self.certificate_pem,
            serial=serial,
            not_before=now,
            not_after=now + lifetime,
        )
