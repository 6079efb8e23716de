"""The prepare function of the Pinpoint import workflow: what an S3 object means, and the segment it goes to."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from contextual_targeting.local.emulation import emulate
from contextual_targeting.local.emulators.pinpoint import PinpointEmulator
from contextual_targeting.local.lambda_loader import FakeContext

APP = "0123456789abcdef0123456789abcdef"
BUCKET = "segments-bucket"


@pytest.fixture
def prepare(lambda_handler, monkeypatch):
    monkeypatch.setenv("APPLICATION_ID", APP)
    monkeypatch.setenv("IMPORT_PREFIX", "pinpoint/")
    handler = lambda_handler("pinpoint_import_prepare")
    pinpoint = PinpointEmulator(app_ids=[APP])
    with mock_aws(), emulate(pinpoint):
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)

        def call(key: str, body: object | None = None) -> dict:
            if body is not None:
                text = body if isinstance(body, str) else json.dumps(body)
                boto3.client("s3", region_name="us-east-1").put_object(Bucket=BUCKET, Key=key, Body=text.encode())
            return handler({"bucket": BUCKET, "key": key}, FakeContext("prepare"))  # type: ignore[no-any-return]

        call.pinpoint = pinpoint  # type: ignore[attr-defined]
        yield call


@pytest.mark.parametrize(
    ("key", "name", "fmt"),
    [
        ("pinpoint/endpoints.csv", "endpoints", "CSV"),
        ("pinpoint/endpoints.JSON", "endpoints", "JSON"),
        ("pinpoint/crm/eu/new users.csv", "crm-eu-new-users", "CSV"),
    ],
)
def test_endpoint_files_are_imported_as_themselves(prepare, key: str, name: str, fmt: str) -> None:
    result = prepare(key)
    assert (result["action"], result["kind"], result["segment_name"], result["format"]) == (
        "import",
        "endpoints",
        name,
        fmt,
    )
    assert result["s3_url"] == f"s3://{BUCKET}/{key}" and result["segment_id"] is None


@pytest.mark.parametrize(
    "key",
    [
        "pinpoint/segments/action/part-00000.csv",
        "pinpoint/notes.txt",
        "pinpoint/folder/",
        "elsewhere/endpoints.csv",
    ],
)
def test_other_objects_are_ignored(prepare, key: str) -> None:
    result = prepare(key)
    assert result["action"] == "ignore" and result["reason"]
    assert prepare.pinpoint.call_count() == 0


def test_completion_object_names_the_folder_and_the_segment(prepare) -> None:
    ready = {"segment_name": "genres-action-job-1", "s3_url": f"s3://{BUCKET}/pinpoint/segments/genres-action-job-1/"}
    result = prepare("pinpoint/segments/genres-action-job-1.ready.json", {**ready, "parts": 3, "endpoints": 12})
    assert result == {
        "action": "import",
        "reason": None,
        "kind": "segment",
        "segment_name": "genres-action-job-1",
        "s3_url": ready["s3_url"],
        "format": "CSV",
        "segment_id": None,
        "expected_endpoints": 12,
        "parts": 3,
        "same_name_segments": 0,
    }
    minimal = prepare("pinpoint/segments/other.ready.json", {})
    assert (minimal["segment_name"], minimal["s3_url"]) == ("other", f"s3://{BUCKET}/pinpoint/segments/other/")


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        [1, 2],
        {"segment_name": ""},
        {"segment_name": "x" * 65},
        {"s3_url": "s3://another-bucket/pinpoint/segments/x/"},
        {"s3_url": f"s3://{BUCKET}/elsewhere/"},
        {"parts": "three"},
        {"endpoints": -1},
    ],
)
def test_malformed_completion_objects_raise_input_invalid(prepare, body) -> None:
    with pytest.raises(Exception) as info:
        prepare("pinpoint/segments/x.ready.json", body)
    assert type(info.value).__name__ == "InputInvalid"


def test_empty_segment_is_not_imported(prepare) -> None:
    result = prepare("pinpoint/segments/none.ready.json", {"segment_name": "none", "parts": 0, "endpoints": 0})
    assert result["action"] == "empty" and prepare.pinpoint.call_count("GetSegments") == 0


def test_existing_segment_is_found_on_any_page_and_only_among_import_segments(prepare) -> None:
    for i in range(230):  # three pages of GetSegments
        prepare.pinpoint.add_segment(APP, f"filler-{i}")
    older = prepare.pinpoint.add_segment(APP, "genres-action-job-1", ["e1"])
    newer = prepare.pinpoint.add_segment(APP, "genres-action-job-1", ["e2"])
    result = prepare("pinpoint/segments/genres-action-job-1.ready.json", {"parts": 1, "endpoints": 1})
    assert result["segment_id"] in {older["Id"], newer["Id"]}  # duplicates made before this workflow: either
    assert result["same_name_segments"] == 2
    assert prepare.pinpoint.call_count("GetSegments") == 3
