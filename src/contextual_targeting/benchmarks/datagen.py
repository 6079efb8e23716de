"""`contextual-targeting bench datagen`: time the Bingewatch generator and report its peak RSS (one JSON line)."""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from contextual_targeting.benchmarks import peak_rss_mb


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "datagen",
        help="generate-data at scale: wall time, peak RSS, rows/s",
        description="Runs the generator into a temporary directory (deleted afterwards unless --keep).",
    )
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--interactions", type=int, default=50_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", help="output directory (default: a new temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from contextual_targeting.datagen import Layout, Sizes, generate

    sizes = Sizes(users=args.users, items=args.items, interactions=args.interactions, seed=args.seed)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="bench-datagen-"))
    start = time.perf_counter()
    generate(out, sizes)
    seconds = time.perf_counter() - start
    files = Layout(out).files()
    result = {
        "benchmark": "datagen",
        "users": sizes.users,
        "items": sizes.items,
        "interactions": sizes.interactions,
        "seed": sizes.seed,
        "seconds": round(seconds, 2),
        "peak_rss_mb": peak_rss_mb(),
        "rows_per_second": round(sizes.interactions / seconds) if seconds > 0 else None,
        "bytes_written": sum(p.stat().st_size for p in files),
        "interactions_csv_bytes": Layout(out).interactions.stat().st_size,
    }
    if not args.keep:
        if args.out:
            for path in files:
                path.unlink()
        else:
            shutil.rmtree(out)
    print(json.dumps(result))
    return 0
