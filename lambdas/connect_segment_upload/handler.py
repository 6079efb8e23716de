"""Connect destination, step 3: send one upload CSV to its Customer Profiles upload job.

Input: ``{"bucket", "key", "domain", "job_id"}``. Asks ``GetUploadJobPath`` for the job's pre-signed URL and client
token and PUTs the S3 object there, streamed, with the SSE-C headers the API documents. The token (a plaintext data
key) never leaves this function: not returned, not logged. Returns ``{"bytes": <size>}``.

Environment: ``POWERTOOLS_*``. Errors: ``UploadRejected`` (the URL refused the file).
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from contextual_targeting.core import connect_profiles
from contextual_targeting.core.log_stream import CurrentStdout

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
    size = connect_profiles.upload_part(
        _client("customer-profiles"), _client("s3"), event["bucket"], event["key"], event["domain"], event["job_id"]
    )
    metrics.add_metric(name="UploadedBytes", unit=MetricUnit.Bytes, value=size)
    logger.info("file uploaded", extra={"job_id": event["job_id"], "bytes": size})
    return {"bytes": size}
