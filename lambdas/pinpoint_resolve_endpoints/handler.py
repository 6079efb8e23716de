"""Pinpoint import workflow: resolve one chunk of user ids to endpoint ids; write its part CSV (header ``Id``).

Event: one chunk manifest item (``segment, index, users, chunk_bucket, chunk_key, part_key, stats_key``).
Returns counts. Raises ``PinpointThrottled`` (still throttled after backoff; Step Functions retries the chunk)
or ``ResolveTimeout`` (clock).

Configuration: ``core.function_config.PinpointResolveEndpoints``; what it does:
``core.functions.pinpoint_resolve_endpoints``.
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
        functions.pinpoint_resolve_endpoints, function_config.PinpointResolveEndpoints, event, context, metrics, logger
    )
