"""End to end: `contextual-targeting demo` on the committed sample runs all three workflows to the end.

This is the project's end-to-end test: the README's deploy steps against the local runtime — real state machine
definitions, real Lambda code from build/*.zip, the Personalize and Pinpoint emulators, rules wired from the
Terraform modules' pattern files.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from contextual_targeting.core import notifications
from contextual_targeting.local.demo import DemoResult, run_demo

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"


def _queries() -> list[str]:
    path = DATA / "personalize/batch/bingewatch/bingewatch-affinity/job_config.json"
    return [json.loads(line)["itemAttributes"] for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def demo(built_zips: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, Path, str]:
    out = tmp_path_factory.mktemp("demo") / "out"
    stream = io.StringIO()
    result = run_demo(DATA, out, destination="pinpoint", stream=stream, timeout=300)
    return result, out, stream.getvalue()


def test_every_workflow_succeeds(demo: tuple[DemoResult, Path, str]) -> None:
    result, _, printed = demo
    assert result.exit_code == 0, printed
    statuses = {(e.workflow, e.status) for e in result.executions}
    assert statuses == {
        ("training", "SUCCEEDED"),
        ("segment_postprocessing", "SUCCEEDED"),
        ("pinpoint_import", "SUCCEEDED"),
    }
    by_workflow = [e.workflow for e in result.executions]
    # the initial endpoints import, then per segment its resolution (from the export) and its import (from the
    # completion object the resolution wrote last)
    assert by_workflow.count("training") == 1
    assert by_workflow.count("segment_postprocessing") == 1
    assert by_workflow.count("pinpoint_import") == 1 + 2 * len(_queries())


def test_one_pinpoint_segment_per_query_made_of_imported_endpoints(demo: tuple[DemoResult, Path, str]) -> None:
    result, _, _ = demo
    queries = _queries()
    assert sorted(r["query"] for r in result.segments) == sorted(queries)
    for row in result.segments:
        assert row["status"] == "ok"
        assert row["pinpoint_segment_id"]
        assert row["pinpoint_endpoints"] and row["pinpoint_endpoints"] > 0
        assert row["pinpoint_endpoints"] == row["endpoints"]
    assert len({r["pinpoint_segment_id"] for r in result.segments}) == len(queries)


def test_segment_members_are_endpoints_created_by_the_endpoints_import(
    demo: tuple[DemoResult, Path, str], built_zips: Path
) -> None:
    _, out, _ = demo
    # the import files under pinpoint/segments/<segment>/ list endpoint ids; the endpoints import created ids for
    # every row of data/pinpoint/endpoints.csv — the demo summary records both sides
    imported_ids: set[str] = set()
    for part in sorted(out.glob("pinpoint/segments/*/part-*.csv")):
        rows = list(csv.reader(part.open()))
        assert rows[0] == ["Id"]
        imported_ids.update(r[0] for r in rows[1:])
    assert imported_ids
    summary = json.loads((out / "demo_summary.json").read_text())
    endpoint_ids = set(summary["endpoint_ids"])
    assert len(endpoint_ids) == sum(1 for _ in (DATA / "pinpoint/endpoints.csv").open()) - 1
    assert imported_ids <= endpoint_ids


def test_exports_list_known_users_in_rank_order(demo: tuple[DemoResult, Path, str]) -> None:
    _, out, _ = demo
    with (DATA / "personalize/train/bingewatch/users.csv").open() as handle:
        users = {row["USER_ID"] for row in csv.DictReader(handle)}
    exports = [p for p in out.glob("segments/bingewatch/*/*.csv")]
    assert len(exports) == len(_queries())
    for export in exports:
        rows = list(csv.reader(export.open()))
        assert rows[0] == ["USER_ID"]
        ids = [r[0] for r in rows[1:]]
        assert ids and len(ids) == len(set(ids))
        assert set(ids) <= users


def test_notifications_for_training_segments_and_each_import(demo: tuple[DemoResult, Path, str]) -> None:
    result, out, _ = demo
    subjects = [n["subject"] for n in result.notifications]
    assert sum("training succeeded" in s.lower() for s in subjects) == 1
    assert sum(s.startswith("Segments ready") for s in subjects) == 1
    assert sum("import succeeded" in s.lower() for s in subjects) == 1 + len(_queries())
    assert len(list((out / "notifications").glob("*.txt"))) == len(subjects)


def test_summary_table_and_outputs(demo: tuple[DemoResult, Path, str]) -> None:
    result, out, printed = demo
    assert "Segments" in printed and "pinpoint segment id" in printed
    for row in result.segments:
        assert row["segment"] in printed
    assert (out / "demo_summary.json").exists()
    assert list(out.glob("segments/bingewatch/*/_summary.json"))
    assert list(out.glob("logs/*.log"))
    assert printed.rstrip().endswith("OK")


def test_progress_shows_states_and_personalize_statuses(demo: tuple[DemoResult, Path, str]) -> None:
    _, _, printed = demo
    lines = printed.splitlines()
    assert any("s] training " in line and "▸ Validate" in line for line in lines)
    for kind in ("dataset-import-job", "solution", "batch-segment-job"):
        assert any(f"personalize {kind} " in line and line.rstrip().endswith("ACTIVE") for line in lines), kind
    # each change is printed once, not on every poll
    personalize = [line.split("]", 1)[1] for line in lines if "] personalize " in line]
    assert len(personalize) == len(set(personalize))


def test_out_keeps_the_batch_job_output_that_postprocess_reads(
    demo: tuple[DemoResult, Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from contextual_targeting.cli import main

    _, out, _ = demo
    job_dirs = sorted({p.parent for p in out.glob("batch-output/bingewatch/bingewatch-affinity/*/*/*.out")})
    assert len(job_dirs) == 1
    # the README's offline example, on what the demo just produced: the same exports as the workflow wrote
    assert main(["postprocess", "--job-output", str(job_dirs[0]), "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    for export in out.glob("segments/bingewatch/*/*.csv"):
        assert (tmp_path / export.relative_to(out)).read_bytes() == export.read_bytes()


def test_function_logs_stay_out_of_the_console(demo: tuple[DemoResult, Path, str]) -> None:
    _, out, printed = demo
    assert '"level"' not in printed
    prepare_log = (out / "logs/ct-local-pinpoint-import-prepare.log").read_text()
    assert '"message":"prepared"' in prepare_log.replace(" ", "")


def test_a_broken_config_fails_visibly(built_zips: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    config_path = data / "personalize/train/bingewatch/config.json"
    config = json.loads(config_path.read_text())
    config["solutions"][0]["serviceConfig"]["recipeArn"] = "arn:aws:personalize:::recipe/aws-user-personalization"
    config_path.write_text(json.dumps(config))
    out = tmp_path / "out"
    stream = io.StringIO()
    result = run_demo(data, out, stream=stream, timeout=300)
    printed = stream.getvalue()
    assert result.exit_code == 1
    assert [f["workflow"] for f in result.failures] == ["training"]
    assert "InputInvalid" in printed and "recipe" in printed.lower()
    assert list((out / "executions").glob("training-*.json"))
    failure_notes = [n for n in result.notifications if "invalid input" in n["subject"].lower()]
    assert failure_notes and "recipe" in failure_notes[0]["message"].lower()
    console = capfd.readouterr()
    # moto's own error record of the failed state goes to out/logs/moto.log, not to the console
    assert "Exception=" not in console.out + console.err
    assert "Exception=FailureEventException" in (out / "logs/moto.log").read_text()
    last_line = printed.rstrip().splitlines()[-1]
    assert last_line.endswith(f"FAILED: 1 execution(s) failed: training {result.failures[0]['execution']}")


def test_ses_destination_demo_lists_each_segment_topic_and_subscribers(built_zips: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    stream = io.StringIO()
    result = run_demo(DATA, out, destination="ses", stream=stream, timeout=300, quiet=True)
    printed = stream.getvalue()
    assert result.exit_code == 0, printed
    assert "▸" not in printed and "] personalize" not in printed  # --quiet: steps and summary only
    assert {e.workflow for e in result.executions} == {"training", "segment_postprocessing", "ses_destination"}
    assert all(e.status == "SUCCEEDED" for e in result.executions)
    topics = {t["topic"]: t for t in result.ses_topics}
    assert set(topics) == {r["segment"] for r in result.segments}
    for row in result.segments:
        export = next(out.glob(f"segments/bingewatch/*/{row['segment']}.csv"))
        members = sum(1 for _ in export.open()) - 1
        # every sample user has an e-mail address: every member is subscribed to the segment's topic
        assert topics[row["segment"]]["subscribers"] == members == row["users"]
        assert topics[row["segment"]]["ours"]
        assert row["segment"] in printed
    assert "SES contact-list topics" in printed and "subscribers" in printed
    assert sum("ses" in n["subject"].lower() for n in result.notifications) == len(topics)


def test_demo_without_arguments_runs_the_terraform_default_export_only(built_zips: Path, tmp_path: Path) -> None:
    import hcl2

    from contextual_targeting.cli import main

    # `make demo` = `contextual-targeting demo` with no destination: the root module's default segment_destinations
    variables = {
        k.strip('"'): v for block in hcl2.load((REPO / "variables.tf").open())["variable"] for k, v in block.items()
    }
    assert variables["segment_destinations"]["default"] == []
    out = tmp_path / "out"
    assert main(["demo", "--out", str(out), "--timeout", "300"]) == 0
    summary = json.loads((out / "demo_summary.json").read_text())
    assert summary["exit_code"] == 0 and not summary["failures"]
    assert {e["workflow"] for e in summary["executions"]} == {"training", "segment_postprocessing"}
    assert all(e["status"] == "SUCCEEDED" for e in summary["executions"])
    assert len(list(out.glob("segments/bingewatch/*/*.csv"))) == len(_queries())
    assert not (out / "pinpoint").exists() and not summary["ses_topics"]
    assert all(row["endpoints"] is None and row["pinpoint_segment_id"] is None for row in summary["segments"])


def test_unknown_destination_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="destination"):
        run_demo(DATA, tmp_path / "out", destination="carrier-pigeon", stream=io.StringIO())
    with pytest.raises(ValueError, match="destination"):
        run_demo(DATA, tmp_path / "out", destination="ses,carrier-pigeon", stream=io.StringIO())


def test_destinations_are_a_comma_separated_list() -> None:
    from contextual_targeting.local.demo import parse_destinations

    assert parse_destinations("export-only") == frozenset()
    assert parse_destinations("both") == {"pinpoint", "ses"}
    assert parse_destinations("ses, connect") == {"ses", "connect"}
    assert parse_destinations("both,connect") == {"pinpoint", "ses", "connect"}
    with pytest.raises(ValueError, match="export-only cannot be combined"):
        parse_destinations("export-only,ses")


def test_connect_destination_demo_lists_each_segment_definition_and_its_profiles(
    built_zips: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    stream = io.StringIO()
    result = run_demo(DATA, out, destination="connect", stream=stream, timeout=300)
    printed = stream.getvalue()
    assert result.exit_code == 0, printed
    assert {e.workflow for e in result.executions} == {"training", "segment_postprocessing", "connect_destination"}
    definitions = {c["display_name"]: c for c in result.connect_segments}
    assert set(definitions) == {r["segment"] for r in result.segments} and len(definitions) == len(_queries())
    for row in result.segments:
        export = next(out.glob(f"segments/bingewatch/*/{row['segment']}.csv"))
        members = sum(1 for _ in export.open()) - 1
        # every sample user has an e-mail address: every member is a profile of the segment definition
        assert definitions[row["segment"]]["profiles"] == members == row["users"]
        arn = definitions[row["segment"]]["segment_definition_arn"]
        assert arn.startswith("arn:aws:profile:us-east-1:123456789012:domains/ct-local-profiles/segment-definitions/")
        assert arn in printed
    assert "Customer Profiles segment definitions" in printed
    notes = [
        notifications.details(n["message"]) for n in result.notifications if n["subject"] == "Connect segment ready"
    ]
    assert sorted(n["segment_definition_arn"] for n in notes) == sorted(
        c["segment_definition_arn"] for c in result.connect_segments
    )
    summary = json.loads((out / "demo_summary.json").read_text())
    assert summary["connect_segments"] == result.connect_segments


def test_bench_demo_prints_one_json_line_with_stages_and_peak_rss(
    built_zips: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from contextual_targeting.cli import main

    log = tmp_path / "demo.log"
    assert main(["bench", "demo", "--data-dir", str(DATA), "--destination", "export-only", "--log", str(log)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    figures = json.loads(lines[0])
    assert figures["benchmark"] == "demo" and figures["exit_code"] == 0
    assert figures["users"] == 1000 and figures["interactions"] == 50000  # the sample's sizes
    assert set(figures["stages"]) == {"deploy", "upload", "workflows", "outputs"}
    assert set(figures["workflows"]) == {"training", "segment_postprocessing"}
    assert figures["peak_rss_mb"] > 50 and figures["seconds"] >= sum(figures["stages"].values()) - 1
    assert log.read_text().rstrip().endswith("OK")
