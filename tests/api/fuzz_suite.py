"""The fuzz suite every awsJson service's test_fuzz.py instantiates: zero 5xx for any input.

A module gives its target prefix, how to steer generated input towards resources that exist (its
`world` fixture makes them), and gets four tests per operation of botocore's model:
valid-shaped parameters and corrupted parameters (wrong types, nulls, out-of-range values), both
through boto3 without client-side validation; raw bodies (random JSON, bytes, nasty values under
every member) and the fixed list of special bodies, posted straight to the gateway. Every reply is a
success or a 4xx with an error code that is not a fault.

    OPERATIONS = operations_of("logs")
    SUITE = JsonFuzzSuite("Logs_20140328", choose=steer)
    test_generated_input, test_corrupted_input, test_raw_bodies, test_special_bodies = SUITE.tests(OPERATIONS)

The module's `world` fixture returns a dict with at least "client" (a boto3 client made with
`parameter_validation=False` in the module's region).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_fuzz_ecs import (
    MEMBER_SPECIALS,
    SPECIAL_BODIES,
    SPECIAL_VALUES,
    check_raw,
    corrupted_params,
    post_raw,
    raw_bodies,
    raw_problem,
)
from tests.shape_strategies import values_for

FAULT_CODES = frozenset(
    {
        "ServerException",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "InternalServiceError",
        "InternalServiceException",
    }
)

# (draw, input shape, generated params, world, operation) -> the params to send
Choose = Callable[[st.DrawFn, Any, dict[str, Any], dict[str, Any], str], dict[str, Any]]
# (world, operation, params) -> params; applied to every boto3 call (keeps what others need)
Pin = Callable[[dict[str, Any], str, dict[str, Any]], dict[str, Any]]


def operations_of(service: str) -> list[str]:
    return sorted(botocore.session.get_session().get_service_model(service).operation_names)


def substitute(
    draw: st.DrawFn, shape: Any, params: dict[str, Any], choices: dict[str, list[Any]]
) -> dict[str, Any]:
    """Each member the shape has that `choices` names is, half the time, one of its values."""
    for member, values in choices.items():
        if shape is not None and member in shape.members and draw(st.booleans()):
            params[member] = draw(st.sampled_from(values))
    return params


def call_without_fault(client: Any, operation: str, params: Any) -> None:
    """Call `operation`; a reply must be 200 and an error a 4xx with a non-fault code. Input that
    botocore cannot even serialize (nothing was sent) proves nothing and passes."""
    sent: list[bool] = []

    def mark(**_: Any) -> None:
        sent.append(True)

    event = f"before-send.{client.meta.service_model.service_id.hyphenize()}"
    client.meta.events.register(event, mark)
    try:
        reply = getattr(client, xform_name(operation))(**params)
    except ClientError as error:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        code = error.response["Error"]["Code"]
        assert 400 <= status < 500 and code and code not in FAULT_CODES, (operation, params, error.response)
        return
    except Exception:
        if not sent:
            return
        raise
    finally:
        client.meta.events.unregister(event, mark)
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    for value in reply.values():  # an event stream (a live tail session): end it
        if hasattr(value, "close") and hasattr(value, "__iter__"):
            value.close()


def _keep(world: dict[str, Any], operation: str, params: dict[str, Any]) -> dict[str, Any]:
    return params


def _as_given(
    draw: st.DrawFn, shape: Any, params: dict[str, Any], world: dict[str, Any], op: str
) -> dict[str, Any]:
    return params


@dataclass(frozen=True)
class JsonFuzzSuite:
    """The four fuzz tests of one awsJson (or json-compatible rpc-v2-cbor) service."""

    target_prefix: str
    choose: Choose = _as_given
    pin: Pin = _keep
    examples: int = 12
    environment: dict[str, str] = field(default_factory=dict)

    @contextmanager
    def _environment(self) -> Iterator[None]:
        with mock.patch.dict(os.environ, self.environment):
            yield

    def _raw(self, endpoint: str, operation: str, body: bytes) -> Any:
        return post_raw(endpoint, f"{self.target_prefix}.{operation}", body)

    def tests(self, operations: list[str]) -> tuple[Callable[..., None], ...]:
        fuzz = settings(max_examples=self.examples, deadline=None, suppress_health_check=list(HealthCheck))
        suite = self

        @pytest.mark.parametrize("operation", operations)
        @fuzz
        @given(data=st.data())
        def test_generated_input(world: dict[str, Any], operation: str, data: st.DataObject) -> None:
            client = world["client"]
            shape = client.meta.service_model.operation_model(operation).input_shape
            params = data.draw(values_for(shape)) if shape is not None else {}
            params = suite.pin(world, operation, suite.choose(data.draw, shape, params, world, operation))
            with suite._environment():
                call_without_fault(client, operation, params)

        @pytest.mark.parametrize("operation", operations)
        @fuzz
        @given(data=st.data())
        def test_corrupted_input(world: dict[str, Any], operation: str, data: st.DataObject) -> None:
            client = world["client"]
            shape = client.meta.service_model.operation_model(operation).input_shape
            params = suite.pin(world, operation, data.draw(corrupted_params(shape)))
            with suite._environment():
                call_without_fault(client, operation, params)

        @pytest.mark.parametrize("operation", operations)
        @fuzz
        @given(data=st.data())
        def test_raw_bodies(
            endpoint: str, world: dict[str, Any], operation: str, data: st.DataObject
        ) -> None:
            shape = world["client"].meta.service_model.operation_model(operation).input_shape
            body = data.draw(raw_bodies(shape))
            check_raw(suite._raw(endpoint, operation, body), f"{operation} with {body[:200]!r}")

        @pytest.mark.parametrize("operation", operations)
        def test_special_bodies(endpoint: str, world: dict[str, Any], operation: str) -> None:
            shape = world["client"].meta.service_model.operation_model(operation).input_shape
            bodies = list(SPECIAL_VALUES + SPECIAL_BODIES)
            for member in shape.members if shape is not None else []:
                bodies += [b'{"' + member.encode() + b'": ' + value + b"}" for value in MEMBER_SPECIALS]
            failures = [
                f"{body[:80]!r}: {problem}"
                for body in bodies
                if (problem := raw_problem(suite._raw(endpoint, operation, body))) is not None
            ]
            assert not failures, "\n".join(failures)

        return test_generated_input, test_corrupted_input, test_raw_bodies, test_special_bodies
