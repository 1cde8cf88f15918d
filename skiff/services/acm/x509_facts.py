"""What ACM shows of a certificate, read from its X.509 form: names, validity, key and signature
algorithms, key usages; and whether a private key belongs to a certificate."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skiff.services.acm.exceptions import validation

_CURVES = {"secp256r1": "EC_prime256v1", "secp384r1": "EC_secp384r1", "secp521r1": "EC_secp521r1"}
_EKU_NAMES = {
    ExtendedKeyUsageOID.SERVER_AUTH: "TLS_WEB_SERVER_AUTHENTICATION",
    ExtendedKeyUsageOID.CLIENT_AUTH: "TLS_WEB_CLIENT_AUTHENTICATION",
    ExtendedKeyUsageOID.CODE_SIGNING: "CODE_SIGNING",
    ExtendedKeyUsageOID.EMAIL_PROTECTION: "EMAIL_PROTECTION",
    ExtendedKeyUsageOID.TIME_STAMPING: "TIME_STAMPING",
    ExtendedKeyUsageOID.OCSP_SIGNING: "OCSP_SIGNING",
}
_KEY_USAGES = {
    "digital_signature": "DIGITAL_SIGNATURE",
    "content_commitment": "NON_REPUDIATION",
    "key_encipherment": "KEY_ENCIPHERMENT",
    "data_encipherment": "DATA_ENCIPHERMENT",
    "key_agreement": "KEY_AGREEMENT",
    "key_cert_sign": "CERTIFICATE_SIGNING",
    "crl_sign": "CRL_SIGNING",
}


def _text(data: bytes | str) -> bytes:
    return data.encode() if isinstance(data, str) else data


def load_certificate(data: bytes | str) -> x509.Certificate:
    text = _text(data)
    if text.count(b"-----BEGIN CERTIFICATE-----") > 1:
        raise validation(
            "The certificate field contains more than one certificate. You can specify only one certificate "
            "in this field."
        )
    try:
        return x509.load_pem_x509_certificate(text)
    except ValueError:
        raise validation(
            "Unable to parse certificate. Please ensure the certificate is in PEM format."
        ) from None


def load_chain(data: bytes | str | None) -> list[x509.Certificate]:
    if not data:
        return []
    try:
        return x509.load_pem_x509_certificates(_text(data))
    except ValueError:
        raise validation(
            "Unable to parse certificate chain. Please ensure the chain is in PEM format."
        ) from None


def load_key(data: bytes | str) -> Any:
    try:
        key = serialization.load_pem_private_key(_text(data), password=None)
    except (ValueError, TypeError):
        raise validation(
            "Unable to parse the private key. Please ensure it is an unencrypted PEM key."
        ) from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise validation("The private key is not supported.")
    return key


def key_algorithm(public_key: Any) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA_{public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return _CURVES.get(public_key.curve.name, "EC_prime256v1")
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raise validation("The certificate's key algorithm is not supported.")
    raise validation("The certificate's key algorithm is not supported.")


def matches(certificate: x509.Certificate, key: Any) -> bool:
    raw = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return bool(certificate.public_key().public_bytes(*raw) == key.public_key().public_bytes(*raw))


def names(certificate: x509.Certificate) -> tuple[str, list[str]]:
    """(DomainName, SubjectAlternativeNames): the common name (else the first SAN) and all names."""
    alternatives: list[str] = []
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        alternatives = [str(v) for v in extension.value.get_values_for_type(x509.DNSName)]
        alternatives += [str(v) for v in extension.value.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        pass
    common = [str(a.value) for a in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    domain = common[0] if common else (alternatives[0] if alternatives else "")
    if domain and domain not in alternatives:
        alternatives.insert(0, domain)
    return domain, alternatives


def serial_text(serial: int) -> str:
    digits = f"{serial:x}"
    digits = "0" * (len(digits) % 2) + digits
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def signature_algorithm(certificate: x509.Certificate) -> str:
    name = certificate.signature_algorithm_oid._name.upper()  # e.g. sha256WithRSAEncryption
    return name.replace("ENCRYPTION", "").replace("-", "")


def usages(certificate: x509.Certificate) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    key_usages: list[dict[str, str]] = []
    extended: list[dict[str, str]] = []
    try:
        value = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        for attribute, name in _KEY_USAGES.items():
            if getattr(value, attribute):
                key_usages.append({"Name": name})
    except x509.ExtensionNotFound:
        pass
    try:
        ekus = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        for oid in ekus:
            extended.append({"Name": _EKU_NAMES.get(oid, "CUSTOM"), "OID": oid.dotted_string})
    except x509.ExtensionNotFound:
        pass
    return key_usages, extended


def subject_text(name: x509.Name) -> str:
    """`CN=example.com,O=Example` as ACM writes Subject and Issuer."""
    return name.rfc4514_string()
