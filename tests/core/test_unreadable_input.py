"""Unreadable input gets the documented error — file, line, what to fix — and never a traceback.

The CLI cases run the installed console script in a subprocess (exit status, one line on stderr); the Lambda
cases are in tests/workflows/test_ses_destination.py (the workflow fails with InputInvalid naming the file and line,
and notifies).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "contextual_targeting.cli"]
ENDPOINT = b'{"Id": "e%d", "User": {"UserId": "%s"}, "ChannelType": "EMAIL"}\n'
OK_LINE = json.dumps({"input": {"itemAttributes": 'ITEMS.genres = "Action"'}, "output": {"usersList": ["u1", "u2"]}})


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("CT_DEBUG", None)
    return subprocess.run([*CLI, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def job(tmp_path: Path) -> Path:
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "part.out").write_text(OK_LINE + "\n")
    return tmp_path


def endpoints(tmp_path: Path, name: str, body: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(body)
    return path


@pytest.mark.parametrize(
    ("name", "body", "expected"),
    [
        ("ep.csv", b"Id,User.UserId\ne1,u1\ne2,\xff\xfeu2\n", "ep.csv line 3: not UTF-8 text (byte 0xff at column 4)"),
        ("ep.csv", b"Id,ChannelType\ne1,EMAIL\n", "ep.csv line 1: an endpoint mapping CSV needs the columns"),
        (
            "export.gz",
            gzip.compress(
                b"".join(ENDPOINT % (n, hashlib.sha256(b"%d" % n).hexdigest().encode()) for n in range(4000)), mtime=0
            )[:-40],
            "the gzip data is cut short or damaged after line",
        ),
        ("export.gz", gzip.compress(b'{"Id": "e1"}\n{"Id": \n', mtime=0), "export.gz line 2: not JSON"),
        ("export.json", b'{"Id": "e1"}\n[1, 2]\n', "export.json line 2: a JSON list, not an endpoint object"),
        ("export.json", b'{"Id": "e1", "User": "u1"}\n', "export.json line 1: not a Pinpoint endpoint"),
        ("export.json", b'{"Id": "e1"}\n{"Id": "\xe9"}\n', "export.json line 2: not UTF-8 text"),
        ("export.gz", b"this is not gzip data at all\n", "the gzip data is cut short or damaged before its first"),
    ],
)
def test_postprocess_endpoints_file_errors_name_file_and_line(job: Path, name: str, body: bytes, expected: str) -> None:
    mapping = endpoints(job, name, body)
    result = run("postprocess", "--job-output", "job", "--out", "out", "--endpoints", mapping.name, cwd=job)
    assert result.returncode == 2
    message = one_line_error(result)
    assert message.startswith("postprocess: ") and expected in message, message
    assert not (job / "out").exists()  # checked before anything is written


def test_postprocess_batch_output_lines_that_are_not_json_objects_are_reported_with_file_and_line(job: Path) -> None:
    (job / "job" / "part.out").write_bytes(
        (OK_LINE + "\n[1, 2]\n" + '{"input": {"itemAttributes": \n').encode() + b'"\xff"\n'
    )
    result = run("postprocess", "--job-output", "job", "--out", "out", cwd=job)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    reported = [line for line in result.stdout.splitlines() if "[malformed]" in line]
    assert len(reported) == 3
    assert "the line is not a JSON object (job/part.out line 2" in reported[0]
    assert "invalid JSON" in reported[1] and "job/part.out line 3" in reported[1]
    assert "job/part.out line 4" in reported[2]
    summary = json.loads((job / "out/segments/job/job/_summary.json").read_text())
    assert [(e["line"], e["source"]) for e in summary["errors"]] == [(n, "job/part.out") for n in (2, 3, 4)]


def test_an_unexpected_error_is_one_line_too(tmp_path: Path) -> None:
    """The last guard of every command: whatever escapes the readers is one line naming its type, exit 1."""
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "part.out").write_text(OK_LINE + "\n")
    (tmp_path / "out").write_text("a file where the output folder should be\n")
    result = run("postprocess", "--job-output", "job", "--out", "out", cwd=tmp_path)
    assert result.returncode == 1
    message = one_line_error(result)
    assert message.startswith("contextual-targeting postprocess: ") and "CT_DEBUG=1" in message


@pytest.mark.parametrize("join", ["ses", "connect"])
def test_the_joins_name_the_exact_line_even_far_into_the_users_dataset(tmp_path: Path, join: str) -> None:
    """The decoders read ahead by kilobytes: the line number is found again, not guessed from the CSV reader."""
    from contextual_targeting.core import connect_profiles, ses_contacts
    from contextual_targeting.core.storage import LocalStorage

    rows = b"".join(b"u%d,F,user%d@example.com\n" % (n, n) for n in range(5000))
    (tmp_path / "train/dg").mkdir(parents=True)
    (tmp_path / "train/dg/users.csv").write_bytes(b"USER_ID,GENDER,E_MAIL\n" + rows + b"u5000,F,\xc3(@example.com\n")
    storage = LocalStorage(tmp_path)
    if join == "ses":
        reading = ses_contacts.iter_users(storage, ["train/dg/users.csv"])
        error: type[Exception] = ses_contacts.InputInvalid
    else:
        reading = connect_profiles.iter_users(storage, ["train/dg/users.csv"], ["E_MAIL"])
        error = connect_profiles.InputInvalid
    with pytest.raises(error) as raised:
        for _ in reading:
            pass
    assert "users.csv line 5002: not UTF-8 text (byte 0xc3 at column 9): save it as UTF-8" in str(raised.value)
