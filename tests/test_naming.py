"""Segment names: readable, unique per job, stable on re-run, within limits, [a-z0-9-] only."""

from __future__ import annotations

import re

import pytest

from contextual_targeting.core.naming import MAX_NAME, SegmentNamer, query_slug, segment_name

VALID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+|--[a-z0-9]+)*$")


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


def test_name_includes_job_and_is_stable():
    assert segment_name('ITEMS.genres = "Action"', "bingewatch-2024") == "genres-action--bingewatch-2024"
    assert segment_name('ITEMS.genres = "Action"', "bingewatch-2024") == segment_name(
        'ITEMS.genres = "Action"', "bingewatch-2024"
    )


def test_item_affinity_name():
    assert segment_name("42", "job", query_type="itemId") == "item-42--job"


def test_repeated_queries_and_slug_collisions_are_numbered_in_line_order():
    namer = SegmentNamer("job")
    names = [namer.name(q) for q in ['ITEMS.g = "A"', "ITEMS.g = 'A'", 'ITEMS.g = "B"', 'ITEMS.g = "A"']]
    assert names == ["g-a--job", "g-a--job-2", "g-b--job", "g-a--job-3"]
    assert len(set(names)) == len(names)
    again = SegmentNamer("job")
    assert [again.name(q) for q in ['ITEMS.g = "A"', "ITEMS.g = 'A'", 'ITEMS.g = "B"', 'ITEMS.g = "A"']] == names


def test_long_queries_are_cut_with_a_hash_and_stay_unique():
    long_a = " AND ".join(f'ITEMS.attribute{i} = "value number {i}"' for i in range(30))
    long_b = long_a + ' AND ITEMS.extra = "x"'
    a, b = (
        segment_name(long_a, "a-very-long-job-name-for-the-quarterly-campaign"),
        segment_name(long_b, "a-very-long-job-name-for-the-quarterly-campaign"),
    )
    assert len(a) <= MAX_NAME and len(b) <= MAX_NAME
    assert a != b
    assert a.startswith("attribute0-value-number-0")
    for name in (a, b):
        assert VALID.match(name), name


@pytest.mark.parametrize(
    "query", ['ITEMS.x = "a/b\\\\c"', "ITEMS.x = '\"quoted\"'", 'ITEMS.x = "é ü 日本"', 'ITEMS.x="a""b"']
)
def test_special_characters_never_leak(query):
    name = segment_name(query, "Job Name With Spaces!")
    assert VALID.match(name), name
    assert name.endswith("--job-name-with-spaces")
