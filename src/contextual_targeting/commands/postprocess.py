"""`contextual-targeting postprocess`: a downloaded batch segment job output → exports, summary, import CSVs.

The same core as the post-processing Lambdas (``split_segments``, ``finalize_segments``) and, given ``--endpoints``,
the Pinpoint destination's resolution (``pinpoint_chunk_export``, ``pinpoint_resolve_endpoints``,
``pinpoint_segment_ready``), with local folders instead of S3 and an endpoint mapping file instead of
``GetUserEndpoints``:

    contextual-targeting postprocess --job-output job_config.json.out --out out/ [--endpoints endpoints.csv]

writes ``out/segments/<dataset group>/<job>/<segment>.csv`` + ``_summary.json`` and, given ``--endpoints`` (a CSV
with ``Id`` and ``User.UserId`` columns, or the gzipped JSON-lines files of a Pinpoint endpoint export, or a folder
of them), ``out/pinpoint/segments/<segment>/part-NNNNN.csv`` + ``<segment>.ready.json``. Exit status 1 when a line
of the job output was an error or malformed (the other segments are still written), 2 on unusable arguments.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from contextual_targeting.core import layout
from contextual_targeting.core.endpoints import DEFAULT_CHANNEL, EndpointFileError, EndpointMap
from contextual_targeting.core.naming import JobContext, job_context
from contextual_targeting.core.pinpoint_segments import (
    DEFAULT_CHUNK_SIZE,
    chunk_export,
    mark_ready,
    resolve_chunk,
)
from contextual_targeting.core.segments import NoSegments, SplitConfig, finalize, notification, split_job_output
from contextual_targeting.core.storage import LocalStorage

EXECUTION = "postprocess-local"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "postprocess",
        help="turn a batch segment job output (file or folder of .out files) into exports and Pinpoint import CSVs",
        description=__doc__,
    )
    parser.add_argument("--job-output", type=Path, required=True, help="a .out file or a folder holding .out files")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--endpoints", type=Path, help="endpoint mapping: CSV (Id, User.UserId) or export .gz files")
    parser.add_argument("--job-name", help="job name (default: the folder holding the .out file(s))")
    parser.add_argument(
        "--dataset-group", help="dataset group (default: from batch-output/<dg>/… in the path, else the job)"
    )
    parser.add_argument("--channel", default=DEFAULT_CHANNEL, help="endpoint channel type to keep, or ALL (EMAIL)")
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help="user ids per import part")
    parser.set_defaults(func=run)


def _sources(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(p for p in path.rglob("*.out") if p.is_file())
        return found
    return [path] if path.is_file() else []


def _opener(path: Path) -> Callable[[], IO[bytes]]:
    return lambda: path.open("rb")


def _context(path: Path, job_name: str) -> JobContext:
    """The identity parts from the folder's path (``…/batch-output/<dg>/<solution>/<entry>/<job>/``), as for S3."""
    return job_context(path.resolve().as_posix() + "/", job_name)


def run(args: Any) -> int:
    sources = _sources(args.job_output)
    if not sources:
        print(f"postprocess: no .out file at {args.job_output}", file=sys.stderr)
        return 2
    folder = args.job_output if args.job_output.is_dir() else args.job_output.parent
    job_name = args.job_name or folder.resolve().name
    mapping: EndpointMap | None = None
    if args.endpoints is not None:
        try:  # before any output is written: a wrong mapping file is a usage error, not a run with 0 endpoints
            mapping = EndpointMap(None if args.channel.upper() == "ALL" else args.channel).load(args.endpoints)
        except (EndpointFileError, OSError) as error:
            print(f"postprocess: {error}", file=sys.stderr)
            return 2
    storage = LocalStorage(args.out)
    context = _context(folder, job_name)
    config = SplitConfig(
        job_name=job_name,
        dataset_group=args.dataset_group or context.dataset_group,
        solution=context.solution,
        job_entry=context.job_entry,
        execution=EXECUTION,
    )
    result = split_job_output([(str(p), _opener(p)) for p in sources], storage, config)
    try:
        report = storage.get_json(config.report_key)
        summary = finalize(storage, report, config)
    except NoSegments as error:
        _remove_scratch(Path(args.out), config.work_folder, [])
        print(f"postprocess: {error}", file=sys.stderr)
        return 1
    totals = dict(summary["totals"])
    resolutions: list[str] = []
    if mapping is not None:
        totals.update(_resolve(storage, report, mapping, args.chunk_size, resolutions))
    _remove_scratch(Path(args.out), config.work_folder, resolutions)
    _, text = notification(summary)
    print(text)
    print(json.dumps({"summary": summary["summary_file"], **totals, "seconds": result["seconds"]}))
    return 1 if summary["errors"] else 0


def _resolve(
    storage: LocalStorage, report: dict[str, Any], mapping: EndpointMap, chunk_size: int, folders: list[str]
) -> dict[str, int]:
    """What the Pinpoint destination does with each export: chunks → endpoint ids → parts + completion object.

    Appends each resolution's scratch folder to ``folders``."""
    endpoints = unresolved = 0
    for index, record in enumerate(report["segments"]):
        if not record.get("export_key"):
            continue
        execution = f"{EXECUTION}-{index:05d}"
        resolution = chunk_export(
            storage, record["export_key"], execution=execution, chunk_size=chunk_size, identity=record.get("identity")
        )
        folders.append(f"{layout.PINPOINT_WORK_PREFIX}{execution}/")
        for item in storage.get_json(resolution["manifest_key"]):
            resolve_chunk(item, storage, storage, mapping.lookup, concurrency=1)
        ready = mark_ready(storage, storage, resolution, execution)
        endpoints += ready["endpoints"]
        unresolved += ready["users_unresolved"]
    return {"endpoints": endpoints, "users_unresolved": unresolved}


def _remove_scratch(out: Path, work_folder: str, resolutions: list[str]) -> None:
    """Remove the scratch folders this command wrote (never a user's own files), then ``work/`` if left empty."""
    for folder in (work_folder, *resolutions):
        shutil.rmtree(out / folder, ignore_errors=True)
    for empty in (out / layout.PINPOINT_WORK_PREFIX, out / "work"):
        with contextlib.suppress(OSError):  # only if empty
            empty.rmdir()
