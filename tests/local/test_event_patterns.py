"""EventBridge pattern semantics used by the local router (examples from EventBridge's documentation)."""

from __future__ import annotations

import pytest

from contextual_targeting.local.event_patterns import PatternError, matches

S3_EVENT = {
    "source": "aws.s3",
    "detail-type": "Object Created",
    "detail": {"bucket": {"name": "b"}, "object": {"key": "pinpoint/segments/genres-action.ready.json", "size": 10}},
}


def with_key(key: str) -> dict:
    return {**S3_EVENT, "detail": {"bucket": {"name": "b"}, "object": {"key": key, "size": 10}}}


def test_exact_and_and_semantics() -> None:
    assert matches({"source": ["aws.s3"], "detail-type": ["Object Created"]}, S3_EVENT)
    assert not matches({"source": ["aws.s3"], "detail-type": ["Object Deleted"]}, S3_EVENT)
    assert matches({"detail": {"bucket": {"name": ["a", "b"]}}}, S3_EVENT)
    assert not matches({"detail": {"missing": ["x"]}}, S3_EVENT)


def test_prefix_suffix_wildcard() -> None:
    assert matches({"detail": {"object": {"key": [{"prefix": "pinpoint/"}]}}}, S3_EVENT)
    assert matches({"detail": {"object": {"key": [{"suffix": ".ready.json"}]}}}, S3_EVENT)
    assert matches({"detail": {"object": {"key": [{"wildcard": "pinpoint/segments/*.ready.json"}]}}}, S3_EVENT)
    # "*" crosses "/" in EventBridge wildcards
    assert matches({"detail": {"object": {"key": [{"wildcard": "pinpoint/*.json"}]}}}, S3_EVENT)
    assert not matches({"detail": {"object": {"key": [{"wildcard": "train/*.json"}]}}}, S3_EVENT)


def test_or_with_anything_but_wildcard_separates_parts_from_files() -> None:
    pattern = {
        "detail": {
            "$or": [
                {"object": {"key": [{"wildcard": "pinpoint/segments/*.ready.json"}]}},
                {"object": {"key": [{"anything-but": {"wildcard": "pinpoint/segments/*"}}]}},
            ]
        }
    }
    assert matches(pattern, with_key("pinpoint/segments/genres-action.ready.json"))
    assert matches(pattern, with_key("pinpoint/endpoints.csv"))
    assert not matches(pattern, with_key("pinpoint/segments/genres-action/part-00000.csv"))


def test_anything_but_numeric_exists() -> None:
    assert matches({"detail": {"object": {"size": [{"numeric": [">", 0, "<=", 10]}]}}}, S3_EVENT)
    assert not matches({"detail": {"object": {"size": [{"numeric": [">", 10]}]}}}, S3_EVENT)
    assert matches({"source": [{"anything-but": ["aws.ec2", "aws.sns"]}]}, S3_EVENT)
    assert not matches({"source": [{"anything-but": {"prefix": "aws."}}]}, S3_EVENT)
    assert matches({"detail": {"object": {"etag": [{"exists": False}]}}}, S3_EVENT)
    assert not matches({"detail": {"object": {"etag": [{"exists": True}]}}}, S3_EVENT)


def test_array_values_match_any_element() -> None:
    event = {"resources": ["arn:1", "arn:2"]}
    assert matches({"resources": ["arn:2"]}, event)
    assert not matches({"resources": ["arn:3"]}, event)


def test_unknown_operator_is_an_error_not_a_silent_match() -> None:
    with pytest.raises(PatternError):
        matches({"source": [{"cidr": "10.0.0.0/24"}]}, S3_EVENT)
