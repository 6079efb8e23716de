"""Turn an S3 object in the segment import bucket into a Pinpoint import request (segment import workflow).

Input (from the state machine): ``{"bucket", "key"}`` of the object that started the execution. The logic and the
result's shape are in ``contextual_targeting.core.pinpoint_import``.
Raises ``InputInvalid`` or ``ThrottledError``.

Configuration: ``core.function_config.PinpointImportPrepare``; what it does:
``core.functions.pinpoint_import_prepare``.
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
        functions.pinpoint_import_prepare, function_config.PinpointImportPrepare, event, context, metrics, logger
    )
