"""Validate a training upload (config.json + CSVs + batch job_config.json in S3) and return the training plan.

Input (from the training state machine): ``{"bucket", "key": "train/<dg>/config.json", "run_id": "<execution>"}``.
Returns the plan (names, S3 locations, report notes; no user data)::

    {"valid": true,
     "datasetGroup": {"name", "tags": [{"tagKey", "tagValue"}]},
     "datasets": [{"type": "INTERACTIONS|ITEMS|USERS", "name", "schemaName", "schema": "<Avro JSON string>",
                   "dataLocation": "s3://b/train/<dg>/<x>.csv" or ".../<x>/", "importJobName": "<name>-<run>"}],
     "solution": {"name", "recipeArn", "trainingMode"},
     "batchSegmentJobs": [{"jobName": "<solution>-<run>[-n]", "numResults", "input": "s3://b/batch/<dg>/<s>/job_config.json",
                           "output": "s3://b/batch-output/<dg>/<s>/<jobName>/"}],
     "report": {"problems": [], "notes": [...]}}

``<run>`` is 10 hex digits of sha256(run_id): a retried execution plans the same names, another execution new ones;
every name is at most 63 characters of ``[a-zA-Z0-9_-]``. Invalid input raises ``InputInvalid`` whose message is
the whole readable report, so the state machine's Catch notifies and fails before any Personalize call; S3 errors
propagate as themselves.
Environment (optional): ``FULL_CHECK_MAX_MB`` (files above are checked on header + sample), ``SAMPLE_MB``;
``POWERTOOLS_*`` (Logger/Metrics, set by the module).
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from contextual_targeting.core.log_stream import CurrentStdout
from contextual_targeting.core.training_sources import S3Source
from contextual_targeting.core.training_validation import (
    InputInvalid,
    Options,
    build_plan,
    report_for_error,
    validate_training_input,
)

__all__ = ["InputInvalid", "lambda_handler"]

logger = Logger(stream=CurrentStdout())  # service and level: POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "ContextualTargeting"))
_client = None


def _s3():
    global _client
    if _client is None:
        import boto3
        from botocore.config import Config

        _client = boto3.client("s3", config=Config(retries={"mode": "standard", "max_attempts": 5}))
    return _client


def _options() -> Options:
    options = Options()
    if os.environ.get("FULL_CHECK_MAX_MB"):
        options.full_check_max_bytes = int(float(os.environ["FULL_CHECK_MAX_MB"]) * 1024**2)
    if os.environ.get("SAMPLE_MB"):
        options.sample_bytes = int(float(os.environ["SAMPLE_MB"]) * 1024**2)
    return options


@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bucket, key = event["bucket"], event["key"]
    run_id = str(event.get("run_id") or key)
    result = validate_training_input(S3Source(_s3(), bucket), key, options=_options())
    if context is not None:  # Step Functions always passes one; a bare call (tests, scripts) may not
        logger.append_keys(function_request_id=getattr(context, "aws_request_id", None))
    # the report names files and lines, never data values beyond the offending ones
    logger.info("training input validated", extra={"valid": result.valid, "report": result.text()})
    metrics.add_metric(name="ValidInputs" if result.valid else "InvalidInputs", unit=MetricUnit.Count, value=1)
    if not result.valid:
        raise InputInvalid(report_for_error(result.text()))
    return build_plan(result, run_id)
