"""SES destination, step 2: the contact-import files of a segment's topic (streaming join with the users dataset).

Input: ``{"bucket", "export_key", "contact_list", "topic_name", "our_topics"}`` (the topic step's output). Reads what
the list holds (``GetContactList`` and ``ListContacts`` filtered on explicit preferences: recipients' choices are
kept), the export, the topic's previous membership snapshot and the snapshots of the solution's other topics (as
compact hash sets), streams ``train/<dataset group>/users.csv`` (or ``users/`` parts) and writes SES import CSVs of at
most ``MAX_CONTACTS_PER_IMPORT`` rows under ``<SES_PREFIX>imports/<topic>/``, the new membership snapshot and each
part's leaver list. Returns::

    {"parts": [{"key", "s3_url", "rows"}], "part_count", "counts": {...}, "topics": [...], "members_key"}

``{"commit": true, "bucket", "topic_name", "index"}`` (after import part ``index`` COMPLETED) drops that part's
leavers from the snapshot → ``{"removed", "kept"}``.

Environment: ``SES_PREFIX`` (``ses/``), ``TRAIN_PREFIX`` (``train/``), ``MAX_CONTACTS_PER_IMPORT`` (1000000),
``POWERTOOLS_*`` (Logger/Metrics).
Errors: ``InputInvalid`` (malformed export or users dataset).
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from contextual_targeting.core import ses_contacts
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
    ses_prefix = os.environ.get("SES_PREFIX", "ses/")
    if event.get("commit"):
        storage = S3Storage(_client("s3"), event["bucket"])
        committed = ses_contacts.commit_part(storage, ses_prefix, event["topic_name"], int(event["index"]))
        metrics.add_metric(name="LeaversCommitted", unit=MetricUnit.Count, value=committed["removed"])
        logger.info("part committed", extra={"topic": event["topic_name"], "index": event["index"], **committed})
        return committed
    export = ses_contacts.parse_export_key(event["export_key"], os.environ.get("EXPORT_PREFIX", "segments/"))
    if export is None:
        raise ses_contacts.InputInvalid(f"{event['export_key']} is not a segment export")
    storage = S3Storage(_client("s3"), event["bucket"])
    topic = event["topic_name"]
    ours = [t for t in event.get("our_topics", []) if t != topic]
    state = ses_contacts.read_list_state(_client("sesv2"), event["contact_list"], [topic, *ours])
    result = ses_contacts.build_contacts(
        storage,
        export,
        topic,
        ours,
        ses_prefix=ses_prefix,
        train_prefix=os.environ.get("TRAIN_PREFIX", "train/"),
        max_rows=int(os.environ.get("MAX_CONTACTS_PER_IMPORT", str(ses_contacts.MAX_IMPORT_ROWS))),
        state=state,
    ).as_dict()
    result["members_key"] = ses_contacts.members_key(ses_prefix, topic)
    for name, value in result["counts"].items():  # one metric per outcome: subscribed, unsubscribed, missing_email…
        if isinstance(value, int) and not isinstance(value, bool):
            metrics.add_metric(
                name="".join(w.capitalize() for w in name.split("_")), unit=MetricUnit.Count, value=value
            )
    metrics.add_metric(name="ImportParts", unit=MetricUnit.Count, value=result["part_count"])
    logger.info("contacts written", extra={"topic": topic, "counts": result["counts"], "parts": result["part_count"]})
    return result
