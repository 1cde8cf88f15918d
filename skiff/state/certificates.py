"""ACM certificate records, and the PEM bundles HTTPS listeners serve.

The ACM API (services/acm) imports certificates and issues them from skiff's local CA
(skiff/security/ca.py); the data path (skiff/lb) writes `pem_bundle` to a file HAProxy loads.

A certificate (`acm_certificates`, under its ARN `arn:aws:acm:<region>:<account>:certificate/
<uuid>`) is the CertificateDetail shape — CertificateArn, DomainName, SubjectAlternativeNames,
Serial, Subject, Issuer, CreatedAt, IssuedAt (AMAZON_ISSUED) or ImportedAt (IMPORTED), Status
(ISSUED; EXPIRED once NotAfter has passed), NotBefore, NotAfter, KeyAlgorithm (RSA_2048,
EC_prime256v1, ...), SignatureAlgorithm, Type (AMAZON_ISSUED|IMPORTED), KeyUsages,
ExtendedKeyUsages, RenewalEligibility, Options, DomainValidationOptions — without InUseBy (derived
from the listeners: `in_use_by`). `_skiff`: account, region, certificate (PEM), chain (PEM, may be
empty), key (the private key PEM sealed with `Sealer.seal(key, "acm|<arn>")`), tags [{Key, Value}].
"""

from __future__ import annotations

from typing import Protocol

from skiff.state import balancers
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

CERTIFICATES = "acm_certificates"
INTERNAL = "_skiff"


class Sealer(Protocol):
    """What sealing needs (skiff/security/sealing.py's Sealer; state does not import security)."""

    def seal(self, plaintext: bytes, context: str) -> str: ...

    def open(self, sealed: str, context: str) -> bytes: ...


def certificate_arn(scope: Scope, certificate_id: str) -> str:
    return f"arn:aws:acm:{scope.region}:{scope.account}:certificate/{certificate_id}"


def key_context(arn: str) -> str:
    return f"acm|{arn}"


def seal_key(sealer: Sealer, arn: str, key_pem: bytes) -> str:
    return sealer.seal(key_pem, key_context(arn))


def save_certificate(store: Store, doc: Document) -> None:
    internal = doc[INTERNAL]
    store.put(
        CERTIFICATES,
        doc["CertificateArn"],
        doc,
        account=internal["account"],
        region=internal["region"],
        domain=str(doc.get("DomainName") or "").lower(),
    )


def load_certificate(store: Store, arn: str) -> Document | None:
    return store.get(CERTIFICATES, arn)


def certificates(store: Store, scope: Scope | None = None) -> list[Document]:
    where = {"account": scope.account, "region": scope.region} if scope else None
    return store.find(CERTIFICATES, where)


def delete_certificate(store: Store, arn: str) -> bool:
    return store.delete(CERTIFICATES, arn)


def certificate_pem(doc: Document) -> str:
    return str(doc[INTERNAL]["certificate"])


def chain_pem(doc: Document) -> str:
    return str(doc[INTERNAL].get("chain") or "")


def private_key_pem(sealer: Sealer, doc: Document) -> bytes:
    return sealer.open(doc[INTERNAL]["key"], key_context(doc["CertificateArn"]))


def pem_bundle(store: Store, sealer: Sealer, arn: str) -> bytes | None:
    """Certificate, chain and private key in one PEM (HAProxy's `crt` file); None if unknown."""
    doc = load_certificate(store, arn)
    if doc is None:
        return None
    parts = [
        certificate_pem(doc).strip(),
        chain_pem(doc).strip(),
        private_key_pem(sealer, doc).decode().strip(),
    ]
    return ("\n".join(p for p in parts if p) + "\n").encode()


def in_use_by(store: Store, arn: str) -> list[str]:
    """ARNs of the balancers whose listeners hold the certificate (InUseBy)."""
    found: list[str] = []
    for listener in balancers.all_listeners(store):
        if arn in balancers.listener_certificates(listener) and listener["LoadBalancerArn"] not in found:
            found.append(listener["LoadBalancerArn"])
    return found
