"""SES destination, step 1: for a segment export, make sure the contact list has the segment's topic.

Input (from the state machine): ``{"bucket", "key", "owner"}`` — the S3 object that started the execution and the
execution id. ``segments/<dataset group>/<job>/<segment>.csv`` → checks the export's header (before touching SES),
takes the contact list's lock for the execution (``ListBusy`` while another execution holds it: one segment at a
time per list, because an import replaces whole contact records), ensures the contact list and the topic (replacing
the oldest topics of this solution at the 20-topic limit, never others), records which export the topic stands for,
and returns::

    {"action": "import", "segment_name", "dataset_group", "job_name", "export_key", "contact_list", "list_created",
     "topic_name", "topic_created", "replaced_topics", "our_topics"}

Anything else (the job summary, keys outside the export prefix) → ``{"action": "ignore", "reason"}``.
``{"release": true, "bucket", "owner"}`` releases the lock if ``owner`` holds it → ``{"released": bool}``.

The work is ``core.ses_contacts.prepare_topic`` / ``release_list``; this handler binds clients, environment and
metrics.

Environment: ``CONTACT_LIST_NAME``, ``CREATE_CONTACT_LIST`` (``true``/``false``), ``EXPORT_PREFIX`` (``segments/``),
``SES_PREFIX`` (``ses/``), ``LOCK_TTL_SECONDS`` (43200), ``POWERTOOLS_*``. Errors: ``InputInvalid`` (malformed export),
``TopicLimitReached``, ``ContactListConflict``; ``TopicUpdateConflict`` and ``ListBusy`` are retried by the state
machine.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from contextual_targeting.core import ses_contacts
from contextual_targeting.core.log_stream import CurrentStdout

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
    ses_prefix = os.environ.get("SES_PREFIX", "ses/")
    list_name = os.environ["CONTACT_LIST_NAME"]
    if event.get("release"):
        released = ses_contacts.release_list(
            _client("s3"), event["bucket"], event["owner"], list_name=list_name, ses_prefix=ses_prefix
        )
        logger.info("lock release", extra={"released": released})
        metrics.add_metric(name="LockReleases", unit=MetricUnit.Count, value=int(released))
        return {"released": released}
    result = ses_contacts.prepare_topic(
        _client("s3"),
        _client("sesv2"),
        event["bucket"],
        event["key"],
        event["owner"],
        list_name=list_name,
        create_list=os.environ.get("CREATE_CONTACT_LIST", "true").lower() == "true",
        export_prefix=os.environ.get("EXPORT_PREFIX", "segments/"),
        ses_prefix=ses_prefix,
        lock_ttl_seconds=int(os.environ.get("LOCK_TTL_SECONDS", "43200")),
    )
    if result["action"] == "ignore":
        metrics.add_metric(name="IgnoredObjects", unit=MetricUnit.Count, value=1)
        return result
    metrics.add_metric(name="TopicsCreated", unit=MetricUnit.Count, value=int(bool(result.get("topic_created"))))
    metrics.add_metric(name="TopicsReplaced", unit=MetricUnit.Count, value=len(result.get("replaced_topics") or []))
    logger.info(
        "topic ready", extra={k: result[k] for k in ("segment_name", "topic_name", "topic_created", "replaced_topics")}
    )
    return result
