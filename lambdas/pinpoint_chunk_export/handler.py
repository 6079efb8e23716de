"""Pinpoint import workflow: cut a segment export into chunk files and a manifest for the Distributed Map.

Event (from the state machine): ``{"bucket", "key", "execution"}`` — the export that started the execution.
Returns pointers and counts
(``core.pinpoint_segments.chunk_export``); raises ``ExportUnreadable`` for an object that is not a ``USER_ID`` CSV.

Configuration: ``core.function_config.PinpointChunkExport``; what it does: ``core.functions.pinpoint_chunk_export``.
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
        functions.pinpoint_chunk_export, function_config.PinpointChunkExport, event, context, metrics, logger
    )
