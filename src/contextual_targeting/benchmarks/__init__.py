"""Benchmarks: every module here that defines ``register(subparsers)`` becomes ``contextual-targeting bench <name>``.

Each benchmark prints exactly one JSON line on stdout (figures for docs/benchmarks.md). ``peak_rss_mb`` helper below.
"""

from __future__ import annotations

import resource
import sys


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(usage / (1024 * 1024) if sys.platform == "darwin" else usage / 1024, 1)
