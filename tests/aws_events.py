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
