"""Connect destination, step 3: send one upload CSV to its Customer Profiles upload job.

Input: ``{"bucket", "key", "domain", "job_id"}``. Asks ``GetUploadJobPath`` for the job's pre-signed URL and client
token and PUTs the S3 object there, streamed, with the SSE-C headers the API documents. The token (a plaintext data
key) never leaves this function: not returned, not logged. Returns ``{"bytes": <size>}``.

Errors: ``UploadRejected`` (the URL refused the file). Configuration: ``core.function_config.ConnectSegmentUpload``;
what it does: ``core.functions.connect_segment_upload``.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from contextual_targeting.core import function_config, functions
from contextual_targeting.core.log_stream import CurrentStdout

logger = Logger(stream=CurrentStdout())  # service and level: POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "ContextualTargeting"))


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return functions.run(
        functions.connect_segment_upload, function_config.ConnectSegmentUpload, event, context, metrics, logger
    )
