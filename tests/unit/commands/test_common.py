"""The commands' shared plumbing: where the engine is and which keys go to it, errors as one line,
the app's shell completion."""

from __future__ import annotations

import time

import pytest
import typer
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from typer.testing import CliRunner

from skiff.cli import app
from skiff.commands.common import COMPLETION_TIMEOUT, CommandError, Engine, describe_error, guarded


def test_endpoint_and_keys_from_the_environment_or_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "SKIFF_ROOT_ACCESS_KEY_ID",
        "SKIFF_ROOT_SECRET_ACCESS_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    engine = Engine.connect()
    assert (engine.endpoint, engine.region, engine.access_key, engine.secret_key) == (
        "http://127.0.0.1:4620",
        "us-east-1",
        "test",
        "test",
    )
    assert engine.loopback
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://10.1.2.3:4700/")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("SKIFF_ROOT_ACCESS_KEY_ID", "root")
    monkeypatch.setenv("SKIFF_ROOT_SECRET_ACCESS_KEY", "secret")
    engine = Engine.connect()
    assert (engine.endpoint, engine.region, engine.access_key) == (
        "http://10.1.2.3:4700",
        "eu-west-1",
        "root",
    )
    assert not engine.loopback
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUSER")
    assert Engine.connect().access_key == "AKIAUSER"
    assert Engine.connect("localhost:4638").endpoint == "http://localhost:4638"  # --endpoint wins


def test_errors_read_as_one_line() -> None:
    where = "http://127.0.0.1:4620"
    refused = EndpointConnectionError(endpoint_url=where + "/")
    assert describe_error(refused, where) == f"skiff is not running at {where}"
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListTasks")
    assert describe_error(denied, where) == "AccessDeniedException: no"
    assert describe_error(ReadTimeoutError(endpoint_url=where), where).startswith("lost the connection")


def test_guarded_turns_failures_into_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    def raising(exc: BaseException) -> None:
        raise exc

    for exc, code in (
        (CommandError("no service 'x' [in] c"), 1),
        (KeyboardInterrupt(), 130),
        (EndpointConnectionError(endpoint_url="http://h:1/"), 1),
        (typer.Exit(3), 3),
    ):
        with pytest.raises(typer.Exit) as ended:
            guarded(raising)(exc)
        assert ended.value.exit_code == code
    assert capsys.readouterr().err.splitlines()[0] == "error: no service 'x' [in] c"  # markup escaped


def test_shell_completion_is_offered() -> None:
    runner = CliRunner()
    helped = runner.invoke(app, ["--help"])
    assert "--install-completion" in helped.output, helped.output
    # what an installed completion script asks for: the commands starting with "se"
    completed = runner.invoke(
        app, [], env={"_SKIFF_COMPLETE": "complete_bash", "COMP_WORDS": "skiff se", "COMP_CWORD": "1"}
    )
    assert {"server", "services"} <= set(completed.output.split()), completed.output


def test_name_completion_offers_nothing_when_the_engine_does_not_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    started = time.monotonic()
    for words in ("skiff wait ", "skiff logs --cluster x ", "skiff ps --cluster "):
        completed = CliRunner().invoke(
            app,
            [],
            prog_name="skiff",
            env={
                "_SKIFF_COMPLETE": "complete_bash",
                "COMP_WORDS": words,
                "COMP_CWORD": str(len(words.split())),
            },
        )
        assert completed.exit_code == 0 and completed.output.strip() == "", (words, completed.output)
    assert time.monotonic() - started < 3 * COMPLETION_TIMEOUT
