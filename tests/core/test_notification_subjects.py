"""Every notification subject fits SNS: at most 100 characters of printable ASCII without line breaks
(https://docs.aws.amazon.com/sns/latest/api/API_Publish.html). A subject SNS refuses fails the notify step, and with
it a workflow that had done its work — so the longest subject each workflow can build is checked here, with every
name at Personalize's 63-character maximum, and the subjects built in code are cut at word boundaries."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contextual_targeting.core import notifications
from contextual_targeting.core.segments import notification

REPO = Path(__file__).resolve().parents[2]
LONGEST_NAME = "n" * 63  # Personalize names (dataset group, solution, job) are at most 63 characters


def _publish_states(node: Any, name: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if str(node.get("Resource", "")).endswith(":sns:publish"):
            yield name, node["Parameters"]
        for key, value in node.items():
            yield from _publish_states(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from _publish_states(value, name)


def _longest(subject_parameter: str) -> str:
    """The longest text a ``States.Format('…', names…)`` subject renders: every placeholder a 63-character name."""
    match = re.fullmatch(r"States\.Format\('((?:[^'\\]|\\.)*)'(?:, *\$[.\w]+)+\)", subject_parameter)
    assert match, f"a subject built some other way needs its own check: {subject_parameter}"
    return match.group(1).replace("{}", LONGEST_NAME)


PUBLISHERS = [
    (path.name, state, parameters)
    for path in sorted((REPO / "statemachines").glob("*.asl.json"))
    for state, parameters in _publish_states(json.loads(path.read_text()))
]


def test_every_workflow_notifies() -> None:
    assert {name for name, _, _ in PUBLISHERS} == {p.name for p in (REPO / "statemachines").glob("*.asl.json")}


@pytest.mark.parametrize(("asl", "state", "parameters"), PUBLISHERS, ids=[f"{a}:{s}" for a, s, _ in PUBLISHERS])
def test_each_subject_fits_sns_at_the_longest_names(asl: str, state: str, parameters: dict[str, Any]) -> None:
    if "Subject" in parameters:
        text = parameters["Subject"]
    elif parameters.get("Subject.$", "").startswith("States.Format("):
        text = _longest(parameters["Subject.$"])
    else:  # a subject a function built: notifications.subject (tested below) fits it
        assert parameters["Subject.$"].startswith("$."), parameters
        return
    assert len(text) <= 100, (len(text), text)
    assert all(" " <= c <= "~" for c in text), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Segments ready: 3 segments, 0 errors", "Segments ready: 3 segments, 0 errors"),
        (
            "Segments ready: 10 segments, 2 errors, job " + "a-very-long-job-name " * 5,
            "Segments ready: 10 segments, 2 errors, job a-very-long-job-name a-very-long-job-name a-very-long...",
        ),
        ("line one\nline\ttwo", "line one line two"),
        ("Café ready", "Caf? ready"),
    ],
    ids=["fits", "cut-at-a-word", "no-line-breaks", "ascii-only"],
)
def test_subjects_are_cut_at_word_boundaries(text: str, expected: str) -> None:
    assert notifications.subject(text) == expected
    assert len(notifications.subject(text)) <= 100


def test_one_word_longer_than_the_limit_is_cut_with_an_ellipsis() -> None:
    assert notifications.subject("x" * 150) == "x" * 97 + "..."


def test_the_post_processing_subject_keeps_the_counts_and_cuts_the_job_name_between_its_parts() -> None:
    summary = {
        "job_name": "bingewatch-affinity-solution-for-the-staging-account-number-2-20261203t101010-1",
        "job_arn": "",
        "summary_file": "s3://b/k",
        "pinpoint": False,
        "segments": [],
        "totals": {"segments": 10, "errors": 0},
    }
    subject, _ = notification(summary)
    assert (
        subject == "Segments ready: 10 segments, 0 errors, job bingewatch-affinity-solution-for-the-staging-account..."
    )
