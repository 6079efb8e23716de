"""`contextual-targeting teardown`: what the training workflow created in Personalize, deleted, in order, idempotently.

The resources come from the real workflow: the local runtime runs the training workflow on the committed sample
(rendered ASL, validate Lambda from its zip, the Personalize emulator), then a filter and an event tracker are added
(the workflow creates neither, users may) and a second dataset group shares one schema. The command runs through
the CLI against the emulator, whose deletes are asynchronous with the service's error codes.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from contextual_targeting.cli import main
from contextual_targeting.local.runtime import REGION, LocalDeployment, Settings

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "personalize"
CONFIG = json.loads((SAMPLE / "train/bingewatch/config.json").read_text())


def _uploads() -> list[Path]:
    files = sorted(p for p in SAMPLE.rglob("*") if p.is_file())
    return [p for p in files if p.name != "config.json"] + [p for p in files if p.name == "config.json"]


def _wait(describe, key: str, **params) -> None:
    for _ in range(20):
        if describe(**params)[key]["status"] in ("ACTIVE", "CREATE FAILED"):
            return
    raise AssertionError(f"{key} never finished")


@pytest.fixture
def trained(built_zips: Path, tmp_path: Path) -> Iterator[LocalDeployment]:
    settings = Settings(pinpoint=False, ses=False)
    with LocalDeployment(settings, log_dir=tmp_path / "logs") as cloud:
        for path in _uploads():
            cloud.put(settings.data_bucket, path.relative_to(SAMPLE).as_posix(), path.read_bytes())
        executions = cloud.wait_idle(timeout=300)
        assert {(e.workflow, e.status) for e in executions} == {
            ("training", "SUCCEEDED"),
            ("segment_postprocessing", "SUCCEEDED"),
        }
        p = boto3.client("personalize", region_name=REGION)
        group = cloud.personalize.arn("dataset-group/bingewatch")
        p.create_filter(
            name="no-horror", datasetGroupArn=group, filterExpression='EXCLUDE ItemID WHERE Items.GENRES IN ("Horror")'
        )
        tracker = p.create_event_tracker(name="web", datasetGroupArn=group)["eventTrackerArn"]
        _wait(p.describe_event_tracker, "eventTracker", eventTrackerArn=tracker)
        # another dataset group (staging) on the same interactions schema: that schema must survive
        staging = p.create_dataset_group(name="staging")["datasetGroupArn"]
        _wait(p.describe_dataset_group, "datasetGroup", datasetGroupArn=staging)
        shared = next(
            s["schemaArn"] for s in p.list_schemas()["schemas"] if s["name"] == "bingewatch-interactions-schema"
        )
        p.create_dataset(
            name="staging-interactions", schemaArn=shared, datasetGroupArn=staging, datasetType="Interactions"
        )
        yield cloud


def _of_group(cloud: LocalDeployment, group_arn: str) -> list[str]:
    return [
        f"{r.kind} {r.arn}"
        for r in cloud.personalize.resources.values()
        if r.arn == group_arn or r.fields.get("datasetGroupArn") == group_arn
    ]


def _teardown(*extra: str) -> int:
    return main(["teardown", "--dataset-group", "bingewatch", "--region", REGION, "--poll-seconds", "0", *extra])


def test_teardown_deletes_everything_of_the_group_in_dependency_order_and_is_idempotent(
    trained: LocalDeployment, capsys: pytest.CaptureFixture[str]
) -> None:
    cloud = trained
    group_arn = cloud.personalize.arn("dataset-group/bingewatch")
    kinds_before = {line.split()[0] for line in _of_group(cloud, group_arn)}
    assert {"dataset-group", "dataset", "solution", "solution-version", "filter", "event-tracker"} <= kinds_before
    jobs = [
        r.arn for r in cloud.personalize.resources.values() if r.kind in ("batch-segment-job", "dataset-import-job")
    ]
    assert jobs
    calls_before = len(cloud.personalize.calls)

    assert _teardown("--yes") == 0
    printed = capsys.readouterr().out
    # nothing of the group is left but the job records the API cannot delete, which the command listed
    left = [
        line for line in _of_group(cloud, group_arn) if not line.startswith(("batch-segment-job", "dataset-import-job"))
    ]
    assert left == []
    for arn in jobs:
        assert arn in printed
    schemas = {r.fields["name"] for r in cloud.personalize.of_kind("schema")}
    assert schemas == {"bingewatch-interactions-schema"}  # still used by staging; items and users schemas deleted
    assert "kept: schema" in printed and "staging" in printed
    assert [r.fields["name"] for r in cloud.personalize.of_kind("dataset")] == ["staging-interactions"]
    assert "everything deleted" in printed

    # dependency order: filters, event trackers, solutions, datasets, schemas, then the group
    deletes = [op for op, _ in cloud.personalize.calls[calls_before:] if op.startswith("Delete")]
    order = [
        "DeleteFilter",
        "DeleteEventTracker",
        "DeleteSolution",
        "DeleteDataset",
        "DeleteSchema",
        "DeleteDatasetGroup",
    ]
    assert sorted(set(deletes), key=order.index) == order
    assert deletes == sorted(deletes, key=order.index)
    # each kind was waited for until Describe said it was gone before the next kind started
    assert "waiting for" in printed

    # again: nothing to delete, success
    assert _teardown("--yes") == 0
    assert "nothing to delete" in capsys.readouterr().out


def test_dry_run_and_a_declined_question_delete_nothing(
    trained: LocalDeployment, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cloud = trained
    group_arn = cloud.personalize.arn("dataset-group/bingewatch")
    before = _of_group(cloud, group_arn)
    assert _teardown("--dry-run") == 0
    printed = capsys.readouterr().out
    assert "to delete, in this order" in printed and "nothing was deleted" in printed
    lines = printed.splitlines()
    first = {
        kind: next(i for i, line in enumerate(lines) if line.strip().startswith(f"- {kind} "))
        for kind in ("filter", "event tracker", "solution", "dataset", "schema", "dataset group")
    }
    assert list(first.values()) == sorted(first.values())
    monkeypatch.setattr(builtins, "input", lambda prompt: "no")
    assert _teardown() == 2
    assert "not deleted" in capsys.readouterr().err
    assert _of_group(cloud, group_arn) == before


def test_training_in_progress_blocks_the_teardown_before_any_delete(
    trained: LocalDeployment, capsys: pytest.CaptureFixture[str]
) -> None:
    cloud = trained
    p = boto3.client("personalize", region_name=REGION)
    solution = cloud.personalize.arn("solution/bingewatch-affinity")
    p.create_solution_version(solutionArn=solution, trainingMode="FULL")  # never described: stays CREATE PENDING
    calls_before = len(cloud.personalize.calls)
    assert _teardown("--yes") == 1
    captured = capsys.readouterr()
    assert "BLOCKED" in captured.out and "solution version" in captured.out and "CREATE PENDING" in captured.out
    assert not [op for op, _ in cloud.personalize.calls[calls_before:] if op.startswith("Delete")]


def test_unknown_dataset_group_is_nothing_to_delete(
    trained: LocalDeployment, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["teardown", "--dataset-group", "prod", "--region", REGION, "--yes"]) == 0
    assert "No dataset group named prod" in capsys.readouterr().out


def test_emulator_refuses_deletes_the_service_refuses(trained: LocalDeployment) -> None:
    p = boto3.client("personalize", region_name=REGION)
    group = trained.personalize.arn("dataset-group/bingewatch")
    with pytest.raises(p.exceptions.ResourceInUseException):
        p.delete_dataset_group(datasetGroupArn=group)  # datasets, solutions and the tracker still there
    schema = next(s["schemaArn"] for s in p.list_schemas()["schemas"] if s["name"] == "bingewatch-items-schema")
    with pytest.raises(p.exceptions.ResourceInUseException):
        p.delete_schema(schemaArn=schema)
    tracker = p.list_event_trackers(datasetGroupArn=group)["eventTrackers"][0]["eventTrackerArn"]
    p.delete_event_tracker(eventTrackerArn=tracker)
    seen = []
    for _ in range(10):  # asynchronous: DELETE PENDING / DELETE IN_PROGRESS, then gone
        try:
            seen.append(p.describe_event_tracker(eventTrackerArn=tracker)["eventTracker"]["status"])
        except p.exceptions.ResourceNotFoundException:
            break
    else:
        raise AssertionError(f"event tracker never deleted: {seen}")
    assert seen and all(status.startswith("DELETE ") for status in seen)
    assert p.list_event_trackers(datasetGroupArn=group)["eventTrackers"] == []
