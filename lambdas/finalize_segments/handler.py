"""Finish a job: per segment the Pinpoint completion object (written last), the job summary, the SNS text.

Event: ``{"split": {"bucket", "report_key", ...}, "resolved": bool}``.
Environment: ``DATA_BUCKET``, ``SEGMENT_BUCKET`` (absent when Pinpoint is off), ``SEGMENT_IMPORT_PREFIX``.
Returns ``{"subject", "message", "summary_key", "totals"}`` — no user ids.
"""

from __future__ import annotations

import os
from typing import Any

from contextual_targeting.core.segments import SplitConfig, finalize, notification
from contextual_targeting.core.storage import S3Storage

_s3 = None


def _client() -> Any:
    global _s3
    if _s3 is None:
        import boto3
        from botocore.config import Config

        _s3 = boto3.client("s3", config=Config(retries={"mode": "standard"}))
    return _s3


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    s3 = _client()
    data = S3Storage(s3, os.environ["DATA_BUCKET"])
    report = data.get_json(event["split"]["report_key"])
    config = SplitConfig(
        job_name=report["job_name"],
        job_arn=report.get("job_arn", ""),
        dataset_group=report["dataset_group"],
        execution=report["execution"],
        import_prefix=os.environ.get("SEGMENT_IMPORT_PREFIX", "pinpoint/"),
    )
    resolved = bool(event.get("resolved")) and bool(os.environ.get("SEGMENT_BUCKET"))
    import_storage = S3Storage(s3, os.environ["SEGMENT_BUCKET"]) if resolved else None
    summary = finalize(data, report, config, import_storage, resolved)
    subject, message = notification(summary)
    return {"subject": subject, "message": message, "summary_key": config.summary_key, "totals": summary["totals"]}
