"""Finish a job: the job summary next to the exports and the SNS text.

Event: ``{"split": {"bucket", "report_key", ...}}``.
Returns ``{"subject", "message", "summary_key", "totals"}`` — no user ids.

Configuration: ``core.function_config.FinalizeSegments``; what it does: ``core.functions.finalize_segments``.
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
    return functions.run(functions.finalize_segments, function_config.FinalizeSegments, event, context, metrics, logger)
