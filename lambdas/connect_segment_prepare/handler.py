"""Connect destination, step 1: for a segment export, decide what to write and lock the segment definition.

Input (from the state machine): ``{"bucket", "key", "etag", "owner"}`` — the S3 object that started the execution
and the execution id. ``segments/<dataset group>/<job>/<segment>.csv`` → checks the export's header (before touching
Customer Profiles), takes the definition's lock for the execution (``SegmentBusy`` while another execution holds
it), reads the live segment definition (an export older than the one it stands for is ``superseded``) and returns
(no user data)::

    {"action": "import" | "unchanged" | "superseded", "definition_name", "definition_arn", "definition_exists",
     "display_name", "description", "slot", "slot_attribute", "token", "previous_token", "segment_groups", "fields",
     "unique_key", "segment_name", "dataset_group", "job_name", "export_key"}

Anything else (the job summary) → ``{"action": "ignore", "reason"}``. ``{"release": true, "bucket", "owner",
"definition_name"}`` releases the lock if ``owner`` holds it → ``{"released": bool}``.

Environment: ``DOMAIN_NAME``, ``FIELD_MAPPING`` (JSON column → profile field), ``USER_ID_FIELD`` (``AccountNumber``),
``EXPORT_PREFIX`` (``segments/``), ``CONNECT_PREFIX`` (``connect/``), ``LOCK_TTL_SECONDS`` (43200), ``POWERTOOLS_*``.
Errors: ``InputInvalid``, ``MappingInvalid``; ``SegmentBusy`` is retried by the state machine.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from contextual_targeting.core import connect_profiles, ses_contacts
from contextual_targeting.core.log_stream import CurrentStdout
from contextual_targeting.core.storage import S3Storage

logger = Logger(stream=CurrentStdout())  # service and level: POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "ContextualTargeting"))
_clients: dict[str, Any] = {}


def _client(name: str) -> Any:
    if name not in _clients:
        import boto3
        from botocore.config import Config

        _clients[name] = boto3.client(name, config=Config(retries={"mode": "standard", "max_attempts": 8}))
    return _clients[name]


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    prefix = os.environ.get("CONNECT_PREFIX", "connect/")
    if event.get("release"):
        released = connect_profiles.release(
            _client("s3"), event["bucket"], prefix, event["definition_name"], event["owner"]
        )
        logger.info("lock release", extra={"released": released})
        metrics.add_metric(name="LockReleases", unit=MetricUnit.Count, value=int(released))
        return {"released": released}
    export = connect_profiles.parse_export_key(event["key"], os.environ.get("EXPORT_PREFIX", "segments/"))
    if export is None:
        metrics.add_metric(name="IgnoredObjects", unit=MetricUnit.Count, value=1)
        return {
            "action": "ignore",
            "reason": f"{event['key']} is not a segment export (segments/<dg>/<job>/<segment>.csv)",
        }
    mapping = connect_profiles.FieldMapping.parse(
        os.environ.get("FIELD_MAPPING"), os.environ.get("USER_ID_FIELD", "AccountNumber")
    )
    ses_contacts.check_export_header(S3Storage(_client("s3"), event["bucket"]), export.key)
    name = connect_profiles.definition_name(export)
    ttl = int(os.environ.get("LOCK_TTL_SECONDS", "43200"))
    connect_profiles.acquire(_client("s3"), event["bucket"], prefix, name, event["owner"], ttl)
    head = _client("s3").head_object(Bucket=event["bucket"], Key=export.key)
    exported_at = head["LastModified"].astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    arn = str(context.invoked_function_arn).split(":")  # arn:<partition>:lambda:<region>:<account>:function:<name>
    prepared = connect_profiles.prepare(
        _client("customer-profiles"),
        os.environ["DOMAIN_NAME"],
        export,
        event.get("etag") or "",
        mapping,
        region=arn[3],
        account=arn[4],
        partition=arn[1],
        exported_at=exported_at,
    )
    result = {
        **prepared,
        "reason": None,
        "segment_name": export.segment_name,
        "dataset_group": export.dataset_group,
        "job_name": export.job_name,
        "export_key": export.key,
    }
    metrics.add_metric(name="UnchangedSegments", unit=MetricUnit.Count, value=int(prepared["action"] == "unchanged"))
    logger.info("segment prepared", extra={k: result[k] for k in ("definition_name", "action", "slot", "token")})
    return result
