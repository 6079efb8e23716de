"""Exactly-once starts: a Step Functions execution name derived from the event that caused it.

Step Functions refuses a second execution with the same name on the same state machine (for 90 days), so a
duplicate delivery of the same S3 or custom-bus event cannot start the same work twice. EventBridge cannot name an
execution itself, hence the tiny ``start_execution`` function between each rule and its state machine.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

MAX_NAME = 80  # Step Functions execution name limit
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def _slug(text: str, limit: int) -> str:
    slug = _UNSAFE.sub("-", text).strip("-")
    return slug[-limit:].lstrip("-") if len(slug) > limit else slug


def identity(event: dict[str, Any]) -> tuple[str, str]:
    """(readable part, unique key) of an EventBridge event.

    - S3 ``Object Created``: the object key; unique per bucket + key + version id (or ETag when unversioned).
    - ``solutions.aws.personalize`` state changes: the resource name; unique per ARN + status.
    - anything else: the detail-type; unique per event id.
    """
    detail = event.get("detail") or {}
    if event.get("source") == "aws.s3":
        bucket = (detail.get("bucket") or {}).get("name", "")
        obj = detail.get("object") or {}
        key = obj.get("key", "")
        version = obj.get("version-id") or obj.get("etag") or obj.get("sequencer") or ""
        return key, f"s3://{bucket}/{key}#{version}"
    if event.get("source") == "solutions.aws.personalize" and detail.get("Arn"):
        arn = str(detail["Arn"])
        return arn.rsplit("/", 1)[-1], f"{arn}#{detail.get('Status', '')}"
    return str(event.get("detail-type", "event")), str(event.get("id") or json.dumps(event, sort_keys=True))


def execution_name(event: dict[str, Any]) -> str:
    """A valid, deterministic execution name: ``<readable tail>-<16 hex of sha256(unique key)>``."""
    readable, unique = identity(event)
    digest = hashlib.sha256(unique.encode("utf-8")).hexdigest()[:16]
    slug = _slug(readable, MAX_NAME - len(digest) - 1)
    return f"{slug}-{digest}" if slug else digest
