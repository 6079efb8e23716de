"""`contextual-targeting bench demo`: the whole local runtime on a data set — seconds per stage and peak RSS.

Runs ``contextual-targeting demo`` in this process on ``--data-dir`` (e.g. ``generate-data --users 200000
--interactions 5000000``), its console output going to ``--log`` (default: discarded), then prints one JSON line:
the demo's exit code, seconds for each stage of the run (deploy, the initial endpoints import, the upload, the
workflows, collecting the outputs) and of each workflow (first start to last stop of its executions), the peak
RSS of the process (``ru_maxrss``: everything — moto's S3, the emulators, the model, the Lambdas), the data
set's size and the machine's load.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from contextual_targeting.benchmarks import peak_rss_mb


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="the local runtime end to end on a data set: seconds per stage, peak RSS",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("--data-dir", type=Path, required=True, help="data in the solution layout (generate-data)")
    parser.add_argument(
        "--destination",
        choices=["pinpoint", "ses", "both", "export-only"],
        default="both",
        help="the demo's --destination",
    )
    parser.add_argument("--out", type=Path, help="the demo's --out (default: a temporary folder, removed after)")
    parser.add_argument("--log", type=Path, help="write the demo's console output to this file")
    parser.add_argument("--timeout", type=float, default=3600, help="the demo's --timeout, in seconds")
    parser.set_defaults(func=run)


def _lines(path: Path) -> int:
    """Data rows of a CSV file or folder (lines minus one header per file)."""
    files = sorted(path.rglob("*.csv")) if path.is_dir() else [path] if path.exists() else []
    total = 0
    for file in files:
        with file.open("rb") as handle:
            while block := handle.read(1 << 24):
                total += block.count(b"\n")
        total -= 1
    return total


def _workflow_seconds(executions: list[Any]) -> dict[str, float]:
    spans: dict[str, tuple[float, float]] = {}
    for e in executions:
        start, stop = spans.get(e.workflow, (e.start, e.stop or e.start))
        spans[e.workflow] = (min(start, e.start), max(stop, e.stop or e.start))
    return {name: round(stop - start, 1) for name, (start, stop) in spans.items()}


def run(args: argparse.Namespace) -> int:
    from contextual_targeting.local.demo import run_demo

    train = next((args.data_dir / "personalize" / "train").glob("*/"), None)
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-demo-")) / "out"
    log: Any = args.log.open("w", encoding="utf-8") if args.log else io.StringIO()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    cpu_started = time.process_time()
    try:
        result = run_demo(
            args.data_dir, out, destination=args.destination, stream=log, errors=log, timeout=args.timeout
        )
    finally:
        log.close()
    seconds = time.perf_counter() - started
    figures = {
        "benchmark": "demo",
        "data_dir": str(args.data_dir),
        "destination": args.destination,
        "users": _lines(train / "users.csv") if train else None,
        "interactions": _lines(train / "interactions.csv") if train else None,
        "exit_code": result.exit_code,
        "reason": result.reason or None,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(time.process_time() - cpu_started, 1),
        "stages": result.stages,
        "workflows": _workflow_seconds(result.executions),
        "executions": len(result.executions),
        "segments": len(result.segments),
        "peak_rss_mb": peak_rss_mb(),
        "cpus": os.cpu_count(),
        "load_average_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],  # at start and at end
    }
    if args.out is None:
        shutil.rmtree(out.parent, ignore_errors=True)
    print(json.dumps(figures))
    return 0 if result.exit_code == 0 else 1
