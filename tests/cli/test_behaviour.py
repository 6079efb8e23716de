"""The commands as people live with them: the demo's output folder rules, exit codes, Ctrl-C, help texts.

The demo's refusals happen before anything is deployed, so these tests are quick; the Ctrl-C tests run the real
console script in a subprocess and send it SIGINT while it is writing.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from contextual_targeting.cli import build_parser, main
from contextual_targeting.local.demo import run_demo
from contextual_targeting.local.output import MARKER, OutputFolder, OutputRefused

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
CLI = [sys.executable, "-m", "contextual_targeting.cli"]


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _data_copy(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    return data


# --------------------------------------------------------------------------- demo --out


def test_demo_refuses_a_folder_holding_other_files_and_leaves_it_untouched(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my own notes\n")
    (out / "segments").mkdir()
    (out / "segments" / "keep.csv").write_text("USER_ID\n1\n")
    before = _tree(out)
    errors = io.StringIO()
    result = run_demo(DATA, out, stream=io.StringIO(), errors=errors)
    assert result.exit_code == 2
    assert "not written by a demo" in errors.getvalue() and "--force" in errors.getvalue()
    assert "notes.txt" in errors.getvalue()
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no staging folder left beside it


@pytest.mark.parametrize("where", ["same", "inside"])
def test_demo_never_writes_into_its_data_dir(tmp_path: Path, where: str) -> None:
    data = _data_copy(tmp_path)
    before = _tree(data)
    out = data if where == "same" else data / "personalize" / "results"
    errors = io.StringIO()
    result = run_demo(data, out, stream=io.StringIO(), errors=errors, force=True)
    assert result.exit_code == 2
    assert "inside --data-dir" in errors.getvalue()
    assert _tree(data) == before


def test_demo_refuses_an_out_that_holds_the_data_dir(tmp_path: Path) -> None:
    data = _data_copy(tmp_path)
    result = run_demo(data, tmp_path, stream=io.StringIO(), errors=io.StringIO(), force=True)
    assert result.exit_code == 2
    assert (data / "personalize/train/bingewatch/config.json").exists()


def test_demo_without_a_training_config_exits_1_and_says_why(tmp_path: Path) -> None:
    data = _data_copy(tmp_path)
    (data / "personalize/train/bingewatch/config.json").unlink()
    out = tmp_path / "out"
    errors = io.StringIO()
    result = run_demo(data, out, stream=io.StringIO(), errors=errors)
    assert result.exit_code == 1
    assert "no training config" in errors.getvalue() and "train/" in errors.getvalue()
    assert result.reason == errors.getvalue().removeprefix("demo: ").strip()
    assert not out.exists()


def test_a_config_with_another_name_is_uploaded_last_like_config_json(tmp_path: Path) -> None:
    from contextual_targeting.local.demo import _personalize_uploads
    from contextual_targeting.local.runtime import Settings

    data = _data_copy(tmp_path)
    train = data / "personalize/train/bingewatch"
    (train / "config.json").rename(train / "bingewatch-params.json")
    files, configs = _personalize_uploads(data / "personalize", Settings())
    assert [p.name for p in configs] == ["bingewatch-params.json"]
    assert train / "interactions.csv" in files
    assert all(p.suffix != ".json" or "batch" in p.parts for p in files)


# --------------------------------------------------------------------------- the output folder itself


def _write(folder: OutputFolder, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder.staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_an_earlier_demos_results_are_replaced_whole(tmp_path: Path) -> None:
    out, data = tmp_path / "out", tmp_path / "data"
    data.mkdir()
    first = OutputFolder(out, data_dir=data)
    assert first.mode == "new"
    _write(first, {"segments/a.csv": "1", "executions/failed.json": "{}", "demo_summary.json": "{}"})
    first.commit()
    assert json.loads((out / MARKER).read_text())["entries"] == ["demo_summary.json", "executions", "segments"]

    second = OutputFolder(out, data_dir=data)
    assert second.mode == "ours"
    _write(second, {"segments/b.csv": "2", "demo_summary.json": "{}"})
    assert (out / "segments/a.csv").exists()  # the old results stay whole until the new ones are complete
    second.commit()
    assert sorted(_tree(out)) == [MARKER, "demo_summary.json", "segments/b.csv"]  # nothing of the first run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "out"]


def test_a_demo_folder_with_the_users_files_added_is_refused_then_forced_keeping_them(tmp_path: Path) -> None:
    out, data = tmp_path / "out", tmp_path / "data"
    data.mkdir()
    first = OutputFolder(out, data_dir=data)
    _write(first, {"segments/a.csv": "1", "executions/failed.json": "{}"})
    first.commit()
    (out / "my-analysis.ipynb").write_text("{}")
    with pytest.raises(OutputRefused, match=r"my-analysis\.ipynb"):
        OutputFolder(out, data_dir=data)
    forced = OutputFolder(out, data_dir=data, force=True)
    _write(forced, {"segments/b.csv": "2"})
    forced.commit()
    assert sorted(_tree(out)) == [MARKER, "my-analysis.ipynb", "segments/b.csv"]


def test_force_on_a_foreign_folder_replaces_only_the_demos_entries(tmp_path: Path) -> None:
    out, data = tmp_path / "out", tmp_path / "data"
    data.mkdir()
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    (out / "logs").mkdir()
    (out / "logs" / "old.log").write_text("old")
    forced = OutputFolder(out, data_dir=data, force=True)
    _write(forced, {"logs/new.log": "new"})
    forced.commit()
    assert sorted(_tree(out)) == ["keep.txt", "logs/new.log"]  # no marker: the folder is still the user's
    with pytest.raises(OutputRefused):
        OutputFolder(out, data_dir=data)


def test_an_empty_folder_is_used_and_a_discarded_run_leaves_nothing(tmp_path: Path) -> None:
    out, data = tmp_path / "out", tmp_path / "data"
    data.mkdir()
    out.mkdir()
    folder = OutputFolder(out, data_dir=data)
    assert folder.mode == "empty"
    _write(folder, {"segments/a.csv": "1"})
    folder.discard()
    assert list(out.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "out"]


# --------------------------------------------------------------------------- exit codes and help


def test_validate_usage_errors_exit_2_with_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DATA / "personalize/train/bingewatch")]) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and "config.json" in err
    assert main(["validate", str(DATA / "nowhere/config.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def _all_parsers(parser: argparse.ArgumentParser, path: str = "") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(path or "contextual-targeting", parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _all_parsers(sub, f"{path} {name}".strip())
    return found


def test_every_option_of_every_command_has_help_and_shows_its_default() -> None:
    missing = []
    for path, parser in _all_parsers(build_parser()):
        text = parser.format_help()
        for action in parser._actions:
            if not action.option_strings or action.help == argparse.SUPPRESS:
                continue
            if not action.help:
                missing.append(f"{path} {action.option_strings[0]}: no help")
            elif action.default not in (None, False, argparse.SUPPRESS) and action.nargs != 0:
                shown = parser._get_formatter()._expand_help(action)
                if "default" not in shown:
                    missing.append(f"{path} {action.option_strings[0]}: default not shown")
        assert text
    assert not missing, missing


def test_usage_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as raised:
        main(["demo", "--destination", "carrier-pigeon"])
    assert raised.value.code == 2


# --------------------------------------------------------------------------- Ctrl-C


class _Running:
    """A command run as its console script, its stdout and stderr read as they come (a thread per pipe, so a
    full pipe never blocks it), to be interrupted once it is demonstrably at work. The waits are generous: on a
    loaded machine the start alone can take many seconds, and only the conditions decide, not the clock."""

    def __init__(self, args: list[str]) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.out: list[bytes] = []
        self.err: list[bytes] = []
        self.readers = [
            threading.Thread(target=self._drain, args=(pipe, sink), daemon=True)
            for pipe, sink in ((self.process.stdout, self.out), (self.process.stderr, self.err))
        ]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _drain(pipe: Any, sink: list[bytes]) -> None:
        for line in iter(pipe.readline, b""):
            sink.append(line)

    def interrupt_when(self, ready: Callable[[], bool], timeout: float = 600) -> None:
        """Send one SIGINT (one Ctrl-C) as soon as ``ready()``; fail if the command ends first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                self.process.send_signal(signal.SIGINT)
                return
            if self.process.poll() is not None:
                pytest.fail(f"finished before it could be interrupted (exit {self.process.returncode})")
            time.sleep(0.02)
        self.process.kill()
        pytest.fail(f"not at work after {timeout:.0f} s")

    def finish(self, timeout: float = 300) -> tuple[int, str, str]:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        for reader in self.readers:
            reader.join(timeout=60)
        return code, b"".join(self.out).decode(), b"".join(self.err).decode()


def test_ctrl_c_in_generate_data_exits_130_with_one_line_and_no_files(tmp_path: Path) -> None:
    out = tmp_path / "bw"
    run = _Running([*CLI, "generate-data", "--users", "20000", "--interactions", "30000000", "--out", str(out)])
    partial = out / "personalize/train/bingewatch/.interactions.csv.partial"
    # at work: interactions are being written (the other files are complete partials by then)
    run.interrupt_when(lambda: partial.exists() and partial.stat().st_size > 1_000_000)
    code, stdout, stderr = run.finish()
    assert code == 130, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    # one line for the interrupt; before it only progress lines (one every 10 s when stderr is not a terminal)
    assert lines[-1] == "contextual-targeting generate-data: interrupted (Ctrl-C)", stderr
    assert all(line.startswith("generate-data: ") and " rows" in line for line in lines[:-1]), stderr
    assert stdout == ""
    assert [p for p in out.rglob("*") if p.is_file()] == []  # no file that looks like a data set, no partials


def test_ctrl_c_in_demo_exits_130_and_leaves_no_out_folder(built_zips: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = _Running([*CLI, "demo", "--out", str(out)])
    # at work: the training workflow is running (its states are printed), its functions run on moto's threads
    # and write their logs into the staging folder — the moment a Ctrl-C must leave nothing behind
    run.interrupt_when(lambda: any(b"training " in line and "▸".encode() in line for line in run.out))
    code, stdout, stderr = run.finish()
    assert code == 130, stdout + stderr
    assert stderr.strip().splitlines() == ["contextual-targeting demo: interrupted (Ctrl-C)"]
    assert "Traceback" not in stdout and "OK" not in stdout.splitlines()[-1]
    # neither out/ nor its staging folder (functions still on moto's threads while it exited wrote nothing here)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- the demo's progress display


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _FakePinpoint:
    def __init__(self) -> None:
        self.jobs = [{"segment": "endpoints", "pieces_done": 0, "pieces_total": 2, "rows": 1500, "seconds": 3.0}]

    def import_progress(self) -> list[dict[str, object]]:
        return self.jobs


class _FakeCloud:
    personalize = None

    def __init__(self) -> None:
        self.pinpoint = _FakePinpoint()

    def entered_tasks(self, arn: str, after: int = 0) -> tuple[list[str], int]:
        entered = ["GetImportJob", "GetImportJob"]  # a poll loop enters its task again: printed once
        return entered[after:], len(entered)


def _execution(status: str) -> object:
    from contextual_targeting.local.runtime import Execution

    return Execution(workflow="pinpoint_import", name="endpoints-csv", arn="arn:x", status=status, start=0.0)


def test_demo_progress_is_a_bar_on_a_terminal_and_lines_otherwise() -> None:
    from contextual_targeting.local.demo import Progress

    terminal, plain = _Terminal(), io.StringIO()
    for stream in (terminal, plain):
        cloud = _FakeCloud()
        progress = Progress(cloud, stream, time.monotonic(), every=0.0)  # type: ignore[arg-type]
        progress([_execution("RUNNING")])
        cloud.pinpoint.jobs[0].update(rows=4000, pieces_done=1)
        progress([_execution("RUNNING")])
        cloud.pinpoint.jobs = []
        progress([_execution("SUCCEEDED")])
        progress.close()
    shown = terminal.getvalue()
    assert "\r" in shown and "pinpoint import endpoints" in shown and "4.00k endpoints" in shown
    assert "part 2/2" in shown and "▸ GetImportJob" in shown and "SUCCEEDED" in shown
    lines = plain.getvalue().splitlines()
    assert "\r" not in plain.getvalue()
    assert [line.split("]", 1)[1].split()[-1] for line in lines] == [
        "GetImportJob",
        "(500/s)",
        "(1,333/s)",
        "SUCCEEDED",
    ]
    assert "part 1/2, 1,500 endpoints" in lines[1] and "part 2/2, 4,000 endpoints" in lines[2]


def test_demo_progress_quiet_prints_nothing() -> None:
    from contextual_targeting.local.demo import Progress

    stream = io.StringIO()
    progress = Progress(_FakeCloud(), stream, time.monotonic(), quiet=True)  # type: ignore[arg-type]
    progress([_execution("RUNNING")])
    assert stream.getvalue() == ""
