"""The Pinpoint import workflow, end to end: the rendered ASL runs in moto's interpreter with the Pinpoint emulator,
the prepare and start_execution handlers loaded from their built zips, and S3 events delivered the way the
deployed rule would deliver them (matched against the rule's own pattern file first)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from contextual_targeting.asl import render_state_machine, render_text
from contextual_targeting.local.emulators.pinpoint import PinpointEmulator
from contextual_targeting.local.event_patterns import matches
from tests.aws_events import ACCOUNT, REGION, readable, s3_object_created
from tests.world import DATA_BUCKET, SEGMENT_BUCKET, SPECS, Deployment, World

REPO = Path(__file__).resolve().parents[2]
APP = World.settings.application_id
BUCKET = SEGMENT_BUCKET
PREFIX = World.settings.segment_import_prefix
SPEC = SPECS["pinpoint_import"]
PATTERN_FILE = REPO / "modules/pinpoint_import/event_patterns/segment_import.json"
# what these tests change on purpose: no Wait between polls, a small poll budget, two chunks resolved at a time
ASL = {"max_concurrency": "2", "max_polls": "10"}


def rule_pattern() -> dict[str, Any]:
    [rule] = SPEC.rules
    return rule.pattern()


def s3_event(key: str, etag: str, bucket: str = BUCKET) -> dict[str, Any]:
    """An S3 ``Object Created`` event as EventBridge delivers it."""
    return s3_object_created(bucket, key, etag)


@dataclass
class Destination(Deployment):
    """The Pinpoint import deployed in the world, with the Pinpoint emulator behind it."""

    pinpoint: PinpointEmulator

    def put(self, key: str, body: str) -> dict[str, Any]:
        """Upload an object to the segment bucket; return the event S3 would emit for it."""
        return s3_event(key, self.world.put(key, body, bucket=BUCKET))

    def upload_and_run(self, key: str, body: str) -> dict[str, Any]:
        started = self.deliver(self.put(key, body))
        assert started and started["started"], started
        return self.wait(started["executionArn"])

    def notifications(self) -> list[tuple[str | None, dict[str, Any]]]:
        """(subject, message) of every SNS notification so far (drained from the subscribed queue)."""
        return [(subject, readable(subject, message)) for subject, message in self.world.notifications()]

    def executions(self) -> list[dict[str, Any]]:
        return self.sfn.list_executions(stateMachineArn=self.workflow.arn)["executions"]  # type: ignore[no-any-return]


@pytest.fixture
def workflow(world: World) -> Destination:
    pinpoint = PinpointEmulator(app_ids=[APP])
    world.emulate(pinpoint)
    return Destination(world, world.deploy("pinpoint_import", asl=ASL), pinpoint)


def endpoint_ids_csv(ids: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Id"])
    writer.writerows([i] for i in ids)
    return out.getvalue()


def write_segment(wf: Destination, name: str, parts: list[list[str]], *, ready: bool = True) -> list[dict[str, Any]]:
    """What the post-processing workflow writes: the parts (stale ones of an earlier run removed), then the
    completion object last."""
    folder = f"{PREFIX}segments/{name}/"
    for old in wf.s3.list_objects_v2(Bucket=BUCKET, Prefix=folder).get("Contents", []):
        wf.s3.delete_object(Bucket=BUCKET, Key=old["Key"])
    events = [
        wf.put(f"{PREFIX}segments/{name}/part-{index:05d}.csv", endpoint_ids_csv(ids))
        for index, ids in enumerate(parts)
    ]
    if ready:
        completion = {
            "segment_name": name,
            "s3_url": f"s3://{BUCKET}/{PREFIX}segments/{name}/",
            "parts": len(parts),
            "endpoints": sum(len(p) for p in parts),
            "job_arn": f"arn:aws:personalize:{REGION}:{ACCOUNT}:batch-segment-job/job-1",
        }
        events.append(wf.put(f"{PREFIX}segments/{name}.ready.json", json.dumps(completion)))
    return events


# ------------------------------------------------------------------ the rule's pattern
def test_rule_matches_endpoint_files_and_completion_objects_never_parts() -> None:
    pattern = rule_pattern()
    wanted = [
        "pinpoint/endpoints.csv",
        "pinpoint/endpoints.json",
        "pinpoint/crm/eu/endpoints.csv",
        "pinpoint/segments/genres-action-job-1.ready.json",
    ]
    unwanted = [
        "pinpoint/segments/genres-action-job-1/part-00000.csv",
        "pinpoint/segments/genres-action-job-1/part-00017.csv",
        "pinpoint/segments/notes.csv",
    ]
    for key in wanted:
        assert matches(pattern, s3_event(key, "e")), key
    for key in unwanted:
        assert not matches(pattern, s3_event(key, "e")), key
    assert not matches(pattern, s3_event("pinpoint/endpoints.csv", "e", bucket="other-bucket"))
    deleted = {**s3_event("pinpoint/endpoints.csv", "e"), "detail-type": "Object Deleted"}
    assert not matches(pattern, deleted)


def test_rule_matches_segment_exports_of_the_data_bucket_like_every_destination() -> None:
    pattern = rule_pattern()
    export = "segments/bingewatch/weekly-1/genres-action_bingewatch_affinity_weekly-1_2c7534183f6b.csv"
    assert matches(pattern, s3_event(export, "e", bucket=DATA_BUCKET))
    for key in ("segments/bingewatch/weekly-1/_summary.json", "train/bingewatch/users.csv", "pinpoint/endpoints.csv"):
        assert not matches(pattern, s3_event(key, "e", bucket=DATA_BUCKET)), key
    assert not matches(pattern, s3_event(export, "e", bucket="other-bucket"))
    # the same pattern file as the SES and Connect destinations use for exports: one definition of "an export"
    ses = json.loads(
        render_text(
            (REPO / "modules/ses_destination/event_patterns/segment_export.json").read_text(),
            {"bucket_name": DATA_BUCKET, "export_prefix": "segments/"},
        )
    )
    assert pattern["$or"][0]["detail"] == ses["detail"]


# ------------------------------------------------------------------ end to end
def test_sample_endpoints_file_creates_endpoints_found_by_user_id(workflow: Destination) -> None:
    sample = (REPO / "data/pinpoint/endpoints.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(sample)))
    result = workflow.upload_and_run(f"{PREFIX}endpoints.csv", sample)
    assert result["status"] == "SUCCEEDED", result

    pinpoint = boto3.client("pinpoint", region_name=REGION)
    for row in (rows[0], rows[len(rows) // 2], rows[-1]):
        found = pinpoint.get_user_endpoints(ApplicationId=APP, UserId=row["User.UserId"])["EndpointsResponse"]
        assert [e["Address"] for e in found["Item"]] == [row["Address"]]
        assert found["Item"][0]["ChannelType"] == "EMAIL"
    assert len(workflow.pinpoint.endpoints(APP)) == len(rows)

    segments = pinpoint.get_segments(ApplicationId=APP)["SegmentsResponse"]["Item"]
    assert [(s["Name"], s["ImportDefinition"]["Size"]) for s in segments] == [("endpoints", len(rows))]
    ((subject, message),) = workflow.notifications()
    assert subject == "Pinpoint import succeeded"
    assert message["segment_name"] == "endpoints" and message["segment_id"] == segments[0]["Id"]
    assert message["endpoints_processed"] == len(rows)
    assert (message["failed_pieces"], message["total_failures"], message["failures"]) == (0, 0, [])
    assert message["source"] == f"s3://{BUCKET}/{PREFIX}endpoints.csv"


def test_segment_folder_is_one_import_and_the_same_name_again_is_a_new_version(workflow: Destination) -> None:
    ids = [f"endpoint{i:03d}" for i in range(25)]
    for i, endpoint_id in enumerate(ids):
        workflow.pinpoint.add_endpoint(APP, endpoint_id, str(i))
    name = "genres-action-job-1"
    events = write_segment(workflow, name, [ids[:10], ids[10:20], ids[20:]])
    started = [workflow.deliver(event) for event in events]
    assert started[:3] == [None, None, None]  # the parts start nothing
    result = workflow.wait(started[3]["executionArn"])  # type: ignore[index]
    assert result["status"] == "SUCCEEDED", result

    (segment,) = workflow.pinpoint.segment_by_name(APP, name)
    assert segment["Version"] == 1 and segment["ImportDefinition"]["Size"] == 25
    assert workflow.pinpoint.segment_members(APP, segment["Id"]) == set(ids)
    (job,) = workflow.pinpoint.import_jobs(APP)
    assert (job["TotalPieces"], job["TotalProcessed"], job["Definition"]["S3Url"]) == (
        3,
        25,
        f"s3://{BUCKET}/{PREFIX}segments/{name}/",
    )
    ((_, message),) = workflow.notifications()
    assert (message["segment_id"], message["endpoints_processed"], message["expected_endpoints"]) == (
        segment["Id"],
        25,
        25,
    )
    assert message["existing_segment_id"] is None

    # a re-run of the job rewrites the folder and the completion object: same name ⇒ new version, one segment
    events = write_segment(workflow, name, [ids[:5], ids[5:8]])
    result = workflow.wait(workflow.deliver(events[-1])["executionArn"])  # type: ignore[index]
    assert result["status"] == "SUCCEEDED", result
    (segment_again,) = workflow.pinpoint.segment_by_name(APP, name)
    assert segment_again["Id"] == segment["Id"] and segment_again["Version"] == 2
    assert workflow.pinpoint.segment_members(APP, segment["Id"]) == set(ids[:8])
    pinpoint = boto3.client("pinpoint", region_name=REGION)
    assert len(pinpoint.get_segments(ApplicationId=APP)["SegmentsResponse"]["Item"]) == 1
    ((_, message),) = workflow.notifications()
    assert message["existing_segment_id"] == segment["Id"] and message["endpoints_processed"] == 8
    new_version = [c for c in workflow.pinpoint.calls if c[0] == "CreateImportJob"][-1][1]["ImportJobRequest"]
    assert new_version["SegmentId"] == segment["Id"] and "DefineSegment" not in new_version


def test_malformed_file_sends_a_failure_notification_listing_the_failures(workflow: Destination) -> None:
    body = "User.UserId,ChannelType,Address\n1,EMAIL,not-an-email\n2,EMAIL\n"
    result = workflow.upload_and_run(f"{PREFIX}broken.csv", body)
    assert result["status"] == "FAILED"
    ((subject, message),) = workflow.notifications()
    assert subject == "Pinpoint import failed"
    assert message["status"] == "FAILED" and message["error"] == "Pinpoint.ImportJobFailed"
    assert message["source"] == f"s3://{BUCKET}/{PREFIX}broken.csv"
    assert "FAILED" in message["cause"] and "2 failure(s)" in message["cause"]
    assert "Invalid email address: not-an-email" in message["cause"]
    assert "expected 3 values, found 2" in message["cause"]
    assert workflow.pinpoint.segments(APP) == []


def test_unknown_endpoint_ids_are_failed_pieces_in_the_success_notification(workflow: Destination) -> None:
    workflow.pinpoint.add_endpoint(APP, "known", "1")
    events = write_segment(workflow, "mixed", [["known"], ["ghost"]])
    result = workflow.wait(workflow.deliver(events[-1])["executionArn"])  # type: ignore[index]
    assert result["status"] == "SUCCEEDED", result
    ((subject, message),) = workflow.notifications()
    assert subject == "Pinpoint import succeeded"
    assert (message["endpoints_processed"], message["failed_pieces"], message["total_failures"]) == (2, 1, 1)
    assert "Endpoint ghost not found" in message["failures"][0]


def test_same_s3_event_twice_imports_once(workflow: Destination) -> None:
    event = workflow.put(f"{PREFIX}endpoints.csv", "User.UserId,ChannelType,Address\n1,EMAIL,a@example.com\n")
    first = workflow.deliver(event)
    second = workflow.deliver(json.loads(json.dumps({**event, "id": str(uuid.uuid4())})))  # a redelivery
    assert first and first["started"]
    assert second is not None and second.get("executionArn", first["executionArn"]) == first["executionArn"]
    assert workflow.wait(first["executionArn"])["status"] == "SUCCEEDED"
    third = workflow.deliver(event)
    assert third is not None and not third["started"]
    assert len(workflow.executions()) == 1
    assert workflow.pinpoint.call_count("CreateImportJob") == 1
    assert len(workflow.pinpoint.endpoints(APP)) == 1


def test_parts_alone_start_no_import(workflow: Destination) -> None:
    workflow.pinpoint.add_endpoint(APP, "e1", "1")
    events = write_segment(workflow, "unfinished", [["e1"], ["e1"]], ready=False)
    assert [workflow.deliver(event) for event in events] == [None, None]
    assert workflow.executions() == []
    # and if a part reached the workflow anyway (a hand-made rule, a replay), it is ignored without an import
    sfn = workflow.sfn
    execution = sfn.start_execution(stateMachineArn=workflow.workflow.arn, input=json.dumps(events[0]))
    result = workflow.wait(execution["executionArn"])
    assert result["status"] == "SUCCEEDED"
    assert workflow.pinpoint.call_count("CreateImportJob") == 0
    assert workflow.notifications() == []


def test_bad_completion_object_fails_with_a_notification(workflow: Destination) -> None:
    outside = {"segment_name": "x", "s3_url": "s3://someone-elses-bucket/data/"}
    result = workflow.upload_and_run(f"{PREFIX}segments/x.ready.json", json.dumps(outside))
    assert result["status"] == "FAILED"
    ((subject, message),) = workflow.notifications()
    assert subject == "Pinpoint import failed" and message["error"] == "InputInvalid"
    assert "someone-elses-bucket" in message["cause"]
    assert workflow.pinpoint.call_count("CreateImportJob") == 0


def test_empty_segment_is_reported_not_imported(workflow: Destination) -> None:
    empty = {"segment_name": "nobody", "s3_url": f"s3://{BUCKET}/{PREFIX}segments/nobody/", "parts": 0}
    result = workflow.upload_and_run(f"{PREFIX}segments/nobody.ready.json", json.dumps(empty))
    assert result["status"] == "SUCCEEDED"
    ((subject, message),) = workflow.notifications()
    assert subject == "Pinpoint import skipped: empty segment" and message["segment_name"] == "nobody"
    assert workflow.pinpoint.call_count("CreateImportJob") == 0


def test_import_that_outlasts_the_poll_budget_times_out(world: World) -> None:
    pinpoint = PinpointEmulator(app_ids=[APP], polls_per_status=50)
    world.emulate(pinpoint)
    wf = Destination(
        world, world.deploy("pinpoint_import", asl={**ASL, "max_polls": "3", "notify_on_start": "true"}), pinpoint
    )
    result = wf.upload_and_run(f"{PREFIX}endpoints.csv", "User.UserId,ChannelType,Address\n1,EMAIL,a@b.co\n")
    assert result["status"] == "FAILED"
    (started, (subject, message)) = wf.notifications()
    assert started[0] == "Pinpoint import started" and started[1]["segment_name"] == "endpoints"
    assert subject == "Pinpoint import failed" and message["error"] == "ImportTimeout"
    assert "after 3 polls" in message["cause"]
    assert pinpoint.call_count("GetImportJob") == 3


# ------------------------------------------------------------------ static checks of the template
def test_rendered_definition_passes_asl_validator(tmp_path: Path) -> None:
    validator = REPO / "node_modules/.bin/asl-validator"
    if not validator.exists():
        pytest.skip("asl-validator is not installed: run `make setup`")
    definition = render_state_machine("pinpoint_import", {**SPEC.asl_vars, "poll_seconds": "30", "max_polls": "240"})
    path = tmp_path / "segment_import.json"
    path.write_text(json.dumps(definition))
    completed = subprocess.run([str(validator), "--json-path", str(path)], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_terraform_passes_exactly_the_template_variables() -> None:
    import hcl2

    from contextual_targeting.asl import placeholders

    main = hcl2.load((REPO / "modules/pinpoint_import/main.tf").open())
    asl_locals = next(block["asl_vars"] for block in main["locals"] if "asl_vars" in block)
    template = (REPO / "statemachines/pinpoint_import.asl.json").read_text()
    assert set(asl_locals) == placeholders(template) == set(SPEC.asl_vars)
    assert placeholders(PATTERN_FILE.read_text()) == {
        "data_bucket_name",
        "export_prefix",
        "bucket_name",
        "import_prefix",
    }
