"""`contextual-targeting bench <name>`: one subcommand per module in ``contextual_targeting.benchmarks``."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from contextual_targeting import benchmarks


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="run a benchmark; prints one JSON line",
        description="Run one benchmark and print one JSON line (seconds, peak RSS, throughput); the figures in "
        "docs/benchmarks.md come from these commands. `bench BENCHMARK --help` lists each one's options.",
    )
    inner = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK")
    inner.required = True
    for info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{benchmarks.__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(inner)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)
