"""The SES destination workflow, end to end: the rendered ASL runs in moto's interpreter with the SES v2 emulator,
the topic/contacts/start_execution handlers loaded from their built zips, and S3 events delivered the way the
deployed rule would deliver them (matched against the rule's own pattern file first)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from contextual_targeting.asl import placeholders, render_state_machine
from contextual_targeting.core import ses_contacts
from contextual_targeting.local import sfn_lambda
from contextual_targeting.local.emulators.ses import SesV2Emulator
from contextual_targeting.local.event_patterns import matches
from tests.aws_events import REGION, readable, s3_object_created
from tests.world import DATA_BUCKET, SPECS, Deployment, World

REPO = Path(__file__).resolve().parents[2]
BUCKET = DATA_BUCKET
LIST = World.settings.contact_list_name
DG = "movies"
JOB = "job-1"
SPEC = SPECS["ses_destination"]
PATTERN_FILE = REPO / "modules/ses_destination/event_patterns/segment_export.json"


def s3_event(key: str, etag: str, bucket: str = BUCKET) -> dict[str, Any]:
    return s3_object_created(bucket, key, etag)


@dataclass
class Destination(Deployment):
    """The SES destination deployed in the world, with the SES emulator behind it."""

    ses: SesV2Emulator

    def put(self, key: str, body: str) -> dict[str, Any]:
        return s3_event(key, self.world.put(key, body))

    def export(self, segment: str, user_ids: list[str], job: str = JOB) -> dict[str, Any]:
        """Upload a segment export and run the workflow it starts to the end."""
        body = "USER_ID\n" + "".join(f"{u}\n" for u in user_ids)
        started = self.deliver(self.put(f"segments/{DG}/{job}/{segment}.csv", body))
        assert started and started["started"], started
        return self.wait(started["executionArn"])

    def notifications(self) -> list[tuple[str | None, dict[str, Any]]]:
        return [(subject, readable(subject, message)) for subject, message in self.world.notifications()]


def users_csv(rows: list[tuple[str, str]]) -> str:
    return "USER_ID,GENDER,E_MAIL,AGE\n" + "".join(f"{u},F,{e},30\n" for u, e in rows)


# 30 users: u00..u29; u05 and u17 have no address, u11 has a malformed one.
USERS = [
    (f"u{i:02d}", "" if i in (5, 17) else ("not-an-address" if i == 11 else f"user{i:02d}@example.com"))
    for i in range(30)
]


@pytest.fixture
def workflow(world: World) -> Destination:
    ses = SesV2Emulator()
    world.emulate(ses)
    world.put(f"train/{DG}/users.csv", users_csv(USERS))
    # several import jobs per segment, as with > 1M contacts
    deployed = world.deploy("ses_destination", asl={"max_polls": "10"}, env={"MAX_CONTACTS_PER_IMPORT": "8"})
    return Destination(world, deployed, ses)


def ids(*numbers: int) -> list[str]:
    return [f"u{i:02d}" for i in numbers]


def emails(*numbers: int) -> set[str]:
    return {f"user{i:02d}@example.com" for i in numbers}


# ------------------------------------------------------------------ the rule's pattern
def test_rule_matches_segment_exports_only() -> None:
    [rule] = SPEC.rules
    pattern = rule.pattern()
    assert matches(pattern, s3_event(f"segments/{DG}/{JOB}/genres-action--job-1.csv", "e"))
    for key in (f"segments/{DG}/{JOB}/_summary.json", f"train/{DG}/users.csv", "ses/imports/t/part-00000.csv"):
        assert not matches(pattern, s3_event(key, "e")), key
    assert not matches(pattern, s3_event(f"segments/{DG}/{JOB}/a.csv", "e", bucket="other"))


# ------------------------------------------------------------------ end to end
def test_three_segments_become_three_topics_with_the_right_subscribers(workflow: Destination) -> None:
    segments = {
        "genres-action--job-1": ids(*range(0, 12)),  # u05 no address, u11 malformed
        "genres-comedy--job-1": ids(*range(8, 20)),  # u11 malformed, u17 no address
        "genres-drama--job-1": [*ids(0, 1, 2), "ghost-1", "ghost-2"],  # two users absent from the dataset
    }
    for name, members in segments.items():
        result = workflow.export(name, members)
        assert result["status"] == "SUCCEEDED", result

    assert [t["TopicName"] for t in workflow.ses.topics()] == list(segments)
    assert workflow.ses.subscriber_counts() == {
        "genres-action--job-1": 10,
        "genres-comedy--job-1": 10,
        "genres-drama--job-1": 3,
    }
    # overlapping members keep every subscription although each import replaces the contact record
    assert workflow.ses.subscribers("genres-action--job-1") == emails(*[i for i in range(12) if i not in (5, 11)])
    assert workflow.ses.subscribers("genres-comedy--job-1") == emails(*[i for i in range(8, 20) if i not in (11, 17)])

    messages = workflow.notifications()
    assert [s for s, _ in messages] == ["SES segment topic updated"] * 3
    by_topic = {m["topic_name"]: m for _, m in messages}
    action = by_topic["genres-action--job-1"]
    assert (action["segment_users"], action["subscribed"], action["missing_email"], action["invalid_address"]) == (
        12,
        10,
        1,
        1,
    )
    assert action["import_jobs"] == 2 and action["records_processed"] == 10 and action["records_failed"] == 0
    assert action["list_created"] is True and action["topic_created"] is True and action["topics_replaced"] == []
    drama = by_topic["genres-drama--job-1"]
    assert (drama["subscribed"], drama["missing_email"], drama["not_in_users_dataset"]) == (3, 2, 2)
    assert workflow.ses.contact_list() == LIST
    summary = workflow.ses.topic_summary()
    assert [(r["topic"], r["subscribers"], r["ours"]) for r in summary] == [
        ("genres-action--job-1", 10, True),
        ("genres-comedy--job-1", 10, True),
        ("genres-drama--job-1", 3, True),
    ]


def test_segments_arriving_together_are_imported_one_at_a_time(workflow: Destination) -> None:
    """Two exports at once: the second execution waits for the list's lock (ListBusy, retried), so neither import
    drops the subscriptions of the other although each import replaces whole contact records."""
    bodies = {"seg-a--job-1": ids(0, 1, 2, 3), "seg-b--job-1": ids(2, 3, 4)}
    before = len(sfn_lambda.invocations)
    started = [
        workflow.deliver(workflow.put(f"segments/{DG}/{JOB}/{name}.csv", "USER_ID\n" + "\n".join(members) + "\n"))
        for name, members in bodies.items()
    ]
    results = [workflow.wait(s["executionArn"]) for s in started if s]
    assert [r["status"] for r in results] == ["SUCCEEDED", "SUCCEEDED"]
    topic_calls = [p for name, p in sfn_lambda.invocations[before:] if name.endswith("ct-ses-segment-topic")]
    assert len([p for p in topic_calls if not p.get("release")]) > 2  # the second execution waited (ListBusy)
    assert workflow.ses.subscribers("seg-a--job-1") == emails(0, 1, 2, 3)
    assert workflow.ses.subscribers("seg-b--job-1") == emails(2, 3, 4)
    assert not list(workflow.s3.list_objects_v2(Bucket=BUCKET, Prefix="ses/locks/").get("Contents", []))


def test_rerun_with_changed_membership_unsubscribes_the_users_who_left(workflow: Destination) -> None:
    name = "genres-action--job-1"
    assert workflow.export(name, ids(0, 1, 2, 3, 4))["status"] == "SUCCEEDED"
    assert workflow.ses.subscribers(name) == emails(0, 1, 2, 3, 4)
    workflow.notifications()

    assert workflow.export(name, ids(3, 4, 6, 7))["status"] == "SUCCEEDED"
    assert workflow.ses.subscribers(name) == emails(3, 4, 6, 7)
    assert [t["TopicName"] for t in workflow.ses.topics()] == [name]  # same topic, no duplicate
    contacts = workflow.ses.contacts()
    # the leavers hold no preference for the topic any more (its default OPT_OUT applies): an explicit OPT_OUT in
    # the list is always somebody's own choice
    assert {e for e, c in contacts.items() if name not in c["TopicPreferences"]} == emails(0, 1, 2)
    assert not any(c["TopicPreferences"].get(name) == "OPT_OUT" for c in contacts.values())
    ((_, message),) = workflow.notifications()
    assert (message["subscribed"], message["unsubscribed"], message["topic_created"]) == (4, 3, False)


def test_a_rerun_keeps_what_recipients_chose_through_the_unsubscribe_links(workflow: Destination) -> None:
    name = "genres-action--job-1"
    assert workflow.export(name, ids(0, 1, 2, 3))["status"] == "SUCCEEDED"
    workflow.notifications()
    ses = boto3.client("sesv2", region_name=REGION)
    opt_out = [{"TopicName": name, "SubscriptionStatus": "OPT_OUT"}]
    ses.update_contact(ContactListName=LIST, EmailAddress="user01@example.com", TopicPreferences=opt_out)
    ses.update_contact(ContactListName=LIST, EmailAddress="user02@example.com", UnsubscribeAll=True)

    assert workflow.export(name, ids(0, 1, 2, 3, 4))["status"] == "SUCCEEDED"
    assert workflow.ses.subscribers(name) == emails(0, 3, 4)
    assert workflow.ses.contacts()["user02@example.com"]["UnsubscribeAll"] is True
    ((_, message),) = workflow.notifications()
    assert (message["subscribed"], message["kept_opt_out"], message["kept_unsubscribed_all"]) == (3, 1, 1)


def snapshot_users(workflow: Destination, topic: str) -> set[str]:
    body = workflow.s3.get_object(Bucket=BUCKET, Key=ses_contacts.members_key("ses/", topic))["Body"].read()
    return {line for line in body.decode().splitlines()[1:] if line}


def users_of(addresses: set[str]) -> set[str]:
    by_address = {e: u for u, e in USERS}
    return {by_address[a] for a in addresses}


def recipient_opts_out(email: str, topic: str) -> None:
    """What SES's unsubscribe link does: the topic's preference becomes OPT_OUT, the others stay."""
    ses = boto3.client("sesv2", region_name=REGION)
    contact = ses.get_contact(ContactListName=LIST, EmailAddress=email)
    preferences = [p for p in contact["TopicPreferences"] if p["TopicName"] != topic]
    preferences.append({"TopicName": topic, "SubscriptionStatus": "OPT_OUT"})
    ses.update_contact(ContactListName=LIST, EmailAddress=email, TopicPreferences=preferences)


def test_an_opt_out_survives_a_failed_part_and_its_leavers_are_unsubscribed_next_run(workflow: Destination) -> None:
    """Run 1 subscribes u03 and u20-u26. Run 2 (3 parts of 8 rows) fails on part 2: part 1 has subscribed u00-u08
    (u03 left), parts 2 and 3 never reached SES. u01 — new in run 2, so in no snapshot main kept — opts out of the
    topic, u00 unsubscribes from everything. Run 3 succeeds: both choices stand although both are still in the
    segment, and everyone the failed run subscribed or did not reach who is not in the segment any more is
    unsubscribed."""
    name = "genres-action--job-1"
    assert workflow.export(name, ids(3, *range(20, 27)))["status"] == "SUCCEEDED"
    workflow.notifications()

    workflow.ses.fail_imports(lambda url: "Failed to process the file" if url.endswith("part-00001.csv") else None)
    run_2 = ids(0, 1, 2, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16)
    assert workflow.export(name, run_2)["status"] == "FAILED"
    ((subject, failure),) = workflow.notifications()
    assert subject == "SES segment topic update failed" and failure["error"] == "SesV2.ImportJobFailed"
    assert workflow.ses.subscribers(name) == emails(0, 1, 2, 4, 6, 7, 8, *range(20, 27))  # part 1 only
    # the snapshot after part 1: everyone SES may hold as subscribed (u03 left in part 1 and is gone from it)
    assert users_of(workflow.ses.subscribers(name)) <= snapshot_users(workflow, name)
    assert "u03" not in snapshot_users(workflow, name)

    recipient_opts_out("user01@example.com", name)
    boto3.client("sesv2", region_name=REGION).update_contact(
        ContactListName=LIST, EmailAddress="user00@example.com", UnsubscribeAll=True
    )
    workflow.ses.fail_imports(None)
    assert workflow.export(name, ids(0, 1, 9, 10, 12))["status"] == "SUCCEEDED"

    assert workflow.ses.subscribers(name) == emails(9, 10, 12)
    contacts = workflow.ses.contacts()
    assert contacts["user01@example.com"]["TopicPreferences"][name] == "OPT_OUT"  # the recipient's choice stands
    assert contacts["user00@example.com"]["UnsubscribeAll"] is True
    assert snapshot_users(workflow, name) == users_of(emails(9, 10, 12))
    ((_, message),) = workflow.notifications()
    assert (message["kept_opt_out"], message["kept_unsubscribed_all"]) == (1, 1)
    # u02 u04 u06 u07 u08 (subscribed by the failed run), u13-u16 (in its failed part: SES may hold any of them),
    # u20-u26 (run 1's members the failed run never reached)
    assert message["unsubscribed"] == 16


def test_users_sharing_an_address_in_different_case_give_one_row(workflow: Destination) -> None:
    shared = [*USERS, ("u30", "Pat.Shared@Example.com"), ("u31", "pat.shared@EXAMPLE.com")]
    workflow.s3.put_object(Bucket=BUCKET, Key=f"train/{DG}/users.csv", Body=users_csv(shared).encode())
    name = "genres-action--job-1"
    assert workflow.export(name, ["u31", "u01"])["status"] == "SUCCEEDED"
    body = workflow.s3.get_object(Bucket=BUCKET, Key=f"ses/imports/{name}/part-00000.csv")["Body"].read().decode()
    assert [line.split(",")[0] for line in body.splitlines()[1:]] == ["user01@example.com", "Pat.Shared@Example.com"]
    assert workflow.ses.subscribers(name) == {"user01@example.com", "Pat.Shared@Example.com"}  # as first given
    ((_, message),) = workflow.notifications()
    assert (message["subscribed"], message["shared_address"]) == (2, 1)
    # u31 leaves, u30 (same address) joins: still one row, still subscribed
    assert workflow.export(name, ["u30"])["status"] == "SUCCEEDED"
    assert workflow.ses.subscribers(name) == {"Pat.Shared@Example.com"}
    assert len([a for a in workflow.ses.contacts() if a.lower() == "pat.shared@example.com"]) == 1


@pytest.mark.parametrize(
    ("users", "export", "expected"),
    [
        (
            b"USER_ID,GENDER,E_MAIL,AGE\nu00,F,user00@example.com,30\nu01,F,caf\xe9@example.com,30\n",
            b"USER_ID\nu00\nu01\n",
            "users dataset s3://%s/train/movies/users.csv line 3: not UTF-8 text (byte 0xe9 at column 10): "
            "save it as UTF-8",
        ),
        (
            b"USER_ID,GENDER,AGE\nu00,F,30\n",
            b"USER_ID\nu00\n",
            "users dataset s3://%s/train/movies/users.csv line 1: no E_MAIL column",
        ),
        (
            users_csv(USERS).encode(),
            b"USER_ID\nu00\nu\xff01\n",
            "export s3://%s/segments/movies/job-1/genres-action--job-1.csv line 3: not UTF-8 text",
        ),
        (
            users_csv(USERS).encode(),
            b'USER_ID\nu00\n"' + b"x" * 200_000 + b'"\n',  # no id is 128 KB long: a damaged file
            "export s3://%s/segments/movies/job-1/genres-action--job-1.csv line 3: not a CSV file (field larger",
        ),
    ],
    ids=["users-not-utf8", "users-without-e-mail", "export-not-utf8", "export-not-csv"],
)
def test_unreadable_input_fails_with_input_invalid_naming_file_and_line(
    workflow: Destination, users: bytes, export: bytes, expected: str
) -> None:
    workflow.s3.put_object(Bucket=BUCKET, Key=f"train/{DG}/users.csv", Body=users)
    key = f"segments/{DG}/{JOB}/genres-action--job-1.csv"
    etag = workflow.s3.put_object(Bucket=BUCKET, Key=key, Body=export)["ETag"].strip('"')
    started = workflow.deliver(s3_event(key, etag))
    assert started is not None
    assert workflow.wait(started["executionArn"])["status"] == "FAILED"
    ((subject, message),) = workflow.notifications()
    assert subject == "SES segment topic update failed"
    assert message["error"] == "InputInvalid" and expected % BUCKET in message["cause"], message
    assert "Traceback" not in message["cause"] and "\n" not in message["cause"]
    assert workflow.ses.call_count("CreateImportJob") == 0
    assert not workflow.s3.list_objects_v2(Bucket=BUCKET, Prefix="ses/locks/").get("Contents")  # released


def test_the_21st_topic_replaces_the_oldest_topic_of_this_solution_never_others(workflow: Destination) -> None:
    foreign = [
        {"TopicName": f"newsletter-{i}", "DisplayName": f"News {i}", "DefaultSubscriptionStatus": "OPT_OUT"}
        for i in range(17)
    ]
    boto3.client("sesv2", region_name=REGION).create_contact_list(ContactListName=LIST, Topics=foreign)
    for n in range(3):
        assert workflow.export(f"seg-{n}--job-1", ids(n))["status"] == "SUCCEEDED"
    assert len(workflow.ses.topics()) == 20
    workflow.notifications()

    assert workflow.export("seg-3--job-1", ids(3))["status"] == "SUCCEEDED"
    names = [t["TopicName"] for t in workflow.ses.topics()]
    assert len(names) == 20 and "seg-0--job-1" not in names and "seg-3--job-1" in names
    assert all(f"newsletter-{i}" in names for i in range(17))
    ((_, message),) = workflow.notifications()
    assert message["topics_replaced"] == ["seg-0--job-1"] and "20 topics" in message["topics_replaced_note"]


def test_a_full_list_of_foreign_topics_fails_with_a_clear_message(workflow: Destination) -> None:
    foreign = [
        {"TopicName": f"newsletter-{i}", "DisplayName": f"News {i}", "DefaultSubscriptionStatus": "OPT_OUT"}
        for i in range(20)
    ]
    boto3.client("sesv2", region_name=REGION).create_contact_list(ContactListName=LIST, Topics=foreign)
    result = workflow.export("seg-0--job-1", ids(0))
    assert result["status"] == "FAILED"
    ((subject, message),) = workflow.notifications()
    assert subject == "SES segment topic update failed"
    assert message["error"] == "TopicLimitReached" and "none of them was created by this solution" in message["cause"]
    assert len(workflow.ses.topics()) == 20
    assert not workflow.s3.list_objects_v2(Bucket=BUCKET, Prefix="ses/locks/").get("Contents")  # released


def test_malformed_export_fails_before_touching_ses(workflow: Destination) -> None:
    started = workflow.deliver(workflow.put(f"segments/{DG}/{JOB}/broken--job-1.csv", '{"not": "a csv export"}\n'))
    assert started is not None
    result = workflow.wait(started["executionArn"])
    assert result["status"] == "FAILED"
    ((subject, message),) = workflow.notifications()
    assert subject == "SES segment topic update failed"
    assert message["error"] == "InputInvalid" and "USER_ID" in message["cause"]
    assert workflow.ses.contact_list() is None and workflow.ses.call_count("CreateImportJob") == 0


def test_the_summary_starts_nothing_and_an_empty_segment_imports_nothing(workflow: Destination) -> None:
    assert workflow.deliver(workflow.put(f"segments/{DG}/{JOB}/_summary.json", "{}")) is None
    assert workflow.export("empty--job-1", [])["status"] == "SUCCEEDED"
    assert workflow.ses.call_count("CreateImportJob") == 0
    ((_, message),) = workflow.notifications()
    assert (message["segment_users"], message["subscribed"], message["import_jobs"]) == (0, 0, 0)


# ------------------------------------------------------------------ static checks of the template
def test_rendered_definition_passes_asl_validator(tmp_path: Path) -> None:
    validator = REPO / "node_modules/.bin/asl-validator"
    if not validator.exists():
        pytest.skip("asl-validator is not installed: run `make setup`")
    definition = render_state_machine("ses_destination", {**SPEC.asl_vars, "poll_seconds": "30", "max_polls": "240"})
    path = tmp_path / "ses_destination.json"
    path.write_text(json.dumps(definition))
    completed = subprocess.run([str(validator), "--json-path", str(path)], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_terraform_passes_exactly_the_template_variables() -> None:
    import hcl2

    main = hcl2.load((REPO / "modules/ses_destination/main.tf").open())
    asl_locals = next(block["asl_vars"] for block in main["locals"] if "asl_vars" in block)
    template = (REPO / "statemachines/ses_destination.asl.json").read_text()
    assert set(asl_locals) == placeholders(template) == set(SPEC.asl_vars)
    assert placeholders(PATTERN_FILE.read_text()) == {"bucket_name", "export_prefix"}


def test_topic_names_follow_the_rules() -> None:
    assert ses_contacts.topic_name("genres-action--job-1") == "genres-action--job-1"
    long = ses_contacts.topic_name("x" * 80)
    assert len(long) <= 64 and long != ses_contacts.topic_name("x" * 81)
    assert ses_contacts.topic_name("a.b,c d").replace("-", "").isalnum()


# ------------------------------------------------------------------ the root switch, evaluated by a real Terraform
@pytest.fixture(scope="module")
def root_variables(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    binary = shutil.which("terraform")
    version = subprocess.run([binary or "false", "version", "-json"], capture_output=True, text=True, check=False)
    try:
        major, minor = (int(p) for p in json.loads(version.stdout)["terraform_version"].split(".")[:2])
    except (ValueError, KeyError):
        major = minor = 0
    if binary is None or (major, minor) < (1, 5):
        pytest.skip("no terraform >= 1.5 on PATH (the 1.0.3 fmt-only binary cannot evaluate validations)")
    workdir = tmp_path_factory.mktemp("ses-tfvars")
    shutil.copy(REPO / "variables.tf", workdir / "variables.tf")
    subprocess.run([binary, "init", "-backend=false", "-input=false"], cwd=workdir, check=True, capture_output=True)
    return binary, workdir


@pytest.mark.parametrize(
    ("values", "invalid"),
    [
        ({"segment_destinations": ["ses"]}, None),
        ({"segment_destinations": ["pinpoint", "ses"], "ses_contact_list_name": "Marketing_List-1"}, None),
        ({"segment_destinations": []}, None),
        ({"segment_destinations": ["sms"]}, "segment_destinations"),
        ({"segment_destinations": ["ses", "Pinpoint"]}, "segment_destinations"),
        ({"ses_contact_list_name": "has space"}, "ses_contact_list_name"),
    ],
)
def test_segment_destinations_switch_is_validated(
    root_variables: tuple[str, Path], values: dict[str, Any], invalid: str | None, tmp_path: Path
) -> None:
    binary, workdir = root_variables
    var_file = tmp_path / "case.tfvars.json"
    var_file.write_text(json.dumps(values))
    result = subprocess.run(
        [binary, "plan", "-input=false", "-no-color", "-lock=false", f"-var-file={var_file}"],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    if invalid is None:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode != 0 and f"var.{invalid}" in result.stderr, result.stderr


def test_root_deploys_each_destination_only_when_selected() -> None:
    import hcl2

    root = hcl2.load((REPO / "main.tf").open())
    modules = {name.strip('"'): body for block in root["module"] for name, body in block.items()}
    local_values = {k: v for block in root["locals"] for k, v in block.items()}
    assert 'contains(var.segment_destinations, "ses")' in local_values["ses_enabled"]
    assert modules["ses_destination"]["count"] == "${local.ses_enabled ? 1 : 0}"
    assert modules["pinpoint_import"]["count"] == "${local.pinpoint_enabled ? 1 : 0}"
    # post-processing knows no destination; the Pinpoint destination reads the exports like the others
    assert not {k for k in modules["segment_postprocessing"] if "pinpoint" in k or "segment_" in k}
    for destination in ("pinpoint_import", "ses_destination", "connect_destination"):
        assert modules[destination]["data_bucket_arn"] == "${module.storage.data_bucket_arn}", destination
    assert modules["storage"]["ses_import_prefix"] == "${local.ses_enabled ? local.ses_import_prefix : null}"
    variables = {
        k.strip('"'): v for block in hcl2.load((REPO / "variables.tf").open())["variable"] for k, v in block.items()
    }
    assert variables["segment_destinations"]["default"] == []  # S3 export only: works in any account today
