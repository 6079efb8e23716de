"""Finish a job: the job summary next to the exports and the SNS text.

Event: ``{"split": {"bucket", "report_key", ...}}``. Environment: ``DATA_BUCKET``, ``POWERTOOLS_*`` (Logger/Metrics).
Returns ``{"subject", "message", "summary_key", "totals"}`` — no user ids.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from contextual_targeting.core.log_stream import CurrentStdout
from contextual_targeting.core.segments import SplitConfig, finalize, notification
from contextual_targeting.core.storage import S3Storage

logger = Logger(stream=CurrentStdout())  # service and level: POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "ContextualTargeting"))
_s3 = None


def _client() -> Any:
    global _s3
    if _s3 is None:
        import boto3
        from botocore.config import Config

        _s3 = boto3.client("s3", config=Config(retries={"mode": "standard"}))
    return _s3


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    s3 = _client()
    data = S3Storage(s3, os.environ["DATA_BUCKET"])
    report = data.get_json(event["split"]["report_key"])
    config = SplitConfig(
        job_name=report["job_name"],
        job_arn=report.get("job_arn", ""),
        dataset_group=report["dataset_group"],
        solution=report.get("solution", ""),
        job_entry=report.get("job_entry", ""),
        execution=report["execution"],
    )
    summary = finalize(data, report, config)
    subject, message = notification(summary)
    totals = summary["totals"]
    for name, key in (
        ("Segments", "segments"),
        ("SegmentUsers", "users"),
        ("SegmentErrors", "errors"),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=totals[key])
    logger.info("finalized", extra={"job": config.job_name, "totals": totals})
    return {"subject": subject, "message": message, "summary_key": config.summary_key, "totals": summary["totals"]}
