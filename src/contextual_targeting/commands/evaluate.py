"""`contextual-targeting evaluate`: how good would a segment be? The local model against simple baselines.

See ``contextual_targeting.model.evaluation`` for the protocol (temporal split, ground truth, metrics, baselines).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
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
    parser.add_argument(
        "--k",
        type=int,
        help=f"segment size K (default: numResults of the dataset group's training config — the .json file next "
        f"to interactions.csv that the training rule starts on, whatever its name —, else {DEFAULT_K})",
    )
    parser.add_argument(
        "--config",
        type=Path,
        help="the training config to read numResults from (default: found next to interactions.csv)",
    )
    split = parser.add_mutually_exclusive_group()
    split.add_argument(
        "--holdout-fraction",
        "--holdout",
        dest="holdout",
        type=float,
        help=f"fraction of interactions (the most recent) held out for testing; the model learns to predict a "
        f"period of the same share of its training data (default {DEFAULT_HOLDOUT})",
    )
    split.add_argument(
        "--cutoff",
        type=int,
        help="split at this epoch second instead (train < cutoff ≤ test); the model's horizon stays the default",
    )
    parser.add_argument("--json", type=Path, help="write the results as JSON to this file")
    parser.add_argument("--plot", type=Path, help="draw precision@K vs K per method to this PNG")
    parser.add_argument("--seed", type=int, default=0, help="seed for the model, the random baseline and tie-breaks")
    parser.add_argument("--quiet", action="store_true", help="no progress lines or notes on stderr (warnings stay)")
    parser.set_defaults(func=run)


MIN_POSITIVES = 10  # below this, a query's precision and recall at K are mostly noise


class UsageError(Exception):
    """Exit status 2 with this message (it names the file to fix)."""


def training_config(dataset_dir: Path) -> Path | None:
    """The dataset group's training config: a ``.json`` file next to the data that the training rule starts on.

    The same rule the deployed workflow applies to ``train/<dataset group>/<file>`` (``local.runtime.
    starts_training``, from the module's own event pattern), so a config named ``bingewatch-params.json`` is found
    like ``config.json``. Several candidates: the ones holding ``solutions`` decide; still several is an error.
    """
    from contextual_targeting.local.runtime import starts_training

    found = [p for p in sorted(dataset_dir.glob("*.json")) if starts_training(f"train/{dataset_dir.name}/{p.name}")]
    if len(found) > 1:
        found = [p for p in found if '"solutions"' in p.read_text(encoding="utf-8", errors="replace")] or found
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise UsageError(f"{dataset_dir} holds several training configs ({names}): pass --config FILE or --k")
    return found[0] if found else None


def num_results(config: Path) -> int | None:
    """The first ``numResults`` of the config's batch segment jobs; a config that cannot be read is an error."""
    try:
        loaded = json.loads(config.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"{config}: cannot be read ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise UsageError(f"{config}: not UTF-8 text; fix the file or pass --k") from None
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{config}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); fix it or pass --k"
        ) from None
    if not isinstance(loaded, dict):
        raise UsageError(f"{config}: a training config is a JSON object; fix it or pass --k")
    stack: list[Any] = [loaded]
    while stack:
        node = stack.pop(0)
        if isinstance(node, dict):
            value = node.get("numResults")
            if value is not None:
                if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                    return value
                raise UsageError(
                    f"{config}: numResults must be a positive integer, found {value!r}; fix it or pass --k"
                )
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


def _queries(path: Path) -> list[str]:
    try:
        return read_queries(path)
    except OSError as error:
        raise UsageError(f"{path}: cannot be read ({error.strerror or error})") from None
    except (ValueError, QueryError) as error:  # JSONDecodeError is a ValueError
        text = str(error)
        raise UsageError(text if str(path) in text else f"{path}: {text}") from None


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
    def note(text: str) -> None:
        if not args.quiet:
            print(f"evaluate: {text}", file=sys.stderr, flush=True)

    started = time.monotonic()
    try:
        dataset_dir = find_dataset_dir(args.data_dir)
        k = args.k
        if k is None:
            config = args.config or training_config(dataset_dir)
            k = num_results(config) if config is not None else None
            if k is None:
                k = DEFAULT_K
                where = f"no numResults in {config}" if config else f"no training config in {dataset_dir}"
                note(f"K = {k} ({where}; --k sets it)")
            else:
                note(f"K = {k} (numResults in {config})")
        if k < 1:
            raise UsageError(f"--k must be at least 1, got {k}")
        note(f"reading {dataset_dir} …")
        dataset = load_dataset(dataset_dir)
        queries_file = args.queries or default_queries_file(dataset_dir)
        queries = _queries(queries_file) if queries_file else queries_for_all_values(dataset)
        if not queries:
            raise UsageError("no queries (pass --queries job_config.json)")
        note(
            f"{len(dataset.interactions):,} interactions read ({time.monotonic() - started:.0f}s); training "
            f"the model and scoring {len(queries)} queries …"
        )
        from contextual_targeting.progress import progress

        with progress("evaluate: queries scored", total=len(queries), unit="queries", quiet=args.quiet) as bar:

            def scored(query: str) -> None:
                bar.set_postfix_str(query[:60])
                bar.update(1)

            result = evaluate(
                dataset,
                queries,
                k=k,
                holdout=args.holdout if args.holdout is not None else DEFAULT_HOLDOUT,
                cutoff=args.cutoff,
                seed=args.seed,
                on_query=scored,
            )
    except UsageError as error:
        print(f"evaluate: {error}", file=sys.stderr)
        return 2
    except (DataError, QueryError, ValueError, OSError) as error:
        print(f"evaluate: {error}", file=sys.stderr)
        return 2
    note(f"done in {time.monotonic() - started:.0f}s")
    info = result.info
    print(
        f"data: {dataset_dir}  cutoff: {result.cutoff}  train/test interactions: {info['train_interactions']}/"
        f"{info['test_interactions']}  candidates: {info['candidates']}  queries: {info['queries_evaluated']}/"
        f"{len(queries)}  recent_matching half-life: {info['recent_matching_half_life_days']} days"
    )
    model = info.get("model", {})
    if model:
        importance = sorted(model["feature_importance"].items(), key=lambda kv: -kv[1])
        print(
            f"model: {model['learner']}, horizon {model['horizon_days']:g} days, {model['inner_periods']} inner "
            f"periods, {model['training_examples']} examples"
            + ("; loss without each group: " if importance else "")
            + ", ".join(f"{name} +{value:.4f}" for name, value in importance)
        )
    print(format_queries(result))
    print()
    print(format_table(result))
    name, precision = best_baseline(result)
    model_precision = result.methods["model"]["precision_at_k"]
    if model_precision is not None and precision > 0:
        print(f"model / best baseline ({name}) precision@{result.k}: {model_precision / precision:.3f}")
    for warning in warnings_for(result):
        print(f"evaluate: warning: {warning}", file=sys.stderr)
    # written under a temporary name and renamed: an interrupted run leaves no half-written result
    if args.json:
        text = json.dumps(result.to_json(), indent=2) + "\n"
        _atomically(args.json, lambda path: path.write_text(text, encoding="utf-8"))
    if args.plot:
        _atomically(args.plot, lambda path: plot(result, path))
    return 0


def _atomically(path: Path, write: Any) -> None:
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        write(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def warnings_for(result: EvaluationResult) -> list[str]:
    """What makes the figures misleading: K not below the candidates, or too few positives for a query."""
    found = []
    candidates = int(result.info["candidates"])
    if result.k >= candidates:
        found.append(
            f"K = {result.k} ≥ the {candidates} candidate users: every method ranks all of them, recall is 1.0 for "
            "all and the ratios say nothing; use a smaller --k (or more data)"
        )
    few = [(q["query"], q["positives"]) for q in result.queries if q["positives"] < MIN_POSITIVES]
    for query, positives in few:
        found.append(
            f"{query}: only {positives} user(s) interact with matching items in the test period (< {MIN_POSITIVES}): "
            "its precision and recall are mostly noise"
        )
    return found
