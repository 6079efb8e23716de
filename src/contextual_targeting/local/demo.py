"""``contextual-targeting demo``: the README's deploy steps against the local runtime, with live progress.

1. ``aws s3 sync <data>/pinpoint s3://$SEGMENT_BUCKET/pinpoint/`` — the initial endpoints import;
2. ``aws s3 sync <data>/personalize s3://$DATA_BUCKET/`` — data files first, the training config last, as the
   README tells a user — and training starts;
3. wait: training ⇒ batch segment job ⇒ post-processing ⇒ one Pinpoint import per segment.

Then a summary table, and in ``--out``: the segment exports, the batch segment job outputs, the Pinpoint import
files, the job summaries, every notification as the e-mail subscriber receives it and, when an execution failed,
its history. ``--out`` is written whole or not at all and never over files the demo did not write
(``contextual_targeting.local.output``).

Exit status: 0 when every workflow ran to the end and every chosen destination received every segment; 1 when no
training config was found, no workflow ran, an execution failed or a destination is missing a segment (the reason
is printed); 2 when ``--data-dir`` or ``--out`` cannot be used.
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from contextual_targeting.core import layout
from contextual_targeting.local.output import OutputFolder, OutputRefused
from contextual_targeting.local.runtime import DeliveryError, Execution, LocalDeployment, Settings, starts_training

DESTINATIONS = ("export-only", "pinpoint", "ses", "connect")
ALIASES = {"both": ("pinpoint", "ses")}


def parse_destinations(text: str) -> frozenset[str]:
    """``--destination``: a comma-separated list of export-only, pinpoint, ses, connect (``both`` = pinpoint,ses);
    export-only alone means no destination besides the S3 export (the root module's segment_destinations = [])."""
    chosen: set[str] = set()
    for word in (w.strip() for w in text.split(",")):
        if word in ALIASES:
            chosen.update(ALIASES[word])
        elif word in DESTINATIONS:
            chosen.add(word)
        else:
            raise ValueError(
                f"unknown destination {word!r}: the destination is a comma-separated list of {', '.join(DESTINATIONS)}"
                " (both = pinpoint,ses)"
            )
    if "export-only" in chosen and len(chosen) > 1:
        raise ValueError("export-only cannot be combined with another destination")
    return frozenset(chosen - {"export-only"})


@dataclass
class DemoResult:
    exit_code: int
    executions: list[Execution] = field(default_factory=list)
    summaries: list[dict[str, Any]] = field(default_factory=list)
    segments: list[dict[str, Any]] = field(default_factory=list)  # one row of the summary table per segment
    notifications: list[dict[str, str]] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    ses_topics: list[dict[str, Any]] = field(default_factory=list)  # SES destination: one row per topic
    connect_segments: list[dict[str, Any]] = field(default_factory=list)  # Connect: one row per segment definition
    seconds: float = 0.0
    reason: str = ""  # why the exit code is not 0
    stages: dict[str, float] = field(default_factory=dict)  # seconds: deploy, endpoints_import, upload, workflows, …


class Progress:
    """Progress of the run, as lines: each Task state of an execution the first time it enters it, its final status,
    every Personalize resource's status as it changes; the Pinpoint import running now (part done/total, endpoints
    processed, per second) as a tqdm bar on a terminal, else as a line every ``every`` seconds. ``quiet``: nothing."""

    def __init__(
        self, cloud: LocalDeployment, stream: TextIO, started: float, *, quiet: bool = False, every: float = 5.0
    ) -> None:
        from contextual_targeting.progress import is_terminal

        self.cloud = cloud
        self.stream = stream
        self.started = started
        self.quiet = quiet
        self.every = every
        self.tty = is_terminal(stream)
        self.bars: dict[str, Any] = {}  # segment name -> tqdm bar of its running import (terminal only)
        self.last: dict[str, str] = {}  # execution → its final status, Personalize resource → its status, as printed
        self.seen_event: dict[str, int] = {}  # execution → id of the last history event read
        self.entered: dict[str, set[str]] = {}  # execution → the Task states printed
        self.last_import_line = 0.0

    def _line(self, what: str, label: str) -> None:
        elapsed = time.monotonic() - self.started
        text = f"  [{elapsed:6.1f}s] {what:<62} {label}"
        if self.bars:
            from tqdm import tqdm

            tqdm.write(text, file=self.stream)  # above the bars, which are redrawn below
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def __call__(self, executions: list[Execution]) -> None:
        if self.quiet:
            return
        for execution in executions:
            if execution.arn in self.last:  # ended, and said so
                continue
            what = f"{execution.workflow} {execution.name[:38]}"
            # every Task state the first time the execution enters it (a poll loop or a Map's items print once),
            # however quickly it passed between two calls
            tasks, self.seen_event[execution.arn] = self.cloud.entered_tasks(
                execution.arn, self.seen_event.get(execution.arn, 0)
            )
            entered = self.entered.setdefault(execution.arn, set())
            for task in tasks:
                if task not in entered:
                    entered.add(task)
                    self._line(what, f"▸ {task}")
            if execution.status != "RUNNING":
                self.last[execution.arn] = execution.status
                self._line(what, execution.status)
        personalize = self.cloud.personalize
        for arn, resource in list(personalize.resources.items()) if personalize is not None else []:
            status = resource.status
            if status and self.last.get(arn) != status and "/" in arn:
                self.last[arn] = status
                kind, _, name = arn.split(":", 5)[-1].partition("/")
                self._line(f"personalize {kind} {name[:40]}", status)
        jobs = self.cloud.pinpoint.import_progress() if self.cloud.pinpoint is not None else []
        if self.tty:
            self._bars(jobs)
            return
        now = time.monotonic()
        if now - self.last_import_line >= self.every:
            for job in jobs:
                self.last_import_line = now
                rate = job["rows"] / job["seconds"] if job["seconds"] > 0 else 0.0
                part = f"part {min(job['pieces_done'] + 1, job['pieces_total'])}/{job['pieces_total']}"
                self._line(
                    f"pinpoint import {job['segment'][:46]}",
                    f"{part}, {job['rows']:,} endpoints ({rate:,.0f}/s)" if job["rows"] else f"reading {part}",
                )

    def _bars(self, jobs: list[dict[str, Any]]) -> None:
        from tqdm import tqdm

        running = {job["segment"]: job for job in jobs}
        for name in [n for n in self.bars if n not in running]:
            self.bars.pop(name).close()
        for name, job in running.items():
            bar = self.bars.get(name)
            if bar is None:
                bar = self.bars[name] = tqdm(
                    desc=f"  pinpoint import {name[:40]}", unit=" endpoints", unit_scale=True, file=self.stream
                )
            bar.update(job["rows"] - bar.n)
            bar.set_postfix_str(f"part {min(job['pieces_done'] + 1, job['pieces_total'])}/{job['pieces_total']}")

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()


def _personalize_uploads(personalize_dir: Path, settings: Settings) -> tuple[list[Path], list[Path]]:
    """(data files, training configs): configs are what the training rule starts on, uploaded last."""
    files = sorted(p for p in personalize_dir.rglob("*") if p.is_file())
    configs = [p for p in files if starts_training(p.relative_to(personalize_dir).as_posix(), settings)]
    return [p for p in files if p not in configs], configs


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "message"


def _download(cloud: LocalDeployment, bucket: str, prefix: str, destination: Path) -> list[Path]:
    written = []
    paginator = cloud.s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            target = destination / item["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            cloud.s3.download_file(bucket, item["Key"], str(target))
            written.append(target)
    return written


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=False)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*headers), line.format(*["-" * w for w in widths])]
    out += [line.format(*[str(c) for c in row]) for row in rows]
    return "\n".join(out)


def run_demo(
    data_dir: Path,
    out_dir: Path,
    *,
    destination: str = "export-only",  # = the root module's default segment_destinations = []
    stream: TextIO = sys.stdout,
    errors: TextIO | None = None,
    timeout: float = 600,
    settings: Settings | None = None,
    force: bool = False,
    quiet: bool = False,
) -> DemoResult:
    """Run the demo; progress and the summary (ending in OK or FAILED: reason) go to ``stream``; a run refused
    before it starts (no config, unusable ``--out``) says why on ``errors``."""
    started = time.monotonic()
    errors = errors or sys.stderr
    chosen = parse_destinations(destination)
    settings = settings or Settings(pinpoint="pinpoint" in chosen, ses="ses" in chosen, connect="connect" in chosen)
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    personalize_dir = data_dir / "personalize"

    def stop(code: int, reason: str) -> DemoResult:
        errors.write(f"demo: {reason}\n")
        errors.flush()
        return DemoResult(exit_code=code, reason=reason, seconds=time.monotonic() - started)

    if not personalize_dir.is_dir():
        return stop(2, f"{personalize_dir} does not exist (expected the solution's layout: personalize/train/…)")
    data_files, configs = _personalize_uploads(personalize_dir, settings)
    if not configs:
        return stop(
            1,
            f"no training config under {personalize_dir}/train/: training starts when a .json file is uploaded "
            "to train/<dataset group>/ (e.g. train/bingewatch/config.json); nothing would run",
        )
    try:
        folder = OutputFolder(out_dir, data_dir=data_dir, force=force)
    except OutputRefused as refused:
        return stop(2, str(refused))
    try:
        result = _run(data_dir, folder.staging, settings, configs, data_files, stream, timeout, started, quiet)
    except BaseException:
        folder.discard()  # interrupted or crashed: nothing half-written is left behind as a result
        raise
    folder.commit()
    _report(result, out_dir, stream)  # ends with OK, or FAILED and the reason
    return result


def _run(
    data_dir: Path,
    out_dir: Path,
    settings: Settings,
    configs: list[Path],
    data_files: list[Path],
    stream: TextIO,
    timeout: float,
    started: float,
    quiet: bool = False,
) -> DemoResult:
    personalize_dir = data_dir / "personalize"
    pinpoint_dir = data_dir / "pinpoint"
    result = DemoResult(exit_code=0)
    mark = [time.monotonic()]

    def stage(name: str) -> None:
        now = time.monotonic()
        result.stages[name] = round(now - mark[0], 2)
        mark[0] = now

    stream.write("Deploying locally (moto + Personalize and Pinpoint emulators, Lambdas from build/*.zip)…\n")
    with LocalDeployment(settings, log_dir=out_dir / "logs") as cloud:
        stage("deploy")
        progress = Progress(cloud, stream, started, quiet=quiet)
        s = settings
        stream.write(f"  data bucket {s.data_bucket}, segment bucket {s.segment_bucket}, bus {s.bus_name}\n")
        stuck = ""
        try:
            if settings.pinpoint and pinpoint_dir.is_dir():
                stream.write(
                    f"\nStep 1: aws s3 sync {pinpoint_dir} s3://{s.segment_bucket}/{s.segment_import_prefix}\n"
                )
                cloud.sync(pinpoint_dir, s.segment_bucket, s.segment_import_prefix)
                cloud.wait_idle(timeout=timeout, on_tick=progress)
                stage("endpoints_import")
            config_names = ", ".join(p.relative_to(personalize_dir).as_posix() for p in configs)
            stream.write(f"\nStep 2: aws s3 sync {personalize_dir} s3://{s.data_bucket}/  ({config_names} last)\n")
            for path in [*data_files, *configs]:
                cloud.sync_file(path, s.data_bucket, path.relative_to(personalize_dir).as_posix())
            stage("upload")
            stream.write("\nStep 3: training ⇒ batch segment job ⇒ post-processing ⇒ imports\n")
            executions = cloud.wait_idle(timeout=timeout, on_tick=progress)
            stage("workflows")
        except (TimeoutError, DeliveryError) as problem:  # reported like a failure, with what was produced so far
            stuck = str(problem)
            executions = cloud.executions()
        finally:
            progress.close()
        result.executions = executions

        # outputs: the exports, the batch segment job outputs (what `postprocess --job-output` reads), imports
        _download(cloud, s.data_bucket, layout.EXPORT_PREFIX, out_dir)
        _download(cloud, s.data_bucket, "batch-output/", out_dir)
        if settings.pinpoint:
            _download(cloud, s.segment_bucket, f"{s.segment_import_prefix}segments/", out_dir)
        notes_dir = out_dir / "notifications"
        notes_dir.mkdir()
        for index, note in enumerate(cloud.notifications(), start=1):
            result.notifications.append({"subject": note.subject, "message": note.message})
            (notes_dir / f"{index:02d}-{_slug(note.subject)}.txt").write_text(
                f"Subject: {note.subject}\n\n{note.message}\n", encoding="utf-8"
            )
        for summary_path in sorted(out_dir.glob("segments/**/_summary.json")):
            result.summaries.append(json.loads(summary_path.read_text()))

        pinpoint_segments: dict[str, dict[str, Any]] = {}
        endpoint_ids: list[str] = []
        if settings.pinpoint:
            endpoint_ids = sorted(cloud.pinpoint.apps[s.application_id].endpoints)
            for segment in cloud.pinpoint.segments(s.application_id):
                pinpoint_segments[segment["Name"]] = segment
        # the Pinpoint destination's completion objects carry its counts (the summary knows no destination)
        ready_dir = out_dir / s.segment_import_prefix / "segments"
        for summary in result.summaries:
            for seg in summary["segments"]:
                ready_file = ready_dir / f"{seg['segment_name']}.ready.json"
                ready = json.loads(ready_file.read_text()) if seg["segment_name"] and ready_file.is_file() else {}
                pin = pinpoint_segments.get(seg["segment_name"] or "")
                members = len(cloud.pinpoint.segment_members(s.application_id, pin["Id"])) if pin is not None else None
                result.segments.append(
                    {
                        "job": summary["job_name"],
                        "segment": seg["segment_name"],
                        "query": seg["query"],
                        "status": seg["status"],
                        "users": seg["users"],
                        "endpoints": ready.get("endpoints"),
                        "unresolved": ready.get("unresolved"),
                        "pinpoint_segment_id": pin["Id"] if pin else None,
                        "pinpoint_endpoints": members,
                    }
                )

        if settings.ses:
            result.ses_topics = cloud.ses.topic_summary()
            _download(cloud, s.data_bucket, layout.SES_PREFIX, out_dir)

        if settings.connect:
            result.connect_segments = _connect_segments(cloud)

        failed = [e for e in executions if e.status != "SUCCEEDED"]
        if failed:
            history_dir = out_dir / "executions"
            history_dir.mkdir(exist_ok=True)
            for execution in failed:
                state, error, cause = cloud.failure(execution)
                result.failures.append(
                    {
                        "workflow": execution.workflow,
                        "execution": execution.name,
                        "state": state,
                        "error": error,
                        "cause": cause,
                    }
                )
                (history_dir / f"{execution.workflow}-{execution.name}.json").write_text(
                    json.dumps(cloud.history(execution.arn), indent=2, default=str), encoding="utf-8"
                )
            result.exit_code = 1
            result.reason = f"{len(failed)} execution(s) failed: " + ", ".join(f"{e.workflow} {e.name}" for e in failed)
        if stuck:
            result.exit_code = 1
            result.reason = "; ".join(r for r in (stuck, result.reason) if r)
        elif result.exit_code == 0 and (missing := _missing(result, settings)):
            result.exit_code = 1
            result.reason = missing
        stage("outputs")

    result.seconds = time.monotonic() - started
    (out_dir / "demo_summary.json").write_text(
        json.dumps(
            {
                "exit_code": result.exit_code,
                "reason": result.reason,
                "seconds": round(result.seconds, 1),
                "executions": [
                    {
                        "workflow": e.workflow,
                        "name": e.name,
                        "status": e.status,
                        "seconds": round((e.stop or e.start) - e.start, 1),
                    }
                    for e in result.executions
                ],
                "segments": result.segments,
                "failures": result.failures,
                "endpoint_ids": endpoint_ids,
                "ses_topics": result.ses_topics,
                "connect_segments": result.connect_segments,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return result


def _missing(result: DemoResult, settings: Settings) -> str:
    """Why a run whose executions all succeeded still did not do its work ("" when it did)."""
    ran = {e.workflow for e in result.executions}
    if "training" not in ran:
        return "no workflow ran: the training config was uploaded but no training execution started"
    if "segment_postprocessing" not in ran:
        return "training ended but no post-processing ran: no batch segment job output was turned into segments"
    if not result.segments:
        return "post-processing ran but exported no segment (see out/segments/ and the notifications)"
    with_members = [r for r in result.segments if r["status"] == "ok" and r["users"]]
    if settings.pinpoint:
        missing = [r["segment"] for r in with_members if r["endpoints"] and r["pinpoint_segment_id"] is None]
        if missing:
            return f"Pinpoint: no segment was imported for {', '.join(missing)}"
    if settings.ses:
        topics = {t["topic"] for t in result.ses_topics}
        missing = [r["segment"] for r in with_members if r["segment"] not in topics]
        if missing:
            return f"SES: no contact-list topic for {', '.join(missing)}"
    if settings.connect:
        defined = {c["display_name"] for c in result.connect_segments}
        missing = [r["segment"] for r in with_members if r["segment"] not in defined]
        if missing:
            return f"Connect: no segment definition for {', '.join(missing)}"
    return ""


def _connect_segments(cloud: LocalDeployment) -> list[dict[str, Any]]:
    """One row per segment definition of the domain, its members counted by GetSegmentMembership (100 ids a call),
    as a campaign would see them."""
    import boto3

    domain = cloud.settings.profiles_domain
    client = boto3.client("customer-profiles", region_name=cloud.s3.meta.region_name)
    profile_ids = sorted(p["ProfileId"] for p in cloud.customer_profiles.profiles(domain))
    rows = []
    for name, definition in sorted(cloud.customer_profiles.segment_definitions(domain).items()):
        present = 0
        for start in range(0, len(profile_ids), 100):
            answer = client.get_segment_membership(
                DomainName=domain, SegmentDefinitionName=name, ProfileIds=profile_ids[start : start + 100]
            )
            present += sum(p["QueryResult"] == "PRESENT" for p in answer["Profiles"])
        rows.append(
            {
                "domain": domain,
                "segment_definition_name": name,
                "display_name": definition["DisplayName"],
                "segment_definition_arn": definition["SegmentDefinitionArn"],
                "profiles": present,
            }
        )
    return rows


def _report(result: DemoResult, out_dir: Path, stream: TextIO) -> None:
    stream.write("\nExecutions\n")
    rows = [[e.workflow, e.status, f"{(e.stop or e.start) - e.start:.1f}s", e.name] for e in result.executions]
    stream.write(_table(rows, ["workflow", "status", "duration", "execution"]) + "\n")
    if result.segments:
        stream.write("\nSegments\n")
        rows = [
            [
                r["segment"] or "-",
                r["status"],
                r["users"],
                "-" if r["endpoints"] is None else r["endpoints"],
                "-" if r["unresolved"] is None else r["unresolved"],
                r["pinpoint_segment_id"] or "-",
            ]
            for r in result.segments
        ]
        stream.write(
            _table(rows, ["segment", "status", "users", "endpoints", "unresolved", "pinpoint segment id"]) + "\n"
        )
    if result.ses_topics:
        stream.write("\nSES contact-list topics\n")
        rows = [[t["topic"], t["subscribers"], t["opted_out"], "yes" if t["ours"] else "no"] for t in result.ses_topics]
        stream.write(_table(rows, ["topic", "subscribers", "opted out", "created by this solution"]) + "\n")
    if result.connect_segments:
        stream.write(f"\nCustomer Profiles segment definitions (domain {result.connect_segments[0]['domain']})\n")
        rows = [[c["display_name"], c["profiles"], c["segment_definition_arn"]] for c in result.connect_segments]
        stream.write(
            _table(rows, ["segment", "profiles", "segment definition ARN (customerProfilesSegmentArn)"]) + "\n"
        )
    for failure in result.failures:
        stream.write(
            f"\nFAILED {failure['workflow']} execution {failure['execution']}\n"
            f"  state: {failure['state']}\n  error: {failure['error']}\n  cause: {failure['cause']}\n"
        )
    stream.write(
        f"\n{len(result.notifications)} notifications, exports and import files in {out_dir}/ "
        f"({result.seconds:.1f}s). {'OK' if result.exit_code == 0 else 'FAILED: ' + result.reason}\n"
    )
