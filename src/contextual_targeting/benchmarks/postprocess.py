"""`contextual-targeting bench postprocess`: the streaming split/export step on a maximal batch segment job output.

Generates (not timed, in a child process) a job output of ``--segments`` lines with ``--users-per-segment`` ids
each, then runs the core exactly as the ``split_segments`` Lambda runs it (``segments.split_job_output``: streaming
parse, one export CSV per segment) with its S3 streams swapped for local files, in a freshly spawned
interpreter that imports only the core (the CLI process itself holds numpy/scipy from other subcommands), so
``peak_rss_mb`` is the peak RSS of that process (interpreter included), as a Lambda would see it.
``--baseline`` runs the original solution's approach instead (whole object read, ``json.loads`` of each line, the
list written out), for comparison. Prints one JSON line; no endpoint API time is included.
"""

from __future__ import annotations

import json
import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

from contextual_targeting.benchmarks import peak_rss_mb

QUERIES = ["Action", "Comedy", "Drama", "Thriller", "Romance", "Horror", "Animation", "Documentary", "War", "Western"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("postprocess", help="streaming split/export of a batch segment job output")
    parser.add_argument("--segments", type=int, default=10, help="lines (queries) in the job output (max 10)")
    parser.add_argument("--users-per-segment", type=int, default=5_000_000)
    parser.add_argument("--baseline", action="store_true", help="seed-style: whole read + json.loads per line")
    parser.set_defaults(func=run)


def generate(path: str, segments: int, users: int) -> None:
    """Write the job output in blocks (bounded memory); user ids like Personalize's, rank order shuffled per line."""
    block = 100_000
    with open(path, "w", encoding="utf-8") as out:
        for line in range(segments):
            query = f'ITEMS.genres = \\"{QUERIES[line % len(QUERIES)]}\\"'
            out.write('{"input": {"itemAttributes": "' + query + '"}, "output": {"usersList": [')
            for start in range(0, users, block):
                stop = min(users, start + block)
                if start:
                    out.write(",")
                out.write(",".join(f'"{(i * 7919 + line) % 100_000_000}"' for i in range(start, stop)))
            out.write(']}, "error": null}\n')


def _streaming(source: Path, out: Path) -> dict[str, Any]:
    from contextual_targeting.core.segments import SplitConfig, split_job_output
    from contextual_targeting.core.storage import LocalStorage

    config = SplitConfig(job_name="bench", dataset_group="bench", execution="bench")
    result = split_job_output([(str(source), lambda: source.open("rb"))], LocalStorage(out), config)
    return {"users": result["users"], "lines": result["lines"]}


def _baseline(source: Path, out: Path) -> dict[str, Any]:
    """What the original solution did per object: read it whole, json.loads each line, write the list."""
    text = source.read_bytes().decode("utf-8")
    users = lines = 0
    out.mkdir(parents=True, exist_ok=True)
    for number, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        record = json.loads(line)
        ids = record["output"]["usersList"]
        (out / f"segment-{number}.csv").write_text("USER_ID\n" + "\n".join(ids) + "\n")
        users += len(ids)
        lines += 1
    return {"users": users, "lines": lines}


def _vm_hwm_mb() -> float | None:
    """Peak RSS of this process image (Linux ``VmHWM``), in MiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for row in status:
                if row.startswith("VmHWM:"):
                    return round(int(row.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def measure(source: str, out: str, baseline: bool, results: Any) -> None:
    """Runs in a fresh (spawned) interpreter that imports only the core, like the Lambda runtime."""
    started, cpu = time.perf_counter(), time.process_time()
    counts = _baseline(Path(source), Path(out)) if baseline else _streaming(Path(source), Path(out))
    results.put(
        {
            **counts,
            "seconds": time.perf_counter() - started,
            "cpu_seconds": time.process_time() - cpu,
            "peak_rss_mb": _vm_hwm_mb() or peak_rss_mb(),
        }
    )


def run(args: Any) -> int:
    import ijson

    with tempfile.TemporaryDirectory(prefix="bench-postprocess-") as tmp:
        source = Path(tmp) / "job_config.json.out"
        child = multiprocessing.get_context("fork").Process(
            target=generate, args=(str(source), args.segments, args.users_per_segment)
        )
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit("generating the job output failed")
        spawn = multiprocessing.get_context("spawn")
        queue = spawn.Queue()
        worker = spawn.Process(target=measure, args=(str(source), str(Path(tmp) / "out"), args.baseline, queue))
        worker.start()
        measured = queue.get()
        worker.join()
        input_mb = source.stat().st_size / 1024 / 1024
    users, seconds = measured["users"], measured["seconds"]
    print(
        json.dumps(
            {
                "benchmark": "postprocess",
                "mode": "baseline" if args.baseline else "streaming",
                "segments": args.segments,
                "users_per_segment": args.users_per_segment,
                "users": users,
                "input_mb": round(input_mb, 1),
                "seconds": round(seconds, 2),
                "cpu_seconds": round(measured["cpu_seconds"], 2),
                "seconds_per_5m_users": round(seconds * 5_000_000 / users, 2) if users else None,
                "cpu_seconds_per_5m_users": round(measured["cpu_seconds"] * 5_000_000 / users, 2) if users else None,
                "peak_rss_mb": measured["peak_rss_mb"],
                "users_per_second": round(users / seconds) if seconds else None,
                "ijson_backend": ijson.backend,
            }
        )
    )
    return 0
