"""Validation of training input (config + CSVs + batch job config): core, Lambda (from its zip, moto S3), CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from contextual_targeting.core.training_sources import LocalSource
from contextual_targeting.core.training_validation import (
    MAX_NAME_LENGTH,
    NAME_PATTERN,
    InputInvalid,
    build_plan,
    validate_training_input,
)

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "training"
VALID = FIXTURES / "valid"
CONFIG = "train/bingewatch/config.json"
COMMITTED_SAMPLE = REPO / "data" / "personalize" / CONFIG
BUCKET = "ct-data-123456789012-us-east-1"


def config_of(case: str) -> Path:
    return FIXTURES / case / CONFIG


def validate_local(config: Path, **kwargs):
    return validate_training_input(LocalSource(), config.as_posix(), **kwargs)


# (case, [(where-regex, message-regex), ...]) — every broken fixture and what its report must say
BROKEN = [
    ("malformed_json", [(r"config\.json:\d+$", r"malformed JSON")]),
    ("unknown_recipe", [(r"solutions\[0\]\.serviceConfig\.recipeArn$", r"unknown or unsupported recipe")]),
    (
        "unsupported_section",
        [
            (r"config\.json: solutions\[0\]\.campaigns$", r"'campaigns' is not supported"),
            (r"config\.json: eventTracker$", r"'eventTracker' is not supported"),
        ],
    ),
    ("too_many_queries", [(r"job_config\.json$", r"11 queries: .* at most 10")]),
    ("non_categorical_query", [(r"job_config\.json:2$", r"ITEMS\.title: field TITLE is not categorical")]),
    ("value_absent", [(r"job_config\.json:2$", r'value "Western" of GENRES occurs in no item')]),
    (
        "wrong_header",
        [
            (r"items\.csv:1$", r'column "GENRE" is not a field'),
            (r"items\.csv:1$", r"header lacks the schema field\(s\) GENRES"),
        ],
    ),
    ("ms_timestamps", [(r"interactions\.csv:2$", r"TIMESTAMP 964982703000 looks like epoch milliseconds")]),
    ("too_few_users", [(r"interactions\.csv$", r"\b1\d user\(s\) with at least 2 interactions.*at least 25")]),
    ("missing_required_value", [(r"interactions\.csv:4$", r"missing value for required .* field ITEM_ID")]),
    ("bad_avro_value", [(r"items\.csv:3$", r'RELEASE_YEAR: "nineteen" is not an Avro int')]),
    (
        "num_results_too_large",
        [(r"solutions\[0\]\.batchSegmentJobs\[0\]\.serviceConfig\.numResults$", r"6,000,000 is more than .*5,000,000")],
    ),
    (
        "bad_name",
        [
            (r"datasets\.interactions\.dataset\.serviceConfig\.name$", r"does not match"),
            (r"datasets\.items\.schema\.serviceConfig\.name$", r"longer than 63"),
        ],
    ),
]


def assert_reported(problems, expected) -> None:
    for where, message in expected:
        assert any(re.search(where, p.where) and re.search(message, p.message) for p in problems), (
            f"no problem at {where!r} saying {message!r} in:\n" + "\n".join(map(str, problems))
        )


# ---------------------------------------------------------------------------------------------------------------
# core


def test_valid_fixture_passes_and_plans_names_within_limits() -> None:
    result = validate_local(config_of("valid"))
    assert result.valid, result.text()
    assert [d.kind for d in result.datasets] == ["interactions", "items", "users"]
    assert result.datasets[0].rows == 1020
    assert result.active_users >= 25
    assert [q.terms for q in result.queries] == [
        [("GENRES", "Action")],
        [("GENRES", "Comedy")],
        [("GENRES", "Horror"), ("GENRES", "Thriller")],
    ]
    plan = build_plan(result, "config.json-0123456789abcdef")
    assert plan["valid"] is True
    assert plan["solution"] == {
        "name": "bingewatch-affinity",
        "recipeArn": "arn:aws:personalize:::recipe/aws-item-attribute-affinity",
        "trainingMode": "FULL",
    }
    for name in [d["importJobName"] for d in plan["datasets"]] + [j["jobName"] for j in plan["batchSegmentJobs"]]:
        assert len(name) <= MAX_NAME_LENGTH and NAME_PATTERN.match(name)
    again = build_plan(validate_local(config_of("valid")), "config.json-0123456789abcdef")
    other = build_plan(validate_local(config_of("valid")), "config.json-fedcba9876543210")
    assert again == plan  # a retry of the same execution plans the same names
    assert other["batchSegmentJobs"][0]["jobName"] != plan["batchSegmentJobs"][0]["jobName"]


@pytest.mark.skipif(not COMMITTED_SAMPLE.exists(), reason="data/personalize sample not committed yet")
def test_committed_sample_passes() -> None:
    result = validate_local(COMMITTED_SAMPLE)
    assert result.valid, result.text()
    assert result.job_config_key is not None and Path(result.job_config_key).is_file()


@pytest.mark.parametrize(("case", "expected"), BROKEN, ids=[case for case, _ in BROKEN])
def test_each_broken_fixture_is_reported_with_file_line_or_field(case: str, expected) -> None:
    result = validate_local(config_of(case))
    assert not result.valid
    assert_reported(result.report.problems, expected)
    with pytest.raises(InputInvalid):
        build_plan(result, "run")


# ---------------------------------------------------------------------------------------------------------------
# Lambda (loaded from build/validate_training_input.zip) over moto S3


def upload(s3, case_dir: Path) -> None:
    for path in sorted(case_dir.rglob("*")):
        if path.is_file():
            s3.put_object(Bucket=BUCKET, Key=path.relative_to(case_dir).as_posix(), Body=path.read_bytes())


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_lambda_returns_the_plan_for_the_valid_upload(lambda_handler, s3) -> None:
    upload(s3, VALID)
    handler = lambda_handler("validate_training_input")
    plan = handler({"bucket": BUCKET, "key": CONFIG, "run_id": "config.json-0123456789abcdef"}, None)
    json.dumps(plan)  # plain JSON for Step Functions
    assert plan["valid"] is True
    assert plan["datasetGroup"] == {"name": "bingewatch", "tags": []}
    assert [d["type"] for d in plan["datasets"]] == ["INTERACTIONS", "ITEMS", "USERS"]
    interactions = plan["datasets"][0]
    assert interactions["name"] == "bingewatch-interactions"
    assert interactions["schemaName"] == "bingewatch-interactions-schema"
    assert json.loads(interactions["schema"])["fields"][0] == {"name": "USER_ID", "type": "string"}
    assert interactions["dataLocation"] == f"s3://{BUCKET}/train/bingewatch/interactions.csv"
    assert interactions["importJobName"].startswith("bingewatch-interactions-")
    [job] = plan["batchSegmentJobs"]
    assert job["numResults"] == 100
    assert job["jobName"].startswith("bingewatch-affinity-")
    assert job["input"] == f"s3://{BUCKET}/batch/bingewatch/bingewatch-affinity/job_config.json"
    assert job["output"] == f"s3://{BUCKET}/batch/bingewatch/bingewatch-affinity/{job['jobName']}/"
    assert plan["report"] == {"problems": [], "notes": []}


def test_lambda_raises_input_invalid_with_the_whole_report(lambda_handler, s3) -> None:
    upload(s3, FIXTURES / "several_problems")
    handler = lambda_handler("validate_training_input")
    with pytest.raises(Exception) as caught:
        handler({"bucket": BUCKET, "key": CONFIG, "run_id": "r"}, None)
    assert type(caught.value).__name__ == "InputInvalid"  # the Step Functions error name
    report = str(caught.value)
    assert report.startswith(f"INVALID training input s3://{BUCKET}/{CONFIG}")
    for text in (
        "solutions[0].serviceConfig.recipeArn: unknown or unsupported recipe",
        "numResults: 6,000,000 is more than the maximum 5,000,000",
        f's3://{BUCKET}/train/bingewatch/items.csv:1: column "GENRE" is not a field',
        f"s3://{BUCKET}/train/bingewatch/interactions.csv:2: TIMESTAMP",
        f"s3://{BUCKET}/train/bingewatch/interactions.csv:4: missing value for required",
        f"s3://{BUCKET}/batch/bingewatch/bingewatch-affinity/job_config.json:2: query",
    ):
        assert text in report, report


def test_lambda_reads_dataset_folders_of_parts(lambda_handler, s3) -> None:
    upload(s3, VALID)
    lines = (VALID / "train/bingewatch/interactions.csv").read_text().splitlines(True)
    s3.delete_object(Bucket=BUCKET, Key="train/bingewatch/interactions.csv")
    for number, chunk in enumerate((lines[1:500], lines[500:])):
        body = lines[0] + "".join(chunk)
        s3.put_object(Bucket=BUCKET, Key=f"train/bingewatch/interactions/part-{number:05d}.csv", Body=body)
    plan = lambda_handler("validate_training_input")({"bucket": BUCKET, "key": CONFIG, "run_id": "r"}, None)
    assert plan["datasets"][0]["dataLocation"] == f"s3://{BUCKET}/train/bingewatch/interactions/"
