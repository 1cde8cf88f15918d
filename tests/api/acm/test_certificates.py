"""ACM through boto3: certificates requested (issued at once by skiff's CA) and imported, their
details, listing filters, tags, an HTTPS listener holding one, and the errors ACM answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

REGION = "ca-central-1"


@pytest.fixture(scope="module")
def acm(client_factory: Callable[..., Any]) -> Any:
    return client_factory("acm", region=REGION)


def _self_signed(name: str, key: Any) -> bytes:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(0x1234)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name), x509.DNSName(f"www.{name}")]), False)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def _pem_key(key: Any) -> bytes:
    return key.private_bytes(  # type: ignore[no-any-return]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_a_requested_certificate_is_issued_at_once_by_the_local_ca(acm: Any) -> None:
    arn = acm.request_certificate(
        DomainName="app.example.test", SubjectAlternativeNames=["*.app.example.test"], IdempotencyToken="t1",
        Tags=[{"Key": "Environment", "Value": "Demo"}],
    )["CertificateArn"]  # fmt: skip
    assert arn.startswith(f"arn:aws:acm:{REGION}:000000000000:certificate/")
    again = acm.request_certificate(
        DomainName="app.example.test", SubjectAlternativeNames=["*.app.example.test"], IdempotencyToken="t1"
    )
    assert again["CertificateArn"] == arn
    acm.get_waiter("certificate_validated").wait(CertificateArn=arn, WaiterConfig={"Delay": 1})
    detail = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert (detail["Status"], detail["Type"], detail["KeyAlgorithm"]) == (
        "ISSUED",
        "AMAZON_ISSUED",
        "RSA_2048",
    )
    assert detail["SubjectAlternativeNames"] == ["app.example.test", "*.app.example.test"]
    assert {o["ValidationStatus"] for o in detail["DomainValidationOptions"]} == {"SUCCESS"}
    assert "CN=skiff local CA" in detail["Issuer"] and detail["InUseBy"] == []
    got = acm.get_certificate(CertificateArn=arn)
    leaf = x509.load_pem_x509_certificate(got["Certificate"].encode())
    ca = x509.load_pem_x509_certificate(got["CertificateChain"].encode())
    leaf.verify_directly_issued_by(ca)
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["app.example.test", "*.app.example.test"]
    assert acm.list_tags_for_certificate(CertificateArn=arn)["Tags"] == [
        {"Key": "Environment", "Value": "Demo"}
    ]
    ec_arn = acm.request_certificate(DomainName="ec.example.test", KeyAlgorithm="EC_prime256v1")[
        "CertificateArn"
    ]
    listed = [c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]]
    assert arn in listed and ec_arn not in listed  # ACM lists RSA keys unless asked for others
    chosen = acm.list_certificates(Includes={"keyTypes": ["EC_prime256v1"]})["CertificateSummaryList"]
    assert [c["CertificateArn"] for c in chosen] == [ec_arn]
    with pytest.raises(ClientError) as excinfo:
        acm.request_certificate(DomainName="bad..name")
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"  # the model's pattern


def test_an_imported_certificate_is_described_from_its_contents(acm: Any) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    pem = _self_signed("imported.example.test", key)
    arn = acm.import_certificate(Certificate=pem, PrivateKey=_pem_key(key))["CertificateArn"]
    detail = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert (detail["Type"], detail["KeyAlgorithm"], detail["Serial"]) == ("IMPORTED", "EC_secp384r1", "12:34")
    assert detail["DomainName"] == "imported.example.test" and detail["Subject"] == "CN=imported.example.test"
    assert detail["SubjectAlternativeNames"] == ["imported.example.test", "www.imported.example.test"]
    assert acm.get_certificate(CertificateArn=arn)["Certificate"].encode() == pem
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(ClientError) as excinfo:
        acm.import_certificate(Certificate=pem, PrivateKey=_pem_key(other))
    assert excinfo.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "The private key does not match the public key in the certificate.",
    }
    with pytest.raises(ClientError) as excinfo:
        acm.import_certificate(Certificate=b"not a certificate", PrivateKey=_pem_key(key))
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"
    renewed = _self_signed("imported.example.test", key)
    assert (
        acm.import_certificate(CertificateArn=arn, Certificate=renewed, PrivateKey=_pem_key(key))[
            "CertificateArn"
        ]
        == arn
    )
    acm.add_tags_to_certificate(CertificateArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b"}])
    acm.remove_tags_from_certificate(CertificateArn=arn, Tags=[{"Key": "a"}])
    assert acm.list_tags_for_certificate(CertificateArn=arn)["Tags"] == [{"Key": "b"}]
    acm.delete_certificate(CertificateArn=arn)
    with pytest.raises(ClientError) as excinfo:
        acm.describe_certificate(CertificateArn=arn)
    assert excinfo.value.response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": f"Could not find certificate {arn}.",
    }
    with pytest.raises(ClientError) as excinfo:
        acm.describe_certificate(CertificateArn="arn:aws:acm:ca-central-1:000000000000:nothing/x")
    assert excinfo.value.response["Error"]["Code"] == "InvalidArnException"


def test_a_certificate_an_https_listener_holds_cannot_be_deleted(
    acm: Any, client_factory: Callable[..., Any]
) -> None:
    elb, ec2 = client_factory("elbv2", region=REGION), client_factory("ec2", region=REGION)
    vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])["VpcId"]
    subnets = sorted(ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"],
                     key=lambda s: s["AvailabilityZone"])  # fmt: skip
    lb = elb.create_load_balancer(Name="tls-lb", Subnets=[s["SubnetId"] for s in subnets[:2]])[
        "LoadBalancers"
    ][0]
    first = acm.request_certificate(DomainName="tls.example.test")["CertificateArn"]
    second = acm.request_certificate(DomainName="other.example.test")["CertificateArn"]
    fixed = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200", "MessageBody": "ok"}}]
    listener = elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTPS", Port=443,
        Certificates=[{"CertificateArn": first}], DefaultActions=fixed,
    )["Listeners"][0]  # fmt: skip
    assert listener["SslPolicy"] == "ELBSecurityPolicy-2016-08"
    assert listener["Certificates"] == [{"CertificateArn": first}]
    elb.add_listener_certificates(
        ListenerArn=listener["ListenerArn"], Certificates=[{"CertificateArn": second}]
    )
    held = elb.describe_listener_certificates(ListenerArn=listener["ListenerArn"])["Certificates"]
    assert held == [
        {"CertificateArn": first, "IsDefault": True},
        {"CertificateArn": second, "IsDefault": False},
    ]
    assert acm.describe_certificate(CertificateArn=second)["Certificate"]["InUseBy"] == [
        lb["LoadBalancerArn"]
    ]
    with pytest.raises(ClientError) as excinfo:
        acm.delete_certificate(CertificateArn=first)
    assert excinfo.value.response["Error"] == {
        "Code": "ResourceInUseException",
        "Message": f"Certificate {first} in account 000000000000 is in use.",
    }
    with pytest.raises(ClientError) as excinfo:
        elb.modify_listener(ListenerArn=listener["ListenerArn"], SslPolicy="NoSuchPolicy")
    assert excinfo.value.response["Error"]["Code"] == "SSLPolicyNotFound"
    policies = elb.describe_ssl_policies(Names=["ELBSecurityPolicy-TLS13-1-2-2021-06"])["SslPolicies"]
    assert policies[0]["SslProtocols"] == ["TLSv1.2", "TLSv1.3"]
    elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
    acm.delete_certificate(CertificateArn=first)
    acm.delete_certificate(CertificateArn=second)
