"""The Connect destination workflow, end to end: the rendered ASL runs in moto's interpreter with the Customer
Profiles emulator, the prepare/profiles/upload/start_execution handlers loaded from their built zips (the upload
really PUTs to the emulator's pre-signed URL), and S3 events delivered the way the deployed rule would deliver them
(matched against the rule's own pattern file first). Memberships are read back with GetSegmentMembership."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from contextual_targeting.core import connect_profiles
from contextual_targeting.local.emulators.customer_profiles import CustomerProfilesEmulator
from contextual_targeting.local.event_patterns import matches
from contextual_targeting.local.lambda_loader import FakeContext
from tests.aws_events import ACCOUNT, REGION, readable, s3_object_created, wait_for_execution
from tests.world import DATA_BUCKET, SPECS, Deployment, World

REPO = Path(__file__).resolve().parents[2]
BUCKET = DATA_BUCKET
DOMAIN = World.settings.profiles_domain
DG = "movies"
JOB = "job-1"
SPEC = SPECS["connect_destination"]


@dataclass
class Destination(Deployment):
    """The Connect destination deployed in the world, with the Customer Profiles emulator behind it."""

    cp: CustomerProfilesEmulator
    client: Any = field(default_factory=lambda: boto3.client("customer-profiles", region_name=REGION))

    def upload(self, key: str, body: str) -> dict[str, Any] | None:
        """Put an object in the data bucket and deliver its event as the rule would."""
        return self.deliver(s3_object_created(BUCKET, key, self.world.put(key, body)))

    def export(self, segment: str, user_ids: list[str], job: str = JOB) -> dict[str, Any]:
        body = "USER_ID\n" + "".join(f"{u}\n" for u in user_ids)
        started = self.upload(f"segments/{DG}/{job}/{segment}.csv", body)
        assert started and started["started"], started
        return wait_for_execution(self.sfn, started["executionArn"])

    def membership(self, definition: str) -> set[str]:
        """User ids (AccountNumber) of the profiles GetSegmentMembership answers PRESENT for, 100 ids a call."""
        by_id = {p["ProfileId"]: p.get("AccountNumber") for p in self.cp.profiles(DOMAIN)}
        ids = sorted(by_id)
        present: set[str] = set()
        for start in range(0, len(ids), 100):
            answer = self.client.get_segment_membership(
                DomainName=DOMAIN, SegmentDefinitionName=definition, ProfileIds=ids[start : start + 100]
            )
            present |= {by_id[p["ProfileId"]] for p in answer["Profiles"] if p["QueryResult"] == "PRESENT"}
        return present

    def notifications(self) -> list[tuple[str | None, dict[str, Any]]]:
        return [(subject, readable(subject, message)) for subject, message in self.world.notifications()]


# 30 users u00..u29; u05 and u17 have no e-mail (the only mapped contact field), u11 an address the service refuses.
USERS = [
    (f"u{i:02d}", "" if i in (5, 17) else ("not-an-address" if i == 11 else f"user{i:02d}@example.com"))
    for i in range(30)
]


def users_csv(rows: list[tuple[str, str]]) -> str:
    return "USER_ID,GENDER,E_MAIL,AGE\n" + "".join(f"{u},Female,{e},30\n" for u, e in rows)


@pytest.fixture
def workflow(world: World) -> Iterator[Destination]:
    cp = CustomerProfilesEmulator(domains=(DOMAIN,))
    world.emulate(cp)
    world.put(f"train/{DG}/users.csv", users_csv(USERS))
    # several upload jobs per segment, as with files over 1 GB
    deployed = world.deploy("connect_destination", asl={"max_polls": "10"}, env={"MAX_UPLOAD_BYTES": "200"})
    try:
        yield Destination(world, deployed, cp)
    finally:
        cp.close()


def ids(*numbers: int) -> list[str]:
    return [f"u{i:02d}" for i in numbers]


def name_of(segment: str) -> str:
    return connect_profiles.definition_name(connect_profiles.ExportObject(DG, JOB, segment, ""))


# ------------------------------------------------------------------ the rule's pattern
def test_rule_matches_segment_exports_only() -> None:
    [rule] = SPEC.rules
    pattern = rule.pattern()
    assert matches(pattern, s3_object_created(BUCKET, f"segments/{DG}/{JOB}/genres-action--job-1.csv", "e"))
    for key in (f"segments/{DG}/{JOB}/_summary.json", f"train/{DG}/users.csv", "connect/uploads/x/t/part-00000.csv"):
        assert not matches(pattern, s3_object_created(BUCKET, key, "e")), key


# ------------------------------------------------------------------ end to end
def test_three_segments_become_three_definitions_whose_members_are_exactly_the_segments_users(
    workflow: Destination,
) -> None:
    segments = {
        "genres-action--job-1": ids(*range(0, 12)),  # u05 no e-mail, u11 refused by the service
        "genres-comedy--job-1": ids(*range(8, 20)),  # u11 refused, u17 no e-mail
        "genres-horror-thriller--job-1": [*ids(0, 1, 2), "ghost-1", "ghost-2"],  # two users not in the dataset
    }
    for segment, members in segments.items():
        result = workflow.export(segment, members)
        assert result["status"] == "SUCCEEDED", result

    definitions = workflow.cp.segment_definitions(DOMAIN)
    assert sorted(definitions) == sorted(name_of(s) for s in segments)
    assert workflow.membership(name_of("genres-action--job-1")) == set(ids(*range(12))) - {"u05", "u11"}
    assert workflow.membership(name_of("genres-comedy--job-1")) == set(ids(*range(8, 20))) - {"u11", "u17"}
    assert workflow.membership(name_of("genres-horror-thriller--job-1")) == set(ids(0, 1, 2))
    profile = next(p for p in workflow.cp.profiles(DOMAIN) if p.get("AccountNumber") == "u03")
    assert (profile["EmailAddress"], profile["GenderString"], profile["Attributes"]["AGE"]) == (
        "user03@example.com",
        "Female",
        "30",
    )

    messages = workflow.notifications()
    assert [s for s, _ in messages] == ["Connect segment ready"] * 3
    by_name = {m["segment_name"]: m for _, m in messages}
    action = by_name["genres-action--job-1"]
    assert action["segment_definition_arn"] == definitions[name_of("genres-action--job-1")]["SegmentDefinitionArn"]
    assert action["segment_definition_arn"].startswith(f"arn:aws:profile:{REGION}:{ACCOUNT}:domains/{DOMAIN}/")
    assert (action["segment_users"], action["profiles"], action["no_contact_field"]) == (12, 11, 1)
    assert (action["records_created"], action["records_failed"]) == (10, 1)  # u11's address refused by the service
    assert action["upload_jobs"] > 1  # the 200-byte limit split the file
    horror = by_name["genres-horror-thriller--job-1"]
    assert (horror["profiles"], horror["not_in_users_dataset"]) == (3, 2)
    assert "customerProfilesSegmentArn=" + horror["segment_definition_arn"] in horror["campaign_source"]
    assert all(j["DataExpiry"] == 365 for j in workflow.cp.upload_jobs())


def test_a_rerun_with_changed_membership_replaces_it_under_the_same_name_and_arn(workflow: Destination) -> None:
    segment = "genres-action--job-1"
    assert workflow.export(segment, ids(0, 1, 2, 3, 4))["status"] == "SUCCEEDED"
    arn = workflow.cp.segment_definitions(DOMAIN)[name_of(segment)]["SegmentDefinitionArn"]
    assert workflow.membership(name_of(segment)) == set(ids(0, 1, 2, 3, 4))
    workflow.notifications()

    assert workflow.export(segment, ids(3, 4, 6, 7))["status"] == "SUCCEEDED"
    assert workflow.membership(name_of(segment)) == set(ids(3, 4, 6, 7))  # u00-u02 left, u06-u07 joined
    assert workflow.cp.segment_definitions(DOMAIN)[name_of(segment)]["SegmentDefinitionArn"] == arn
    ((_, message),) = workflow.notifications()
    assert message["segment_definition_arn"] == arn and message["outcome"].startswith("defined")

    assert workflow.export(segment, ids(0, 9))["status"] == "SUCCEEDED"  # a third version reuses the first slot
    assert workflow.membership(name_of(segment)) == set(ids(0, 9))
    assert not list(workflow.s3.list_objects_v2(Bucket=BUCKET, Prefix="connect/locks/").get("Contents", []))


def test_identical_redelivery_is_a_no_op(workflow: Destination) -> None:
    segment = "genres-action--job-1"
    body = "USER_ID\n" + "\n".join(ids(0, 1, 2)) + "\n"
    key = f"segments/{DG}/{JOB}/{segment}.csv"
    first = workflow.upload(key, body)
    assert first and wait_for_execution(workflow.sfn, first["executionArn"])["status"] == "SUCCEEDED"
    jobs = len(workflow.cp.upload_jobs())
    again = workflow.upload(key, body)  # same key, same ETag: the start function does not start a second execution
    assert again and not again["started"]
    workflow.notifications()
    # the same content under a new execution (a replayed event with another event id reaches the same name) or a
    # re-upload: the live definition already selects this version, nothing is uploaded
    workflow.s3.copy_object(Bucket=BUCKET, Key=key, CopySource=f"{BUCKET}/{key}", MetadataDirective="REPLACE")
    etag = workflow.s3.head_object(Bucket=BUCKET, Key=key)["ETag"].strip('"')
    event = s3_object_created(BUCKET, key, etag, version="v2")
    started = workflow.start(event, FakeContext("ct-connect-destination-start"))
    assert wait_for_execution(workflow.sfn, started["executionArn"])["status"] == "SUCCEEDED"
    assert len(workflow.cp.upload_jobs()) == jobs
    ((_, message),) = workflow.notifications()
    assert message["outcome"].startswith("unchanged")
    assert workflow.membership(name_of(segment)) == set(ids(0, 1, 2))


def test_a_failed_upload_job_notifies_and_leaves_the_previous_definition_exactly_as_it_was(
    workflow: Destination,
) -> None:
    segment = "genres-action--job-1"
    assert workflow.export(segment, ids(0, 1, 2))["status"] == "SUCCEEDED"
    before = workflow.cp.segment_definitions(DOMAIN)[name_of(segment)]
    workflow.notifications()

    workflow.cp.fail_next_upload_jobs(1, after=1)  # the second version's 2nd upload job fails, its 1st succeeded
    result = workflow.export(segment, ids(6, 7, 8, 9, 10, 12, 13))
    assert result["status"] == "FAILED"
    assert workflow.cp.segment_definitions(DOMAIN)[name_of(segment)] == before
    assert workflow.membership(name_of(segment)) == set(ids(0, 1, 2))  # not mixed with the half-imported version
    ((subject, message),) = workflow.notifications()
    assert subject == "Connect segment update failed"
    assert message["error"] == "CustomerProfiles.UploadJobFailed" and "not changed" in message["cause"]
    assert not list(workflow.s3.list_objects_v2(Bucket=BUCKET, Prefix="connect/locks/").get("Contents", []))


def test_a_first_version_that_fails_defines_no_segment(workflow: Destination) -> None:
    workflow.cp.fail_next_upload_jobs(1)
    assert workflow.export("genres-action--job-1", ids(0, 1, 2))["status"] == "FAILED"
    assert workflow.cp.segment_definitions(DOMAIN) == {}
    ((subject, _),) = workflow.notifications()
    assert subject == "Connect segment update failed"


def test_a_users_dataset_without_a_mapped_column_fails_with_a_clear_message(workflow: Destination) -> None:
    workflow.s3.put_object(Bucket=BUCKET, Key=f"train/{DG}/users.csv", Body=b"USER_ID,GENDER\nu00,F\n")
    assert workflow.export("genres-action--job-1", ids(0))["status"] == "FAILED"
    ((_, message),) = workflow.notifications()
    assert message["error"] == "InputInvalid"
    # the mapping as Terraform's jsonencode() passes it: keys sorted
    assert "users.csv line 1: no column AGE, E_MAIL" in message["cause"]
    assert workflow.cp.segment_definitions(DOMAIN) == {}


def test_the_job_summary_is_ignored(workflow: Destination) -> None:
    assert workflow.upload(f"segments/{DG}/{JOB}/_summary.json", "{}") is None


def test_two_versions_arriving_together_are_applied_one_at_a_time_never_mixed(workflow: Destination) -> None:
    """Two runs' exports of the same segment at once: the second execution waits for the definition's lock
    (SegmentBusy, retried), so the definition ends selecting exactly one version's members, never a mix."""
    from contextual_targeting.local import sfn_lambda

    segment = "genres-action--job-1"
    versions = {"run-1": ids(0, 1, 2, 3), "run-2": ids(2, 3, 4, 5, 6)}
    before = len(sfn_lambda.invocations)
    started = [
        workflow.upload(f"segments/{DG}/{run}/{segment}.csv", "USER_ID\n" + "\n".join(members) + "\n")
        for run, members in versions.items()
    ]
    results = [wait_for_execution(workflow.sfn, s["executionArn"], timeout=60) for s in started if s]
    assert [r["status"] for r in results] == ["SUCCEEDED", "SUCCEEDED"]
    prepares = [p for name, p in sfn_lambda.invocations[before:] if name.endswith("connect-segment-prepare")]
    assert len([p for p in prepares if not p.get("release")]) > 2  # one execution waited (SegmentBusy)
    assert list(workflow.cp.segment_definitions(DOMAIN)) == [name_of(segment)]
    reachable = {run: set(members) - {"u05"} for run, members in versions.items()}  # u05 has no e-mail address
    assert workflow.membership(name_of(segment)) in (reachable["run-1"], reachable["run-2"])
    assert not list(workflow.s3.list_objects_v2(Bucket=BUCKET, Prefix="connect/locks/").get("Contents", []))


def test_an_older_export_served_after_a_newer_one_changes_nothing(workflow: Destination) -> None:
    """Runs waiting for the lock may be served out of order: the older export is superseded, never applied."""
    import time

    segment = "genres-action--job-1"
    old_key = f"segments/{DG}/run-1/{segment}.csv"
    old_etag = workflow.s3.put_object(Bucket=BUCKET, Key=old_key, Body=b"USER_ID\nu00\nu01\n")["ETag"].strip('"')
    time.sleep(1.1)  # S3 LastModified has a one-second resolution
    assert workflow.export(segment, ids(6, 7), job="run-2")["status"] == "SUCCEEDED"
    workflow.notifications()
    started = workflow.start(s3_object_created(BUCKET, old_key, old_etag), FakeContext("ct-connect-destination-start"))
    assert wait_for_execution(workflow.sfn, started["executionArn"])["status"] == "SUCCEEDED"
    assert workflow.membership(name_of(segment)) == set(ids(6, 7))
    ((_, message),) = workflow.notifications()
    assert message["outcome"].startswith("superseded")
    assert "job run-2" in workflow.cp.segment_definitions(DOMAIN)[name_of(segment)]["Description"]
