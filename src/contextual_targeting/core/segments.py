"""Segment post-processing core: job output → one export per segment (split), then the job summary (finalize).

Shared by the ``split_segments`` / ``finalize_segments`` Lambdas (S3 storage) and by ``contextual-targeting
postprocess`` (local folders). Post-processing knows no destination: every destination module starts from the
exports on its own (``core.pinpoint_segments``, ``core.ses_contacts``, ``core.connect_profiles``). Keys (see
DEVELOPERS.md):

- exports: ``segments/<dataset group>/<job name>/<segment>.csv`` (header ``USER_ID``, rank order) and
  ``segments/<dataset group>/<job name>/_summary.json``;
- scratch: ``work/<execution>/segments.json`` (one record per line of the job output).

Every key derives from the job and the segment, so a retried or re-run step overwrites.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any

from contextual_targeting.core import batch_output, layout, notifications
from contextual_targeting.core.batch_output import EMPTY, OK, LineResult
from contextual_targeting.core.naming import JobContext, SegmentIdentity, SegmentNamer, job_context
from contextual_targeting.core.storage import S3Storage, Storage, WritableObject

SUMMARY_NAME = "_summary.json"
_CSV_SPECIAL = (",", '"', "\r")  # with "\n" inside an id (found by counting lines): quote
_CSV_QUOTE = (",", '"', "\r", "\n")


class SplitTimeout(Exception):
    """The Lambda is about to time out while splitting; raise a named error instead of ``Sandbox.Timedout``."""


class InputInvalid(Exception):
    """The job or its output cannot be processed at all (no output objects, bad path)."""


class NoSegments(Exception):
    """The job produced no segment with users (no line, or only empty/failed lines): a failure, not a success."""


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def encode_csv_rows(ids: list[str]) -> bytes:
    """One id per CSV row (RFC 4180), exact for every id Personalize can return.

    An id holding ``,``, ``"``, CR or LF is quoted (inner quotes doubled); any other id is written as it is — the
    fast path is a plain join. Python's ``csv.writer`` with ``lineterminator="\n"`` would leave a lone CR unquoted,
    which every reader takes for a line break (one id read back as two), hence the explicit quoting.
    """
    text = "\n".join(ids) + "\n"
    if text.count("\n") != len(ids) or any(ch in text for ch in _CSV_SPECIAL):
        text = "".join((_quote(i) if any(ch in i for ch in _CSV_QUOTE) else i) + "\n" for i in ids)
    return text.encode("utf-8")


def parse_s3_url(url: str) -> tuple[str, str]:
    if not url.startswith("s3://"):
        raise InputInvalid(f"not an s3:// URL: {url}")
    bucket, _, prefix = url[5:].partition("/")
    return bucket, prefix


def dataset_group_from_output(output_path: str, job_name: str) -> str:
    """``s3://bucket/batch-output/<dataset group>/<solution>/…/<job>/`` → ``<dataset group>`` (else the job name)."""
    return job_context(output_path, job_name).dataset_group


def split_config_for_job(output_path: str, job_name: str, **values: Any) -> SplitConfig:
    """The job's identity parts (dataset group, solution, entry; see ``naming.job_context``) and ``values``."""
    context = job_context(output_path, job_name)
    return SplitConfig(
        job_name=job_name,
        dataset_group=context.dataset_group,
        solution=context.solution,
        job_entry=context.job_entry,
        **values,
    )


@dataclass
class SplitConfig:
    job_name: str
    dataset_group: str
    execution: str
    job_arn: str = ""
    solution: str = ""  # identity parts (naming.JobContext); "" / job name for a job outside the layout
    job_entry: str = ""
    export_prefix: str = layout.EXPORT_PREFIX
    work_prefix: str = "work/"

    @property
    def context(self) -> JobContext:
        return JobContext(self.dataset_group, self.solution, self.job_entry or self.job_name, self.job_name)

    @property
    def export_folder(self) -> str:
        return f"{self.export_prefix}{self.dataset_group}/{self.job_name}/"

    @property
    def work_folder(self) -> str:
        return f"{self.work_prefix}{self.execution}/"

    def export_key(self, segment: str) -> str:
        return f"{self.export_folder}{segment}.csv"

    @property
    def report_key(self) -> str:
        return f"{self.work_folder}segments.json"

    @property
    def summary_key(self) -> str:
        return f"{self.export_folder}{SUMMARY_NAME}"


def export_metadata(identity: SegmentIdentity, config: SplitConfig) -> dict[str, str]:
    """S3 user metadata of an export: the segment's identity and this run (US-ASCII: non-ASCII is %-escaped)."""
    from urllib.parse import quote

    values = {
        "segment-name": identity.name,
        "segment-identity-sha256": identity.digest,
        "dataset-group": identity.dataset_group,
        "solution": identity.solution,
        "job-entry": identity.job_entry,
        "job-name": config.job_name,
        "query": identity.query,
    }
    metadata = {key: quote(value, safe=" =\"'()-_.,") for key, value in values.items()}
    if sum(len(k) + len(v) for k, v in metadata.items()) > 1800:  # S3: user metadata ≤ 2 KB in all
        metadata.pop("query")
    return metadata


class _SegmentSink:
    """Writes one segment's export: every id once, in rank order."""

    def __init__(
        self, storage: Storage, config: SplitConfig, identity: SegmentIdentity, check_clock: Callable[[], None]
    ) -> None:
        segment = identity.name
        self.segment = segment
        self._check_clock = check_clock
        self._export: WritableObject = storage.open_write(
            config.export_key(segment), metadata=export_metadata(identity, config)
        )
        self._export.write(b"USER_ID\n")
        self._batches = 0
        # Duplicates are dropped after their first (highest-ranked) occurrence; empty ids are rejected. The set holds
        # the line's ids (one segment at a time: ~80 bytes per id, 5M ids ≈ 400 MB of the function's 1024 MB).
        self._seen: set[str] = set()
        self.written = 0
        self.duplicates = 0
        self.empty_ids = 0

    def _unique(self, ids: list[str]) -> list[str]:
        fresh = set(ids)
        if len(fresh) == len(ids) and "" not in fresh and self._seen.isdisjoint(fresh):
            self._seen |= fresh  # the usual case, without a Python step per id
            return ids
        kept: list[str] = []
        for user_id in ids:
            if not user_id:
                self.empty_ids += 1
            elif user_id in self._seen:
                self.duplicates += 1
            else:
                self._seen.add(user_id)
                kept.append(user_id)
        return kept

    def write_batch(self, ids: list[str]) -> None:
        ids = self._unique(ids)
        if not ids:
            return
        self.written += len(ids)
        self._export.write(encode_csv_rows(ids))
        self._batches += 1
        if self._batches % 64 == 0:
            self._check_clock()

    def close(self, ok: bool) -> None:
        self._seen = set()
        if ok:
            self._export.close()
        else:
            self._export.abort()


def split_job_output(
    sources: Iterable[tuple[str, Callable[[], IO[bytes]]]],
    storage: Storage,
    config: SplitConfig,
    remaining_ms: Callable[[], int] | None = None,
    safety_ms: int = 30_000,
) -> dict[str, Any]:
    """Stream every source (``(name, opener)``) line by line into exports; write the report (one record a line).

    Returns a small dict (keys and counts only) for Step Functions state.
    """

    def check_clock() -> None:
        if remaining_ms is not None and remaining_ms() < safety_ms:
            raise SplitTimeout(f"less than {safety_ms} ms left while splitting {config.job_name}")

    namer = SegmentNamer(config.context)
    sinks: dict[int, _SegmentSink] = {}
    records: list[dict[str, Any]] = []

    def name_line(result: LineResult) -> SegmentIdentity:
        identity = namer.identity(result.query, result.query_type)
        result.extra["segment_name"] = identity.name
        result.extra["identity"] = identity.as_dict()
        return identity

    def open_sink(result: LineResult) -> batch_output.UserSink:
        sink = _SegmentSink(storage, config, name_line(result), check_clock)
        sinks[id(result)] = sink
        return sink

    started = time.monotonic()
    source_names: list[str] = []
    for source_name, opener in sources:
        check_clock()
        source_names.append(source_name)
        stream = opener()
        try:
            for result in batch_output.parse_stream(stream, open_sink, source=source_name):
                check_clock()
                sink = sinks.pop(id(result), None)
                if "segment_name" not in result.extra and result.query is not None:
                    name_line(result)
                record = result.to_dict()
                record.setdefault("segment_name", None)
                record.setdefault("identity", None)
                record["export_key"] = None
                record["duplicate_ids"] = sink.duplicates if sink is not None else 0
                record["empty_ids"] = sink.empty_ids if sink is not None else 0
                if sink is not None and result.status in (OK, EMPTY):
                    record["users"] = sink.written  # unique, non-empty ids: what the export holds
                    if sink.written == 0 and record["status"] == OK:
                        record["status"] = EMPTY
                    record["export_key"] = config.export_key(sink.segment)
                records.append(record)
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
    report = {
        "job_name": config.job_name,
        "job_arn": config.job_arn,
        "dataset_group": config.dataset_group,
        "solution": config.solution,
        "job_entry": config.job_entry,
        "execution": config.execution,
        "sources": source_names,
        "segments": records,
    }
    storage.put_json(config.report_key, report)
    ok = [r for r in records if r["status"] == OK]
    return {
        "bucket": getattr(storage, "bucket", ""),
        "report_key": config.report_key,
        "lines": len(records),
        "segments": len(ok),
        "empty": sum(1 for r in records if r["status"] == EMPTY),
        "failed_lines": sum(1 for r in records if r["status"] not in (OK, EMPTY)),
        "users": sum(r["users"] for r in records),
        "seconds": round(time.monotonic() - started, 3),
    }


SPLIT_METRICS = (
    ("OutputLines", "lines"),
    ("SegmentsSplit", "segments"),
    ("EmptySegments", "empty"),
    ("FailedLines", "failed_lines"),
    ("SegmentUsersSplit", "users"),
)


def split_job(
    s3: Any,
    job: dict[str, Any],
    data: S3Storage,
    *,
    execution: str,
    remaining_ms: Callable[[], int] | None = None,
) -> dict[str, Any]:
    """The ``split_segments`` step: every ``.out`` object under the job's ``OutputPath`` (``job`` = the
    ``DescribeBatchSegmentJob`` fields ``JobArn``, ``JobName``, ``OutputPath``) split into exports in ``data``;
    returns keys and counts. ``InputInvalid`` when the job wrote no ``.out`` object."""
    output_bucket, output_prefix = parse_s3_url(job["OutputPath"])
    if output_prefix and not output_prefix.endswith("/"):
        output_prefix += "/"
    source = S3Storage(s3, output_bucket)
    keys = sorted(k for k in source.list(output_prefix) if k.endswith(".out"))
    if not keys:
        raise InputInvalid(f"no .out object under {job['OutputPath']}")
    config = split_config_for_job(
        job["OutputPath"],
        job["JobName"],
        job_arn=job.get("JobArn", ""),
        execution=execution,
    )
    sources = [(f"s3://{output_bucket}/{key}", lambda key=key: source.open_read(key)) for key in keys]
    return split_job_output(sources, data, config, remaining_ms=remaining_ms)


def finalize(storage: Storage, report: dict[str, Any], config: SplitConfig) -> dict[str, Any]:
    """The job summary (one entry per line of the job output: status, users, export) written next to the exports.

    ``NoSegments`` (after the summary is written) when no line produced a segment with users. Returns the summary.
    """
    segments: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for record in report["segments"]:
        name = record.get("segment_name")
        entry: dict[str, Any] = {
            "line": record["line"],
            "source": record["source"],
            "query": record["query"],
            "query_type": record["query_type"],
            "segment_name": name,
            "identity": record.get("identity"),
            "status": record["status"],
            "users": record["users"],
            "duplicate_ids": record.get("duplicate_ids", 0),  # dropped after their first (highest-ranked) one
            "empty_ids": record.get("empty_ids", 0),  # rejected: an empty id names nobody
            "files": {"export": storage.url(record["export_key"]) if record.get("export_key") else None},
        }
        if record["status"] not in (OK, EMPTY):
            entry["error"] = record["error"]
            errors.append({"line": record["line"], "source": record["source"], "error": record["error"]})
        segments.append(entry)
    summary = {
        "job_name": config.job_name,
        "job_arn": config.job_arn,
        "dataset_group": config.dataset_group,
        "solution": config.solution,
        "job_entry": config.job_entry,
        "execution": config.execution,
        "sources": report.get("sources", []),
        "segments": segments,
        "errors": errors,
        "totals": {
            "lines": len(segments),
            "segments": sum(1 for s in segments if s["status"] == OK),
            "users": sum(s["users"] for s in segments),
            "duplicate_ids": sum(s["duplicate_ids"] for s in segments),
            "empty_ids": sum(s["empty_ids"] for s in segments),
            "errors": len(errors),
        },
        "summary_file": storage.url(config.summary_key),
    }
    storage.put_json(config.summary_key, summary)
    if summary["totals"]["segments"] == 0:
        raise NoSegments(no_segments_text(summary))
    return summary


def no_segments_text(summary: dict[str, Any]) -> str:
    """Why a job has no segment: each line's status and error, and where the summary is."""
    lines = summary["segments"]
    if not lines:
        what = "its output has no line (one JSON object per query is expected)"
    else:
        what = "; ".join(
            f"line {s['line']} {s['status']}" + (f": {s['error']}" if s.get("error") else " (no user)")
            for s in lines[:10]
        ) + (f"; … {len(lines) - 10} more" if len(lines) > 10 else "")
    return (
        f"batch segment job {summary['job_name']} produced no segment with users: {what}. "
        f"Summary: {summary['summary_file']}"
    )[:4000]


def notification(summary: dict[str, Any]) -> tuple[str, str]:
    """(subject ≤ 100 chars, plain-text body) for the SNS message."""
    totals = summary["totals"]
    # the counts first: a long job name is what gets cut (at a word boundary) to keep within SNS's 100 characters
    subject = f"Segments ready: {totals['segments']} segments, {totals['errors']} errors, job {summary['job_name']}"
    lines = [
        f"Batch segment job {summary['job_name']}"
        + (f" ({summary['job_arn']})" if summary["job_arn"] else "")
        + f" post-processed: {totals['segments']} segment(s) exported, {totals['errors']} error(s).",
        "What to do next: every destination you deployed (SES, Connect, Pinpoint) picks the exports up on its own and"
        " sends its own message; the exports and their counts are listed in the summary file.",
        f"Summary: {summary['summary_file']}",
        "",
    ]
    for seg in summary["segments"]:
        line = f"- line {seg['line']} [{seg['status']}] {seg['segment_name'] or '-'}: {seg['users']} users"
        if seg.get("error"):
            line += f" — {seg['error']}"
            if seg.get("source"):
                fix = (
                    ": the job output is damaged — run the job again" if seg["status"] == batch_output.MALFORMED else ""
                )
                line += f" ({seg['source']} line {seg['line']}{fix})"
        lines.append(line)
    # then the machine-readable part, after a blank line (core.notifications.details)
    details = {k: summary[k] for k in ("job_name", "job_arn", "summary_file", "totals")}
    lines += ["", json.dumps(details, separators=(",", ":"), ensure_ascii=False)]
    return notifications.subject(subject), "\n".join(lines)
