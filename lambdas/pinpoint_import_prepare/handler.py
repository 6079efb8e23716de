"""Turn an S3 object in the segment import bucket into a Pinpoint import request (segment import workflow).

Input (from the state machine): ``{"bucket", "key"}`` of the object that started the execution. The logic and the
result's shape are in ``contextual_targeting.core.pinpoint_import``. Environment: ``APPLICATION_ID``,
``IMPORT_PREFIX`` (e.g. ``pinpoint/``), ``POWERTOOLS_*``. Raises ``InputInvalid`` or ``ThrottledError``.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from contextual_targeting.core.pinpoint_import import InputInvalid, ThrottledError, prepare_import

__all__ = ["InputInvalid", "ThrottledError", "lambda_handler"]

logger = Logger()  # POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "ContextualTargeting"))
_clients: dict[str, Any] = {}


def _client(service: str) -> Any:
    if service not in _clients:
        import boto3
        from botocore.config import Config

        _clients[service] = boto3.client(service, config=Config(retries={"mode": "standard", "max_attempts": 8}))
    return _clients[service]


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = prepare_import(
        event["bucket"],
        event["key"],
        os.environ.get("IMPORT_PREFIX", "pinpoint/"),
        _client("s3"),
        pinpoint=lambda: _client("pinpoint"),
        application_id=lambda: os.environ["APPLICATION_ID"],
    )
    metrics.add_metric(name=f"Prepare{result['action'].capitalize()}", unit=MetricUnit.Count, value=1)
    logger.info("prepared", extra={k: result[k] for k in ("action", "reason", "kind", "segment_name", "segment_id")})
    return result
