"""The module's rule pattern (the file Terraform renders) and the Lambdas' typed errors before timeout."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from contextual_targeting.asl import render_text
from contextual_targeting.local.event_patterns import matches
from contextual_targeting.local.lambda_loader import FakeContext

PATTERN = Path(__file__).resolve().parents[2] / "modules/segment_postprocessing/event_patterns/batch_segment_job.json"
ARN = "arn:aws:personalize:us-east-1:123456789012:batch-segment-job/bingewatch-2024"


def pattern() -> dict:
    text = render_text(
        PATTERN.read_text(), {"partition": "aws", "region": "us-east-1", "account": "123456789012"}, source=str(PATTERN)
    )
    return json.loads(text)


def event(status: str = "ACTIVE", arn: str = ARN, detail_type: str = "Personalize Batch Segment Job State Change"):
    return {
        "source": "solutions.aws.personalize",
        "detail-type": detail_type,
        "detail": {"Arn": arn, "Status": status, "Duration": 61.5},
    }


def test_rule_matches_active_batch_segment_jobs_of_this_account_only():
    assert matches(pattern(), event())
    assert not matches(pattern(), event(status="CREATE FAILED"))
    assert not matches(pattern(), event(detail_type="Personalize Batch Inference Job State Change"))
    assert not matches(pattern(), event(arn=ARN.replace("123456789012", "210987654321")))
    assert not matches(pattern(), event(arn=ARN.replace("batch-segment-job", "solution")))


def test_terraform_wires_the_pattern_and_the_template_variables():
    main = (PATTERN.parents[1] / "main.tf").read_text()
    assert "event_patterns/batch_segment_job.json" in main
    assert "segment_postprocessing.asl.json" in main
    for name in ("split_segments_arn", "finalize_segments_arn", "notification_topic_arn"):
        assert f"{name} " in main or f"{name}=" in main
    code = [row for row in main.splitlines() if not row.lstrip().startswith("#")]
    assert not [row for row in code if "pinpoint" in row or "segment_bucket" in row]  # it knows no destination


class Ticking(FakeContext):
    """A context whose clock is nearly out."""

    def get_remaining_time_in_millis(self) -> int:
        return 1_000


def test_split_raises_a_typed_error_before_the_lambda_times_out(lambda_handler, monkeypatch):
    monkeypatch.setenv("DATA_BUCKET", "data")
    handler = lambda_handler("split_segments")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="data")
        s3.put_object(Bucket="data", Key="batch/dg/sol/job/in.json.out", Body=b'{"itemAttributes": "x"}\n')
        with pytest.raises(Exception) as caught:
            handler(
                {"job": {"JobName": "job", "OutputPath": "s3://data/batch/dg/sol/job/"}, "execution": "e"},
                Ticking(),
            )
    assert type(caught.value).__name__ == "SplitTimeout"


def test_resolve_raises_a_typed_error_before_the_lambda_times_out(lambda_handler, module_environment):
    module_environment("pinpoint_resolve_endpoints", SEGMENT_BUCKET="segments", PINPOINT_APPLICATION_ID="app")
    handler = lambda_handler("pinpoint_resolve_endpoints")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        for bucket in ("data", "segments"):
            s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket="data", Key="work/e/chunks/s/chunk-00000.csv", Body=b"USER_ID\nu1\n")
        item = {
            "segment": "s",
            "index": 0,
            "users": 1,
            "chunk_bucket": "data",
            "chunk_key": "work/e/chunks/s/chunk-00000.csv",
            "part_key": "pinpoint/segments/s/part-00000.csv",
            "stats_key": "work/e/stats/s/chunk-00000.json",
        }
        with pytest.raises(Exception) as caught:
            handler(item, Ticking())
        assert s3.list_objects_v2(Bucket="segments").get("KeyCount", 0) == 0  # the partial part was aborted
    assert type(caught.value).__name__ == "ResolveTimeout"
