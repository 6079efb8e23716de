"""Execution tests of the rendered segment post-processing ASL in moto's Step Functions interpreter.

The two Lambdas run in-process from their built zips (``local_lambdas``); Personalize ``DescribeBatchSegmentJob``
is a minimal stand-in defined here, so these tests depend on no other workflow's emulator. The Pinpoint emulator is
mounted only to show that post-processing calls no destination: each destination starts from the exports on its own
(the Pinpoint resolution of an export: ``tests/workflows/test_pinpoint_resolution.py``).
"""

from __future__ import annotations

import copy
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from contextual_targeting.asl import render_state_machine
from contextual_targeting.core import notifications
from contextual_targeting.core.naming import segment_identity
from contextual_targeting.local.emulation import ServiceEmulator, ServiceError
from contextual_targeting.local.emulators.pinpoint import PinpointEmulator
from tests.aws_events import ACCOUNT, REGION
from tests.world import DATA_BUCKET, SEGMENT_BUCKET, SPECS, Deployment, World

DATA, SEGMENTS = DATA_BUCKET, SEGMENT_BUCKET
APP = World.settings.application_id
DG, SOLUTION = "bingewatch", "affinity"


def seg(job: str, query: str) -> str:
    """A segment's name (core/naming.py): these jobs' outputs use the layout without entry, so each job is its entry."""
    return segment_identity(DG, SOLUTION, job, query).name


def genre(job: str, value: str) -> str:
    return seg(job, f'ITEMS.genres = "{value}"')


class StandInPersonalize(ServiceEmulator):
    """Just enough Personalize for this workflow: DescribeBatchSegmentJob with a botocore-valid answer."""

    service_name = "personalize"
    validation_error_code = "InvalidInputException"

    def __init__(self) -> None:
        super().__init__()
        self.jobs: dict[str, dict[str, Any]] = {}

    def add_job(self, name: str, status: str = "ACTIVE") -> str:
        arn = f"arn:aws:personalize:{REGION}:{ACCOUNT}:batch-segment-job/{name}"
        self.jobs[arn] = {
            "jobName": name,
            "batchSegmentJobArn": arn,
            "status": status,
            "solutionVersionArn": f"arn:aws:personalize:{REGION}:{ACCOUNT}:solution/{SOLUTION}/abcdef12",
            "numResults": 100,
            "jobInput": {"s3DataSource": {"path": f"s3://{DATA}/batch/{DG}/{SOLUTION}/job_config.json"}},
            "jobOutput": {"s3DataDestination": {"path": f"s3://{DATA}/batch/{DG}/{SOLUTION}/{name}/"}},
            "roleArn": f"arn:aws:iam::{ACCOUNT}:role/ct-personalize",
            "creationDateTime": self.now(),
            "lastUpdatedDateTime": self.now(),
        }
        return arn

    def op_DescribeBatchSegmentJob(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self.jobs.get(params["batchSegmentJobArn"])
        if job is None:
            raise ServiceError("ResourceNotFoundException", "batch segment job not found", 404)
        return {"batchSegmentJob": copy.deepcopy(job)}  # the caller may rewrite nested members (PascalCase)


def line(query: str, users: list[str], shape: str = "input", error: str | None = None) -> str:
    if shape == "documented":
        return json.dumps({"itemAttributes": query, "output": {"recommendedUsers": users}}) + "\n"
    output = None if error else {"usersList": users}
    return json.dumps({"input": {"itemAttributes": query}, "output": output, "error": error}) + "\n"


@dataclass
class PostProcessing(Deployment):
    """Segment post-processing deployed in the world: the stand-in Personalize, and Pinpoint to show it is unused."""

    pinpoint: PinpointEmulator
    personalize: StandInPersonalize

    def __post_init__(self) -> None:
        self.keys, self.text, self.csv_column, self.json = (
            self.world.keys,
            self.world.text,
            self.world.csv_column,
            self.world.json,
        )

    def put_output(self, job: str, text: str, name: str = "job_config.json.out") -> None:
        self.world.put(f"batch/{DG}/{SOLUTION}/{job}/{name}", text)

    def run(self, job_arn: str, name: str) -> dict[str, Any]:
        event = {
            "version": "0",
            "id": name,
            "source": "solutions.aws.personalize",
            "detail-type": "Personalize Batch Segment Job State Change",
            "detail": {"Arn": job_arn, "Status": "ACTIVE", "Duration": 60.0},
        }
        return self.execute(event, name)

    def messages(self) -> list[dict[str, Any]]:
        return [{"body": message} for _, message in self.world.notifications()]


def readable_failure(message: str) -> dict[str, Any]:
    """A post-processing failure notice: sentences naming the job, the step and the error, then the JSON."""
    report = notifications.details(message)
    assert message.startswith("The segments of batch segment job arn:aws:personalize:"), message[:200]
    assert f"step {report['state']} failed with {report['error']}" in message and "What to do next:" in message
    return report


@pytest.fixture
def make_world(world: World):
    pinpoint, personalize = PinpointEmulator([APP]), StandInPersonalize()
    world.emulate(pinpoint, personalize)
    processing = PostProcessing(world, world.deploy("segment_postprocessing"), pinpoint, personalize)
    return lambda: processing


def add_users(world: PostProcessing, users: list[str], endpoints_per_user: int = 1) -> None:
    for user in users:
        for n in range(endpoints_per_user):
            world.pinpoint.add_endpoint(APP, f"ep-{user}-{n}", user, "EMAIL", f"{user}+{n}@example.com")


def test_three_queries_make_three_segments_folders_and_exports(make_world):
    world = make_world()
    action = [f"a{i}" for i in range(100)]
    comedy = [f"c{i}" for i in range(7)]
    drama = [f"d{i}" for i in range(45)]
    # Pinpoint endpoints exist for most of them: post-processing, the one producer, still never looks one up
    # (the resolution is the Pinpoint destination's: tests/workflows/test_pinpoint_resolution.py)
    add_users(world, action[:90])
    add_users(world, comedy, endpoints_per_user=2)
    add_users(world, drama[:40])
    job = world.personalize.add_job("bingewatch-2024")
    world.put_output(
        "bingewatch-2024",
        line('ITEMS.genres = "Action"', action)
        + line('ITEMS.genres = "Comedy"', comedy, shape="documented")
        + line('ITEMS.genres = "Drama" AND ITEMS.year = "1995"', drama),
    )
    result = world.run(job, "run-1")
    assert result["status"] == "SUCCEEDED", result["events"][-3:]

    names = [
        seg("bingewatch-2024", 'ITEMS.genres = "Action"'),
        seg("bingewatch-2024", 'ITEMS.genres = "Comedy"'),
        seg("bingewatch-2024", 'ITEMS.genres = "Drama" AND ITEMS.year = "1995"'),
    ]
    export = f"segments/{DG}/bingewatch-2024/"
    assert world.keys(DATA, export) == sorted([f"{export}{n}.csv" for n in names] + [f"{export}_summary.json"])
    assert world.csv_column(DATA, f"{export}{names[0]}.csv") == ["USER_ID", *action]  # rank order
    assert world.csv_column(DATA, f"{export}{names[2]}.csv") == ["USER_ID", *drama]

    summary = world.json(DATA, f"{export}_summary.json")
    assert summary["totals"] == {
        "lines": 3,
        "segments": 3,
        "users": 152,
        "errors": 0,
        "duplicate_ids": 0,
        "empty_ids": 0,
    }
    [message] = world.messages()
    assert (
        message["body"].startswith("Batch segment job ")
        and "post-processed: 3 segment(s) exported, 0 error(s)." in (message["body"])
    )
    assert "What to do next:" in message["body"] and genre("bingewatch-2024", "Action") in message["body"]
    assert notifications.details(message["body"])["totals"] == summary["totals"]

    assert world.keys(SEGMENTS) == [] and world.pinpoint.call_count("GetUserEndpoints") == 0  # no destination here
    # no user ids in any state: inputs and outputs of the events carry pointers and counts only
    history = json.dumps(result["events"], default=str)
    assert '"a17"' not in history


def test_error_and_empty_lines_are_reported_and_the_rest_proceeds(make_world):
    world = make_world()
    add_users(world, ["u1", "u2"])
    job = world.personalize.add_job("mixed")
    world.put_output(
        "mixed",
        line('ITEMS.genres = "Action"', ["u1", "u2", "nobody"])
        + line('ITEMS.genres = "Horror"', [], error="Internal error evaluating the query")
        + line('ITEMS.genres = "Western"', [])
        + "{this is not json\n",
    )
    result = world.run(job, "run-mixed")
    assert result["status"] == "SUCCEEDED"
    summary = world.json(DATA, f"segments/{DG}/mixed/_summary.json")
    statuses = [(s["line"], s["status"], s["users"]) for s in summary["segments"]]
    assert statuses == [(1, "ok", 3), (2, "error", 0), (3, "empty", 0), (4, "malformed", 0)]
    assert [e["line"] for e in summary["errors"]] == [2, 4]
    assert summary["errors"][0]["error"] == "Internal error evaluating the query"
    # an export for each line with a segment (the empty one too: header only), none for the failed lines
    assert world.keys(DATA, f"segments/{DG}/mixed/") == sorted(
        [f"segments/{DG}/mixed/{genre('mixed', g)}.csv" for g in ("Action", "Western")]
        + [f"segments/{DG}/mixed/_summary.json"]
    )
    assert world.csv_column(DATA, f"segments/{DG}/mixed/{genre('mixed', 'Western')}.csv") == ["USER_ID"]
    body = world.messages()[0]["body"]
    assert "Internal error evaluating the query" in body and "[malformed]" in body


def test_rerun_of_the_same_job_overwrites_the_same_objects(make_world):
    world = make_world()
    users = [f"r{i}" for i in range(50)]
    add_users(world, users)
    job = world.personalize.add_job("rerun")
    world.put_output("rerun", line('ITEMS.genres = "Action"', users) + line('ITEMS.genres = "Drama"', users[:5]))
    assert world.run(job, "first")["status"] == "SUCCEEDED"
    outputs = {DATA: {k: world.text(DATA, k) for k in world.keys(DATA, "segments/")}}
    second = world.run(job, "second")
    assert second["status"] == "SUCCEEDED", world.messages()
    again = {DATA: {k: world.text(DATA, k) for k in world.keys(DATA, "segments/")}}
    assert sorted(again[DATA]) == sorted(outputs[DATA])  # same keys, no duplicates
    for key, text in again[DATA].items():
        if not key.endswith("_summary.json"):
            assert text == outputs[DATA][key]


def test_failure_is_notified_with_state_error_and_cause(make_world):
    world = make_world()
    job = world.personalize.add_job("no-output")  # the job's output folder is empty
    result = world.run(job, "run-no-output")
    assert result["status"] == "FAILED"
    [message] = world.messages()
    report = readable_failure(message["body"])
    assert report["state"] == "SplitSegments"
    assert report["error"] == "InputInvalid"
    assert "no .out object" in report["cause"]


def test_unknown_job_fails_in_describe(make_world):
    world = make_world()
    result = world.run(f"arn:aws:personalize:{REGION}:{ACCOUNT}:batch-segment-job/missing", "run-missing")
    assert result["status"] == "FAILED"
    report = readable_failure(world.messages()[0]["body"])
    assert (report["state"], report["error"]) == ("DescribeJob", "Personalize.ResourceNotFoundException")


def test_post_processing_exports_and_calls_no_destination(make_world):
    world = make_world()
    job = world.personalize.add_job("exports-only")
    world.put_output("exports-only", line('ITEMS.genres = "Action"', ["x1", "x2"]))
    result = world.run(job, "run-exports-only")
    assert result["status"] == "SUCCEEDED"
    assert world.csv_column(DATA, f"segments/{DG}/exports-only/{genre('exports-only', 'Action')}.csv") == [
        "USER_ID",
        "x1",
        "x2",
    ]
    assert world.keys(SEGMENTS) == []
    assert world.pinpoint.call_count("GetUserEndpoints") == 0
    assert not any(e["type"].startswith("Map") for e in result["events"])
    assert [k for k in world.keys(DATA, "work/") if "chunk" in k] == []  # no chunk files: that is a destination's


def test_history_events_do_not_grow_with_segment_size(make_world):
    world = make_world()
    small = [f"s{i}" for i in range(100)]
    large = [f"l{i}" for i in range(20_000)]
    job_small, job_large = world.personalize.add_job("small"), world.personalize.add_job("large")
    world.put_output("small", line('ITEMS.genres = "Action"', small))
    world.put_output("large", line('ITEMS.genres = "Action"', large))
    small_run, large_run = world.run(job_small, "run-small"), world.run(job_large, "run-large")
    assert small_run["status"] == large_run["status"] == "SUCCEEDED"
    summary = world.json(DATA, f"segments/{DG}/large/_summary.json")
    assert summary["segments"][0]["users"] == 20_000
    assert len(large_run["events"]) == len(small_run["events"])


def test_rendered_definition_passes_asl_validator(tmp_path, repo_root: Path):
    path = tmp_path / "segment_postprocessing.json"
    path.write_text(
        json.dumps(render_state_machine("segment_postprocessing", SPECS["segment_postprocessing"].asl_vars))
    )
    validator = repo_root / "node_modules" / ".bin" / "asl-validator"
    if not validator.exists():
        pytest.skip("asl-validator not installed (make setup)")
    out = subprocess.run([str(validator), "--json-path", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_job_that_is_not_active_is_reported_not_processed(make_world):
    world = make_world()
    job = world.personalize.add_job("failed-job", status="CREATE FAILED")
    world.put_output("failed-job", line('ITEMS.genres = "Action"', ["u1"]))
    result = world.run(job, "run-failed-job")
    assert result["status"] == "FAILED"
    report = readable_failure(world.messages()[0]["body"])
    assert (report["state"], report["error"]) == ("DescribeJob", "JobNotActive")
    assert "CREATE FAILED" in report["cause"]
    assert world.keys(DATA, "segments/") == []


@pytest.mark.parametrize("text", ["", line('ITEMS.genres = "Western"', [])], ids=["no-line", "only-empty"])
def test_a_job_without_any_segment_fails_with_a_clear_notification(make_world, text):
    """Issue 12: main notified such a job as a success with 0 segments."""
    world = make_world()
    job = world.personalize.add_job("nothing")
    world.put_output("nothing", text)
    result = world.run(job, "run-nothing")
    assert result["status"] == "FAILED"
    [message] = world.messages()
    assert "NoSegments" in message["body"] and "nothing produced no segment with users" in message["body"]
    assert world.keys(SEGMENTS, "pinpoint/segments/") == []
