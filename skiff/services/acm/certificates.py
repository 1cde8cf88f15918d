"""ACM certificates: ImportCertificate (and re-import), RequestCertificate issued at once by
skiff's local CA (validation SUCCESS straight away), Describe/List/Get/Delete, options, tags.

A requested certificate's names are validated as ACM does (≤ 253 characters, a wildcard only
as the whole first label, at most 10 names); its key is the KeyAlgorithm asked for (RSA_2048 by
default). Private keys are stored sealed (state/certificates.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from cryptography.hazmat.primitives import serialization

from skiff.security.ca import CURVES, RSA_SIZES, IssuedCertificate
from skiff.services.acm import exceptions as err
from skiff.services.acm import x509_facts as facts
from skiff.services.pagination import BadToken, decode_token, encode_token
from skiff.state import certificates as records
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$")
MAX_NAMES = 10
MAX_TAGS = 50
IDEMPOTENCY_WINDOW = dt.timedelta(hours=1)


class Issuer(Protocol):
    def issue(
        self, names: list[str], lifetime: dt.timedelta = ..., key_algorithm: str = ...
    ) -> IssuedCertificate: ...


class Sealer(Protocol):
    def seal(self, plaintext: bytes, context: str) -> str: ...

    def open(self, sealed: str, context: str) -> bytes: ...


def check_domain(name: str) -> str:
    text = name.strip().rstrip(".").lower()
    labels = text.split(".")
    if not text or len(text) > 253 or len(labels) < 2:
        raise err.invalid_domain(f"The domain name '{name}' is not valid.")
    for index, label in enumerate(labels):
        if label == "*" and index == 0:
            continue
        if not _LABEL.match(label):
            raise err.invalid_domain(f"The domain name '{name}' is not valid.")
    return text


def check_tags(tags: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for tag in tags or []:
        key = str(tag.get("Key") or "")
        if key.lower().startswith("aws:"):
            raise err.invalid_tag("Tags beginning with aws: are reserved.")
        entry = {"Key": key}
        if tag.get("Value") is not None:
            entry["Value"] = str(tag["Value"])
        out.append(entry)
    return out


class CertificateBackend:
    def __init__(self, store: Store, sealer: Sealer, issuer: Callable[[], Issuer]) -> None:
        self.store = store
        self.sealer = sealer
        self.issuer = issuer  # made on first use: the CA's files appear only when needed

    # -- lookups ------------------------------------------------------------------------------
    def require(self, scope: Scope, arn: str) -> Document:
        if not _ARN.match(arn):
            raise err.invalid_arn(arn)
        doc = records.load_certificate(self.store, arn)
        internal = (doc or {}).get(records.INTERNAL) or {}
        if doc is None or internal.get("account") != scope.account or internal.get("region") != scope.region:
            raise err.not_found(arn)
        return doc

    def view(self, doc: Document) -> Document:
        out = {k: v for k, v in doc.items() if k != records.INTERNAL}
        if isinstance(out.get("NotAfter"), dt.datetime) and out["NotAfter"] < dt.datetime.now(dt.UTC):
            out["Status"] = "EXPIRED"
        out["InUseBy"] = records.in_use_by(self.store, doc["CertificateArn"])
        return out

    # -- import -------------------------------------------------------------------------------
    def import_certificate(self, scope: Scope, params: dict[str, Any]) -> str:
        certificate = facts.load_certificate(params["Certificate"])
        chain = facts.load_chain(params.get("CertificateChain"))
        key = facts.load_key(params["PrivateKey"])
        if not facts.matches(certificate, key):
            raise err.validation("The private key does not match the public key in the certificate.")
        now = dt.datetime.now(dt.UTC)
        if certificate.not_valid_after_utc < now:
            raise err.validation("The certificate has expired.")
        tags = check_tags(params.get("Tags"))
        arn = params.get("CertificateArn")
        with self.store.transaction():
            if arn:
                existing = self.require(scope, str(arn))
                if existing.get("Type") != "IMPORTED":
                    raise err.validation("Only imported certificates can be re-imported.")
                if tags:
                    raise err.validation("Tags cannot be specified when re-importing a certificate.")
                created = existing["CreatedAt"]
                tags = existing[records.INTERNAL].get("tags", [])
            else:
                arn = records.certificate_arn(scope, str(uuid.uuid4()))
                created = now
            domain, alternatives = facts.names(certificate)
            key_usages, extended = facts.usages(certificate)
            pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
            chain_pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain)
            key_pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            doc: Document = {
                "CertificateArn": arn,
                "DomainName": domain,
                "SubjectAlternativeNames": alternatives,
                "Serial": facts.serial_text(certificate.serial_number),
                "Subject": facts.subject_text(certificate.subject),
                "Issuer": facts.subject_text(certificate.issuer),
                "CreatedAt": created,
                "ImportedAt": now,
                "Status": "ISSUED",
                "NotBefore": certificate.not_valid_before_utc,
                "NotAfter": certificate.not_valid_after_utc,
                "KeyAlgorithm": facts.key_algorithm(certificate.public_key()),
                "SignatureAlgorithm": facts.signature_algorithm(certificate),
                "Type": "IMPORTED",
                "KeyUsages": key_usages,
                "ExtendedKeyUsages": extended,
                "RenewalEligibility": "INELIGIBLE",
                "Options": {"CertificateTransparencyLoggingPreference": "ENABLED"},
                records.INTERNAL: {
                    "account": scope.account,
                    "region": scope.region,
                    "certificate": pem,
                    "chain": chain_pem,
                    "key": records.seal_key(self.sealer, str(arn), key_pem),
                    "tags": tags,
                },
            }
            records.save_certificate(self.store, doc)
        return str(arn)

    # -- request ------------------------------------------------------------------------------
    def request(self, scope: Scope, params: dict[str, Any]) -> str:
        domain = check_domain(str(params["DomainName"]))
        names = [domain] + [check_domain(str(n)) for n in params.get("SubjectAlternativeNames") or []]
        names = list(dict.fromkeys(names))
        if len(names) > MAX_NAMES:
            raise err.invalid_parameter(f"A certificate can have at most {MAX_NAMES} domain names.")
        if params.get("CertificateAuthorityArn"):
            raise err.invalid_args(
                "Private certificate authorities are not supported; skiff's CA issues certificates."
            )
        algorithm = str(params.get("KeyAlgorithm") or "RSA_2048")
        if algorithm not in CURVES and algorithm not in RSA_SIZES:
            raise err.invalid_parameter(
                f"The key algorithm '{algorithm}' is not supported for requested certificates."
            )
        method = str(params.get("ValidationMethod") or "DNS")
        tags = check_tags(params.get("Tags"))
        token = params.get("IdempotencyToken")
        now = dt.datetime.now(dt.UTC)
        if token:
            for existing in records.certificates(self.store, scope):
                internal = existing[records.INTERNAL]
                same = internal.get("token") == token and internal.get("names") == names
                if same and now - existing["CreatedAt"] < IDEMPOTENCY_WINDOW:
                    return str(existing["CertificateArn"])
        issued = self.issuer().issue(names, key_algorithm=algorithm)
        certificate = facts.load_certificate(issued.certificate_pem)
        key_usages, extended = facts.usages(certificate)
        arn = records.certificate_arn(scope, str(uuid.uuid4()))
        options = params.get("Options") or {}
        doc: Document = {
            "CertificateArn": arn,
            "DomainName": domain,
            "SubjectAlternativeNames": names,
            "DomainValidationOptions": [_validation(name, domain, method) for name in names],
            "Serial": facts.serial_text(issued.serial),
            "Subject": facts.subject_text(certificate.subject),
            "Issuer": facts.subject_text(certificate.issuer),
            "CreatedAt": now,
            "IssuedAt": now,
            "Status": "ISSUED",
            "NotBefore": certificate.not_valid_before_utc,
            "NotAfter": certificate.not_valid_after_utc,
            "KeyAlgorithm": algorithm,
            "SignatureAlgorithm": facts.signature_algorithm(certificate),
            "Type": "AMAZON_ISSUED",
            "KeyUsages": key_usages,
            "ExtendedKeyUsages": extended,
            "RenewalEligibility": "INELIGIBLE",
            "Options": {
                "CertificateTransparencyLoggingPreference": str(
                    options.get("CertificateTransparencyLoggingPreference") or "ENABLED"
                )
            },
            records.INTERNAL: {
                "account": scope.account,
                "region": scope.region,
                "certificate": issued.certificate_pem.decode(),
                "chain": issued.chain_pem.decode(),
                "key": records.seal_key(self.sealer, arn, issued.private_key_pem),
                "tags": tags,
                "token": token,
                "names": names,
            },
        }
        records.save_certificate(self.store, doc)
        return arn

    # -- reads and changes --------------------------------------------------------------------
    def describe(self, scope: Scope, arn: str) -> Document:
        return self.view(self.require(scope, arn))

    def get(self, scope: Scope, arn: str) -> dict[str, str]:
        doc = self.require(scope, arn)
        out = {"Certificate": records.certificate_pem(doc)}
        if records.chain_pem(doc):
            out["CertificateChain"] = records.chain_pem(doc)
        return out

    def delete(self, scope: Scope, arn: str) -> None:
        with self.store.transaction():
            self.require(scope, arn)
            if records.in_use_by(self.store, arn):
                raise err.in_use(arn, scope.account)
            records.delete_certificate(self.store, arn)

    def update_options(self, scope: Scope, arn: str, options: dict[str, Any]) -> None:
        with self.store.transaction():
            doc = self.require(scope, arn)
            if doc.get("Type") == "IMPORTED":
                raise err.invalid_state("Certificate options cannot be updated for imported certificates.")
            preference = options.get("CertificateTransparencyLoggingPreference")
            if preference:
                doc.setdefault("Options", {})["CertificateTransparencyLoggingPreference"] = str(preference)
            records.save_certificate(self.store, doc)

    def summaries(self, scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
        statuses = params.get("CertificateStatuses") or []
        includes = params.get("Includes") or {}
        key_types = includes.get("keyTypes") or ["RSA_1024", "RSA_2048"]  # ACM's default filter
        docs = [self.view(d) for d in records.certificates(self.store, scope)]
        docs = [d for d in docs if d["KeyAlgorithm"].replace("-", "_") in key_types]
        if statuses:
            docs = [d for d in docs if d["Status"] in statuses]
        docs.sort(
            key=lambda d: (d["CreatedAt"], d["CertificateArn"]),
            reverse=params.get("SortOrder") == "DESCENDING",
        )
        start = 0
        if params.get("NextToken"):
            try:
                start = int(decode_token(str(params["NextToken"])))
            except (BadToken, TypeError, ValueError):
                raise err.invalid_args("The NextToken is not valid.") from None
        size = int(params.get("MaxItems") or 1000)
        chunk = docs[start : start + size]
        out: dict[str, Any] = {"CertificateSummaryList": [_summary(d) for d in chunk]}
        if start + size < len(docs):
            out["NextToken"] = encode_token(start + size)
        return out

    # -- tags ---------------------------------------------------------------------------------
    def tags(self, scope: Scope, arn: str) -> list[dict[str, str]]:
        return list(self.require(scope, arn)[records.INTERNAL].get("tags", []))

    def add_tags(self, scope: Scope, arn: str, tags: list[dict[str, Any]]) -> None:
        with self.store.transaction():
            doc = self.require(scope, arn)
            current = {t["Key"]: t for t in doc[records.INTERNAL].get("tags", [])}
            for tag in check_tags(tags):
                current[tag["Key"]] = tag
            if len(current) > MAX_TAGS:
                raise err.too_many_tags()
            doc[records.INTERNAL]["tags"] = list(current.values())
            records.save_certificate(self.store, doc)

    def remove_tags(self, scope: Scope, arn: str, tags: list[dict[str, Any]]) -> None:
        with self.store.transaction():
            doc = self.require(scope, arn)
            kept = []
            for tag in doc[records.INTERNAL].get("tags", []):
                gone = any(
                    t.get("Key") == tag["Key"]
                    and (t.get("Value") is None or t.get("Value") == tag.get("Value"))
                    for t in tags
                )
                if not gone:
                    kept.append(tag)
            doc[records.INTERNAL]["tags"] = kept
            records.save_certificate(self.store, doc)


def _validation(name: str, domain: str, method: str) -> Document:
    digest = hashlib.sha256(name.encode()).hexdigest()
    base = name[2:] if name.startswith("*.") else name
    out: Document = {"DomainName": name, "ValidationDomain": domain, "ValidationStatus": "SUCCESS",
                     "ValidationMethod": method}  # fmt: skip
    if method == "DNS":
        out["ResourceRecord"] = {
            "Name": f"_{digest[:32]}.{base}.",
            "Type": "CNAME",
            "Value": f"_{digest[32:]}.acm-validations.aws.",
        }
    else:
        out["ValidationEmails"] = [f"admin@{base}"]
    return out


def _summary(doc: Document) -> Document:
    names = doc.get("SubjectAlternativeNames") or []
    keep = ("CertificateArn", "DomainName", "Status", "Type", "KeyAlgorithm", "RenewalEligibility",
            "NotBefore", "NotAfter", "CreatedAt", "IssuedAt", "ImportedAt")  # fmt: skip
    out = {k: doc[k] for k in keep if k in doc}
    out["KeyUsages"] = [u["Name"] for u in doc.get("KeyUsages") or []]
    out["ExtendedKeyUsages"] = [u["Name"] for u in doc.get("ExtendedKeyUsages") or []]
    out["SubjectAlternativeNameSummaries"] = names[:100]
    out["HasAdditionalSubjectAlternativeNames"] = len(names) > 100
    out["InUse"] = bool(doc.get("InUseBy"))
    return out
