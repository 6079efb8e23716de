"""Pinpoint import workflow: after every chunk is resolved, write the segment's completion object (last).

Event: ``{"resolution": <pinpoint_chunk_export's result>, "execution"}``.
Returns counts and the completion object's key
(``core.pinpoint_segments.mark_ready``); raises ``ChunksIncomplete`` when a chunk was never resolved.

Configuration: ``core.function_config.PinpointSegmentReady``; what it does:
``core.functions.pinpoint_segment_ready``.
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
        functions.pinpoint_segment_ready, function_config.PinpointSegmentReady, event, context, metrics, logger
    )
