"""The Pinpoint destination's first half, end to end: a segment export in the data bucket → chunks → Distributed Map
(GetUserEndpoints per user) → import parts and the segment's completion object, written last.

The rendered ``segment_import`` ASL runs in moto's interpreter; its functions run in-process from their built zips;
``GetUserEndpoints`` is the project's Pinpoint emulator. The exports are written by the real post-processing core
(``segments.split_job_output``), with the metadata the split function sets, so this file needs no other workflow.
The completion object's own event (the import, ``tests/workflows/test_pinpoint_import.py``) is not delivered here.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from contextual_targeting.core import notifications
from contextual_targeting.core.naming import segment_identity
from contextual_targeting.core.segments import SplitConfig, split_job_output
from contextual_targeting.core.storage import S3Storage
from contextual_targeting.local.emulators.pinpoint import PinpointEmulator
from tests.aws_events import s3_object_created
from tests.world import DATA_BUCKET, SEGMENT_BUCKET, Deployment, World

DATA, SEGMENTS = DATA_BUCKET, SEGMENT_BUCKET
APP = World.settings.application_id
DG, SOLUTION = "bingewatch", "affinity"


def genre(job: str, value: str) -> str:
    return segment_identity(DG, SOLUTION, job, f'ITEMS.genres = "{value}"').name


def line(query: str, users: list[str]) -> str:
    return json.dumps({"input": {"itemAttributes": query}, "output": {"usersList": users}, "error": None}) + "\n"


@dataclass
class Resolution(Deployment):
    """The Pinpoint destination deployed in the world, with the Pinpoint emulator behind it."""

    pinpoint: PinpointEmulator

    def __post_init__(self) -> None:
        self.keys, self.text, self.csv_column, self.json = (
            self.world.keys,
            self.world.text,
            self.world.csv_column,
            self.world.json,
        )

    def export(self, job: str, text: str) -> list[str]:
        """Post-processing's exports of one job output (the real split core), their keys in line order."""
        config = SplitConfig(job_name=job, dataset_group=DG, solution=SOLUTION, job_entry=job, execution=f"pp-{job}")
        data = text.encode()
        split_job_output([("job.out", lambda: io.BytesIO(data))], S3Storage(self.s3, DATA), config)
        report = json.loads(self.text(DATA, config.report_key))
        return [r["export_key"] for r in report["segments"] if r["export_key"]]

    def resolve(self, key: str, run: str = "") -> dict[str, Any]:
        """Deliver the export's Object Created event to the workflow, as the rule would; the finished execution."""
        etag = self.s3.head_object(Bucket=DATA, Key=key)["ETag"].strip('"')
        name = hashlib.sha256(f"{key}{etag}{run}".encode()).hexdigest()[:40]
        return self.execute(s3_object_created(DATA, key, etag), name)

    def messages(self) -> list[str]:
        return [message for _, message in self.world.notifications()]


@pytest.fixture
def make_world(world: World):
    """The deployed destination (chunks of 40 users, 1 ms throttling backoff); tests may change the environment
    after this fixture ran, as an operator changes a function's variables between runs."""
    pinpoint = PinpointEmulator([APP])
    world.emulate(pinpoint)
    workflow = world.deploy(
        "pinpoint_import", asl={"max_polls": "10"}, env={"CHUNK_SIZE": "40", "THROTTLE_BASE_MS": "1"}
    )
    resolution = Resolution(world, workflow, pinpoint)
    return lambda: resolution


def add_users(world: Resolution, users: list[str], endpoints_per_user: int = 1) -> None:
    for user in users:
        for n in range(endpoints_per_user):
            world.pinpoint.add_endpoint(APP, f"ep-{user}-{n}", user, "EMAIL", f"{user}+{n}@example.com")


def test_each_export_becomes_parts_of_its_own_endpoints_and_a_completion_object(make_world):
    world = make_world()
    action = [f"a{i}" for i in range(100)]  # 3 chunks of 40
    comedy = [f"c{i}" for i in range(7)]
    drama = [f"d{i}" for i in range(45)]
    add_users(world, action[:90])  # a90..a99 have no endpoint
    add_users(world, comedy, endpoints_per_user=2)  # every endpoint of a user is taken
    add_users(world, drama[:40])
    world.pinpoint.add_endpoint(APP, "sms-d40", "d40", "SMS", "+15555550100")  # other channel: filtered out
    world.pinpoint.add_endpoint(APP, "out-d41", "d41", "EMAIL", "d41@example.com", opt_out="ALL")  # opted out
    world.pinpoint.add_endpoint(APP, "off-d42", "d42", "EMAIL", "d42@example.com", status="INACTIVE")
    job = "bingewatch-2024"
    exports = world.export(
        job,
        line('ITEMS.genres = "Action"', action)
        + line('ITEMS.genres = "Comedy"', comedy)
        + line('ITEMS.genres = "Drama" AND ITEMS.year = "1995"', drama),
    )
    names = [Path(key).stem for key in exports]
    results = [world.resolve(key) for key in exports]
    assert [r["status"] for r in results] == ["SUCCEEDED"] * 3, [r["events"][-3:] for r in results]

    assert world.keys(SEGMENTS, "pinpoint/segments/") == sorted(
        [f"pinpoint/segments/{names[0]}/part-0000{i}.csv" for i in range(3)]
        + [f"pinpoint/segments/{names[1]}/part-00000.csv"]
        + [f"pinpoint/segments/{names[2]}/part-00000.csv"]  # chunk 2 (d40..d44) has no usable endpoint: no part
        + [f"pinpoint/segments/{n}.ready.json" for n in names]
    )
    parts = [f"pinpoint/segments/{names[0]}/part-0000{i}.csv" for i in range(3)]
    assert all(world.csv_column(SEGMENTS, key)[0] == "Id" for key in parts)
    assert [row for key in parts for row in world.csv_column(SEGMENTS, key)[1:]] == [f"ep-a{i}-0" for i in range(90)]
    assert world.csv_column(SEGMENTS, f"pinpoint/segments/{names[1]}/part-00000.csv")[1:] == [
        f"ep-{u}-{n}" for u in comedy for n in range(2)
    ]

    identity = segment_identity(DG, SOLUTION, job, 'ITEMS.genres = "Action"')
    assert world.json(SEGMENTS, f"pinpoint/segments/{names[0]}.ready.json") == {
        "segment_name": names[0],
        "s3_url": f"s3://{SEGMENTS}/pinpoint/segments/{names[0]}/",
        "parts": 3,
        "endpoints": 90,
        "users": 100,
        "unresolved": 10,
        "dataset_group": DG,
        "job_name": job,
        "query": 'ITEMS.genres = "Action"',
        "export": f"s3://{DATA}/{exports[0]}",
        "identity": {  # from the export's metadata: the segment's identity travels with the export
            "dataset_group": DG,
            "solution": SOLUTION,
            "job_entry": job,
            "query": 'ITEMS.genres = "Action"',
            "sha256": identity.digest,
        },
    }
    drama_ready = world.json(SEGMENTS, f"pinpoint/segments/{names[2]}.ready.json")
    assert (drama_ready["endpoints"], drama_ready["unresolved"], drama_ready["parts"]) == (40, 5, 1)
    assert world.messages() == []  # the import (started by the completion object) is the one that notifies

    # no user ids in any state: inputs and outputs of the events carry pointers and counts only
    history = json.dumps([r["events"] for r in results], default=str)
    assert '"a17"' not in history and "ep-a1-0" not in history


def test_an_empty_export_gets_a_completion_object_that_says_nothing_to_import(make_world):
    world = make_world()
    [export] = world.export("western", line('ITEMS.genres = "Western"', []))
    assert world.resolve(export)["status"] == "SUCCEEDED"
    name = genre("western", "Western")
    assert world.keys(SEGMENTS, "pinpoint/") == [f"pinpoint/segments/{name}.ready.json"]
    ready = world.json(SEGMENTS, f"pinpoint/segments/{name}.ready.json")
    assert (ready["users"], ready["parts"], ready["endpoints"]) == (0, 0, 0)


def test_users_without_any_endpoint_are_counted_not_fatal(make_world):
    world = make_world()
    [export] = world.export("ghosts", line('ITEMS.genres = "Noir"', ["g1", "g2", "g3"]))
    assert world.resolve(export)["status"] == "SUCCEEDED"
    name = genre("ghosts", "Noir")
    ready = world.json(SEGMENTS, f"pinpoint/segments/{name}.ready.json")
    assert (ready["endpoints"], ready["unresolved"], ready["parts"]) == (0, 3, 0)
    assert world.keys(SEGMENTS, f"pinpoint/segments/{name}/") == []  # no part: an empty import would fail


def test_throttling_is_retried_with_backoff_then_succeeds(make_world):
    world = make_world()
    add_users(world, ["t1", "t2", "t3"])
    world.pinpoint.throttle("GetUserEndpoints", times=5)
    [export] = world.export("throttled", line('ITEMS.genres = "Action"', ["t1", "t2", "t3"]))
    assert world.resolve(export)["status"] == "SUCCEEDED"
    throttled = [c for c in world.pinpoint.calls if c[0] == "GetUserEndpoints"]
    assert len(throttled) == 3 + 5  # every throttled call was retried
    assert world.json(SEGMENTS, f"pinpoint/segments/{genre('throttled', 'Action')}.ready.json")["endpoints"] == 3


def test_throttling_that_outlasts_the_lambda_retries_is_retried_by_step_functions(make_world):
    world = make_world()
    add_users(world, ["t1"])
    world.pinpoint.throttle("GetUserEndpoints", times=8)  # MAX_ATTEMPTS in one invocation -> PinpointThrottled
    [export] = world.export("very-throttled", line('ITEMS.genres = "Action"', ["t1"]))
    assert world.resolve(export)["status"] == "SUCCEEDED"
    assert world.json(SEGMENTS, f"pinpoint/segments/{genre('very-throttled', 'Action')}.ready.json")["endpoints"] == 1


def test_the_same_export_resolved_again_overwrites_the_same_objects(make_world):
    world = make_world()
    users = [f"r{i}" for i in range(50)]
    add_users(world, users)
    exports = world.export("rerun", line('ITEMS.genres = "Action"', users) + line('ITEMS.genres = "Drama"', users[:5]))
    assert [world.resolve(k)["status"] for k in exports] == ["SUCCEEDED"] * 2
    first = {k: world.text(SEGMENTS, k) for k in world.keys(SEGMENTS, "pinpoint/")}
    assert [world.resolve(k, run="again")["status"] for k in exports] == ["SUCCEEDED"] * 2
    again = {k: world.text(SEGMENTS, k) for k in world.keys(SEGMENTS, "pinpoint/")}
    assert again == first  # same keys, same bytes, no duplicates


def test_a_failing_chunk_fails_the_execution_and_nothing_is_imported(make_world, monkeypatch):
    """On AWS the Distributed Map fails first (ToleratedFailurePercentage defaults to 0). moto 5.2.5 counts a failed
    child execution but never fails the Map run, so here the ready step's own check (every chunk has its stats before
    the completion object is written) is what fails: the test accepts either error, and checks the rest exactly."""
    world = make_world()
    add_users(world, ["f1"])
    [export] = world.export("broken-parts", line('ITEMS.genres = "Action"', ["f1"]))
    monkeypatch.setenv("SEGMENT_BUCKET", "no-such-bucket")  # the resolve function cannot write its part
    result = world.resolve(export)
    assert result["status"] == "FAILED"
    [message] = world.messages()
    report = notifications.details(message)
    assert message.startswith(f"The Pinpoint import of s3://{DATA}/{export} failed: ")
    assert report["error"] in {"States.ExceedToleratedFailureThreshold", "ChunksIncomplete"}, report
    assert world.keys(SEGMENTS) == []  # no completion object: nothing is imported


def test_resolving_again_with_other_chunking_leaves_no_stale_parts(make_world, monkeypatch):
    world = make_world()
    users = [f"c{i}" for i in range(100)]
    add_users(world, users)
    [export] = world.export("rechunk", line('ITEMS.genres = "Action"', users))
    assert world.resolve(export)["status"] == "SUCCEEDED"
    folder = f"pinpoint/segments/{genre('rechunk', 'Action')}/"
    assert len(world.keys(SEGMENTS, folder)) == 3
    monkeypatch.setenv("CHUNK_SIZE", "60")
    assert world.resolve(export, run="chunks-of-60")["status"] == "SUCCEEDED"
    assert world.keys(SEGMENTS, folder) == [f"{folder}part-00000.csv", f"{folder}part-00001.csv"]
    ids = [i for key in world.keys(SEGMENTS, folder) for i in world.csv_column(SEGMENTS, key)[1:]]
    assert ids == [f"ep-{u}-0" for u in users]  # every endpoint exactly once
    assert world.json(SEGMENTS, f"pinpoint/segments/{genre('rechunk', 'Action')}.ready.json")["parts"] == 2


def test_history_events_do_not_grow_with_segment_size(make_world, monkeypatch):
    monkeypatch.setenv("CHUNK_SIZE", "5000")
    world = make_world()
    [small] = world.export("small", line('ITEMS.genres = "Action"', [f"s{i}" for i in range(100)]))
    [large] = world.export("large", line('ITEMS.genres = "Action"', [f"l{i}" for i in range(20_000)]))
    small_run, large_run = world.resolve(small), world.resolve(large)
    assert small_run["status"] == large_run["status"] == "SUCCEEDED"
    ready = world.json(SEGMENTS, f"pinpoint/segments/{genre('large', 'Action')}.ready.json")
    assert (ready["users"], ready["unresolved"]) == (20_000, 20_000)
    assert len([k for k in world.keys(DATA, "work/pinpoint/") if "/chunks/" in k]) == 4 + 1  # Map items: 4 and 1
    assert len(large_run["events"]) == len(small_run["events"])


def test_the_job_summary_and_other_keys_are_ignored(make_world):
    world = make_world()
    world.export("summary", line('ITEMS.genres = "Action"', ["u1"]))
    key = f"segments/{DG}/summary/_summary.json"
    world.s3.put_object(Bucket=DATA, Key=key, Body=b"{}")
    result = world.resolve(key)
    assert result["status"] == "SUCCEEDED"
    assert [e["type"] for e in result["events"]][-1] == "ExecutionSucceeded"
    assert world.keys(SEGMENTS) == [] and world.messages() == []
