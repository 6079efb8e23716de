"""`contextual-targeting evaluate`: how good would a segment be? The local model against simple baselines.

See ``contextual_targeting.model.evaluation`` for the protocol (temporal split, ground truth, metrics, baselines).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from contextual_targeting.model.data import DataError, find_dataset_dir, load_dataset
from contextual_targeting.model.evaluation import (
    DEFAULT_HOLDOUT,
    DEFAULT_K,
    METHODS,
    EvaluationResult,
    best_baseline,
    default_queries_file,
    evaluate,
    num_results_from_config,
    queries_for_all_values,
    read_queries,
)
from contextual_targeting.model.query import QueryError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="segment quality: the local affinity model vs baselines on a temporal holdout",
        description="Train on the interactions before a cutoff, rank users per item-attribute query, and score the "
        "ranking against who interacts with matching items after the cutoff (precision@K, recall@K, AUC).",
    )
    parser.add_argument("--data-dir", required=True, type=Path, help="dataset group folder (with interactions.csv)")
    parser.add_argument(
        "--queries",
        type=Path,
        help="batch segment job input (JSON lines with itemAttributes); default: the job_config.json under "
        "batch/<dataset group>/ next to the data, else one query per genre",
    )
    parser.add_argument("--k", type=int, help="segment size K (default: numResults in config.json, else 100)")
    split = parser.add_mutually_exclusive_group()
    split.add_argument(
        "--holdout",
        type=float,
        help=f"fraction of interactions (the most recent) held out for testing (default {DEFAULT_HOLDOUT})",
    )
    split.add_argument("--cutoff", type=int, help="split at this epoch second instead (train < cutoff ≤ test)")
    parser.add_argument("--json", type=Path, help="write the results as JSON to this file")
    parser.add_argument("--plot", type=Path, help="draw precision@K vs K per method to this PNG")
    parser.add_argument("--seed", type=int, default=0, help="seed for the model, the random baseline and tie-breaks")
    parser.set_defaults(func=run)


def format_table(result: EvaluationResult) -> str:
    header = f"{'method':<22}{'precision@' + str(result.k):>15}{'recall@' + str(result.k):>13}{'AUC':>8}"
    lines = [header, "-" * len(header)]

    def fmt(value: float | None, width: int) -> str:
        return f"{'n/a':>{width}}" if value is None else f"{value:>{width}.4f}"

    for name in METHODS:
        figures = result.methods[name]
        lines.append(
            f"{name:<22}{fmt(figures['precision_at_k'], 15)}{fmt(figures['recall_at_k'], 13)}{fmt(figures['auc'], 8)}"
        )
    return "\n".join(lines)


def format_queries(result: EvaluationResult) -> str:
    lines = []
    for entry in result.queries:
        lines.append(f"{entry['query']}  (positives: {entry['positives']})")
        for name in METHODS:
            p = entry["methods"][name]["precision_at_k"]
            a = entry["methods"][name]["auc"]
            p_text = "n/a" if p is None else f"{p:.4f}"
            a_text = "n/a" if a is None else f"{a:.4f}"
            lines.append(f"    {name:<22} precision@{result.k} {p_text}  AUC {a_text}")
    return "\n".join(lines)


def plot(result: EvaluationResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name in METHODS:
        ax.plot(result.curve_ks, result.curves[name], label=name, linewidth=2.2 if name == "model" else 1.2)
    ax.axvline(result.k, color="grey", linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("K (segment size)")
    ax.set_ylabel("mean precision@K")
    ax.set_title("Segment quality: precision@K by method")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    try:
        dataset_dir = find_dataset_dir(args.data_dir)
        dataset = load_dataset(dataset_dir)
        queries_file = args.queries or default_queries_file(dataset_dir)
        queries = read_queries(queries_file) if queries_file else queries_for_all_values(dataset)
        if not queries:
            print("evaluate: no queries (pass --queries job_config.json)", file=sys.stderr)
            return 2
        k = args.k or num_results_from_config(dataset_dir) or DEFAULT_K
        result = evaluate(
            dataset,
            queries,
            k=k,
            holdout=args.holdout if args.holdout is not None else DEFAULT_HOLDOUT,
            cutoff=args.cutoff,
            seed=args.seed,
        )
    except (DataError, QueryError, ValueError, OSError) as error:
        print(f"evaluate: {error}", file=sys.stderr)
        return 2
    info = result.info
    print(
        f"data: {dataset_dir}  cutoff: {result.cutoff}  train/test interactions: {info['train_interactions']}/"
        f"{info['test_interactions']}  candidates: {info['candidates']}  queries: {info['queries_evaluated']}/"
        f"{len(queries)}  recent_matching half-life: {info['recent_matching_half_life_days']} days"
    )
    print(format_queries(result))
    print()
    print(format_table(result))
    name, precision = best_baseline(result)
    model_precision = result.methods["model"]["precision_at_k"]
    if model_precision is not None and precision > 0:
        print(f"model / best baseline ({name}) precision@{result.k}: {model_precision / precision:.3f}")
    if args.json:
        args.json.write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
    if args.plot:
        plot(result, args.plot)
    return 0
