"""Validate a training upload (config.json + CSVs + batch job_config.json in S3) and return the training plan.

Input (from the training state machine): ``{"bucket", "key": "train/<dg>/config.json", "run_id": "<execution>"}``.
Returns the training plan (``core.training_validation.build_plan``; the contract is in DEVELOPERS.md: names, S3
locations, report notes; no user data).

``<run>`` is 10 hex digits of sha256(run_id): a retried execution plans the same names, another execution new ones;
every name is at most 63 characters of ``[a-zA-Z0-9_-]``. Invalid input raises ``InputInvalid`` whose message is
the whole readable report, so the state machine's Catch notifies and fails before any Personalize call; S3 errors
propagate as themselves. Configuration: ``core.function_config.ValidateTrainingInput``; what it does:
``core.functions.validate_training_input``.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from contextual_targeting.core import function_config, functions
from contextual_targeting.core.log_stream import CurrentStdout
from contextual_targeting.core.training_validation import InputInvalid

__all__ = ["InputInvalid", "lambda_handler"]

logger = Logger(stream=CurrentStdout())  # service and level: POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "ContextualTargeting"))


@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    if context is not None:  # Step Functions always passes one; a bare call (tests, scripts) may not
        logger.append_keys(function_request_id=getattr(context, "aws_request_id", None))
    step, config = functions.validate_training_input, function_config.ValidateTrainingInput
    return functions.run(step, config, event, context, metrics, logger)
