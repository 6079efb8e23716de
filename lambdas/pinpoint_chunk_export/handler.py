"""Pinpoint import workflow: cut a segment export into chunk files and a manifest for the Distributed Map.

Event (from the state machine): ``{"bucket", "key", "execution"}`` — the export that started the execution.
Environment: ``EXPORT_PREFIX`` (``segments/``), ``IMPORT_PREFIX`` (``pinpoint/``), ``WORK_PREFIX``
(``work/pinpoint/``), ``CHUNK_SIZE`` (50000), ``POWERTOOLS_*``. Returns pointers and counts
(``core.pinpoint_segments.chunk_export``); raises ``ExportUnreadable`` for an object that is not a ``USER_ID`` CSV.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from contextual_targeting.core.log_stream import CurrentStdout
from contextual_targeting.core.pinpoint_segments import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_WORK_PREFIX,
    ExportUnreadable,
    chunk_export,
    identity_from_metadata,
)
from contextual_targeting.core.storage import S3Storage

__all__ = ["ExportUnreadable", "lambda_handler"]

logger = Logger(stream=CurrentStdout())  # service and level: POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "ContextualTargeting"))
_s3 = None


def _client() -> Any:
    global _s3
    if _s3 is None:
        import boto3
        from botocore.config import Config

        _s3 = boto3.client("s3", config=Config(retries={"mode": "standard"}))
    return _s3


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    s3 = _client()
    metadata = s3.head_object(Bucket=event["bucket"], Key=event["key"]).get("Metadata", {})
    result = chunk_export(
        S3Storage(s3, event["bucket"]),
        event["key"],
        execution=event["execution"],
        chunk_size=int(os.environ.get("CHUNK_SIZE", DEFAULT_CHUNK_SIZE)),
        import_prefix=os.environ["IMPORT_PREFIX"],
        export_prefix=os.environ["EXPORT_PREFIX"],
        work_prefix=os.environ.get("WORK_PREFIX", DEFAULT_WORK_PREFIX),
        identity=identity_from_metadata(metadata),
    )
    if result["action"] == "resolve":
        metrics.add_metric(name="Chunks", unit=MetricUnit.Count, value=result["chunks"])
        metrics.add_metric(name="SegmentUsersChunked", unit=MetricUnit.Count, value=result["users"])
    logger.info("chunked", extra={k: result.get(k) for k in ("action", "reason", "segment_name", "chunks", "users")})
    return result
