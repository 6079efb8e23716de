"""Connect destination, step 1: for a segment export, decide what to write and lock the segment definition.

Input (from the state machine): ``{"bucket", "key", "etag", "owner"}`` — the S3 object that started the execution
and the execution id. ``segments/<dataset group>/<job>/<segment>.csv`` → checks the export's header (before touching
Customer Profiles), takes the definition's lock for the execution (``SegmentBusy`` while another execution holds
it), reads the live segment definition (an export older than the one it stands for is ``superseded``) and returns
(no user data)::

    {"action": "import" | "unchanged" | "superseded", "definition_name", "definition_arn", "definition_exists",
     "display_name", "description", "slot", "slot_attribute", "token", "previous_token", "segment_groups", "fields",
     "unique_key", "segment_name", "dataset_group", "job_name", "export_key"}

Anything else (the job summary) → ``{"action": "ignore", "reason"}``. ``{"release": true, "bucket", "owner",
"definition_name"}`` releases the lock if ``owner`` holds it → ``{"released": bool}``.

Errors: ``InputInvalid``, ``MappingInvalid``; ``SegmentBusy`` is retried by the state machine. Configuration:
``core.function_config.ConnectSegmentPrepare``; what it does: ``core.functions.connect_segment_prepare``.
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
        functions.connect_segment_prepare, function_config.ConnectSegmentPrepare, event, context, metrics, logger
    )
