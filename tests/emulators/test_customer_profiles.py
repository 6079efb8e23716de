"""The Customer Profiles emulator: requests validated against botocore's model, the real error shapes, upload jobs
(pre-signed URL with the SSE-C headers, states, results), expiry, and segment answers computed from its profiles."""

from __future__ import annotations

import base64
import hashlib
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from contextual_targeting.local.emulation import emulate
from contextual_targeting.local.emulators.customer_profiles import CustomerProfilesEmulator

DOMAIN = "shop"
FIELDS = {
    "USER_ID": {"Source": "_source.USER_ID", "Target": "_profile.AccountNumber", "ContentType": "STRING"},
    "E_MAIL": {"Source": "_source.E_MAIL", "Target": "_profile.EmailAddress", "ContentType": "EMAIL_ADDRESS"},
    "SEG": {"Source": "_source.SEG", "Target": "_profile.Attributes.seg", "ContentType": "STRING"},
}


@pytest.fixture
def cp(monkeypatch) -> Iterator[tuple[CustomerProfilesEmulator, Any]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    emulator = CustomerProfilesEmulator(domains=(DOMAIN,), max_upload_bytes=10_000)
    with emulate(emulator):
        yield emulator, boto3.client("customer-profiles", region_name="us-east-1")
    emulator.close()


def put(url: str, body: bytes, token: str | None) -> int:
    headers = {"Content-Length": str(len(body))}
    if token:
        md5 = base64.b64encode(hashlib.md5(base64.b64decode(token)).digest()).decode()
        headers |= {
            "x-amz-server-side-encryption-customer-algorithm": "AES256",
            "x-amz-server-side-encryption-customer-key": token,
            "x-amz-server-side-encryption-customer-key-MD5": md5,
        }
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, method="PUT", headers=headers)) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def upload(client: Any, body: str, **extra: Any) -> dict[str, Any]:
    job = client.create_upload_job(DomainName=DOMAIN, DisplayName="t", Fields=FIELDS, UniqueKey="USER_ID", **extra)
    path = client.get_upload_job_path(DomainName=DOMAIN, JobId=job["JobId"])
    assert put(path["Url"], body.encode(), path["ClientToken"]) == 200
    client.start_upload_job(DomainName=DOMAIN, JobId=job["JobId"])
    return client.get_upload_job(DomainName=DOMAIN, JobId=job["JobId"])  # type: ignore[no-any-return]


def define(client: Any, name: str, value: str) -> dict[str, Any]:
    groups = {
        "Groups": [
            {
                "Dimensions": [
                    {"ProfileAttributes": {"Attributes": {"seg": {"DimensionType": "INCLUSIVE", "Values": [value]}}}}
                ]
            }
        ]
    }
    return client.create_segment_definition(  # type: ignore[no-any-return]
        DomainName=DOMAIN, SegmentDefinitionName=name, DisplayName=name, SegmentGroups=groups
    )


def test_requests_are_validated_against_the_service_model(cp) -> None:
    _, client = cp
    with pytest.raises(ParamValidationError):
        client.get_upload_job(DomainName=DOMAIN)  # JobId missing: botocore's own validation
    for bad in ({"DomainName": "bad name!", "JobId": "a" * 32}, {"DomainName": DOMAIN, "JobId": "not-hex"}):
        with pytest.raises(client.exceptions.BadRequestException):  # the model's patterns, enforced as the service does
            client.get_upload_job(**bad)
    lax = boto3.client("customer-profiles", region_name="us-east-1", config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as error:
        lax.create_upload_job(DomainName=DOMAIN, DisplayName="t", Fields=FIELDS, UniqueKey="USER_ID", DataExpiry=2000)
    assert error.value.response["Error"]["Code"] == "BadRequestException"


def test_missing_resources_are_resource_not_found(cp) -> None:
    _, client = cp
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.create_upload_job(DomainName="other", DisplayName="t", Fields=FIELDS, UniqueKey="USER_ID")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_segment_definition(DomainName=DOMAIN, SegmentDefinitionName="nope")


def test_an_upload_job_creates_then_updates_profiles_keyed_by_the_unique_key(cp) -> None:
    emulator, client = cp
    first = upload(client, "USER_ID,E_MAIL,SEG\n1,a@example.com,x\n2,b@example.com,x\n,c@example.com,x\n")
    assert first["Status"] == "PARTIALLY_SUCCEEDED"  # the row without a unique key fails
    assert first["ResultsSummary"] == {"CreatedRecords": 2, "UpdatedRecords": 0, "FailedRecords": 1}
    assert first["DataExpiry"] == 14  # the API's default when DataExpiry is not given
    second = upload(client, "USER_ID,E_MAIL,SEG\n2,,y\n3,not-an-address,y\n", DataExpiry=30)
    assert second["Status"] == "PARTIALLY_SUCCEEDED"
    assert second["ResultsSummary"] == {"CreatedRecords": 0, "UpdatedRecords": 1, "FailedRecords": 1}
    by_user = {p["AccountNumber"]: p for p in emulator.profiles(DOMAIN)}
    assert set(by_user) == {"1", "2"}
    assert by_user["2"]["EmailAddress"] == "b@example.com"  # an empty cell leaves the field as it was
    assert by_user["2"]["Attributes"] == {"seg": "y"}


def test_the_file_must_be_put_with_the_jobs_encryption_headers_before_the_job_starts(cp) -> None:
    _, client = cp
    job = client.create_upload_job(DomainName=DOMAIN, DisplayName="t", Fields=FIELDS, UniqueKey="USER_ID")
    with pytest.raises(client.exceptions.BadRequestException):
        client.start_upload_job(DomainName=DOMAIN, JobId=job["JobId"])  # no file yet
    path = client.get_upload_job_path(DomainName=DOMAIN, JobId=job["JobId"])
    assert put(path["Url"], b"USER_ID,E_MAIL,SEG\n", None) == 400
    wrong = base64.b64encode(b"k" * 32).decode()
    assert put(path["Url"], b"USER_ID,E_MAIL,SEG\n", wrong) == 400
    assert put(path["Url"], b"USER_ID,E_MAIL,SEG\n", path["ClientToken"]) == 200
    assert client.get_upload_job(DomainName=DOMAIN, JobId=job["JobId"])["Status"] == "CREATED"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"USER_ID,SEG\n1,x\n", "a mapped column missing from the header"),
        (b"USER_ID,E_MAIL,SEG\n1,\xff@example.com,x\n", "not UTF-8"),
        (b"USER_ID,E_MAIL,SEG\n" + b"1,a@example.com,x\n" * 700, "over the size limit"),
    ],
)
def test_an_unusable_file_fails_the_job_with_a_validation_failure(cp, body: bytes, why: str) -> None:
    emulator, client = cp
    job = client.create_upload_job(DomainName=DOMAIN, DisplayName="t", Fields=FIELDS, UniqueKey="USER_ID")
    path = client.get_upload_job_path(DomainName=DOMAIN, JobId=job["JobId"])
    assert put(path["Url"], body, path["ClientToken"]) == 200
    client.start_upload_job(DomainName=DOMAIN, JobId=job["JobId"])
    answer = client.get_upload_job(DomainName=DOMAIN, JobId=job["JobId"])
    assert (answer["Status"], answer["StatusReason"]) == ("FAILED", "VALIDATION_FAILURE"), why
    assert emulator.profiles(DOMAIN) == []


def test_profiles_expire_data_expiry_days_after_their_last_upload(cp) -> None:
    emulator, client = cp
    upload(client, "USER_ID,E_MAIL,SEG\n1,a@example.com,x\n")  # 14 days
    upload(client, "USER_ID,E_MAIL,SEG\n2,b@example.com,x\n", DataExpiry=365)
    emulator.advance_clock(15)
    assert [p["AccountNumber"] for p in emulator.profiles(DOMAIN)] == ["2"]


def test_segment_membership_and_estimates_are_computed_from_the_profiles(cp) -> None:
    emulator, client = cp
    upload(client, "USER_ID,E_MAIL,SEG\n1,a@example.com,x\n2,b@example.com,x\n3,c@example.com,y\n")
    created = define(client, "seg-x", "x")
    assert (
        created["SegmentDefinitionArn"]
        == "arn:aws:profile:us-east-1:123456789012:domains/shop/segment-definitions/seg-x"
    )
    with pytest.raises(client.exceptions.BadRequestException):
        define(client, "seg-x", "y")  # names are unique in the domain
    ids = emulator.profile_ids_by(DOMAIN, "AccountNumber")
    answer = client.get_segment_membership(
        DomainName=DOMAIN, SegmentDefinitionName="seg-x", ProfileIds=[ids["1"], ids["3"], "f" * 32]
    )
    assert {p["ProfileId"]: p["QueryResult"] for p in answer["Profiles"]} == {ids["1"]: "PRESENT", ids["3"]: "ABSENT"}
    assert [f["ProfileId"] for f in answer["Failures"]] == ["f" * 32]
    query = {
        "Groups": [
            {
                "Dimensions": [
                    {"ProfileAttributes": {"Attributes": {"seg": {"DimensionType": "INCLUSIVE", "Values": ["x", "y"]}}}}
                ]
            }
        ]
    }
    estimate = client.create_segment_estimate(DomainName=DOMAIN, SegmentQuery=query)
    assert client.get_segment_estimate(DomainName=DOMAIN, EstimateId=estimate["EstimateId"])["Estimate"] == "3 profiles"
    with pytest.raises(client.exceptions.BadRequestException):
        client.create_segment_definition(
            DomainName=DOMAIN, SegmentDefinitionName="sql", DisplayName="sql", SegmentSqlQuery="SELECT 1"
        )
    client.delete_segment_definition(DomainName=DOMAIN, SegmentDefinitionName="seg-x")
    assert emulator.segment_definitions(DOMAIN) == {}
