"""Split a batch segment job's output into one export per segment (S3 pointers and counts out).

Event (from the state machine): ``{"job": {"JobArn", "JobName", "OutputPath"}, "execution": str}``.
Environment: ``DATA_BUCKET``, ``POWERTOOLS_*`` (Logger/Metrics).
Returns keys and counts only. Raises ``InputInvalid`` (no ``.out`` object) or ``SplitTimeout`` (clock). The work is
``core.segments.split_job``; this handler only binds the clients, the environment and the metrics.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from contextual_targeting.core.log_stream import CurrentStdout
from contextual_targeting.core.segments import SPLIT_METRICS, split_job
from contextual_targeting.core.storage import S3Storage

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
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    s3 = _client()
    result = split_job(
        s3,
        event["job"],
        S3Storage(s3, os.environ["DATA_BUCKET"]),
        execution=event["execution"],
        remaining_ms=context.get_remaining_time_in_millis,
    )
    for name, key in SPLIT_METRICS:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=result[key])
    logger.info("split", extra={"job": event["job"]["JobName"], **{k: v for k, v in result.items() if k != "bucket"}})
    return result
