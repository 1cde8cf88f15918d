"""The discovery part of the walkthrough, typed into the real aws CLI (v1), and the same API over
smithy-rpc-v2-cbor (the model's first protocol) built and read by botocore's own serializer and parser.

`aws servicediscovery discover-instances` needs AWS_DISABLE_HOST_PREFIX_INJECTION=true against an
IP endpoint (botocore would send it to `data-127.0.0.1`); the README says so.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import time
import urllib.parse
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from tests.conftest import AWS_CLI, CREDENTIALS
from tests.signing import signed_headers

REGION = "sa-east-1"


@pytest.fixture(scope="module")
def cli(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("aws-sd-home")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(Path(home) / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(Path(home) / "credentials"),
        "HOME": str(home),
    }

    def run(*args: str, extra: dict[str, str] | None = None, check: bool = True) -> str:
        proc = subprocess.run(
            [AWS_CLI, *args], env={**env, **(extra or {})}, capture_output=True, text=True, timeout=120
        )
        if check:
            assert proc.returncode == 0, f"aws {' '.join(args)}: {proc.stderr}"
        return proc.stdout.strip() if proc.returncode == 0 else proc.stderr

    return run


def test_walkthrough_commands(cli: Any) -> None:
    vpc = cli("ec2", "describe-vpcs", "--query", "Vpcs[0].VpcId", "--output", "text")
    operation = cli(
        "servicediscovery", "create-private-dns-namespace", "--name", "local", "--vpc", vpc,
        "--region", REGION, "--query", "OperationId", "--output", "text",
    )  # fmt: skip
    namespace = cli(
        "servicediscovery", "get-operation", "--operation-id", operation,
        "--query", "Operation.Targets.NAMESPACE", "--output", "text",
    )  # fmt: skip
    # The walkthrough's `Operation.Targets[0].NAMESPACE` indexes a map: JMESPath gives None, on AWS too.
    assert namespace.startswith("ns-")
    service = cli(
        "servicediscovery", "create-service", "--name", "random-quote",
        "--dns-config", f'NamespaceId="{namespace}",DnsRecords=[{{Type="A",TTL="300"}}]',
        "--health-check-custom-config", "FailureThreshold=1", "--region", REGION,
        "--query", "Service.Id", "--output", "text",
    )  # fmt: skip
    assert service.startswith("srv-")
    cli(
        "servicediscovery", "register-instance", "--service-id", service, "--instance-id", "t1",
        "--attributes", "AWS_INSTANCE_IPV4=172.31.0.77,AWS_INSTANCE_PORT=8080",
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while cli("servicediscovery", "get-operation", "--operation-id", operation,
              "--query", "Operation.Status", "--output", "text") != "SUCCESS":  # fmt: skip
        assert time.monotonic() < deadline
        time.sleep(0.2)
    refused = cli(
        "servicediscovery", "discover-instances", "--namespace-name", "local",
        "--service-name", "random-quote", check=False,
    )  # fmt: skip
    assert "data-" in refused  # the host prefix the model asks for, on an IP endpoint
    found = json.loads(
        cli(
            "servicediscovery", "discover-instances", "--namespace-name", "local",
            "--service-name", "random-quote", extra={"AWS_DISABLE_HOST_PREFIX_INJECTION": "true"},
        )
    )  # fmt: skip
    assert [(i["InstanceId"], i["Attributes"]["AWS_INSTANCE_IPV4"]) for i in found["Instances"]] == [
        ("t1", "172.31.0.77")
    ]
    missing = cli("servicediscovery", "get-service", "--id", "srv-missing0000000000", check=False)
    assert "ServiceNotFound" in missing


MODEL = botocore.session.get_session().get_service_model("servicediscovery")
SERIALIZER = create_serializer("smithy-rpc-v2-cbor", include_validation=True)
PARSER = create_parser("smithy-rpc-v2-cbor")


def cbor_call(endpoint: str, operation: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    op = MODEL.operation_model(operation)
    request = SERIALIZER.serialize_to_request(params, op)
    url = urllib.parse.urlsplit(endpoint)
    headers = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in request["headers"].items()}
    headers = signed_headers(
        "POST", endpoint + request["url_path"], request["body"], headers, "servicediscovery", REGION
    )
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80, timeout=30)
    try:
        conn.request("POST", request["url_path"], body=request["body"], headers=headers)
        reply = conn.getresponse()
        body, status, reply_headers = reply.read(), reply.status, HeadersDict(reply.getheaders())
    finally:
        conn.close()
    shape = op.output_shape if status < 300 else None
    parsed: dict[str, Any] = PARSER.parse(
        {"status_code": status, "headers": reply_headers, "body": body}, shape
    )
    return status, parsed


def test_rpc_v2_cbor(endpoint: str) -> None:
    status, created = cbor_call(endpoint, "CreateHttpNamespace", {"Name": "cbor-space"})
    assert status == 200 and created["OperationId"]
    status, listed = cbor_call(endpoint, "ListNamespaces", {})
    assert status == 200 and "cbor-space" in {n["Name"] for n in listed["Namespaces"]}
    status, missing = cbor_call(endpoint, "GetNamespace", {"Id": "ns-nothere000000000"})
    assert status == 404 and missing["Error"]["Code"] == "NamespaceNotFound"
