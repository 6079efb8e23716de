"""The EventBridge → Step Functions starter: one execution per distinct event, duplicates ignored."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from contextual_targeting.core.executions import MAX_NAME, execution_name
from contextual_targeting.local.lambda_loader import FakeContext


def s3_event(key: str, etag: str = "abc", bucket: str = "b") -> dict:
    return {
        "id": "ignored-for-s3",
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": bucket}, "object": {"key": key, "etag": etag, "size": 1}},
    }


def test_names_are_valid_and_distinguish_objects_and_versions() -> None:
    long_key = "train/" + "x" * 300 + "/config.json"
    names = {
        execution_name(s3_event("train/dg/config.json")),
        execution_name(s3_event("train/dg/config.json", etag="def")),
        execution_name(s3_event("train/dg2/config.json")),
        execution_name(s3_event(long_key)),
        execution_name(s3_event("pinpoint/segments/genres-action (ü).manifest.json")),
    }
    assert len(names) == 5
    for name in names:
        assert 1 <= len(name) <= MAX_NAME
        assert all(c.isalnum() or c in "-_" for c in name), name
    assert execution_name(s3_event("a/b.json")) == execution_name(s3_event("a/b.json"))


def test_personalize_events_are_named_after_the_resource() -> None:
    event = {
        "id": "1",
        "source": "solutions.aws.personalize",
        "detail-type": "Personalize Batch Segment Job State Change",
        "detail": {"Arn": "arn:aws:personalize:us-east-1:1:batch-segment-job/job-1", "Status": "ACTIVE"},
    }
    again = {**event, "id": "2"}
    assert execution_name(event) == execution_name(again)
    assert execution_name(event).startswith("job-1-")


@pytest.mark.usefixtures("built_zips")
def test_duplicate_event_starts_one_execution(lambda_handler, monkeypatch) -> None:
    handler = lambda_handler("start_execution")
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    with mock_aws():
        sfn = boto3.client("stepfunctions")
        arn = sfn.create_state_machine(
            name="sm", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/r"
        )["stateMachineArn"]
        monkeypatch.setenv("STATE_MACHINE_ARN", arn)
        first = handler(s3_event("train/dg/config.json"), FakeContext())
        second = handler(s3_event("train/dg/config.json"), FakeContext())
        third = handler(s3_event("train/dg/config.json", etag="new"), FakeContext())
        executions = sfn.list_executions(stateMachineArn=arn)["executions"]
    # a duplicate either finds the execution running (Step Functions answers with the same execution)
    # or closed (ExecutionAlreadyExists): never a second execution
    assert second.get("executionArn", first["executionArn"]) == first["executionArn"]
    assert third["executionArn"] != first["executionArn"]
    assert len(executions) == 2
