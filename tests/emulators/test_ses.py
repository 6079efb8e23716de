"""SesV2Emulator: SES v2 list management as the service answers it, requests validated against botocore's model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError
from moto import mock_aws

from contextual_targeting.local.emulation import emulate
from contextual_targeting.local.emulators.ses import MAX_TOPICS, SesV2Emulator

REGION = "us-east-1"
BUCKET = "imports"


def topic(name: str, default: str = "OPT_OUT", **extra: str) -> dict[str, str]:
    return {"TopicName": name, "DisplayName": name.title(), "DefaultSubscriptionStatus": default, **extra}


@pytest.fixture
def env() -> Iterator[tuple[SesV2Emulator, Any, Any]]:
    emulator = SesV2Emulator()
    with mock_aws(), emulate(emulator):
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        yield emulator, boto3.client("sesv2", region_name=REGION), s3


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return error.value.response["Error"]["Code"]  # type: ignore[no-any-return]


def test_one_contact_list_per_account(env) -> None:
    _, ses, _ = env
    ses.create_contact_list(ContactListName="main", Topics=[topic("sports")])
    with pytest.raises(ses.exceptions.AlreadyExistsException):
        ses.create_contact_list(ContactListName="main")
    with pytest.raises(ses.exceptions.LimitExceededException) as error:
        ses.create_contact_list(ContactListName="second")
    assert "main" in str(error.value)
    assert [c["ContactListName"] for c in ses.list_contact_lists()["ContactLists"]] == ["main"]
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.get_contact_list(ContactListName="second")


def test_topics_update_and_the_20_topic_limit(env) -> None:
    emulator, ses, _ = env
    ses.create_contact_list(ContactListName="main", Topics=[topic("a")], Description="d")
    topics = [topic(f"t{i}") for i in range(MAX_TOPICS)]
    ses.update_contact_list(ContactListName="main", Topics=topics)
    got = ses.get_contact_list(ContactListName="main")
    assert [t["TopicName"] for t in got["Topics"]] == [f"t{i}" for i in range(20)] and got["Description"] == "d"
    with pytest.raises(ses.exceptions.BadRequestException):
        ses.update_contact_list(ContactListName="main", Topics=[*topics, topic("t20")])
    with pytest.raises(ses.exceptions.BadRequestException):
        ses.update_contact_list(ContactListName="main", Topics=[topic("x"), topic("x")])
    assert len(emulator.topics()) == 20


def test_contacts_and_list_contacts_filter_by_topic_status(env) -> None:
    emulator, ses, _ = env
    ses.create_contact_list(ContactListName="main", Topics=[topic("sports"), topic("news", default="OPT_IN")])
    ses.create_contact(
        ContactListName="main",
        EmailAddress="a@example.com",
        TopicPreferences=[{"TopicName": "sports", "SubscriptionStatus": "OPT_IN"}],
    )
    ses.create_contact(ContactListName="main", EmailAddress="b@example.com")
    ses.create_contact(ContactListName="main", EmailAddress="c@example.com", UnsubscribeAll=True)
    with pytest.raises(ses.exceptions.AlreadyExistsException):
        ses.create_contact(ContactListName="main", EmailAddress="A@example.com")
    with pytest.raises(ses.exceptions.BadRequestException):
        ses.create_contact(
            ContactListName="main",
            EmailAddress="d@example.com",
            TopicPreferences=[{"TopicName": "nope", "SubscriptionStatus": "OPT_IN"}],
        )

    def listed(status: str, name: str, use_default: bool) -> set[str]:
        flt = {
            "FilteredStatus": status,
            "TopicFilter": {"TopicName": name, "UseDefaultIfPreferenceUnavailable": use_default},
        }
        return {c["EmailAddress"] for c in ses.list_contacts(ContactListName="main", Filter=flt)["Contacts"]}

    assert listed("OPT_IN", "sports", False) == {"a@example.com"}
    assert listed("OPT_IN", "news", True) == {"a@example.com", "b@example.com"}  # default OPT_IN, c unsubscribed all
    assert listed("OPT_IN", "news", False) == set()
    assert emulator.subscriber_counts() == {"sports": 1, "news": 2}

    ses.update_contact(
        ContactListName="main",
        EmailAddress="b@example.com",
        TopicPreferences=[{"TopicName": "sports", "SubscriptionStatus": "OPT_IN"}],
    )
    contact = ses.get_contact(ContactListName="main", EmailAddress="b@example.com")
    assert contact["TopicPreferences"] == [{"TopicName": "sports", "SubscriptionStatus": "OPT_IN"}]
    assert contact["TopicDefaultPreferences"] == [{"TopicName": "news", "SubscriptionStatus": "OPT_IN"}]
    # UpdateContact replaces the preferences ("otherwise, all your existing preferences will be removed")
    ses.update_contact(
        ContactListName="main",
        EmailAddress="A@EXAMPLE.com",  # addresses compare case-insensitively; the stored spelling stays
        TopicPreferences=[{"TopicName": "news", "SubscriptionStatus": "OPT_OUT"}],
    )
    contact = ses.get_contact(ContactListName="main", EmailAddress="a@example.com")
    assert contact["EmailAddress"] == "a@example.com"
    assert contact["TopicPreferences"] == [{"TopicName": "news", "SubscriptionStatus": "OPT_OUT"}]  # sports is gone
    assert listed("OPT_IN", "sports", False) == {"b@example.com"}  # a lost its sports preference
    page = ses.list_contacts(ContactListName="main", PageSize=2)
    rest = ses.list_contacts(ContactListName="main", PageSize=2, NextToken=page["NextToken"])
    assert len(page["Contacts"]) == 2 and len(rest["Contacts"]) == 1 and "NextToken" not in rest
    ses.delete_contact(ContactListName="main", EmailAddress="b@example.com")
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.get_contact(ContactListName="main", EmailAddress="b@example.com")


def test_csv_import_job_progresses_and_counts_failed_records(env) -> None:
    emulator, ses, s3 = env
    ses.create_contact_list(ContactListName="main", Topics=[topic("sports"), topic("news")])
    ses.create_contact(
        ContactListName="main",
        EmailAddress="old@example.com",
        TopicPreferences=[{"TopicName": "news", "SubscriptionStatus": "OPT_IN"}],
    )
    body = (
        "emailAddress,unsubscribeAll,attributesData,topicPreferences.sports,topicPreferences.news\n"
        'a@example.com,false,"{""Name"": ""A""}",OPT_IN,OPT_OUT\n'
        "old@example.com,,,OPT_IN,\n"
        "not-an-address,false,,OPT_IN,\n"
        "b@example.com,maybe,,OPT_IN,\n"
        "c@example.com,false,,SOMETIMES,\n"
    )
    s3.put_object(Bucket=BUCKET, Key="c.csv", Body=body.encode())
    job_id = ses.create_import_job(
        ImportDestination={"ContactListDestination": {"ContactListName": "main", "ContactListImportAction": "PUT"}},
        ImportDataSource={"S3Url": f"s3://{BUCKET}/c.csv", "DataFormat": "CSV"},
    )["JobId"]
    statuses = [ses.get_import_job(JobId=job_id)["JobStatus"] for _ in range(3)]
    assert statuses == ["PROCESSING", "COMPLETED", "COMPLETED"]
    job = ses.get_import_job(JobId=job_id)
    assert (job["ProcessedRecordsCount"], job["FailedRecordsCount"]) == (5, 3)
    assert "record 4" in job["FailureInfo"]["ErrorMessage"]
    assert emulator.subscribers("sports") == {"a@example.com", "old@example.com"}
    # PUT replaces the record: old@ loses the news preference the row left blank
    assert emulator.contacts()["old@example.com"]["TopicPreferences"] == {"sports": "OPT_IN"}
    assert emulator.contacts()["a@example.com"]["AttributesData"] == '{"Name": "A"}'


def test_json_import_and_delete(env) -> None:
    emulator, ses, s3 = env
    ses.create_contact_list(ContactListName="main", Topics=[topic("sports")])
    lines = [
        json.dumps(
            {
                "emailAddress": "a@example.com",
                "topicPreferences": [{"topicName": "sports", "subscriptionStatus": "OPT_IN"}],
            }
        ),
        '{"emailAddress": "b@example.com", "unsubscribeAll": true}',
        "not json",
    ]
    s3.put_object(Bucket=BUCKET, Key="c.json", Body="\n".join(lines).encode())
    dest = {"ContactListDestination": {"ContactListName": "main", "ContactListImportAction": "PUT"}}
    job_id = ses.create_import_job(
        ImportDestination=dest, ImportDataSource={"S3Url": f"s3://{BUCKET}/c.json", "DataFormat": "JSON"}
    )["JobId"]
    emulator.finish_import_jobs()
    job = ses.get_import_job(JobId=job_id)
    assert (job["JobStatus"], job["ProcessedRecordsCount"], job["FailedRecordsCount"]) == ("COMPLETED", 3, 1)
    assert emulator.subscribers("sports") == {"a@example.com"}

    s3.put_object(Bucket=BUCKET, Key="d.csv", Body=b"emailAddress\na@example.com\n")
    delete = {"ContactListDestination": {"ContactListName": "main", "ContactListImportAction": "DELETE"}}
    ses.create_import_job(
        ImportDestination=delete, ImportDataSource={"S3Url": f"s3://{BUCKET}/d.csv", "DataFormat": "CSV"}
    )
    emulator.finish_import_jobs()
    assert set(emulator.contacts()) == {"b@example.com"}


def test_import_job_failures(env) -> None:
    emulator, ses, s3 = env
    dest = {"ContactListDestination": {"ContactListName": "main", "ContactListImportAction": "PUT"}}
    source = {"S3Url": f"s3://{BUCKET}/missing.csv", "DataFormat": "CSV"}
    with pytest.raises(ClientError) as error:
        ses.create_import_job(ImportDestination=dest, ImportDataSource=source)
    assert code(error) == "NotFoundException"
    ses.create_contact_list(ContactListName="main")
    missing = ses.create_import_job(ImportDestination=dest, ImportDataSource=source)["JobId"]
    s3.put_object(Bucket=BUCKET, Key="bad.csv", Body=b"email,topic\nx@example.com,a\n")
    bad_header = ses.create_import_job(
        ImportDestination=dest, ImportDataSource={"S3Url": f"s3://{BUCKET}/bad.csv", "DataFormat": "CSV"}
    )["JobId"]
    emulator.finish_import_jobs()
    for job_id, message in ((missing, "Unable to read"), (bad_header, "unknown column")):
        job = ses.get_import_job(JobId=job_id)
        assert job["JobStatus"] == "FAILED" and message in job["FailureInfo"]["ErrorMessage"]
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.get_import_job(JobId="nope")


def test_records_per_job_limit(env) -> None:
    emulator, ses, s3 = env
    emulator.max_import_records = 2
    ses.create_contact_list(ContactListName="main")
    s3.put_object(Bucket=BUCKET, Key="c.csv", Body=b"emailAddress\na@example.com\nb@example.com\nc@example.com\n")
    dest = {"ContactListDestination": {"ContactListName": "main", "ContactListImportAction": "PUT"}}
    job_id = ses.create_import_job(
        ImportDestination=dest, ImportDataSource={"S3Url": f"s3://{BUCKET}/c.csv", "DataFormat": "CSV"}
    )["JobId"]
    emulator.finish_import_jobs()
    job = ses.get_import_job(JobId=job_id)
    assert job["JobStatus"] == "FAILED" and "at most 2 records" in job["FailureInfo"]["ErrorMessage"]


def test_requests_are_validated_against_the_model(env) -> None:
    _, ses, _ = env
    with pytest.raises(ParamValidationError):
        ses.create_contact_list(ContactListName="main", Topics=[{"TopicName": "x"}])
    unvalidated = boto3.client("sesv2", region_name=REGION, config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as error:
        unvalidated.create_import_job(
            ImportDestination={"ContactListDestination": {"ContactListName": "m", "ContactListImportAction": "MERGE"}},
            ImportDataSource={"S3Url": "s3://b/k", "DataFormat": "CSV"},
        )
    assert code(error) == "BadRequestException"
