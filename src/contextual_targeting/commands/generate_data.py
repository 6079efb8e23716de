"""`contextual-targeting generate-data`: write the Bingewatch datasets (see ``contextual_targeting.datagen``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def register(subparsers: Any) -> None:
    from contextual_targeting.datagen import SAMPLE

    parser = subparsers.add_parser(
        "generate-data",
        help="write synthetic Bingewatch interactions/items/users/endpoints in the solution layout",
        description=(
            "Writes OUT/personalize/train/bingewatch/{config.json,interactions.csv,items.csv,users.csv}, "
            "OUT/personalize/batch/bingewatch/bingewatch-affinity/job_config.json and OUT/pinpoint/endpoints.csv. "
            "Same arguments => byte-identical files. Prints one JSON line (counts, files)."
        ),
    )
    parser.add_argument("--out", required=True, help="output directory (created if missing)")
    parser.add_argument(
        "--sample",
        action="store_true",
        help=(
            f"the committed sample: {SAMPLE.users} users, {SAMPLE.items} items, {SAMPLE.interactions} interactions, "
            f"seed {SAMPLE.seed} (cannot be combined with the size/seed options)"
        ),
    )
    parser.add_argument("--users", type=_positive, help=f"number of users (default {SAMPLE.users})")
    parser.add_argument("--items", type=_positive, help=f"number of items (default {SAMPLE.items})")
    parser.add_argument(
        "--interactions", type=_positive, help=f"number of interactions (default {SAMPLE.interactions})"
    )
    parser.add_argument("--seed", type=int, help=f"random seed (default {SAMPLE.seed})")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr (the JSON line is still printed)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from contextual_targeting.datagen import SAMPLE, Sizes, generate, total_rows
    from contextual_targeting.progress import progress

    explicit = [name for name in ("users", "items", "interactions", "seed") if getattr(args, name) is not None]
    if args.sample and explicit:
        print(f"generate-data: --sample fixes the sizes and seed; drop --{', --'.join(explicit)}", file=sys.stderr)
        return 2
    sizes = Sizes(
        users=args.users if args.users is not None else SAMPLE.users,
        items=args.items if args.items is not None else SAMPLE.items,
        interactions=args.interactions if args.interactions is not None else SAMPLE.interactions,
        seed=args.seed if args.seed is not None else SAMPLE.seed,
    )
    with progress("generate-data", total=total_rows(sizes), unit="rows", quiet=args.quiet) as bar:
        written = generate(args.out, sizes, on_rows=bar.update)
    print(json.dumps(written))
    return 0
