"""What to import into Pinpoint for an S3 object of the segment import bucket (the import workflow's prepare step).

Used by ``lambdas/pinpoint_import_prepare``. Objects under the import prefix (e.g. ``pinpoint/``):

- ``<prefix>segments/<segment>.ready.json`` (a completion object, written last by the post-processing workflow):
  the folder it names (``s3_url``, ``s3://<bucket>/<prefix>segments/<segment>/``) is imported in one job as the
  segment ``segment_name``; format CSV.
- ``<prefix>**.csv`` / ``<prefix>**.json`` outside ``<prefix>segments/`` (user endpoint files): the file itself is
  imported; the segment is named after the file (``pinpoint/endpoints.csv`` → ``endpoints``).
- anything else (segment parts, other extensions, keys outside the prefix) is ignored: the rule never sends parts,
  and EventBridge cannot AND two conditions on one key, so stray keys are filtered here.

The app's segments are listed (``GetSegments``, every page) for an ``IMPORT`` segment with the same name: its id
comes back as ``segment_id`` so the import adds a new version instead of a second segment with that name.

``prepare_import`` returns (every key always present, ``null`` when not applicable)::

    {"action": "import" | "ignore" | "empty", "reason", "kind": "segment" | "endpoints", "segment_name",
     "s3_url", "format": "CSV" | "JSON", "segment_id", "expected_endpoints", "parts", "same_name_segments"}

A malformed completion object raises ``InputInvalid`` (the state machine notifies and fails); Pinpoint throttling
that outlasts the client's retries raises ``ThrottledError``. Clients are passed in.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable
from typing import Any

MAX_SEGMENT_NAME = 64  # the post-processing naming limit; longer names are cut (with the path's digest kept)
SEGMENTS_FOLDER = "segments/"
READY_SUFFIX = ".ready.json"
FORMATS = {".csv": "CSV", ".json": "JSON"}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


class InputInvalid(Exception):
    """The object cannot be imported as it is (malformed completion object, folder outside the import prefix)."""


class ThrottledError(Exception):
    """Pinpoint kept throttling GetSegments beyond the client's retries."""


def _result(action: str, reason: str | None = None, **values: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "action": action,
        "reason": reason,
        "kind": None,
        "segment_name": None,
        "s3_url": None,
        "format": None,
        "segment_id": None,
        "expected_endpoints": None,
        "parts": None,
        "same_name_segments": 0,
    }
    result.update(values)
    return result


def endpoint_file_segment_name(relative_key: str) -> str:
    """``crm/eu/endpoints.csv`` → ``crm-eu-endpoints``: the file's path under the prefix, without extension."""
    stem = posixpath.splitext(relative_key)[0]
    name = _UNSAFE.sub("-", stem.replace("/", "-")).strip("-") or "endpoints"
    return name[:MAX_SEGMENT_NAME]


def plan(bucket: str, key: str, prefix: str, s3: Any) -> dict[str, Any]:
    """What to import for this object (see the module docstring); no Pinpoint calls."""
    if not key.startswith(prefix):
        return _result("ignore", f"{key} is outside the import prefix {prefix}")
    relative = key[len(prefix) :]
    segments_folder = prefix + SEGMENTS_FOLDER
    if key.startswith(segments_folder):
        if not key.endswith(READY_SUFFIX):
            return _result("ignore", f"{key} is a segment part: the segment is imported from its completion object")
        return _completion(bucket, key, segments_folder, s3)
    extension = posixpath.splitext(key)[1].lower()
    if extension not in FORMATS or key.endswith("/"):
        return _result("ignore", f"{key} is not a .csv or .json endpoint file")
    return _result(
        "import",
        kind="endpoints",
        segment_name=endpoint_file_segment_name(relative),
        s3_url=f"s3://{bucket}/{key}",
        format=FORMATS[extension],
    )


def _completion(bucket: str, key: str, segments_folder: str, s3: Any) -> dict[str, Any]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read(1024 * 1024)  # a completion object is tiny
    try:
        ready = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputInvalid(f"s3://{bucket}/{key} is not JSON: {error}") from None
    if not isinstance(ready, dict):
        raise InputInvalid(f"s3://{bucket}/{key} must hold a JSON object")
    folder_name = key[len(segments_folder) : -len(READY_SUFFIX)]
    name = ready.get("segment_name", folder_name)
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_SEGMENT_NAME:
        raise InputInvalid(f"s3://{bucket}/{key}: segment_name must be 1-{MAX_SEGMENT_NAME} characters")
    expected_folder = f"s3://{bucket}/{segments_folder}{folder_name}/"
    s3_url = ready.get("s3_url") or expected_folder
    if not isinstance(s3_url, str) or not s3_url.startswith(f"s3://{bucket}/{segments_folder}"):
        raise InputInvalid(
            f"s3://{bucket}/{key}: s3_url must be a folder under s3://{bucket}/{segments_folder}, got {s3_url!r}"
        )
    if not s3_url.endswith("/"):
        s3_url += "/"
    parts, endpoints = ready.get("parts"), ready.get("endpoints")
    for field, value in (("parts", parts), ("endpoints", endpoints)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise InputInvalid(f"s3://{bucket}/{key}: {field} must be a whole number, got {value!r}")
    common = {"kind": "segment", "segment_name": name, "s3_url": s3_url, "format": "CSV"}
    if parts == 0 or endpoints == 0:
        return _result("empty", f"segment {name} has no endpoints: nothing to import", **common)
    return _result("import", **common, expected_endpoints=endpoints, parts=parts)


def existing_segments(pinpoint: Any, application_id: str, name: str) -> list[dict[str, Any]]:
    """Every IMPORT segment of the app named ``name``, most recently modified first (GetSegments, all pages)."""
    found: list[dict[str, Any]] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"ApplicationId": application_id, "PageSize": "100"}
        if token:
            kwargs["Token"] = token
        try:
            page = pinpoint.get_segments(**kwargs)["SegmentsResponse"]
        except pinpoint.exceptions.TooManyRequestsException as error:
            raise ThrottledError(str(error)) from None
        found += [s for s in page.get("Item", []) if s.get("Name") == name and s.get("SegmentType") == "IMPORT"]
        token = page.get("NextToken")
        if not token:
            break
    return sorted(found, key=lambda s: s.get("LastModifiedDate") or s.get("CreationDate") or "", reverse=True)


def prepare_import(
    bucket: str, key: str, prefix: str, s3: Any, pinpoint: Callable[[], Any], application_id: Callable[[], str]
) -> dict[str, Any]:
    """The plan for ``s3://bucket/key``; for an import, the id of the app's newest IMPORT segment of that name.

    ``pinpoint`` and ``application_id`` are called only when there is something to import.
    """
    result = plan(bucket, key, prefix, s3)
    if result["action"] == "import":
        same_name = existing_segments(pinpoint(), application_id(), result["segment_name"])
        if same_name:
            result["segment_id"] = same_name[0]["Id"]
            result["same_name_segments"] = len(same_name)
    return result
