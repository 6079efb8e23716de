"""`contextual-targeting bench model`: train the local affinity model and answer 10 queries at scale.

Data comes from the generator (run in a subprocess, so neither its time nor its memory is counted) into a temporary
folder that is deleted afterwards, or from ``--data-dir``. Prints one JSON line: ``seconds`` = training + 10 queries
(the issue's figure) and ``cpu_seconds`` its CPU time (user + system, all threads — the figure to compare on a
shared machine), ``load_seconds`` = reading the CSVs, ``peak_rss_mb`` = this process's peak (loading included).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from contextual_targeting.benchmarks import peak_rss_mb


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("model", help="affinity model: training + 10 segment queries")
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--interactions", type=int, default=50_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=10, help="number of queries (one genre each, then pairs)")
    parser.add_argument("--num-results", type=int, default=100)
    parser.add_argument("--data-dir", type=Path, help="use this dataset instead of generating one")
    parser.add_argument("--work-dir", type=Path, help="where to generate the data (default: a temporary folder)")
    parser.add_argument("--threads", type=int, default=0, help="ALS threads (0 = all cores)")
    parser.set_defaults(func=run)


def _queries(genres: list[str], n: int) -> list[str]:
    singles = [f'ITEMS.genres = "{g}"' for g in genres]
    pairs = [f'ITEMS.genres = "{a}" AND ITEMS.genres = "{b}"' for a, b in itertools.pairwise(genres)]
    return (singles + pairs)[:n]


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(args: argparse.Namespace) -> int:
    from contextual_targeting.model.affinity import AffinityModel, ModelParams
    from contextual_targeting.model.data import load_dataset
    from contextual_targeting.model.evaluation import queries_for_all_values

    work: Path | None = None
    generate_seconds = None
    try:
        if args.data_dir is None:
            work = Path(tempfile.mkdtemp(prefix="bench-model-", dir=args.work_dir))
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "contextual_targeting.cli",
                    "generate-data",
                    "--out",
                    str(work),
                    "--users",
                    str(args.users),
                    "--items",
                    str(args.items),
                    "--interactions",
                    str(args.interactions),
                    "--seed",
                    str(args.seed),
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                env={**os.environ},
            )
            generate_seconds = time.perf_counter() - started
            data_dir = work / "personalize" / "train" / "bingewatch"
        else:
            data_dir = args.data_dir

        started = time.perf_counter()
        dataset = load_dataset(data_dir)
        load_seconds = time.perf_counter() - started

        started, cpu_started = time.perf_counter(), _cpu_seconds()
        model = AffinityModel(ModelParams(seed=args.seed, num_threads=args.threads)).fit(dataset)
        train_seconds = time.perf_counter() - started

        genres = [q.split('"')[1] for q in queries_for_all_values(dataset)]
        queries = _queries(genres, args.queries)
        started = time.perf_counter()
        sizes = [len(model.segment(query, args.num_results)) for query in queries]
        query_seconds = time.perf_counter() - started
        cpu_seconds = _cpu_seconds() - cpu_started
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)

    print(
        json.dumps(
            {
                "benchmark": "model",
                "users": dataset.n_users,
                "items": dataset.n_items,
                "interactions": len(dataset.interactions),
                "queries": len(queries),
                "segment_sizes": sorted(set(sizes)),
                "seconds": round(train_seconds + query_seconds, 1),
                "train_seconds": round(train_seconds, 1),
                "query_seconds": round(query_seconds, 2),
                "train_stage_seconds": model.stage_seconds,
                "learned_l2": model.info.get("l2"),
                "cpu_seconds": round(cpu_seconds, 1),
                "load_seconds": round(load_seconds, 1),
                "generate_seconds": None if generate_seconds is None else round(generate_seconds, 1),
                "peak_rss_mb": peak_rss_mb(),
                "cpus": os.cpu_count(),
                "load_average_1m": round(os.getloadavg()[0], 1),
            }
        )
    )
    return 0
