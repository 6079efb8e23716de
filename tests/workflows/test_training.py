"""The training workflow, end to end: the rendered ASL runs in moto's interpreter with the Personalize emulator, the
validate_training_input and start_execution handlers loaded from their built zips, S3 events delivered the way the
deployed rule would (matched against the rule's own pattern file first), Personalize state-change events captured
from the custom bus through a rule with an SQS target, and SNS notifications through an SQS subscription."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from contextual_targeting.asl import render_state_machine, render_text
from contextual_targeting.core import notifications
from contextual_targeting.local.emulators.personalize import PersonalizeEmulator
from contextual_targeting.local.event_patterns import matches
from contextual_targeting.local.lambda_loader import FakeContext
from tests.aws_events import ACCOUNT, REGION, s3_object_created
from tests.world import BUS, DATA_BUCKET, SPECS, Deployment, World

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "personalize"
BUCKET = DATA_BUCKET
CONFIG_KEY = "train/bingewatch/config.json"
SPEC = SPECS["training"]
PERSONALIZE_ROLE = SPEC.asl_vars["personalize_role_arn"]
ARN = f"arn:aws:personalize:{REGION}:{ACCOUNT}"
# what these tests change on purpose: a poll budget of 10 at every stage (no Wait between polls, as locally)
POLLS = {f"{stage}_max_polls": "10" for stage in ("resource", "import", "training", "batch")}


def asl_vars() -> dict[str, str]:
    return {**SPEC.asl_vars, **POLLS}


def rule_pattern() -> dict[str, Any]:
    [rule] = SPEC.rules
    return rule.pattern()


def s3_event(key: str, etag: str, version: str | None) -> dict[str, Any]:
    """An S3 ``Object Created`` event as EventBridge delivers it to the default bus."""
    return s3_object_created(BUCKET, key, etag, version)


@dataclass
class Stack(Deployment):
    """The training workflow deployed in the world, with the Personalize emulator behind it and the custom bus's
    Personalize events captured by a queue."""

    personalize: PersonalizeEmulator
    events_queue: str

    @property
    def state_machine_arn(self) -> str:
        return self.workflow.arn

    def upload(self, key: str, body: bytes) -> dict[str, Any]:
        """Put an object; return the S3 event the default bus receives for it."""
        response = self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        return s3_event(key, response["ETag"].strip('"'), response.get("VersionId"))

    def run(self, key: str = CONFIG_KEY, body: bytes | None = None) -> dict[str, Any]:
        if body is None:
            body = (SAMPLE / key).read_bytes()
        started = self.deliver(self.upload(key, body))
        assert started is not None and started["started"], started
        return self.wait(started["executionArn"])

    def events(self) -> list[dict[str, Any]]:
        return self.world.drain(self.events_queue)

    def notifications(self) -> list[dict[str, Any]]:
        return [{"Subject": subject, "Message": message} for subject, message in self.world.notifications()]

    def created(self) -> list[str]:
        return [name for name, _ in self.personalize.calls if name.startswith("Create")]


@pytest.fixture
def stack(world: World) -> Stack:
    for path in sorted(SAMPLE.rglob("*")):
        if path.is_file() and path.name != "config.json":  # the config upload is what starts training
            world.s3.upload_file(str(path), BUCKET, path.relative_to(SAMPLE).as_posix())
    events_queue = world.queue("bus-events")
    world.events.put_rule(
        Name="capture", EventBusName=BUS, EventPattern=json.dumps({"source": ["solutions.aws.personalize"]})
    )
    world.events.put_targets(
        Rule="capture", EventBusName=BUS, Targets=[{"Id": "q", "Arn": world.queue_arn(events_queue)}]
    )
    personalize = PersonalizeEmulator(region=REGION, account_id=ACCOUNT, describes_per_step=1)
    world.emulate(personalize)
    return Stack(world, world.deploy("training", asl=POLLS), personalize, events_queue)


def test_rendered_definition_passes_asl_validator(tmp_path) -> None:
    validator = REPO / "node_modules/.bin/asl-validator"
    if not validator.exists():
        pytest.skip("npm tools not installed (make setup)")
    path = tmp_path / "training.json"
    path.write_text(json.dumps(render_state_machine("training_workflow", asl_vars())))
    result = subprocess.run([str(validator), "--json-path", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_pattern_matches_config_uploads_only() -> None:
    pattern = rule_pattern()
    assert matches(pattern, s3_event("train/bingewatch/config.json", "e", None))
    assert matches(pattern, s3_event("train/other/params.json", "e", None))
    assert not matches(pattern, s3_event("train/bingewatch/interactions.csv", "e", None))
    assert not matches(pattern, s3_event("batch/bingewatch/bingewatch-affinity/job_config.json", "e", None))


def test_upload_trains_and_runs_the_batch_segment_job(stack: Stack) -> None:
    execution = stack.run()
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    created = stack.created()
    assert sorted(created) == sorted(
        [
            "CreateDatasetGroup",
            *["CreateSchema", "CreateDataset", "CreateDatasetImportJob"] * 3,
            "CreateSolution",
            "CreateSolutionVersion",
            "CreateBatchSegmentJob",
        ]
    )
    # in order: the group; per dataset (datasets run in parallel) schema → dataset → import job; after every
    # import finished the solution, then its version, then the batch segment job
    calls = stack.personalize.calls
    position = {id(params): index for index, (_, params) in enumerate(calls)}

    def first(operation: str, **where: str) -> int:
        return next(
            position[id(params)]
            for name, params in calls
            if name == operation and all(params.get(k) == v for k, v in where.items())
        )

    assert first("CreateDatasetGroup") == 0
    for kind in ("interactions", "items", "users"):
        schema = first("CreateSchema", name=f"bingewatch-{kind}-schema")
        dataset = first("CreateDataset", name=f"bingewatch-{kind}")
        assert (
            0
            < schema
            < dataset
            < first("CreateDatasetImportJob", datasetArn=f"{ARN}:dataset/bingewatch/{kind.upper()}")
        )
    names = [name for name, _ in calls]
    last_import_describe = max(i for i, name in enumerate(names) if name == "DescribeDatasetImportJob")
    assert last_import_describe < first("CreateSolution") < first("CreateSolutionVersion")
    assert first("CreateSolutionVersion") < first("CreateBatchSegmentJob")
    job = stack.personalize.of_kind("batch-segment-job")[0]
    assert job.status == "ACTIVE"
    create_job = next(params for name, params in stack.personalize.calls if name == "CreateBatchSegmentJob")
    prefix = f"s3://{BUCKET}/batch-output/bingewatch/bingewatch-affinity/"  # outputs apart from the inputs
    assert create_job["jobInput"]["s3DataSource"]["path"] == (
        f"s3://{BUCKET}/batch/bingewatch/bingewatch-affinity/job_config.json"
    )
    # the entry's folder (position 1) carries the segment identity to post-processing
    assert create_job["jobOutput"]["s3DataDestination"]["path"] == f"{prefix}1/{create_job['jobName']}/"
    assert create_job["roleArn"] == PERSONALIZE_ROLE and create_job["numResults"] == 100
    # the rendered CreateSolution turns automatic training off (the API's default is on: retraining every 7 days)
    create_solution = next(params for name, params in stack.personalize.calls if name == "CreateSolution")
    assert create_solution["performAutoTraining"] is False and create_solution["solutionConfig"] == {}
    (solution,) = stack.personalize.of_kind("solution")
    assert solution.fields["performAutoTraining"] is False
    imports = [params for name, params in stack.personalize.calls if name == "CreateDatasetImportJob"]
    assert {p["roleArn"] for p in imports} == {PERSONALIZE_ROLE}
    out_key = f"batch-output/bingewatch/bingewatch-affinity/1/{create_job['jobName']}/job_config.json.out"
    lines = stack.s3.get_object(Bucket=BUCKET, Key=out_key)["Body"].read().decode().splitlines()
    assert len(lines) == 3 and all(json.loads(line)["output"]["usersList"] for line in lines)

    events = stack.events()
    by_type: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        assert event["source"] == "solutions.aws.personalize"
        assert set(event["detail"]) == {"Arn", "Status", "Duration"}
        assert isinstance(event["detail"]["Duration"], (int, float))
        by_type.setdefault(event["detail-type"], []).append(event["detail"])
    assert [d["Status"] for d in by_type["Personalize Dataset Import Job State Change"]] == ["ACTIVE"] * 3
    assert by_type["Personalize Solution Version State Change"][0]["Status"] == "ACTIVE"
    assert by_type["Personalize Batch Segment Job State Change"] == [
        {"Arn": job.arn, "Status": "ACTIVE", "Duration": 0}
    ]
    assert {"Personalize Dataset Group State Change", "Personalize Solution State Change"} <= set(by_type)

    (notification,) = stack.notifications()
    assert notification["Subject"] == "Personalize training succeeded"
    version_arn = stack.personalize.of_kind("solution-version")[0].arn
    assert notification["Message"].startswith(
        f"Training for dataset group bingewatch succeeded: solution version {version_arn} is ACTIVE"
    )
    assert "What to do next:" in notification["Message"]
    summary = notifications.details(notification["Message"])
    assert summary == json.loads(execution["output"])
    assert summary["batchSegmentJobs"][0]["batchSegmentJobArn"] == job.arn
    assert summary["batchSegmentJobs"][0]["output"] == f"{prefix}1/{create_job['jobName']}/"
    assert summary["solutionVersionArn"] == stack.personalize.of_kind("solution-version")[0].arn
    assert [d["type"] for d in summary["datasets"]] == ["INTERACTIONS", "ITEMS", "USERS"]
    assert "trainingDurationSeconds" in summary


def test_second_upload_reuses_resources_and_trains_a_new_solution_version(stack: Stack) -> None:
    assert stack.run()["status"] == "SUCCEEDED"
    second = stack.run(body=(SAMPLE / CONFIG_KEY).read_bytes() + b"\n")  # a new object version
    assert second["status"] == "SUCCEEDED", second.get("cause")
    p = stack.personalize
    assert len(p.of_kind("dataset-group")) == 1
    assert len(p.of_kind("schema")) == 3 and len(p.of_kind("dataset")) == 3
    assert len(p.of_kind("solution")) == 1
    assert len(p.of_kind("solution-version")) == 2
    assert len(p.of_kind("dataset-import-job")) == 6  # unique job names per run
    assert len(p.of_kind("batch-segment-job")) == 2
    summary = json.loads(second["output"])
    assert summary["solutionVersionArn"] == p.of_kind("solution-version")[1].arn
    assert summary["datasetGroupArn"] == f"{ARN}:dataset-group/bingewatch"


def test_failed_import_notifies_the_reason_and_creates_no_solution(stack: Stack) -> None:
    reason = "Insufficient privileges for accessing data in Amazon S3. Check the role's permissions."
    stack.personalize.inject_failure("dataset-import-job", reason)
    execution = stack.run()
    assert execution["status"] == "FAILED"
    assert execution["error"] == "TrainingFailed" and reason in execution["cause"]
    assert "CreateSolution" not in stack.created()
    (notification,) = stack.notifications()
    assert notification["Subject"] == "Personalize training failed"
    assert "failed in state ImportDatasets" in notification["Message"]
    assert "What to do next: fix the cause, then upload the config again" in notification["Message"]
    assert notifications.details(notification["Message"])["state"] == "ImportDatasets"
    assert "DatasetImportJobFailed" in notification["Message"] and reason in notification["Message"]
    failed = [e["detail"] for e in stack.events() if e["detail"]["Status"] == "CREATE FAILED"]
    assert len(failed) == 1 and ":dataset-import-job/" in failed[0]["Arn"]


def test_invalid_config_notifies_the_report_and_makes_no_personalize_call(stack: Stack) -> None:
    config = json.loads((SAMPLE / CONFIG_KEY).read_text())
    config["solutions"][0]["serviceConfig"]["recipeArn"] = "arn:aws:personalize:::recipe/aws-nope"
    config["campaigns"] = []
    execution = stack.run(body=json.dumps(config).encode())
    assert execution["status"] == "FAILED" and execution["error"] == "InputInvalid"
    assert stack.personalize.calls == []
    (notification,) = stack.notifications()
    assert "invalid" in notification["Subject"]
    assert "Nothing was created in Amazon Personalize" in notification["Message"]
    assert notifications.details(notification["Message"])["errorType"] == "InputInvalid"
    assert "recipeArn" in notification["Message"] and "campaigns" in notification["Message"]
    assert stack.events() == []


def test_same_s3_event_twice_starts_one_execution(stack: Stack) -> None:
    event = stack.upload(CONFIG_KEY, (SAMPLE / CONFIG_KEY).read_bytes())
    first = stack.deliver(event)
    duplicate = stack.deliver({**event, "id": str(uuid.uuid4())})  # EventBridge redelivery: new id, same object
    assert first is not None and duplicate is not None
    assert stack.wait(first["executionArn"])["status"] == "SUCCEEDED"
    assert duplicate.get("executionArn", first["executionArn"]) == first["executionArn"]
    again = stack.deliver(event)  # after completion too
    assert again is not None and not again["started"]
    executions = stack.sfn.list_executions(stateMachineArn=stack.state_machine_arn)["executions"]
    assert len(executions) == 1
    assert stack.personalize.call_count("CreateSolutionVersion") == 1


def test_existing_schema_with_another_definition_fails_before_any_import(stack: Stack) -> None:
    stack.personalize.op_CreateSchema(
        {
            "name": "bingewatch-items-schema",
            "schema": json.dumps(
                {"type": "record", "name": "Items", "fields": [{"name": "ITEM_ID", "type": "string"}]}
            ),
        }
    )
    execution = stack.run()
    assert execution["status"] == "FAILED"
    assert "SchemaMismatch" in execution["cause"] and "bingewatch-items-schema" in execution["cause"]
    assert "CreateSolution" not in stack.created()
    (notification,) = stack.notifications()
    assert "SchemaMismatch" in notification["Message"]


def scheduled_event(scheduled_time: str) -> dict[str, Any]:
    """What EventBridge Scheduler sends the start function: the module's template with its context attributes."""
    text = render_text(
        (REPO / "modules/training_workflow/scheduled_event.json").read_text(),
        {
            "account_id": ACCOUNT,
            "region": REGION,
            "bucket_arn": f"arn:aws:s3:::{BUCKET}",
            "bucket_name": BUCKET,
            "config_key": CONFIG_KEY,
        },
    )
    text = text.replace("<aws.scheduler.scheduled-time>", scheduled_time)
    return json.loads(text.replace("<aws.scheduler.execution-id>", str(uuid.uuid4())))  # type: ignore[no-any-return]


def test_schedule_retrains_once_per_scheduled_time(stack: Stack) -> None:
    stack.upload(CONFIG_KEY, (SAMPLE / CONFIG_KEY).read_bytes())  # the config is in place (upload event not delivered)
    started = stack.start(scheduled_event("2026-01-05T03:00:00Z"), FakeContext())
    assert started["started"]
    assert stack.wait(started["executionArn"])["status"] == "SUCCEEDED"
    retried = stack.start(scheduled_event("2026-01-05T03:00:00Z"), FakeContext())  # Scheduler retry, same run
    assert not retried["started"]
    next_week = stack.start(scheduled_event("2026-01-12T03:00:00Z"), FakeContext())
    assert next_week["started"] and next_week["name"] != started["name"]
    assert stack.wait(next_week["executionArn"])["status"] == "SUCCEEDED"
    assert len(stack.sfn.list_executions(stateMachineArn=stack.state_machine_arn)["executions"]) == 2
    p = stack.personalize
    assert len(p.of_kind("dataset-group")) == 1 and len(p.of_kind("solution")) == 1
    assert len(p.of_kind("solution-version")) == 2 and len(p.of_kind("batch-segment-job")) == 2


def active_dataset_group(p: PersonalizeEmulator, name: str = "bingewatch") -> str:
    arn = p.op_CreateDatasetGroup({"name": name})["datasetGroupArn"]
    while p.op_DescribeDatasetGroup({"datasetGroupArn": arn})["datasetGroup"]["status"] != "ACTIVE":
        pass
    return arn  # type: ignore[no-any-return]


def test_existing_dataset_on_another_schema_fails_without_importing(stack: Stack) -> None:
    p = stack.personalize
    group = active_dataset_group(p)
    config = json.loads((SAMPLE / CONFIG_KEY).read_text())
    schema = json.dumps(config["datasets"]["users"]["schema"]["serviceConfig"]["schema"])
    other = p.op_CreateSchema({"name": "users-v0", "schema": schema})["schemaArn"]
    p.op_CreateDataset({"name": "old-users", "schemaArn": other, "datasetGroupArn": group, "datasetType": "USERS"})
    execution = stack.run()
    assert execution["status"] == "FAILED" and "DatasetSchemaMismatch" in execution["cause"]
    assert "users-v0" in execution["cause"]
    assert not any(
        params.get("datasetArn", "").endswith("/USERS") for name, params in p.calls if name == "CreateDatasetImportJob"
    )
    assert "CreateSolution" not in stack.created()
    assert "DatasetSchemaMismatch" in stack.notifications()[0]["Message"]


def test_existing_solution_with_another_recipe_fails_before_training(stack: Stack) -> None:
    p = stack.personalize
    group = active_dataset_group(p)
    p.op_CreateSolution(
        {
            "name": "bingewatch-affinity",
            "recipeArn": "arn:aws:personalize:::recipe/aws-item-affinity",
            "datasetGroupArn": group,
        }
    )
    execution = stack.run()
    assert execution["status"] == "FAILED" and "SolutionMismatch" in execution["cause"]
    assert "aws-item-affinity" in execution["cause"]
    assert "CreateSolutionVersion" not in stack.created()
    (notification,) = stack.notifications()
    assert "failed in state Solution" in notification["Message"]


@pytest.mark.parametrize(
    ("kind", "state", "error", "detail_type"),
    [
        ("solution-version", "SolutionVersion", "SolutionVersionFailed", "Personalize Solution Version State Change"),
        (
            "batch-segment-job",
            "BatchSegmentJobs",
            "BatchSegmentJobFailed",
            "Personalize Batch Segment Job State Change",
        ),
    ],
)
def test_failed_training_or_batch_job_notifies_the_reason(
    stack: Stack, kind: str, state: str, error: str, detail_type: str
) -> None:
    reason = f"emulated {kind} failure: internal error, retry later"
    stack.personalize.inject_failure(kind, reason)
    execution = stack.run()
    assert execution["status"] == "FAILED" and reason in execution["cause"]
    (notification,) = stack.notifications()
    assert f"failed in state {state}" in notification["Message"] and error in notification["Message"]
    assert reason in notification["Message"]
    failed = [e for e in stack.events() if e["detail"]["Status"] == "CREATE FAILED"]
    assert [e["detail-type"] for e in failed] == [detail_type]
    if kind == "solution-version":
        assert "CreateBatchSegmentJob" not in stack.created()


# --------------------------------------------------------------------------------------------- busy resources
LOCK_KEY = "work/locks/training/bingewatch.json"


def _create_tasks(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        if state.get("Type") == "Task" and ":aws-sdk:personalize:create" in state.get("Resource", ""):
            yield name, state
        for branch in state.get("Branches", []):
            yield from _create_tasks(branch["States"])
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from _create_tasks(state[key]["States"])


def test_every_personalize_create_call_waits_out_busy_resources_with_bounded_backoff() -> None:
    definition = render_state_machine("training_workflow", asl_vars())
    tasks = dict(_create_tasks(definition["States"]))
    assert {t["Resource"].rsplit(":", 1)[-1] for t in tasks.values()} == {
        "createDatasetGroup",
        "createSchema",
        "createDataset",
        "createDatasetImportJob",
        "createSolution",
        "createSolutionVersion",
        "createBatchSegmentJob",
    }
    for name, task in tasks.items():
        busy = [r for r in task["Retry"] if "Personalize.ResourceInUseException" in r["ErrorEquals"]]
        assert len(busy) == 1, name
        assert "Personalize.LimitExceededException" in busy[0]["ErrorEquals"], name
        assert 1 < busy[0]["MaxAttempts"] <= 10 and busy[0]["BackoffRate"] > 1 and busy[0]["MaxDelaySeconds"], name


def test_a_busy_resource_is_retried_not_failed(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    from contextual_targeting.local.emulation import ServiceError

    original = stack.personalize.op_CreateSolutionVersion
    refused: list[int] = []

    def busy_once(params: dict[str, Any]) -> dict[str, Any]:
        if not refused:
            refused.append(1)
            # the service's answer while an import of the dataset group is still running
            raise ServiceError("ResourceInUseException", "Dataset import job is in progress.")
        return original(params)

    monkeypatch.setattr(stack.personalize, "op_CreateSolutionVersion", busy_once)
    execution = stack.run()
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert refused and stack.personalize.call_count("CreateSolutionVersion") == 2
    assert len(stack.personalize.of_kind("solution-version")) == 1


def test_two_uploads_for_one_dataset_group_train_once_and_the_second_is_told_why(stack: Stack) -> None:
    body = (SAMPLE / CONFIG_KEY).read_bytes()
    first = stack.deliver(stack.upload(CONFIG_KEY, body))
    second = stack.deliver(stack.upload(CONFIG_KEY, body + b"\n"))  # a second version while the first trains
    assert first and second and first["executionArn"] != second["executionArn"]
    results = {arn: stack.wait(arn) for arn in (first["executionArn"], second["executionArn"])}
    assert [r["status"] for r in results.values()] == ["SUCCEEDED", "SUCCEEDED"], results  # a notice, no failure
    refused = [arn for arn, r in results.items() if '"holder"' in r.get("output", "")]
    assert len(refused) == 1
    (trained,) = set(results) - set(refused)
    holder = json.loads(results[refused[0]]["output"])["lock"]["holder"]
    assert holder["arn"] == trained and holder["status"] == "RUNNING"
    # one trained group: one run's imports, one solution version, one batch segment job
    p = stack.personalize
    assert len(p.of_kind("dataset-group")) == 1 and len(p.of_kind("solution")) == 1
    assert len(p.of_kind("dataset-import-job")) == 3
    assert len(p.of_kind("solution-version")) == 1 and len(p.of_kind("batch-segment-job")) == 1
    notes = stack.notifications()
    assert [n["Subject"] for n in notes].count("Personalize training succeeded") == 1
    (notice,) = [n for n in notes if n["Subject"].startswith("Training not started")]
    assert notice["Subject"] == "Training not started: bingewatch still training"
    assert holder["name"] in notice["Message"] and "upload the config again" in notice["Message"]
    # the lock went with the trained execution: the next upload trains
    with pytest.raises(stack.s3.exceptions.NoSuchKey):
        stack.s3.get_object(Bucket=BUCKET, Key=LOCK_KEY)
    assert stack.run(body=body + b"\n\n")["status"] == "SUCCEEDED"
    assert len(p.of_kind("solution-version")) == 2


def test_a_lock_left_by_an_ended_execution_is_taken_over(stack: Stack) -> None:
    ended = stack.run()
    assert ended["status"] == "SUCCEEDED"
    # an execution that was stopped before it could release its lock
    stack.s3.put_object(Bucket=BUCKET, Key=LOCK_KEY, Body=json.dumps({"owner": ended["executionArn"]}).encode())
    again = stack.run(body=(SAMPLE / CONFIG_KEY).read_bytes() + b"\n")
    assert again["status"] == "SUCCEEDED", again.get("cause")
    assert len(stack.personalize.of_kind("solution-version")) == 2
    with pytest.raises(stack.s3.exceptions.NoSuchKey):
        stack.s3.get_object(Bucket=BUCKET, Key=LOCK_KEY)


def test_a_failed_training_releases_its_lock(stack: Stack) -> None:
    stack.personalize.inject_failure("solution-version", "Insufficient data")
    execution = stack.run()
    assert execution["status"] == "FAILED"
    with pytest.raises(stack.s3.exceptions.NoSuchKey):
        stack.s3.get_object(Bucket=BUCKET, Key=LOCK_KEY)
