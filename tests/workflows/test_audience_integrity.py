"""Issue 12, end to end in the local runtime: every segment its own (two job entries, two dataset groups with a
30-character solution name), and a second training run updates the same destinations with the new members.

Real state machines, Lambdas from build/*.zip, the Personalize, Pinpoint and SES emulators (see test_demo.py).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

from contextual_targeting.local.demo import run_demo
from contextual_targeting.local.runtime import LocalDeployment, Settings

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
SAMPLE_DG, SAMPLE_SOLUTION = "bingewatch", "bingewatch-affinity"


def second_entry_copy(tmp_path: Path, numbers: tuple[int, ...] = (100, 10)) -> Path:
    """The sample data with ``batchSegmentJobs`` entries of these ``numResults`` (the sample has one of 100)."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    config_path = data / "personalize" / "train" / SAMPLE_DG / "config.json"
    config = json.loads(config_path.read_text())
    config["solutions"][0]["batchSegmentJobs"] = [{"serviceConfig": {"numResults": n}} for n in numbers]
    config_path.write_text(json.dumps(config, indent=2))
    return data


def users_emails(users_csv: Path) -> dict[str, str]:
    with users_csv.open(newline="") as handle:
        return {row["USER_ID"]: row["E_MAIL"].lower() for row in csv.DictReader(handle)}


def export_users(text: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["USER_ID"]
    return [r[0] for r in rows[1:]]


def test_demo_with_a_second_job_entry_gives_six_segments_and_six_pinpoint_segments(built_zips: Path, tmp_path: Path):
    """Must show: the sample config with a second batchSegmentJobs entry (numResults 10) → 6 segments, 6 names,
    6 Pinpoint segments (three of 10 users). SES topics and their exact members: the next test (12 segments)."""
    data = second_entry_copy(tmp_path)
    out = tmp_path / "out"
    stream = io.StringIO()
    result = run_demo(data, out, destination="pinpoint", stream=stream, timeout=300)
    assert result.exit_code == 0, stream.getvalue()
    segments = result.segments
    assert len(segments) == 6
    assert len({s["segment"] for s in segments}) == 6
    assert all(s["status"] == "ok" for s in segments)
    assert sorted(s["users"] for s in segments) == [10, 10, 10, 100, 100, 100]
    assert len({s["pinpoint_segment_id"] for s in segments}) == 6
    for s in segments:
        [export] = out.glob(f"segments/{SAMPLE_DG}/*/{s['segment']}.csv")
        assert len(export_users(export.read_text())) == s["users"]
        assert s["pinpoint_endpoints"] == s["endpoints"] > 0


def _put_tree(cloud: LocalDeployment, root: Path, bucket: str, configs_last: bool = True) -> None:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    configs = [p for p in files if p.name == "config.json"]
    for path in [p for p in files if p not in configs] + configs:
        cloud.put(bucket, path.relative_to(root).as_posix(), path.read_bytes())


SOLUTIONS = {"bw-prod": "bingewatch-affinity-weekly-prd", "bw-staging": "bingewatch-affinity-weekly-stg"}


def _two_groups(tmp_path: Path) -> Path:
    """train/ + batch/ for two dataset groups (prod, staging) of the sample, with 30-character solution names that
    agree on their first 26 (a solution name is unique in the account, so the two groups cannot share one)."""
    root = tmp_path / "personalize"
    sample = DATA / "personalize"
    for dg, solution in SOLUTIONS.items():
        shutil.copytree(sample / "train" / SAMPLE_DG, root / "train" / dg)
        config = json.loads((root / "train" / dg / "config.json").read_text())
        config["datasetGroup"]["serviceConfig"]["name"] = dg
        for kind, dataset in config["datasets"].items():
            dataset["dataset"]["serviceConfig"]["name"] = f"{dg}-{kind}"
            dataset["schema"]["serviceConfig"]["name"] = f"{dg}-{kind}-schema"
        config["solutions"][0]["serviceConfig"]["name"] = solution
        config["solutions"][0]["batchSegmentJobs"] = [
            {"serviceConfig": {"numResults": 100}},
            {"serviceConfig": {"numResults": 10}},
        ]
        (root / "train" / dg / "config.json").write_text(json.dumps(config, indent=2))
        job_config = root / "batch" / dg / solution / "job_config.json"
        job_config.parent.mkdir(parents=True)
        shutil.copy(sample / "batch" / SAMPLE_DG / SAMPLE_SOLUTION / "job_config.json", job_config)
    return root


def _ses_members(cloud: LocalDeployment, list_name: str) -> dict[str, set[str]]:
    """What SES holds: per topic, the addresses subscribed (OPT_IN)."""
    import boto3

    ses = boto3.client("sesv2", region_name="us-east-1")
    topics = [t["TopicName"] for t in ses.get_contact_list(ContactListName=list_name)["Topics"]]
    members: dict[str, set[str]] = {}
    for topic in topics:
        found: set[str] = set()
        token = None
        while True:
            kwargs: dict[str, Any] = {
                "ContactListName": list_name,
                "Filter": {"FilteredStatus": "OPT_IN", "TopicFilter": {"TopicName": topic}},
                "PageSize": 1000,
            }
            if token:
                kwargs["NextToken"] = token
            page = ses.list_contacts(**kwargs)
            found |= {c["EmailAddress"].lower() for c in page.get("Contacts", [])}
            token = page.get("NextToken")
            if not token:
                break
        members[topic] = found
    return members


def _exports(settings: Settings) -> dict[str, tuple[str, list[str]]]:
    """{export key: (segment name, users)} of every export in the data bucket."""
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    found: dict[str, tuple[str, list[str]]] = {}
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=settings.data_bucket, Prefix="segments/")
    for page in pages:
        for item in page.get("Contents", []):
            file = item["Key"].rsplit("/", 1)[1]
            if file.endswith(".csv"):
                body = s3.get_object(Bucket=settings.data_bucket, Key=item["Key"])["Body"].read().decode()
                found[item["Key"]] = (file[: -len(".csv")], export_users(body))
    return found


def _failure_notices(cloud: LocalDeployment) -> list[str]:
    """The failure notifications (their error and cause), for the message of a failed assertion."""
    return [n.message[:600] for n in cloud.notifications() if "fail" in n.subject.lower()]


def test_two_dataset_groups_long_solution_and_a_second_run_update_the_same_destinations(
    built_zips: Path, tmp_path: Path
):
    """Must show: 30-character solution names in two dataset groups → 12 distinct segments and SES topics holding
    exactly each segment's users; a second training run updates the same topics (no new ones), leavers unsubscribed."""
    assert {len(s) for s in SOLUTIONS.values()} == {30}
    root = _two_groups(tmp_path)
    # SES only: Pinpoint's six segments per job are shown by the demo test above; under the load of 24 concurrent
    # destination executions the local runtime's Pinpoint prepare function has shown a race (see the report)
    settings = Settings(pinpoint=False, ses=True)
    emails = users_emails(root / "train" / "bw-prod" / "users.csv")
    with LocalDeployment(settings, log_dir=tmp_path / "logs") as cloud:
        _put_tree(cloud, root, settings.data_bucket)
        first = cloud.wait_idle(timeout=600)
        failures = [cloud.failure(e) for e in first if e.status != "SUCCEEDED"]
        assert not failures, (failures, _failure_notices(cloud))
        first_keys = _exports(settings)
        exports = {name: users for name, users in first_keys.values()}
        assert len(first_keys) == len(exports) == 12
        held = _ses_members(cloud, settings.contact_list_name)
        assert set(held) == set(exports)
        for name, users in exports.items():
            assert held[name] == {emails[u] for u in users}, name

        # second run: entry 2 asks for 5 users now; same identities ⇒ same names, new versions
        config_key = "train/bw-prod/config.json"
        config = json.loads((root / config_key).read_text())
        config["solutions"][0]["batchSegmentJobs"][1]["serviceConfig"]["numResults"] = 5
        before = {e.arn for e in cloud.executions()}
        cloud.put(settings.data_bucket, config_key, json.dumps(config).encode())
        second = [e for e in cloud.wait_idle(timeout=600) if e.arn not in before]
        assert second and {e.status for e in second} == {"SUCCEEDED"}, (
            [(e.workflow, cloud.failure(e)) for e in second if e.status != "SUCCEEDED"],
            _failure_notices(cloud),
        )
        latest = {key: value for key, value in _exports(settings).items() if key not in first_keys}
        assert len(latest) == 6  # bw-prod's new run: its own job folder
        assert {name for name, _ in latest.values()} <= set(exports)  # the same names: nothing new
        held_after = _ses_members(cloud, settings.contact_list_name)
        assert set(held_after) == set(exports)  # no new topics
        prod_entry2 = [n for n in exports if "_bw-prod_" in n and "_j2_" in n]
        assert len(prod_entry2) == 3
        newest = {name: users for name, users in latest.values()}
        for name in prod_entry2:
            members = newest[name]
            assert len(members) == 5
            assert held_after[name] == {emails[u] for u in members}  # leavers unsubscribed
