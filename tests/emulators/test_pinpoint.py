"""The Pinpoint emulator answers like Pinpoint: shapes, errors, throttling, imports — via boto3 and Step Functions."""

from __future__ import annotations

import json
import re
import time
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError
from moto import mock_aws

from contextual_targeting.local.emulation import emulate
from contextual_targeting.local.emulators.pinpoint import PinpointEmulator

APP = "app0123456789"
ROLE = "arn:aws:iam::123456789012:role/pinpoint-import"
SFN_ROLE = "arn:aws:iam::123456789012:role/sfn"


@pytest.fixture
def aws():
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield


@pytest.fixture
def pinpoint(aws):
    emulator = PinpointEmulator(app_ids=[APP])
    with emulate(emulator):
        yield emulator


@pytest.fixture
def client(pinpoint):
    return boto3.client("pinpoint", region_name="us-east-1")


def error_code(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


# ---------------------------------------------------------------- apps and endpoints
def test_apps_are_created_listed_and_read(client, pinpoint) -> None:
    created = client.create_app(CreateApplicationRequest={"Name": "personalize"})["ApplicationResponse"]
    assert created["Arn"] == f"arn:aws:mobiletargeting:us-east-1:123456789012:apps/{created['Id']}"
    assert client.get_app(ApplicationId=APP)["ApplicationResponse"]["Id"] == APP
    listed = client.get_apps()["ApplicationsResponse"]["Item"]
    assert {a["Id"] for a in listed} == {APP, created["Id"]}
    with pytest.raises(ClientError) as info:
        client.get_app(ApplicationId="nope")
    assert error_code(info) == ("NotFoundException", 404)
    assert isinstance(info.value, client.exceptions.NotFoundException)


def test_user_endpoints_are_found_by_user_id(client, pinpoint) -> None:
    pinpoint.add_endpoint(APP, "e1", "42", address="a@example.com")
    pinpoint.add_endpoint(APP, "e2", "42", channel="SMS", address="+15555550100", opt_out="ALL")
    pinpoint.add_endpoint(APP, "e3", "43")
    items = client.get_user_endpoints(ApplicationId=APP, UserId="42")["EndpointsResponse"]["Item"]
    by_id = {e["Id"]: e for e in items}
    assert set(by_id) == {"e1", "e2"}
    assert by_id["e1"]["ChannelType"] == "EMAIL" and by_id["e1"]["Address"] == "a@example.com"
    assert by_id["e1"]["User"]["UserId"] == "42" and by_id["e1"]["OptOut"] == "NONE"
    assert by_id["e2"]["OptOut"] == "ALL" and by_id["e2"]["EndpointStatus"] == "ACTIVE"
    assert client.get_endpoint(ApplicationId=APP, EndpointId="e3")["EndpointResponse"]["User"]["UserId"] == "43"


def test_user_without_endpoints_is_not_found(client, pinpoint) -> None:
    with pytest.raises(client.exceptions.NotFoundException) as info:
        client.get_user_endpoints(ApplicationId=APP, UserId="nobody")
    assert error_code(info) == ("NotFoundException", 404)
    assert info.value.response["Error"]["Message"] == "Resource not found"
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_endpoint(ApplicationId=APP, EndpointId="missing")


def test_update_endpoint_creates_then_merges(client, pinpoint) -> None:
    client.update_endpoint(
        ApplicationId=APP,
        EndpointId="e1",
        EndpointRequest={"ChannelType": "EMAIL", "Address": "x@example.com", "User": {"UserId": "7"}},
    )
    client.update_endpoint(
        ApplicationId=APP,
        EndpointId="e1",
        EndpointRequest={"OptOut": "ALL", "User": {"UserAttributes": {"Age": ["21"]}}},
    )
    endpoint = client.get_endpoint(ApplicationId=APP, EndpointId="e1")["EndpointResponse"]
    assert endpoint["Address"] == "x@example.com" and endpoint["OptOut"] == "ALL"
    assert endpoint["User"] == {"UserId": "7", "UserAttributes": {"Age": ["21"]}}
    with pytest.raises(client.exceptions.BadRequestException, match="Invalid email address"):
        client.update_endpoint(
            ApplicationId=APP, EndpointId="e2", EndpointRequest={"ChannelType": "EMAIL", "Address": "not-an-email"}
        )
    with pytest.raises(client.exceptions.BadRequestException, match="Invalid email address"):  # checked merged
        client.update_endpoint(ApplicationId=APP, EndpointId="e1", EndpointRequest={"Address": "still-not-one"})
    assert client.get_endpoint(ApplicationId=APP, EndpointId="e1")["EndpointResponse"]["Address"] == "x@example.com"
    with pytest.raises(client.exceptions.BadRequestException, match="exceeds 100 characters"):
        client.update_endpoint(ApplicationId=APP, EndpointId="e1", EndpointRequest={"Attributes": {"Bio": ["x" * 101]}})


def test_update_endpoints_batch_is_all_or_nothing(client, pinpoint) -> None:
    items = [
        {"Id": f"b{i}", "ChannelType": "EMAIL", "Address": f"u{i}@example.com", "User": {"UserId": str(i)}}
        for i in range(3)
    ]
    assert client.update_endpoints_batch(ApplicationId=APP, EndpointBatchRequest={"Item": items})["MessageBody"]
    assert len(pinpoint.endpoints(APP)) == 3
    bad = [{"Id": "b9", "ChannelType": "EMAIL", "Address": "u9@example.com"}, {"Id": "b10", "ChannelType": "FAX"}]
    with pytest.raises(ClientError) as info:
        client.update_endpoints_batch(ApplicationId=APP, EndpointBatchRequest={"Item": bad})
    assert error_code(info) == ("BadRequestException", 400)
    assert len(pinpoint.endpoints(APP)) == 3
    too_many = [{"Id": f"x{i}", "ChannelType": "EMAIL", "Address": f"x{i}@example.com"} for i in range(101)]
    with pytest.raises(client.exceptions.BadRequestException):
        client.update_endpoints_batch(ApplicationId=APP, EndpointBatchRequest={"Item": too_many})


def test_requests_are_validated_against_the_service_model(client, pinpoint) -> None:
    with pytest.raises(ParamValidationError):
        client.get_user_endpoints(ApplicationId=APP)  # UserId missing
    unvalidated = boto3.client("pinpoint", region_name="us-east-1", config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as info:
        unvalidated.get_user_endpoints(ApplicationId=APP)
    assert error_code(info) == ("BadRequestException", 400)
    assert pinpoint.call_count("GetUserEndpoints") == 0


def test_throttling_then_success(client, pinpoint) -> None:
    pinpoint.add_endpoint(APP, "e1", "1")
    pinpoint.throttle("GetUserEndpoints", times=2)
    no_retries = boto3.client("pinpoint", region_name="us-east-1", config=Config(retries={"max_attempts": 1}))
    for _ in range(2):
        with pytest.raises(no_retries.exceptions.TooManyRequestsException) as info:
            no_retries.get_user_endpoints(ApplicationId=APP, UserId="1")
        assert error_code(info) == ("TooManyRequestsException", 429)
    assert no_retries.get_user_endpoints(ApplicationId=APP, UserId="1")["EndpointsResponse"]["Item"]
    assert pinpoint.call_count("GetUserEndpoints") == 3


def test_responses_do_not_share_state(client, pinpoint) -> None:
    pinpoint.add_endpoint(APP, "e1", "1")
    first = client.get_endpoint(ApplicationId=APP, EndpointId="e1")["EndpointResponse"]
    first["User"]["UserId"] = "changed"
    assert client.get_endpoint(ApplicationId=APP, EndpointId="e1")["EndpointResponse"]["User"]["UserId"] == "1"


# ---------------------------------------------------------------- Step Functions aws-sdk tasks
def _run(definition: dict, payload: dict) -> dict:
    """Run a state machine in moto's interpreter (a background thread) and wait for it to finish."""
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    name = uuid.uuid4().hex
    arn = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=SFN_ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))["executionArn"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.01)  # waiting for the interpreter thread, not for a polling interval
    raise AssertionError("execution did not finish")


GET_USER_ENDPOINTS = {
    "StartAt": "Get",
    "States": {
        "Get": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:pinpoint:getUserEndpoints",
            "Parameters": {"ApplicationId.$": "$.app", "UserId.$": "$.user"},
            "ResultSelector": {"Ids.$": "$.EndpointsResponse.Item[*].Id"},
            "Catch": [{"ErrorEquals": ["Pinpoint.NotFoundException"], "ResultPath": "$.error", "Next": "NoEndpoints"}],
            "End": True,
        },
        "NoEndpoints": {"Type": "Pass", "Result": {"Ids": []}, "End": True},
    },
}


def test_step_functions_sdk_task_gets_user_endpoints(pinpoint) -> None:
    pinpoint.add_endpoint(APP, "e1", "42")
    pinpoint.add_endpoint(APP, "e2", "42")
    result = _run(GET_USER_ENDPOINTS, {"app": APP, "user": "42"})
    assert result["status"] == "SUCCEEDED", result
    assert sorted(json.loads(result["output"])["Ids"]) == ["e1", "e2"]


def test_step_functions_sdk_task_sees_pinpoint_error_names(pinpoint) -> None:
    result = _run(GET_USER_ENDPOINTS, {"app": APP, "user": "nobody"})
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {"Ids": []}
    bad_request = json.loads(json.dumps(GET_USER_ENDPOINTS))
    bad_request["States"]["Get"]["Parameters"] = {"ApplicationId.$": "$.app"}  # UserId missing
    invalid = _run(bad_request, {"app": APP})
    assert (invalid["status"], invalid["error"]) == ("FAILED", "Pinpoint.BadRequestException")


def test_step_functions_task_fails_with_pinpoint_throttling_error(pinpoint) -> None:
    pinpoint.add_endpoint(APP, "e1", "42")
    pinpoint.throttle("GetUserEndpoints", times=1)
    result = _run(GET_USER_ENDPOINTS, {"app": APP, "user": "42"})
    assert result["status"] == "FAILED"
    assert result["error"] == "Pinpoint.TooManyRequestsException"
    again = _run(GET_USER_ENDPOINTS, {"app": APP, "user": "42"})
    assert json.loads(again["output"])["Ids"] == ["e1"]


# ---------------------------------------------------------------- import jobs and segments
def _put(key: str, body: str, bucket: str = "imports") -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    if bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode())


def _import(client, s3_url: str, fmt: str = "CSV", **extra) -> dict:
    request = {"Format": fmt, "S3Url": s3_url, "RoleArn": ROLE, **extra}
    job = client.create_import_job(ApplicationId=APP, ImportJobRequest=request)["ImportJobResponse"]
    statuses = [job["JobStatus"]]
    while statuses[-1] not in ("COMPLETED", "FAILED"):
        job = client.get_import_job(ApplicationId=APP, JobId=job["Id"])["ImportJobResponse"]
        statuses.append(job["JobStatus"])
    job["_statuses"] = statuses
    return job


ENDPOINTS_CSV = (
    "User.UserId,ChannelType,User.UserAttributes.Gender,Address,User.UserAttributes.Age\n"
    "1,EMAIL,Female,success+1@simulator.amazonses.com,21\n"
    "2,EMAIL,Female,success+2@simulator.amazonses.com,35\n"
    "3,EMAIL,Male,success+3@simulator.amazonses.com,37\n"
)


def test_csv_import_creates_endpoints_with_generated_ids_and_a_segment(client, pinpoint) -> None:
    _put("pinpoint/endpoints.csv", ENDPOINTS_CSV)
    job = _import(client, "s3://imports/pinpoint/endpoints.csv", DefineSegment=True, SegmentName="endpoints")
    assert job["_statuses"] == ["CREATED", "PROCESSING", "COMPLETED"]
    assert (job["TotalPieces"], job["FailedPieces"], job["TotalProcessed"], job["TotalFailures"]) == (1, 0, 3, 0)
    user = client.get_user_endpoints(ApplicationId=APP, UserId="2")["EndpointsResponse"]["Item"]
    assert len(user) == 1 and re.fullmatch(r"[a-z0-9]{26}", user[0]["Id"])
    assert user[0]["User"]["UserAttributes"] == {"Gender": ["Female"], "Age": ["35"]}
    segments = client.get_segments(ApplicationId=APP)["SegmentsResponse"]["Item"]
    assert [(s["Name"], s["SegmentType"], s["Version"]) for s in segments] == [("endpoints", "IMPORT", 1)]
    assert segments[0]["ImportDefinition"]["Size"] == 3
    assert segments[0]["Id"] == job["Definition"]["SegmentId"]
    assert len(pinpoint.segment_members(APP, segments[0]["Id"])) == 3


def test_folder_import_reads_every_part_and_new_versions_keep_one_segment(client, pinpoint) -> None:
    for i in range(6):
        pinpoint.add_endpoint(APP, f"e{i}", str(i))
    _put("pinpoint/segments/action/part-00000.csv", "Id\ne0\ne1\n")
    _put("pinpoint/segments/action/part-00001.csv", "Id\ne2\n")
    _put("pinpoint/segments/action/part-00002.csv", "Id\ne3\ne4\n")
    _put("pinpoint/segments/action/notes.txt", "ignored: not the job's format")
    first = _import(client, "s3://imports/pinpoint/segments/action/", DefineSegment=True, SegmentName="action")
    assert (first["JobStatus"], first["TotalPieces"], first["TotalProcessed"]) == ("COMPLETED", 3, 5)
    segment_id = first["Definition"]["SegmentId"]
    assert pinpoint.segment_members(APP, segment_id) == {"e0", "e1", "e2", "e3", "e4"}

    _put("pinpoint/segments/action2/part-00000.csv", "Id\ne5\n")
    second = _import(client, "s3://imports/pinpoint/segments/action2/", SegmentId=segment_id)
    assert second["JobStatus"] == "COMPLETED"
    segments = client.get_segments(ApplicationId=APP)["SegmentsResponse"]["Item"]
    assert len(segments) == 1 and segments[0]["Version"] == 2
    assert segments[0]["ImportDefinition"]["Size"] == 1
    versions = client.get_segment_versions(ApplicationId=APP, SegmentId=segment_id)["SegmentsResponse"]["Item"]
    assert sorted(v["Version"] for v in versions) == [1, 2]
    v1 = client.get_segment_version(ApplicationId=APP, SegmentId=segment_id, Version="1")["SegmentResponse"]
    assert v1["ImportDefinition"]["Size"] == 5
    assert pinpoint.segment_members(APP, segment_id, version=1) == {"e0", "e1", "e2", "e3", "e4"}
    assert pinpoint.segment_members(APP, segment_id) == {"e5"}
    assert client.get_segment(ApplicationId=APP, SegmentId=segment_id)["SegmentResponse"]["Version"] == 2


def test_failed_rows_are_reported_and_the_rest_imported(client, pinpoint) -> None:
    pinpoint.add_endpoint(APP, "known", "1")
    _put("seg/part-00000.csv", "Id\nknown\nunknown-endpoint\n")
    _put("seg/part-00001.csv", "Id\nknown\n")
    job = _import(client, "s3://imports/seg/", DefineSegment=True, SegmentName="s")
    assert job["JobStatus"] == "COMPLETED"
    assert (job["TotalPieces"], job["FailedPieces"], job["CompletedPieces"], job["TotalFailures"]) == (2, 1, 1, 1)
    assert any("unknown-endpoint" in f and "not found" in f for f in job["Failures"])
    assert pinpoint.segment_members(APP, job["Definition"]["SegmentId"]) == {"known"}


def test_malformed_file_fails_the_job_and_defines_no_segment(client, pinpoint) -> None:
    _put("bad/endpoints.csv", "User.UserId,ChannelType,Address\n1,EMAIL,not-an-email\n2,EMAIL\n")
    job = _import(client, "s3://imports/bad/endpoints.csv", DefineSegment=True, SegmentName="bad")
    assert job["JobStatus"] == "FAILED"
    assert job["TotalFailures"] == 2 and job["FailedPieces"] == 1
    assert any("Invalid email address" in f for f in job["Failures"])
    assert any("expected 3 values" in f for f in job["Failures"])
    assert client.get_segments(ApplicationId=APP)["SegmentsResponse"]["Item"] == []
    missing = _import(client, "s3://imports/nothing-here/", DefineSegment=True, SegmentName="none")
    assert missing["JobStatus"] == "FAILED" and "No CSV files" in missing["Failures"][0]
    header = _import(client, "s3://imports/bad2.csv") if _put("bad2.csv", "Nope\nx\n") is None else None
    assert header is not None and header["JobStatus"] == "FAILED" and "unrecognized columns" in header["Failures"][0]


def test_a_piece_unreadable_part_way_fails_whole_and_changes_nothing(client, pinpoint) -> None:
    # rows are imported as they are read (a piece is never held whole): one that turns out unreadable after many
    # rows (invalid UTF-8 beyond the first block the reader decodes) must leave no trace — the endpoints it had
    # created or changed are as before
    pinpoint.add_endpoint(APP, "kept", "7", address="before@example.com")
    s3 = boto3.client("s3", region_name="us-east-1")
    _put("mixed/part-00000.csv", "User.UserId,ChannelType,Address\n1,EMAIL,one@example.com\n")
    rows = "".join(f",{user},EMAIL,user{user}@example.com\n" for user in range(100, 1100))
    head = ("Id,User.UserId,ChannelType,Address\nkept,7,EMAIL,after@example.com\n" + rows).encode()
    assert len(head) > 3 * 8192  # several of TextIOWrapper's blocks are read (and imported) before the bad byte
    s3.put_object(Bucket="imports", Key="mixed/part-00001.csv", Body=head + b",3,EMAIL,\xff\xfe@example.com\n")
    imported_before_failing: list[int] = []
    original = pinpoint._import_row
    pinpoint._import_row = lambda *a, **k: imported_before_failing.append(1) or original(*a, **k)
    job = _import(client, "s3://imports/mixed/", DefineSegment=True, SegmentName="mixed")
    assert len(imported_before_failing) > 500  # the rollback was really exercised
    assert (job["JobStatus"], job["TotalPieces"], job["FailedPieces"], job["CompletedPieces"]) == ("COMPLETED", 2, 1, 1)
    assert job["TotalProcessed"] == 1 and job["TotalFailures"] == 1
    assert any("part-00001.csv" in f and "utf-8" in f for f in job["Failures"])
    assert (
        client.get_endpoint(ApplicationId=APP, EndpointId="kept")["EndpointResponse"]["Address"] == "before@example.com"
    )
    assert [e["Id"] for e in pinpoint.endpoints_of_user(APP, "7")] == ["kept"]
    for user in ("100", "555", "1099"):
        with pytest.raises(client.exceptions.NotFoundException):
            client.get_user_endpoints(ApplicationId=APP, UserId=user)
    one = client.get_user_endpoints(ApplicationId=APP, UserId="1")["EndpointsResponse"]["Item"]
    assert pinpoint.segment_members(APP, job["Definition"]["SegmentId"]) == {one[0]["Id"]}
    assert list(pinpoint.apps[APP].endpoints) == ["kept", one[0]["Id"]]  # insertion order as before
    assert set(pinpoint.apps[APP].by_user) == {"7", "1"}


def test_stored_endpoints_cannot_be_changed_through_what_a_read_returns(pinpoint) -> None:
    pinpoint.add_endpoint(APP, "e1", "1", user_attributes={"Plan": ["gold"]})
    read = pinpoint.apps[APP].endpoints["e1"]
    read["User"]["UserAttributes"]["Plan"].append("silver")
    read["Address"] = "changed@example.com"
    again = pinpoint.apps[APP].endpoints["e1"]
    assert again["User"]["UserAttributes"] == {"Plan": ["gold"]} and again["Address"] == "user-1@example.com"


def test_json_import_and_updates_of_existing_endpoints(client, pinpoint) -> None:
    pinpoint.add_endpoint(APP, "e1", "1", address="old@example.com")
    lines = [
        {"Id": "e1", "ChannelType": "EMAIL", "Address": "new@example.com", "User": {"UserId": "1"}},
        {"ChannelType": "EMAIL", "Address": "two@example.com", "User": {"UserId": "2"}, "Attributes": {"a": ["b"]}},
        "{not json",
        {"ChannelType": "EMAIL", "Address": "three@example.com", "User": {"UserId": 3}},
    ]
    _put("json/endpoints.json", "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines))
    job = _import(client, "s3://imports/json/endpoints.json", fmt="JSON")
    assert (job["JobStatus"], job["TotalProcessed"], job["TotalFailures"]) == ("COMPLETED", 4, 2)
    assert client.get_endpoint(ApplicationId=APP, EndpointId="e1")["EndpointResponse"]["Address"] == "new@example.com"
    two = client.get_user_endpoints(ApplicationId=APP, UserId="2")["EndpointsResponse"]["Item"]
    assert two[0]["Attributes"] == {"a": ["b"]}
    assert "Definition" in job and "SegmentId" not in job["Definition"]


def test_import_job_requests_are_checked(client, pinpoint) -> None:
    with pytest.raises(client.exceptions.BadRequestException):
        client.create_import_job(
            ApplicationId=APP, ImportJobRequest={"Format": "CSV", "S3Url": "https://x/y", "RoleArn": ROLE}
        )
    with pytest.raises(client.exceptions.NotFoundException):
        client.create_import_job(
            ApplicationId=APP,
            ImportJobRequest={"Format": "CSV", "S3Url": "s3://imports/x.csv", "RoleArn": ROLE, "SegmentId": "nope"},
        )
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_import_job(ApplicationId=APP, JobId="nope")


def test_polls_per_status_and_listing(aws) -> None:
    emulator = PinpointEmulator(app_ids=[APP], polls_per_status=2)
    with emulate(emulator):
        client = boto3.client("pinpoint", region_name="us-east-1")
        _put("p/endpoints.csv", ENDPOINTS_CSV)
        job = _import(client, "s3://imports/p/endpoints.csv")
        assert job["_statuses"] == ["CREATED", "CREATED", "PROCESSING", "PROCESSING", "COMPLETED"]
        _put("p/more.csv", ENDPOINTS_CSV.replace("success+", "other+"))
        request = {"Format": "CSV", "S3Url": "s3://imports/p/more.csv", "RoleArn": ROLE}
        pending = client.create_import_job(ApplicationId=APP, ImportJobRequest=request)["ImportJobResponse"]
        emulator.finish_import_jobs()
        assert client.get_import_job(ApplicationId=APP, JobId=pending["Id"])["ImportJobResponse"]["JobStatus"] == (
            "COMPLETED"
        )
        page = client.get_import_jobs(ApplicationId=APP, PageSize="1")["ImportJobsResponse"]
        assert len(page["Item"]) == 1 and page["NextToken"]
        rest = client.get_import_jobs(ApplicationId=APP, PageSize="1", Token=page["NextToken"])["ImportJobsResponse"]
        assert len(rest["Item"]) == 1 and "NextToken" not in rest
        assert {page["Item"][0]["Id"], rest["Item"][0]["Id"]} == {job["Id"], pending["Id"]}
        assert len(client.get_user_endpoints(ApplicationId=APP, UserId="1")["EndpointsResponse"]["Item"]) == 2
