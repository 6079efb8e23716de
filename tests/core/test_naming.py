"""Segment identity and names: readable, one per (dataset group, solution, job entry, query), stable across runs,
within every service's limits, the hash of the full identity never cut away."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from contextual_targeting.core.naming import (
    HASH_LEN,
    MAX_NAME,
    SERVICE_NAME_RULES,
    SegmentNamer,
    job_context,
    query_slug,
    segment_identity,
)

VALID = re.compile(r"^[a-z0-9-]+(_[a-z0-9-]+){3}_[0-9a-f]{12}$")
SES_TOPIC = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # AWS::SES::ContactList Topic.TopicName
PROFILES_SEGMENT = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # Customer Profiles SegmentDefinitionName


def expected_hash(dg: str, solution: str, entry: str, query: str, query_type: str = "itemAttributes", n: int = 1):
    """The documented hash: SHA-256 of the JSON array of the raw identity parts (README "Segment names")."""
    canonical = json.dumps(
        ["segment-identity/1", dg, solution, entry, query_type, query, n], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('ITEMS.genres = "Action"', "genres-action"),
        ("ITEMS.genres = 'Sci-Fi'", "genres-sci-fi"),
        ('ITEMS.genres = "Action" AND ITEMS.year = "1995"', "genres-action-year-1995"),
        ('ITEMS.genres IN ("Action", "Drama") OR NOT ITEMS.kids = "yes"', "genres-action-drama-kids-yes"),
        ('ITEMS.title = "Rock \\"n\\" Roll: Part #2 / Café"', "title-rock-n-roll-part-2-caf"),
        ("", "segment"),
        ('"!!!"', "segment"),
    ],
)
def test_query_slug(query, expected):
    assert query_slug(query) == expected


def test_name_reads_query_dataset_group_solution_entry_then_hash():
    identity = segment_identity("bingewatch", "bingewatch-affinity", 1, 'ITEMS.genres = "Action"')
    digest = expected_hash("bingewatch", "bingewatch-affinity", "1", 'ITEMS.genres = "Action"')
    assert identity.name == f"genres-action_bingewatch_bingewatch-affinity_j1_{digest}"
    named = segment_identity("bingewatch", "bingewatch-affinity", "weekly", 'ITEMS.genres = "Action"')
    assert named.name.startswith("genres-action_bingewatch_bingewatch-affinity_weekly_")


def test_the_same_identity_gets_the_same_name_whatever_the_run():
    # the job name (the run) is not part of the identity: retraining updates the same destinations
    first = SegmentNamer(job_context("s3://b/batch/bw/affinity/1/affinity-3f9a0c11d2/", "affinity-3f9a0c11d2"))
    second = SegmentNamer(job_context("s3://b/batch/bw/affinity/1/affinity-77aa01bb9e/", "affinity-77aa01bb9e"))
    assert first.name('ITEMS.genres = "Action"') == second.name('ITEMS.genres = "Action"')


def test_issue_collision_two_entries_two_runs_two_dataset_groups_long_solution():
    """The names main produced the same for these (24-character job slug): every identity gets its own."""
    solution = "bingewatch-affinity-weekly-eu1"  # 30 characters
    assert len(solution) == 30
    names = set()
    for dg in ("bingewatch-prod", "bingewatch-staging"):
        for entry in ("1", "2"):
            for query in ('ITEMS.genres = "Action"', 'ITEMS.genres = "Comedy"', 'ITEMS.genres = "Horror"'):
                names.add(segment_identity(dg, solution, entry, query).name)
    assert len(names) == 12


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("dg", "s", "1", 'ITEMS.g = "A"'), ("dg", "s", "2", 'ITEMS.g = "A"')),  # two job entries
        (("dg", "s", "1", 'ITEMS.g = "A"'), ("DG", "s", "1", 'ITEMS.g = "A"')),  # fold to the same slug
        (("dg", "s", "1", 'ITEMS.g = "A"'), ("dg", "s", "1", "ITEMS.g = 'A'")),  # same slug, other query text
        (("dg", "s", "1", 'ITEMS.g = "A"'), ("dg", "s", "j1", 'ITEMS.g = "A"')),  # position 1 vs a name "j1"
        (("d", "g_s", "1", "q"), ("d_g", "s", "1", "q")),  # a part boundary moved
    ],
)
def test_distinct_identities_never_share_a_name(a, b):
    assert segment_identity(*a).name != segment_identity(*b).name


def test_item_affinity_and_repeated_queries():
    namer = SegmentNamer(job_context("s3://b/batch/dg/sol/1/job-x/", "job-x"))
    names = [namer.name(q) for q in ['ITEMS.g = "A"', 'ITEMS.g = "B"', 'ITEMS.g = "A"']]
    assert len(set(names)) == 3
    assert names[2].startswith("g-a-2_dg_sol_j1_")
    assert names[2].endswith(expected_hash("dg", "sol", "1", 'ITEMS.g = "A"', n=2))
    assert segment_identity("dg", "sol", "1", "42", "itemId").name.startswith("item-42_")


def test_long_parts_are_cut_and_the_hash_is_always_kept():
    long_query = " AND ".join(f'ITEMS.attribute{i} = "value number {i}"' for i in range(30))
    dg, solution = "a" * 63, "bingewatch-affinity-with-a-very-long-solution-name-for-the-eu"
    a = segment_identity(dg, solution, "quarterly-campaign-entry", long_query)
    b = segment_identity(dg, solution, "quarterly-campaign-entry", long_query + ' AND ITEMS.extra = "x"')
    for identity in (a, b):
        assert len(identity.name) <= MAX_NAME
        assert VALID.match(identity.name), identity.name
        assert identity.name.endswith("_" + identity.digest[:HASH_LEN])
    assert a.name != b.name
    assert a.name.startswith("attribute0")


@pytest.mark.parametrize(
    "parts",
    [
        ("dg", "sol", "1", 'ITEMS.x = "a/b\\\\c"'),
        ("Dataset Group!", "Sol Ution", "Job Name With Spaces", "ITEMS.x = '\"quoted\"'"),
        ("dg", "sol", "1", 'ITEMS.x = "é ü 日本"'),
        ("日本", "ü", "é", "…"),
    ],
)
def test_every_service_accepts_the_name(parts):
    identity = segment_identity(*parts)
    assert VALID.match(identity.name), identity.name
    assert SES_TOPIC.match(identity.name) and PROFILES_SEGMENT.match(identity.name)
    for service, name in identity.names_for_service().items():
        pattern, limit = SERVICE_NAME_RULES[service]
        assert pattern.match(name) and len(name) <= limit, (service, name)
    assert len(identity.display_name()) <= 128


@pytest.mark.parametrize(
    ("path", "job", "expected"),
    [
        ("s3://b/batch-output/bw/affinity/1/affinity-abc/", "affinity-abc", ("bw", "affinity", "1")),
        ("s3://b/batch-output/bw/affinity/affinity-abc/", "affinity-abc", ("bw", "affinity", "affinity-abc")),
        ("s3://b/batch/bw/affinity/1/affinity-abc/", "affinity-abc", ("bw", "affinity", "1")),
        ("s3://b/root/batch/bw/affinity/weekly/affinity-abc/", "affinity-abc", ("bw", "affinity", "weekly")),
        ("s3://b/batch/bw/affinity/affinity-abc/", "affinity-abc", ("bw", "affinity", "affinity-abc")),
        ("s3://b/elsewhere/out/", "manual-job", ("manual-job", "", "manual-job")),
    ],
)
def test_job_context_from_the_output_path(path, job, expected):
    context = job_context(path, job)
    assert (context.dataset_group, context.solution, context.job_entry) == expected


def test_a_long_name_is_cut_between_words_never_inside_one() -> None:
    query = 'ITEMS.genres = "Action and adventure movies for the whole family" AND ITEMS.year = "1999"'
    identity = segment_identity("staging-dataset-group-for-bingewatch", "affinity-solution-v2", "1", query)
    name = identity.name
    assert len(name) <= MAX_NAME and VALID.match(name)
    full = {
        0: query_slug(query).split("-"),
        1: ["staging", "dataset", "group", "for", "bingewatch"],
        2: ["affinity", "solution", "v2"],
    }
    readable = name.split("_")[:3]
    assert readable[0] != query_slug(query), "the example must be long enough to be cut"
    for index, part in enumerate(readable):
        words = part.split("-")
        assert words == full[index][: len(words)], (part, full[index])  # whole words, from the start
