"""Split a batch segment job's output into per-segment exports, chunk files and a chunk manifest (S3 pointers out).

Event (from the state machine): ``{"job": {"JobArn", "JobName", "OutputPath"}, "execution": str, "resolve": bool}``.
Environment: ``DATA_BUCKET``, ``SEGMENT_IMPORT_PREFIX`` (default ``pinpoint/``), ``CHUNK_SIZE`` (default 50000),
``POWERTOOLS_*`` (Logger/Metrics).
Returns keys and counts only. Raises ``InputInvalid`` (no ``.out`` object) or ``SplitTimeout`` (clock).
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from contextual_targeting.core.log_stream import CurrentStdout
from contextual_targeting.core.segments import (
    DEFAULT_CHUNK_SIZE,
    InputInvalid,
    parse_s3_url,
    split_config_for_job,
    split_job_output,
)
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
    job = event["job"]
    s3 = _client()
    output_bucket, output_prefix = parse_s3_url(job["OutputPath"])
    if output_prefix and not output_prefix.endswith("/"):
        output_prefix += "/"
    source = S3Storage(s3, output_bucket)
    keys = sorted(k for k in source.list(output_prefix) if k.endswith(".out"))
    if not keys:
        raise InputInvalid(f"no .out object under {job['OutputPath']}")
    data = S3Storage(s3, os.environ["DATA_BUCKET"])
    config = split_config_for_job(
        job["OutputPath"],
        job["JobName"],
        job_arn=job.get("JobArn", ""),
        execution=event["execution"],
        chunk_size=int(os.environ.get("CHUNK_SIZE", DEFAULT_CHUNK_SIZE)),
        write_chunks=bool(event.get("resolve", True)),
        import_prefix=os.environ.get("SEGMENT_IMPORT_PREFIX", "pinpoint/"),
        chunk_bucket=data.bucket,
    )
    sources = [(f"s3://{output_bucket}/{key}", lambda key=key: source.open_read(key)) for key in keys]
    result = split_job_output(sources, data, config, remaining_ms=context.get_remaining_time_in_millis)
    result["resolve"] = config.write_chunks
    for name, key in (
        ("OutputLines", "lines"),
        ("SegmentsSplit", "segments"),
        ("EmptySegments", "empty"),
        ("FailedLines", "failed_lines"),
        ("SegmentUsersSplit", "users"),
        ("Chunks", "chunks"),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=result[key])
    logger.info("split", extra={"job": config.job_name, **{k: v for k, v in result.items() if k != "bucket"}})
    return result
