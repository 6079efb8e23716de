"""`contextual-targeting demo`: the whole solution on this machine (see contextual_targeting.local.demo)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from contextual_targeting.asl import REPO_ROOT


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the README's deploy steps against an embedded AWS: training, post-processing, imports",
        description="Deploy the solution into an embedded AWS (moto + emulators), upload the data as the README "
        "tells a user, run every workflow to the end and print a summary. Exit status 0 when every workflow ran and "
        "every destination received every segment; 1 when no training config was found, nothing ran, an execution "
        "failed or a destination is missing a segment; 2 for a usage error (bad --data-dir or --out); 130 on Ctrl-C. "
        "--out is written only when the demo ends, and only if it is new, empty or an earlier demo's.",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=REPO_ROOT / "data",
        help="data in the solution's layout: personalize/train/<dg>/…, personalize/batch/…, pinpoint/ (default: data/)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("out"),
        help="where to write the results (default: ./out); must be new, empty or written by an earlier demo, and "
        "never inside --data-dir",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty --out that no demo wrote: the demo's own entries (segments/, logs/, …) are "
        "replaced, every other file is kept",
    )
    parser.add_argument(
        "--destination",
        type=_destinations,
        default="export-only",
        help="where segments go besides the S3 export: a comma-separated list of export-only (the default, as "
        "terraform apply's default segment_destinations = []), ses (SES contact-list topics), connect (Amazon "
        "Connect Customer Profiles segment definitions), pinpoint (Pinpoint static segments, end of support "
        "2026-10-30); both = pinpoint,ses",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600,
        metavar="SECONDS",
        help="give up (exit 1) when the workflows have not finished after this many seconds, per step (default: 600)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress lines: only the steps, the summary and any failure"
    )
    parser.set_defaults(func=_run)


def _destinations(text: str) -> str:
    from contextual_targeting.local.demo import parse_destinations

    try:
        parse_destinations(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _run(args: argparse.Namespace) -> int:
    from contextual_targeting.local.demo import run_demo

    result = run_demo(
        args.data_dir,
        args.out,
        destination=args.destination,
        timeout=args.timeout,
        force=args.force,
        quiet=args.quiet,
    )
    return result.exit_code
