"""Connect destination, step 2: the profile upload files of a segment version (streaming join with the users dataset).

Input: ``{"bucket", "export_key", "token"}`` (the prepare step's output). Reads the export as a compact hash set,
streams ``train/<dataset group>/users.csv`` (or ``users/`` parts) and writes upload CSVs (``USER_ID``, the mapped
columns, ``CT_SEGMENT_VERSION``) below ``MAX_UPLOAD_BYTES`` each under
``<CONNECT_PREFIX>uploads/<definition>/<token>/``.
Returns ``{"parts": [{"key", "rows", "bytes"}], "part_count", "counts": {"segment_users", "profiles",
"no_contact_field", "not_in_users_dataset", "duplicate_user_rows", "users_rows_read"}}``.

Environment: ``FIELD_MAPPING``, ``USER_ID_FIELD``, ``EXPORT_PREFIX``, ``TRAIN_PREFIX``, ``CONNECT_PREFIX``,
``MAX_UPLOAD_BYTES`` (1000000000), ``POWERTOOLS_*``. Errors: ``InputInvalid`` (malformed export or users dataset),
``MappingInvalid``.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from contextual_targeting.core import connect_profiles
from contextual_targeting.core.log_stream import CurrentStdout
from contextual_targeting.core.storage import S3Storage

logger = Logger(stream=CurrentStdout())  # service and level: POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "ContextualTargeting"))
_clients: dict[str, Any] = {}


def _client(name: str) -> Any:
    if name not in _clients:
        import boto3
        from botocore.config import Config

        _clients[name] = boto3.client(name, config=Config(retries={"mode": "standard", "max_attempts": 8}))
    return _clients[name]


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    export = connect_profiles.parse_export_key(event["export_key"], os.environ.get("EXPORT_PREFIX", "segments/"))
    if export is None:
        raise connect_profiles.InputInvalid(f"{event['export_key']} is not a segment export")
    mapping = connect_profiles.FieldMapping.parse(
        os.environ.get("FIELD_MAPPING"), os.environ.get("USER_ID_FIELD", "AccountNumber")
    )
    result = connect_profiles.build_profiles(
        S3Storage(_client("s3"), event["bucket"]),
        export,
        mapping,
        event["token"],
        prefix=os.environ.get("CONNECT_PREFIX", "connect/"),
        train_prefix=os.environ.get("TRAIN_PREFIX", "train/"),
        max_bytes=int(os.environ.get("MAX_UPLOAD_BYTES", str(connect_profiles.MAX_UPLOAD_BYTES))),
    )
    for name, value in result["counts"].items():  # one metric per outcome: profiles, no_contact_field…
        metrics.add_metric(name="".join(w.capitalize() for w in name.split("_")), unit=MetricUnit.Count, value=value)
    metrics.add_metric(name="UploadParts", unit=MetricUnit.Count, value=result["part_count"])
    logger.info("profiles written", extra={"counts": result["counts"], "parts": result["part_count"]})
    return result
