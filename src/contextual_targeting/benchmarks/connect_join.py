"""`contextual-targeting bench connect-join`: the Connect destination's streaming join at scale.

Generates (not timed, in a child process) a users dataset of ``--users`` rows (``USER_ID,GENDER,E_MAIL,AGE``, one
address in 50 missing) and a segment export of ``--segment`` ids, then runs the core exactly as the
``connect_segment_profiles`` Lambda runs it (``connect_profiles.build_profiles``: the export as a compact hash set
plus one bit per member, users streamed, upload CSVs below ``--max-bytes``) with its S3 streams swapped for local
files, in a freshly spawned interpreter that imports only the core, so ``peak_rss_mb`` is that process's peak RSS
(interpreter included). Prints one JSON line.
"""

from __future__ import annotations

import json
import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

from contextual_targeting.benchmarks import peak_rss_mb
from contextual_targeting.benchmarks.ses_join import _vm_hwm_mb, generate


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "connect-join", help="Connect destination: export × users dataset → Customer Profiles upload CSVs"
    )
    parser.add_argument("--users", type=int, default=10_000_000, help="rows of the users dataset (default 10M)")
    parser.add_argument("--segment", type=int, default=5_000_000, help="user ids in the segment export (default 5M)")
    parser.add_argument(
        "--max-bytes", type=int, default=1_000_000_000, help="largest upload file (default 1,000,000,000: under 1 GB)"
    )
    parser.set_defaults(func=run)


def measure(root: str, max_bytes: int, results: Any) -> None:
    """Runs in a fresh (spawned) interpreter that imports only the core, like the Lambda runtime."""
    from contextual_targeting.core import connect_profiles
    from contextual_targeting.core.storage import LocalStorage

    export = connect_profiles.ExportObject("bench", "job", "seg-0--job", "segments/bench/job/seg-0--job.csv")
    mapping = connect_profiles.FieldMapping.parse(None)
    started, cpu = time.perf_counter(), time.process_time()
    result = connect_profiles.build_profiles(LocalStorage(root), export, mapping, "bench", max_bytes=max_bytes)
    results.put(
        {
            "seconds": time.perf_counter() - started,
            "cpu_seconds": time.process_time() - cpu,
            "peak_rss_mb": _vm_hwm_mb() or peak_rss_mb(),
            "parts": result["part_count"],
            "bytes": sum(p["bytes"] for p in result["parts"]),
            "counts": result["counts"],
        }
    )


def run(args: Any) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-connect-join-") as tmp:
        root = str(Path(tmp) / "data")
        print(f"generating {args.users:,} users and a {args.segment:,}-user segment (not timed)…", flush=True)
        child = multiprocessing.get_context("fork").Process(target=generate, args=(root, args.users, args.segment, 0))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit("generating the datasets failed")
        print("joining…", flush=True)
        spawn = multiprocessing.get_context("spawn")
        queue = spawn.Queue()
        worker = spawn.Process(target=measure, args=(root, args.max_bytes, queue))
        worker.start()
        measured = queue.get()
        worker.join()
    seconds = measured["seconds"]
    counts = measured["counts"]
    print(
        json.dumps(
            {
                "benchmark": "connect-join",
                "users": args.users,
                "segment": args.segment,
                "parts": measured["parts"],
                "upload_bytes": measured["bytes"],
                "profiles": counts["profiles"],
                "no_contact_field": counts["no_contact_field"],
                "seconds": round(seconds, 2),
                "cpu_seconds": round(measured["cpu_seconds"], 2),
                "peak_rss_mb": measured["peak_rss_mb"],
                "users_rows_per_second": round(args.users / seconds) if seconds else None,
            }
        )
    )
    return 0
