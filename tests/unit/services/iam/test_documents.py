"""Policy document checks and the URL-encoding of documents in replies."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest

from skiff.api.errors import AwsError
from skiff.services.iam import documents
from tests.unit.services.iam.conftest import POLICY, TRUST


def test_documents_are_returned_url_encoded_and_decode_to_the_text_given() -> None:
    text = '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::a%b/*"}]}'
    encoded = documents.encode(text)
    assert "{" not in encoded and " " not in encoded
    assert unquote(encoded) == text


def test_valid_documents_pass() -> None:
    assert documents.check_trust_policy(TRUST)["Version"] == "2012-10-17"
    assert documents.check_identity_policy(POLICY, documents.MANAGED_POLICY_SIZE)["Statement"]
    single = json.dumps({"Statement": {"Effect": "Deny", "NotAction": "iam:*", "NotResource": "*"}})
    documents.check_identity_policy(single, documents.MANAGED_POLICY_SIZE)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "Syntax errors in policy."),
        ('{"Statement": []}', "Syntax errors in policy."),
        (
            '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Extra": 1}]}',
            "Syntax errors in policy.",
        ),
        ('{"Version": "2020-01-01", "Statement": []}', "The policy failed legacy parsing"),
        ('{"Statement": ', "This policy contains invalid Json"),
        ("[" * 100_000, "This policy contains invalid Json"),
    ],
)
def test_malformed_documents(text: str, message: str) -> None:
    with pytest.raises(AwsError) as info:
        documents.check_identity_policy(text, documents.MANAGED_POLICY_SIZE)
    assert info.value.code == "MalformedPolicyDocumentException"
    assert info.value.message == message


def test_size_counts_characters_other_than_white_space() -> None:
    assert documents.packed_size('{ "a" :\n\t1 }') == 7
    padded = POLICY.replace(",", ",      ")
    assert documents.packed_size(padded) == documents.packed_size(POLICY)


def test_size_quotas() -> None:
    actions = [f"s3:Get{i:05d}" for i in range(600)]
    big = json.dumps({"Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
    with pytest.raises(AwsError) as info:
        documents.check_identity_policy(big, documents.MANAGED_POLICY_SIZE)
    assert (info.value.code, info.value.message) == (
        "LimitExceededException",
        "Cannot exceed quota for PolicySize: 6144",
    )
    documents.check_identity_policy(big, documents.ROLE_POLICY_SIZE, role="r")  # inline allows more
    bigger = json.dumps({"Statement": [{"Effect": "Allow", "Action": actions * 2, "Resource": "*"}]})
    with pytest.raises(AwsError) as info:
        documents.check_identity_policy(bigger, documents.ROLE_POLICY_SIZE, role="r")
    assert (info.value.code, info.value.message) == (
        "LimitExceededException",
        "Maximum policy size of 10240 bytes exceeded for role r",
    )
