"""What each Lambda function does with its event: one step per function, so every handler is one call deep.

A step takes the event, the function's typed configuration (``core.function_config``) and the Lambda context, and
returns an ``Outcome``: the result for Step Functions (pointers and counts, never user data), the metrics to emit and
the line to log. ``handler(name)`` builds a function's ``lambda_handler`` (Powertools Logger and Metrics around
``run``); ``run`` reads the configuration, runs the step, emits the metrics and logs. A function's name is its
folder under ``lambdas/``, its zip, its step here and its key in ``function_config.CONFIGS``. The work itself lives
in the domain modules (``segments``, ``pinpoint_segments``, ``pinpoint_import``, ``ses_contacts``,
``connect_profiles``, ``training_validation``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from contextual_targeting.core import function_config as cfg
from contextual_targeting.core.function_config import CONFIGS, FunctionConfig, client
from contextual_targeting.core.storage import S3Storage

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

Step = Callable[[dict[str, Any], Any, Any], "Outcome"]


@dataclass
class Outcome:
    result: dict[str, Any]
    metrics: dict[str, int] = field(default_factory=dict)
    message: str = ""
    log: dict[str, Any] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # a metric's unit other than Count (Powertools MetricUnit name)
    error: Exception | None = None  # raised by ``run`` after the metrics and the log line are out


def run(
    step: Step,
    config_type: type[FunctionConfig],
    event: dict[str, Any],
    context: LambdaContext | None,
    metrics: Any,
    logger: Any,
) -> Any:
    """Configuration from the environment → the step → metrics and one log line → the step's result."""
    from aws_lambda_powertools.metrics import MetricUnit

    outcome = step(event, config_type.from_env(), context)
    for name, value in outcome.metrics.items():
        metrics.add_metric(name=name, unit=MetricUnit[outcome.units.get(name, "Count")], value=value)
    if outcome.message:
        logger.info(outcome.message, extra=outcome.log)
    if outcome.error is not None:
        raise outcome.error
    return outcome.result


def handler(name: str, inject_context: bool = True) -> Callable[[dict[str, Any], Any], Any]:
    """The ``lambda_handler`` of function ``name``: its step and configuration, with Powertools Logger (service and
    level from ``POWERTOOLS_SERVICE_NAME`` / ``POWERTOOLS_LOG_LEVEL``) and Metrics (namespace from
    ``POWERTOOLS_METRICS_NAMESPACE``) created once, at cold start. ``inject_context=False`` for a function also
    called without a context (scripts, tests): its request id is logged when there is one."""
    from aws_lambda_powertools import Logger, Metrics

    from contextual_targeting.core.log_stream import CurrentStdout

    step, config_type = globals()[name], CONFIGS[name]
    logger = Logger(stream=CurrentStdout())  # type: ignore[arg-type]  # a text stream: write() and flush()
    metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "ContextualTargeting"))

    def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> Any:
        if not inject_context and context is not None:
            logger.append_keys(function_request_id=getattr(context, "aws_request_id", None))
        return run(step, config_type, event, context, metrics, logger)

    wrapped = logger.inject_lambda_context(log_event=False)(lambda_handler) if inject_context else lambda_handler
    return metrics.log_metrics(wrapped)  # type: ignore[no-any-return]


def _camel(name: str) -> str:
    return "".join(word.capitalize() for word in name.split("_"))


# ------------------------------------------------------------------------------------------------ post-processing
def split_segments(event: dict[str, Any], config: cfg.SplitSegments, context: LambdaContext) -> Outcome:
    from contextual_targeting.core.segments import SPLIT_METRICS, split_job

    s3 = client("s3")
    result = split_job(
        s3,
        event["job"],
        S3Storage(s3, config.data_bucket),
        execution=event["execution"],
        remaining_ms=context.get_remaining_time_in_millis,
    )
    log = {"job": event["job"]["JobName"], **{k: v for k, v in result.items() if k != "bucket"}}
    return Outcome(result, {name: result[key] for name, key in SPLIT_METRICS}, "split", log)


def finalize_segments(event: dict[str, Any], config: cfg.FinalizeSegments, context: LambdaContext) -> Outcome:
    from contextual_targeting.core.segments import SplitConfig, finalize, notification

    data = S3Storage(client("s3"), config.data_bucket)
    report = data.get_json(event["split"]["report_key"])
    split = SplitConfig(
        job_name=report["job_name"],
        job_arn=report.get("job_arn", ""),
        dataset_group=report["dataset_group"],
        solution=report.get("solution", ""),
        job_entry=report.get("job_entry", ""),
        execution=report["execution"],
    )
    summary = finalize(data, report, split)
    subject, message = notification(summary)
    totals = summary["totals"]
    counts = {"Segments": "segments", "SegmentUsers": "users", "SegmentErrors": "errors"}
    result = {"subject": subject, "message": message, "summary_key": split.summary_key, "totals": totals}
    return Outcome(
        result, {n: totals[k] for n, k in counts.items()}, "finalized", {"job": split.job_name, "totals": totals}
    )


# ------------------------------------------------------------------------------------------------ Pinpoint
def pinpoint_chunk_export(event: dict[str, Any], config: cfg.PinpointChunkExport, context: LambdaContext) -> Outcome:
    from contextual_targeting.core.pinpoint_segments import chunk_export, identity_from_metadata

    s3 = client("s3")
    metadata = s3.head_object(Bucket=event["bucket"], Key=event["key"]).get("Metadata", {})
    result = chunk_export(
        S3Storage(s3, event["bucket"]),
        event["key"],
        execution=event["execution"],
        chunk_size=config.chunk_size,
        import_prefix=config.import_prefix,
        export_prefix=config.export_prefix,
        work_prefix=config.work_prefix,
        identity=identity_from_metadata(metadata),
    )
    counts = (
        {"Chunks": result["chunks"], "SegmentUsersChunked": result["users"]} if result["action"] == "resolve" else {}
    )
    log = {k: result.get(k) for k in ("action", "reason", "segment_name", "chunks", "users")}
    return Outcome(result, counts, "chunked", log)


def pinpoint_resolve_endpoints(
    event: dict[str, Any], config: cfg.PinpointResolveEndpoints, context: LambdaContext
) -> Outcome:
    from contextual_targeting.core.endpoints import Backoff, ResolveTimeout, user_endpoints
    from contextual_targeting.core.pinpoint_segments import resolve_chunk

    safety_ms = 20_000
    pinpoint = client("pinpoint", max_pool_connections=max(10, config.concurrency))
    s3 = client("s3", max_pool_connections=max(10, config.concurrency))
    backoff = Backoff(base_ms=config.throttle_base_ms)

    def lookup(user_id: str) -> list[str]:
        return user_endpoints(pinpoint, config.application_id, user_id, config.channel_type, backoff)

    def check_clock() -> None:
        if context.get_remaining_time_in_millis() < safety_ms:
            raise ResolveTimeout(f"less than {safety_ms} ms left resolving {event['chunk_key']}")

    stats = resolve_chunk(
        event,
        S3Storage(s3, event["chunk_bucket"]),
        S3Storage(s3, config.segment_bucket),
        lookup,
        concurrency=config.concurrency,
        check_clock=check_clock,
    )
    counts = {"ChunkUsers": stats["users"], "Resolved": stats["endpoints"], "Unresolved": stats["users_unresolved"]}
    log = {k: stats[k] for k in ("segment", "index", "users", "endpoints", "users_unresolved")}
    return Outcome(stats, counts, "resolved", log)


def pinpoint_segment_ready(event: dict[str, Any], config: cfg.PinpointSegmentReady, context: LambdaContext) -> Outcome:
    from contextual_targeting.core.pinpoint_segments import mark_ready

    s3 = client("s3")
    resolution = event["resolution"]
    result = mark_ready(
        S3Storage(s3, resolution["chunk_bucket"]),
        S3Storage(s3, config.segment_bucket),
        resolution,
        event["execution"],
        import_prefix=config.import_prefix,
        work_prefix=config.work_prefix,
    )
    counts = {"Endpoints": result["endpoints"], "UsersUnresolved": result["users_unresolved"]}
    return Outcome(result, counts, "ready", {"segment": resolution["segment_name"], **result})


def pinpoint_import_prepare(
    event: dict[str, Any], config: cfg.PinpointImportPrepare, context: LambdaContext
) -> Outcome:
    from contextual_targeting.core.pinpoint_import import prepare_import

    result = prepare_import(
        event["bucket"],
        event["key"],
        config.import_prefix,
        client("s3"),
        pinpoint=lambda: client("pinpoint"),
        application_id=lambda: config.application_id,
    )
    log = {k: result[k] for k in ("action", "reason", "kind", "segment_name", "segment_id")}
    return Outcome(result, {f"Prepare{result['action'].capitalize()}": 1}, "prepared", log)


# ------------------------------------------------------------------------------------------------ SES
def ses_segment_topic(event: dict[str, Any], config: cfg.SesSegmentTopic, context: LambdaContext) -> Outcome:
    from contextual_targeting.core import ses_contacts

    result = ses_contacts.prepare_topic(
        client("s3"),
        client("sesv2"),
        event["bucket"],
        event["key"],
        event["owner"],
        list_name=config.contact_list_name,
        create_list=config.create_contact_list,
        export_prefix=config.export_prefix,
        ses_prefix=config.ses_prefix,
        lock_ttl_seconds=config.lock_ttl_seconds,
    )
    if result["action"] == "ignore":
        return Outcome(result, {"IgnoredObjects": 1})
    counts = {
        "TopicsCreated": int(bool(result.get("topic_created"))),
        "TopicsReplaced": len(result.get("replaced_topics") or []),
    }
    log = {k: result[k] for k in ("segment_name", "topic_name", "topic_created", "replaced_topics")}
    return Outcome(result, counts, "topic ready", log)


def ses_segment_contacts(event: dict[str, Any], config: cfg.SesSegmentContacts, context: LambdaContext) -> Outcome:
    from contextual_targeting.core import ses_contacts

    storage = S3Storage(client("s3"), event["bucket"])
    export = ses_contacts.parse_export_key(event["export_key"], config.export_prefix)
    if export is None:
        raise ses_contacts.InputInvalid(f"{event['export_key']} is not a segment export")
    topic = event["topic_name"]
    ours = [t for t in event.get("our_topics", []) if t != topic]
    state = ses_contacts.read_list_state(client("sesv2"), event["contact_list"], [topic, *ours])
    result = ses_contacts.build_contacts(
        storage,
        export,
        topic,
        ours,
        ses_prefix=config.ses_prefix,
        train_prefix=config.train_prefix,
        max_rows=config.max_contacts_per_import,
        state=state,
    ).as_dict()
    result["members_key"] = ses_contacts.members_key(config.ses_prefix, topic)
    # one metric per outcome: subscribed, unsubscribed, missing_email…
    counts = {
        _camel(name): value
        for name, value in result["counts"].items()
        if isinstance(value, int) and not isinstance(value, bool)
    }
    counts["ImportParts"] = result["part_count"]
    log = {"topic": topic, "counts": result["counts"], "parts": result["part_count"]}
    return Outcome(result, counts, "contacts written", log)


def ses_segment_commit(event: dict[str, Any], config: cfg.SesSegmentCommit, context: LambdaContext) -> Outcome:
    from contextual_targeting.core import ses_contacts

    storage = S3Storage(client("s3"), event["bucket"])
    committed = ses_contacts.commit_part(storage, config.ses_prefix, event["topic_name"], int(event["index"]))
    log = {"topic": event["topic_name"], "index": event["index"], **committed}
    return Outcome(committed, {"LeaversCommitted": committed["removed"]}, "part committed", log)


def ses_segment_release(event: dict[str, Any], config: cfg.SesSegmentRelease, context: LambdaContext) -> Outcome:
    from contextual_targeting.core import ses_contacts

    released = ses_contacts.release_list(
        client("s3"), event["bucket"], event["owner"], list_name=config.contact_list_name, ses_prefix=config.ses_prefix
    )
    return _released(released)


def _released(released: bool) -> Outcome:
    return Outcome({"released": released}, {"LockReleases": int(released)}, "lock release", {"released": released})


# ------------------------------------------------------------------------------------------------ Connect
def connect_segment_prepare(
    event: dict[str, Any], config: cfg.ConnectSegmentPrepare, context: LambdaContext
) -> Outcome:
    from contextual_targeting.core import connect_profiles, ses_contacts

    s3 = client("s3")
    export = connect_profiles.parse_export_key(event["key"], config.export_prefix)
    if export is None:
        reason = f"{event['key']} is not a segment export (segments/<dg>/<job>/<segment>.csv)"
        return Outcome({"action": "ignore", "reason": reason}, {"IgnoredObjects": 1})
    mapping = connect_profiles.FieldMapping.parse(config.field_mapping, config.user_id_field)
    ses_contacts.check_export_header(S3Storage(s3, event["bucket"]), export.key)
    name = connect_profiles.definition_name(export)
    connect_profiles.acquire(s3, event["bucket"], config.connect_prefix, name, event["owner"], config.lock_ttl_seconds)
    head = s3.head_object(Bucket=event["bucket"], Key=export.key)
    arn = str(context.invoked_function_arn).split(":")  # arn:<partition>:lambda:<region>:<account>:function:<name>
    prepared = connect_profiles.prepare(
        client("customer-profiles"),
        config.domain_name,
        export,
        event.get("etag") or "",
        mapping,
        region=arn[3],
        account=arn[4],
        partition=arn[1],
        exported_at=head["LastModified"].astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    result = {
        **prepared,
        "reason": None,
        "segment_name": export.segment_name,
        "dataset_group": export.dataset_group,
        "job_name": export.job_name,
        "export_key": export.key,
    }
    log = {k: result[k] for k in ("definition_name", "action", "slot", "token")}
    return Outcome(result, {"UnchangedSegments": int(prepared["action"] == "unchanged")}, "segment prepared", log)


def connect_segment_release(
    event: dict[str, Any], config: cfg.ConnectSegmentRelease, context: LambdaContext
) -> Outcome:
    from contextual_targeting.core import connect_profiles

    return _released(
        connect_profiles.release(
            client("s3"), event["bucket"], config.connect_prefix, event["definition_name"], event["owner"]
        )
    )


def connect_segment_profiles(
    event: dict[str, Any], config: cfg.ConnectSegmentProfiles, context: LambdaContext
) -> Outcome:
    from contextual_targeting.core import connect_profiles

    export = connect_profiles.parse_export_key(event["export_key"], config.export_prefix)
    if export is None:
        raise connect_profiles.InputInvalid(f"{event['export_key']} is not a segment export")
    result = connect_profiles.build_profiles(
        S3Storage(client("s3"), event["bucket"]),
        export,
        connect_profiles.FieldMapping.parse(config.field_mapping, config.user_id_field),
        event["token"],
        prefix=config.connect_prefix,
        train_prefix=config.train_prefix,
        max_bytes=config.max_upload_bytes,
    )
    # one metric per outcome: profiles, no_contact_field…
    counts = {_camel(name): value for name, value in result["counts"].items()}
    counts["UploadParts"] = result["part_count"]
    log = {"counts": result["counts"], "parts": result["part_count"]}
    return Outcome(result, counts, "profiles written", log)


def connect_segment_upload(event: dict[str, Any], config: cfg.ConnectSegmentUpload, context: LambdaContext) -> Outcome:
    from contextual_targeting.core import connect_profiles

    size = connect_profiles.upload_part(
        client("customer-profiles"), client("s3"), event["bucket"], event["key"], event["domain"], event["job_id"]
    )
    log = {"job_id": event["job_id"], "bytes": size}
    return Outcome({"bytes": size}, {"UploadedBytes": size}, "file uploaded", log, units={"UploadedBytes": "Bytes"})


# ------------------------------------------------------------------------------------------------ training
def validate_training_input(
    event: dict[str, Any], config: cfg.ValidateTrainingInput, context: LambdaContext
) -> Outcome:
    from contextual_targeting.core.training_sources import S3Source
    from contextual_targeting.core.training_validation import (
        InputInvalid,
        Options,
        build_plan,
        report_for_error,
        validate_training_input,
    )

    options = Options()
    if config.full_check_max_bytes is not None:
        options.full_check_max_bytes = config.full_check_max_bytes
    if config.sample_bytes is not None:
        options.sample_bytes = config.sample_bytes
    source = S3Source(client("s3", max_attempts=5), event["bucket"])
    result = validate_training_input(source, event["key"], options=options)
    # the report names files and lines, never data values beyond the offending ones
    log = {"valid": result.valid, "report": result.text()}
    counts = {"ValidInputs" if result.valid else "InvalidInputs": 1}
    if not result.valid:
        error = InputInvalid(report_for_error(result.text()))
        return Outcome({}, counts, "training input validated", log, error=error)
    plan = build_plan(result, str(event.get("run_id") or event["key"]))
    return Outcome(plan, counts, "training input validated", log)
