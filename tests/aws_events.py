"""Shared test helpers: events as AWS delivers them, and waiting for moto's Step Functions interpreter."""

from __future__ import annotations

import time
import uuid
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"


def s3_object_created(bucket: str, key: str, etag: str, version: str | None = None) -> dict[str, Any]:
    """An S3 ``Object Created`` event as EventBridge delivers it to the default bus."""
    obj: dict[str, Any] = {"key": key, "size": 1, "etag": etag, "sequencer": "0"}
    if version:
        obj["version-id"] = version
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": ACCOUNT,
        "time": "2026-11-29T12:00:00Z",
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": obj,
            "request-id": "r",
            "requester": ACCOUNT,
            "reason": "PutObject",
        },
    }


def wait_for_execution(sfn: Any, execution_arn: str, timeout: float = 30) -> dict[str, Any]:
    """The execution's description once it is no longer RUNNING (moto runs it in a thread)."""
    deadline = time.monotonic() + timeout
    while (described := sfn.describe_execution(executionArn=execution_arn))["status"] == "RUNNING":
        if time.monotonic() > deadline:
            raise AssertionError(f"{execution_arn} did not finish within {timeout:.0f}s")
        time.sleep(0.01)
    return described  # type: ignore[no-any-return]


# What each notification's first sentence says, by subject (written here from what the message must tell a marketer,
# not copied from the workflows), and the figures of its details that the sentences must carry.
READABLE_START = {
    "SES segment topic updated": ("Segment ", ["segment_name", "contact_list", "topic_name", "subscribed", "source"]),
    "SES segment topic update failed": ("The SES topic for the segment export ", ["source", "error"]),
    "Connect segment ready": ("Segment ", ["segment_name", "domain", "segment_definition_name", "profiles", "source"]),
    "Connect segment update failed": ("The Connect segment for the export ", ["source", "error"]),
    "Pinpoint import succeeded": ("Segment ", ["segment_name", "segment_id", "endpoints_processed", "source"]),
    "Pinpoint import failed": ("The Pinpoint import of ", ["source", "error"]),
    "Pinpoint import started": ("A Pinpoint import (", ["kind", "s3_url"]),
    "Pinpoint import skipped: empty segment": ("Nothing was imported into Pinpoint from s3://", ["reason"]),
}


def readable(subject: str | None, message: str) -> dict[str, Any]:
    """The details of a destination workflow's notification, after checking that it opens with plain sentences
    (what happened, the numbers, where the files are) and a blank line before the JSON."""
    from contextual_targeting.core import notifications

    text, gap, _ = message.rpartition("\n\n")
    assert gap and text.strip(), f"no sentences before the JSON: {message[:200]}"
    details = notifications.details(message)
    start, carried = READABLE_START[subject or ""]
    assert text.startswith(start), (subject, text[:200])
    for key in carried:
        if key in ("profiles", "endpoints_processed") and details[key] is None:
            continue  # an export that changed nothing has no counts (said in words instead)
        assert str(details[key]) in text, (subject, key, details[key], text[:400])
    return details
