"""Pinpoint import workflow: after every chunk is resolved, write the segment's completion object (last).

Event: ``{"resolution": <pinpoint_chunk_export's result>, "execution"}``. Environment: ``SEGMENT_BUCKET``,
``IMPORT_PREFIX`` (``pinpoint/``), ``WORK_PREFIX`` (``work/pinpoint/``), ``POWERTOOLS_*``. The chunk stats are read
from the resolution's ``chunk_bucket``. Returns counts and the completion object's key
(``core.pinpoint_segments.mark_ready``); raises ``ChunksIncomplete`` when a chunk was never resolved.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from contextual_targeting.core.log_stream import CurrentStdout
from contextual_targeting.core.pinpoint_segments import DEFAULT_WORK_PREFIX, ChunksIncomplete, mark_ready
from contextual_targeting.core.storage import S3Storage

__all__ = ["ChunksIncomplete", "lambda_handler"]

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
    resolution = event["resolution"]
    result = mark_ready(
        S3Storage(s3, resolution["chunk_bucket"]),
        S3Storage(s3, os.environ["SEGMENT_BUCKET"]),
        resolution,
        event["execution"],
        import_prefix=os.environ["IMPORT_PREFIX"],
        work_prefix=os.environ.get("WORK_PREFIX", DEFAULT_WORK_PREFIX),
    )
    metrics.add_metric(name="Endpoints", unit=MetricUnit.Count, value=result["endpoints"])
    metrics.add_metric(name="UsersUnresolved", unit=MetricUnit.Count, value=result["users_unresolved"])
    logger.info("ready", extra={"segment": resolution["segment_name"], **result})
    return result
