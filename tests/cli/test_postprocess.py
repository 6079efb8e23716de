"""`contextual-targeting postprocess`: the Lambda core on local files — exports, summary, import CSVs, bad input."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest

from contextual_targeting.cli import main
from contextual_targeting.core.naming import segment_identity


def write_output(folder: Path, lines: list[str], name: str = "job_config.json.out") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(lines))
    return folder


def jline(query: str, users: list[str], documented: bool = False, error: str | None = None) -> str:
    if documented:
        return json.dumps({"itemAttributes": query, "output": {"recommendedUsers": users}}) + "\n"
    return json.dumps({"input": {"itemAttributes": query}, "output": {"usersList": users}, "error": error}) + "\n"


def column(path: Path) -> list[str]:
    with open(path, newline="") as handle:
        return [row[0] for row in csv.reader(handle)]


@pytest.fixture
def job(tmp_path: Path) -> Path:
    return write_output(
        tmp_path / "batch" / "bingewatch" / "affinity" / "weekly-1",
        [jline('ITEMS.genres = "Action"', ["1", "2", "3"]), jline('ITEMS.genres = "Comedy"', ["3", "4"], True)],
    )


def test_exports_and_summary_without_endpoints(job: Path, tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert main(["postprocess", "--job-output", str(job), "--out", str(out)]) == 0
    action = segment_identity("bingewatch", "affinity", "weekly-1", 'ITEMS.genres = "Action"').name
    folder = out / "segments" / "bingewatch" / "weekly-1"
    assert column(folder / f"{action}.csv") == ["USER_ID", "1", "2", "3"]
    summary = json.loads((folder / "_summary.json").read_text())
    assert summary["totals"]["segments"] == 2 and summary["totals"]["users"] == 5
    assert "pinpoint" not in summary and "endpoints" not in summary["totals"]  # the summary knows no destination
    assert not (out / "pinpoint").exists() and not (out / "work").exists()
    assert action in capsys.readouterr().out


def test_import_csvs_from_an_endpoint_csv(job: Path, tmp_path: Path):
    endpoints = tmp_path / "endpoints.csv"
    endpoints.write_text(
        "Id,ChannelType,Address,User.UserId,OptOut\n"
        "e1,EMAIL,a@example.com,1,NONE\n"
        "e2,EMAIL,b@example.com,2,ALL\n"  # opted out
        "e3,EMAIL,c@example.com,3,NONE\n"
        "e3s,SMS,+15555550100,3,NONE\n"  # other channel
        "e3b,EMAIL,c2@example.com,3,NONE\n"  # all of a user's endpoints
    )
    out = tmp_path / "out"
    assert main(["postprocess", "--job-output", str(job), "--out", str(out), "--endpoints", str(endpoints)]) == 0
    action = segment_identity("bingewatch", "affinity", "weekly-1", 'ITEMS.genres = "Action"').name
    assert column(out / "pinpoint" / "segments" / action / "part-00000.csv") == ["Id", "e1", "e3", "e3b"]
    ready = json.loads((out / "pinpoint" / "segments" / f"{action}.ready.json").read_text())
    assert (ready["users"], ready["endpoints"], ready["unresolved"], ready["parts"]) == (3, 3, 1, 1)


def test_import_csvs_from_a_gzipped_endpoint_export(job: Path, tmp_path: Path):
    export = tmp_path / "export"
    export.mkdir()
    with gzip.open(export / "part-1.gz", "wt") as handle:
        for endpoint_id, user, channel in (("x1", "1", "EMAIL"), ("x4", "4", "EMAIL"), ("x4s", "4", "SMS")):
            handle.write(
                json.dumps(
                    {
                        "Id": endpoint_id,
                        "ChannelType": channel,
                        "Address": "a",
                        "User": {"UserId": user},
                        "OptOut": "NONE",
                    }
                )
                + "\n"
            )
    out = tmp_path / "out"
    args = [
        "postprocess",
        "--job-output",
        str(job / "job_config.json.out"),
        "--out",
        str(out),
        "--endpoints",
        str(export),
    ]
    assert main([*args, "--chunk-size", "1"]) == 0
    comedy = segment_identity("bingewatch", "affinity", "weekly-1", 'ITEMS.genres = "Comedy"').name
    parts = sorted((out / "pinpoint" / "segments" / comedy).iterdir())
    assert [p.name for p in parts] == ["part-00001.csv"]  # user 3 (chunk 0) has no endpoint: no part
    assert column(parts[0]) == ["Id", "x4"]


def test_bad_lines_are_reported_and_exit_1(tmp_path: Path, capsys):
    job = write_output(
        tmp_path / "job-x",
        [jline('ITEMS.genres = "Action"', ["1"]), jline('ITEMS.genres = "War"', [], error="boom"), "{oops\n"],
    )
    out = tmp_path / "out"
    assert main(["postprocess", "--job-output", str(job), "--out", str(out), "--job-name", "job-x"]) == 1
    summary = json.loads((out / "segments" / "job-x" / "job-x" / "_summary.json").read_text())
    assert [s["status"] for s in summary["segments"]] == ["ok", "error", "malformed"]
    printed = capsys.readouterr().out
    assert "boom" in printed and "[malformed]" in printed


def test_missing_input_exits_2(tmp_path: Path):
    assert main(["postprocess", "--job-output", str(tmp_path / "nothing"), "--out", str(tmp_path / "o")]) == 2


def test_an_endpoint_csv_without_ids_is_a_clear_usage_error(job: Path, tmp_path: Path, capsys):
    definitions = tmp_path / "endpoints.csv"  # the shape of data/pinpoint/endpoints.csv: no Id column
    definitions.write_text("User.UserId,ChannelType,Address\n1,EMAIL,a@example.com\n")
    out = tmp_path / "out"
    code = main(["postprocess", "--job-output", str(job), "--out", str(out), "--endpoints", str(definitions)])
    assert code == 2
    message = capsys.readouterr().err
    assert "missing Id" in message and str(definitions) in message
    assert not out.exists()  # nothing written for a run that could not resolve anything


def test_an_endpoint_folder_without_endpoint_files_is_a_usage_error(job: Path, tmp_path: Path, capsys):
    (tmp_path / "empty").mkdir()
    code = main(
        ["postprocess", "--job-output", str(job), "--out", str(tmp_path / "o"), "--endpoints", str(tmp_path / "empty")]
    )
    assert code == 2
    assert "no endpoint file" in capsys.readouterr().err


def test_two_job_entries_and_two_dataset_groups_never_share_segments(tmp_path: Path):
    """Issue 12: with a 30-character solution name, main named the segments of two job entries (and of prod and
    staging) the same: one job's import files overwrote the other's and finalize deleted the other's parts."""
    solution = "bingewatch-affinity-weekly-eu1"
    endpoints = tmp_path / "endpoints.csv"
    endpoints.write_text("Id,User.UserId\n" + "".join(f"e{u},{u}\n" for u in range(1, 9)))
    out = tmp_path / "out"
    runs = {}
    for dg, entry, users in (("prod", "1", ["1", "2"]), ("prod", "2", ["3", "4"]), ("staging", "1", ["5", "6"])):
        job_name = f"{solution}-3f9a0c11d2-{entry}"
        folder = tmp_path / "batch-output" / dg / solution / entry / job_name
        write_output(folder, [jline('ITEMS.g = "A"', users)])
        argv = ["postprocess", "--job-output", str(folder), "--out", str(out), "--endpoints", str(endpoints)]
        assert main(argv) == 0
        runs[(dg, entry)] = (job_name, users)
    names = set()
    for (dg, entry), (job_name, users) in runs.items():
        summary = json.loads((out / "segments" / dg / job_name / "_summary.json").read_text())
        [segment] = summary["segments"]
        identity = segment["identity"]
        assert (identity["dataset_group"], identity["solution"], identity["job_entry"]) == (dg, solution, entry)
        name = segment["segment_name"]
        names.add(name)
        assert column(out / "segments" / dg / job_name / f"{name}.csv") == ["USER_ID", *users]
        # every job's own import files survive the other jobs' finalize
        assert column(out / "pinpoint" / "segments" / name / "part-00000.csv") == ["Id", *[f"e{u}" for u in users]]
        ready = json.loads((out / "pinpoint" / "segments" / f"{name}.ready.json").read_text())
        assert ready["segment_name"] == name and ready["users"] == 2
    assert len(names) == 3


@pytest.mark.parametrize(
    "lines",
    [[], ["\n"], [jline('ITEMS.genres = "War"', [])], [jline('ITEMS.genres = "War"', ["1"], error="boom")]],
    ids=["no-line", "blank", "only-empty", "only-failed"],
)
def test_a_job_without_any_segment_fails_clearly(tmp_path: Path, capsys, lines):
    """Issue 12: main reported such a job as a success with 0 segments."""
    job = write_output(tmp_path / "batch-output" / "dg" / "sol" / "1" / "job-x", lines)
    assert main(["postprocess", "--job-output", str(job), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "job-x produced no segment with users" in err and "_summary.json" in err
    assert "Traceback" not in err
