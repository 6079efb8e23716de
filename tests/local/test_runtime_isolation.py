"""In-process functions share one process: its environment and stdout. The local runtime applies each function's
environment and output around each invocation; these tests run invocations of two deployments at once (what
happens when executions of a deployment that ended are still on moto's daemon threads) and check that no
function ever sees another's environment or writes into another's log, and that an ended deployment neither
runs a function nor creates a file in its log folder again (the demo removes that folder on Ctrl-C)."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from contextual_targeting.local.runtime import DeploymentClosed, LocalDeployment


def _reader(name: str, expected: str | None, rounds: int, seen: list[str]) -> Any:
    """A handler that reads APPLICATION_ID lazily many times (as pinpoint_import_prepare does) and prints."""

    def handler(event: Any, context: Any) -> str:
        for _ in range(rounds):
            value = os.environ.get("APPLICATION_ID")
            if value != expected:
                seen.append(f"{name} saw APPLICATION_ID={value!r}")
            print(f"{name} line")
            time.sleep(0.0005)  # let the other thread run in between
        return name

    return handler


def test_two_deployments_invoking_at_once_never_see_each_others_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = LocalDeployment(log_dir=tmp_path / "a"), LocalDeployment(log_dir=tmp_path / "b")
    wrong: list[str] = []
    invoke_a = first._invoker("fn-a", _reader("fn-a", "app-a", 20, wrong), {"APPLICATION_ID": "app-a"})
    # the other function has no APPLICATION_ID: restoring its environment must not pop the key under fn-a's feet
    invoke_b = second._invoker("fn-b", _reader("fn-b", None, 20, wrong), {"OTHER_SETTING": "b"})
    problems: list[BaseException] = []

    def run(invoke: Any) -> None:
        try:
            for _ in range(15):
                invoke({}, None)
        except BaseException as error:  # reported below
            problems.append(error)

    threads = [threading.Thread(target=run, args=(invoke,)) for invoke in (invoke_a, invoke_b)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):  # the demo's own thread writes meanwhile
        print("main line")
        sys.stderr.write("main error\n")
        time.sleep(0.001)
    for thread in threads:
        thread.join(timeout=120)
    first.__exit__(None, None, None)
    second.__exit__(None, None, None)
    assert not problems and not wrong, (problems, wrong[:5])
    assert "APPLICATION_ID" not in os.environ and "OTHER_SETTING" not in os.environ
    for folder, name, other in ((tmp_path / "a", "fn-a", "fn-b"), (tmp_path / "b", "fn-b", "fn-a")):
        lines = (folder / f"{name}.log").read_text().splitlines()
        assert lines == [f"{name} line"] * (15 * 20)  # every line of its own, none of the other's
        assert not (folder / f"{other}.log").exists()
    captured = capsys.readouterr()  # what the main thread wrote stayed on its own streams, intact
    assert set(captured.out.splitlines()) == {"main line"} and set(captured.err.splitlines()) == {"main error"}
    assert sys.stdout is not None and type(sys.stdout).__name__ != "_ThreadRouted"


def test_a_logger_bound_to_stdout_at_import_writes_to_the_log_of_the_invocation_running_now(tmp_path: Path) -> None:
    # Powertools' Logger binds sys.stdout when the handler module is imported, and a second Logger of the same
    # service reuses the first's handler: after the first deployment ended its records must still reach a log
    first = LocalDeployment(log_dir=tmp_path / "a")
    with first._function_log("fn"):
        handler = logging.StreamHandler(sys.stdout)  # what Logger() does at import
    logger = logging.getLogger("test-local-runtime-isolation")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        first.__exit__(None, None, None)
        second = LocalDeployment(log_dir=tmp_path / "b")
        invoke = second._invoker("fn", lambda event, context: logger.warning("from the second deployment"), {})
        invoke({}, None)
        second.__exit__(None, None, None)
    finally:
        logger.removeHandler(handler)
    assert (tmp_path / "b" / "fn.log").read_text() == "from the second deployment\n"
    assert (tmp_path / "a" / "fn.log").read_text() == ""


def test_an_ended_deployment_runs_no_function_and_creates_no_log(tmp_path: Path) -> None:
    deployment = LocalDeployment(log_dir=tmp_path / "logs")
    ran: list[bool] = []
    invoke = deployment._invoker("fn", lambda event, context: ran.append(True), {"APPLICATION_ID": "x"})
    deployment.__exit__(None, None, None)
    with pytest.raises(DeploymentClosed, match="fn: the local deployment has ended"):
        invoke({}, None)
    assert ran == [] and not (tmp_path / "logs").exists() and "APPLICATION_ID" not in os.environ


def test_a_functions_environment_is_never_seen_by_other_threads() -> None:
    """moto's threads run other executions' aws-sdk tasks while a function runs: botocore copies os.environ key by
    key when it builds a client, and a key the function's environment added then removed under it failed an
    unrelated state with States.Runtime 'POWERTOOLS_SERVICE_NAME'. The function's environment is its thread's
    only; the process environment never changes while it runs."""
    from contextual_targeting.local.runtime import _environment

    inside, done = threading.Event(), threading.Event()
    seen_inside: list[str | None] = []

    def function() -> None:
        with _environment({"CT_PROBE_ONLY_HERE": "1", "APPLICATION_ID": "app-of-this-function"}):
            seen_inside.append(os.environ.get("CT_PROBE_ONLY_HERE"))
            inside.set()
            done.wait(10)
            seen_inside.append(os.environ["APPLICATION_ID"])

    thread = threading.Thread(target=function)
    before = dict(os.environ)
    thread.start()
    assert inside.wait(10)
    try:
        # another thread, while the function runs: the process environment exactly as it was
        assert "CT_PROBE_ONLY_HERE" not in os.environ
        assert os.environ.copy() == before and os.environ.get("APPLICATION_ID") == before.get("APPLICATION_ID")
    finally:
        done.set()
        thread.join(10)
    assert seen_inside == ["1", "app-of-this-function"]
    assert dict(os.environ) == before
