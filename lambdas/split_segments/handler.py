"""Split a batch segment job's output into one export per segment (S3 pointers and counts out).

Event (from the state machine): ``{"job": {"JobArn", "JobName", "OutputPath"}, "execution": str}``.
Returns keys and counts only. Raises ``InputInvalid`` (no ``.out`` object) or ``SplitTimeout`` (clock).

Configuration: ``core.function_config.SplitSegments``; what it does: ``core.functions.split_segments``.
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
    return functions.run(functions.split_segments, function_config.SplitSegments, event, context, metrics, logger)
