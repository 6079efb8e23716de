"""`contextual-targeting bench ses-join`: the SES destination's streaming join at scale.

Generates (not timed, in a child process) a users dataset of ``--users`` rows (``USER_ID,GENDER,E_MAIL,AGE``, one
address in 50 missing) and a segment export of ``--segment`` ids, then runs the core exactly as the
``ses_segment_contacts`` Lambda runs it (``ses_contacts.build_contacts``: compact hash sets, users streamed, import
CSV parts of ``--max-rows``) with its S3 streams swapped for local files, in a freshly spawned interpreter that
imports only the core, so ``peak_rss_mb`` is that process's peak RSS (interpreter included). ``--other-topics`` adds
that many other solution topics of the same size (one column and one hash set each, read from their membership
snapshots). The users dataset is read twice (the first pass finds addresses shared by several users). Prints one
JSON line.
"""

from __future__ import annotations

import json
import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

from contextual_targeting.benchmarks import peak_rss_mb


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("ses-join", help="SES destination: export × users dataset → SES import CSVs")
    parser.add_argument("--users", type=int, default=10_000_000, help="rows of the users dataset")
    parser.add_argument("--segment", type=int, default=5_000_000, help="user ids in the segment export")
    parser.add_argument("--other-topics", type=int, default=0, help="other solution topics (same size) to state")
    parser.add_argument("--max-rows", type=int, default=1_000_000, help="contacts per import part (SES: 1M per job)")
    parser.set_defaults(func=run)


def generate(root: str, users: int, segment: int, other_topics: int) -> None:
    base = Path(root)
    (base / "train/bench").mkdir(parents=True)
    (base / "segments/bench/job").mkdir(parents=True)
    with open(base / "train/bench/users.csv", "w", encoding="utf-8") as out:
        out.write("USER_ID,GENDER,E_MAIL,AGE\n")
        for start in range(0, users, 100_000):
            out.write(
                "".join(
                    f"{i},F,{'' if i % 50 == 0 else f'user{i}@example.com'},30\n"
                    for i in range(start, min(users, start + 100_000))
                )
            )
    step = max(1, users // max(1, segment))
    for topic in range(other_topics + 1):
        # topic 0 is the export being imported; the others are topics of ours with their membership snapshots
        path = base / (
            f"segments/bench/job/seg-{topic}--job.csv" if topic == 0 else f"ses/topics/seg-{topic}--job/members.csv"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as out:
            out.write("USER_ID\n")
            for start in range(0, segment, 100_000):
                stop = min(segment, start + 100_000)
                out.write("".join(f"{(i * step + topic) % users}\n" for i in range(start, stop)))


def _vm_hwm_mb() -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for row in status:
                if row.startswith("VmHWM:"):
                    return round(int(row.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def measure(root: str, other_topics: int, max_rows: int, results: Any) -> None:
    """Runs in a fresh (spawned) interpreter that imports only the core, like the Lambda runtime."""
    from contextual_targeting.core import ses_contacts
    from contextual_targeting.core.storage import LocalStorage

    export = ses_contacts.ExportObject("bench", "job", "seg-0--job", "segments/bench/job/seg-0--job.csv")
    others = [f"seg-{t}--job" for t in range(1, other_topics + 1)]
    started, cpu = time.perf_counter(), time.process_time()
    result = ses_contacts.build_contacts(LocalStorage(root), export, "seg-0--job", others, max_rows=max_rows)
    results.put(
        {
            "seconds": time.perf_counter() - started,
            "cpu_seconds": time.process_time() - cpu,
            "peak_rss_mb": _vm_hwm_mb() or peak_rss_mb(),
            "parts": len(result.parts),
            "counts": result.counts,
        }
    )


def run(args: Any) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-ses-join-") as tmp:
        root = str(Path(tmp) / "data")
        child = multiprocessing.get_context("fork").Process(
            target=generate, args=(root, args.users, args.segment, args.other_topics)
        )
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit("generating the datasets failed")
        spawn = multiprocessing.get_context("spawn")
        queue = spawn.Queue()
        worker = spawn.Process(target=measure, args=(root, args.other_topics, args.max_rows, queue))
        worker.start()
        measured = queue.get()
        worker.join()
    seconds = measured["seconds"]
    print(
        json.dumps(
            {
                "benchmark": "ses-join",
                "users": args.users,
                "segment": args.segment,
                "other_topics": args.other_topics,
                "parts": measured["parts"],
                "subscribed": measured["counts"]["subscribed"],
                "missing_email": measured["counts"]["missing_email"],
                "seconds": round(seconds, 2),
                "cpu_seconds": round(measured["cpu_seconds"], 2),
                "peak_rss_mb": measured["peak_rss_mb"],
                "users_rows_per_second": round(args.users / seconds) if seconds else None,
            }
        )
    )
    return 0
