"""Segment-quality evaluation: temporal split, ground truth per query, the model against simple baselines.

- Split: one global cutoff (``--cutoff`` epoch seconds, or the timestamp leaving ``holdout`` of the interactions
  after it). Training = interactions strictly before the cutoff; the model and every baseline see only those. The
  model's own inner split uses the same fraction (``ModelParams.horizon_fraction``) of the training interactions.
- Candidates: users with at least one training interaction. Ground truth for a query: the candidates with at least
  one interaction with a matching item at or after the cutoff.
- Metrics per query over the candidates: precision@K, recall@K, AUC; method figures are means over the queries
  that have at least one positive and one negative.
- Baselines: ``random``; ``most_active`` (training interactions); ``past_matching_count`` (training interactions
  with matching items); ``past_matching_share`` ((matching + s·p) / (all + s), p = the global matching share,
  s = ``SHARE_PRIOR``); ``recent_matching`` (Σ 2^(-age/half-life) over matching interactions, the half-life chosen
  by an inner temporal split of the training period only).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from contextual_targeting.model.affinity import DAY, AffinityModel, ModelParams, user_item_matrix
from contextual_targeting.model.data import Dataset
from contextual_targeting.model.metrics import auc, precision_curve, precision_recall_at_k, ranking
from contextual_targeting.model.query import matching_items, parse_query

METHODS = ("model", "random", "most_active", "past_matching_count", "past_matching_share", "recent_matching")
SHARE_PRIOR = 5.0
HALF_LIFE_GRID_DAYS = (1.0, 3.0, 7.0, 14.0, 30.0, 60.0, 120.0, 365.0, float("inf"))
DEFAULT_HOLDOUT = 0.05
DEFAULT_K = 100

Scorer = Callable[[np.ndarray], np.ndarray]


# --- queries and K from the solution layout ---------------------------------------------------------------------


def read_queries(path: Path) -> list[str]:
    """``itemAttributes`` expressions from a batch segment job input (JSON lines, a JSON object or a JSON list)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        loaded = json.loads(text)
        records = loaded if isinstance(loaded, list) else [loaded]
    except json.JSONDecodeError:
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
    queries = []
    for record in records:
        expression = record.get("itemAttributes") if isinstance(record, dict) else record
        if not isinstance(expression, str):
            raise ValueError(f"{path}: no itemAttributes in {record!r}")
        parse_query(expression)
        queries.append(expression)
    if not queries:
        raise ValueError(f"{path}: no queries")
    return queries


def default_queries_file(dataset_dir: Path) -> Path | None:
    """``…/batch/<dataset group>/*/job_config.json`` next to ``…/train/<dataset group>/``, if there is one."""
    dataset_dir = Path(dataset_dir).resolve()
    for group_dir in (dataset_dir, dataset_dir.parent):
        batch = group_dir.parent.parent / "batch" / group_dir.name
        found = sorted(batch.glob("*/job_config.json")) if batch.is_dir() else []
        if found:
            return found[0]
    return None


def queries_for_all_values(dataset: Dataset, field_name: str = "genres", limit: int = 50) -> list[str]:
    """One query per value of a field, most common first (used when no job_config.json is found)."""
    entry = dataset.attributes.fields.get(field_name)
    if entry is None:
        return []
    vocabulary, matrix = entry
    counts = np.diff(matrix.indptr)
    names = sorted(vocabulary, key=lambda v: (-counts[vocabulary[v]], v))[:limit]
    return [f'ITEMS.{field_name} = "{name}"' for name in names]


def num_results_from_config(dataset_dir: Path) -> int | None:
    """The first ``numResults`` in the dataset group's config.json (the batch segment job's size)."""
    path = Path(dataset_dir) / "config.json"
    if not path.exists():
        return None

    def walk(node: Any) -> int | None:
        if isinstance(node, dict):
            if isinstance(node.get("numResults"), int):
                return int(node["numResults"])
            children: Sequence[Any] = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            return None
        for child in children:
            found = walk(child)
            if found is not None:
                return found
        return None

    try:
        return walk(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, OSError):
        return None


# --- split ------------------------------------------------------------------------------------------------------


def holdout_cutoff(timestamps: np.ndarray, holdout: float) -> int:
    """The timestamp leaving about ``holdout`` of the interactions at or after it (at least one on each side)."""
    if not 0.0 < holdout < 1.0:
        raise ValueError("holdout must be in (0, 1)")
    ordered = np.sort(timestamps)
    if ordered.shape[0] < 2 or ordered[0] == ordered[-1]:
        raise ValueError("need interactions at two different times for a temporal split")
    index = int(np.clip(round(ordered.shape[0] * (1.0 - holdout)), 1, ordered.shape[0] - 1))
    cutoff = int(ordered[index])
    if cutoff <= ordered[0]:
        cutoff = int(ordered[ordered > ordered[0]][0])
    return cutoff


def train_dataset(dataset: Dataset, cutoff: int) -> Dataset:
    """The same user/item index with only the interactions strictly before ``cutoff``."""
    inter = dataset.interactions
    return Dataset(dataset.user_ids, dataset.item_ids, inter.subset(inter.timestamp < cutoff), dataset.attributes)


# --- baselines --------------------------------------------------------------------------------------------------


@dataclass
class Baselines:
    """Baseline scorers over a training dataset; each maps an item mask to per-user scores."""

    train: Dataset
    reference: float
    seed: int
    half_life_days: float = float("inf")
    counts: sp.csr_matrix = field(init=False)
    activity: np.ndarray = field(init=False)
    _decayed: dict[float, sp.csr_matrix] = field(init=False, default_factory=dict)
    _query: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        inter = self.train.interactions
        ones = np.ones(len(inter), dtype=np.float32)
        self.counts = user_item_matrix(inter.user, inter.item, ones, self.train.n_users, self.train.n_items)
        self.activity = np.asarray(self.counts.sum(axis=1)).ravel()

    def decayed(self, half_life_days: float) -> sp.csr_matrix:
        if half_life_days not in self._decayed:
            inter = self.train.interactions
            if np.isfinite(half_life_days):
                age = np.maximum(self.reference - inter.timestamp.astype(np.float64), 0.0) / DAY
                weight = np.exp2(-age / half_life_days).astype(np.float32)
            else:
                weight = np.ones(len(inter), dtype=np.float32)
            self._decayed[half_life_days] = user_item_matrix(
                inter.user, inter.item, weight, self.train.n_users, self.train.n_items
            )
        return self._decayed[half_life_days]

    def random(self, mask: np.ndarray) -> np.ndarray:
        self._query += 1
        return np.random.default_rng([self.seed, self._query]).random(self.train.n_users)

    def most_active(self, mask: np.ndarray) -> np.ndarray:
        return self.activity.astype(np.float64)

    def past_matching_count(self, mask: np.ndarray) -> np.ndarray:
        return self.counts @ mask.astype(np.float64)

    def past_matching_share(self, mask: np.ndarray) -> np.ndarray:
        matching = self.counts @ mask.astype(np.float64)
        total = self.activity.sum()
        prior = float(matching.sum() / total) if total else 0.0
        return (matching + SHARE_PRIOR * prior) / (self.activity + SHARE_PRIOR)

    def recent_matching(self, mask: np.ndarray, half_life_days: float | None = None) -> np.ndarray:
        return self.decayed(self.half_life_days if half_life_days is None else half_life_days) @ mask.astype(np.float64)


def choose_half_life(train: Dataset, masks: list[np.ndarray], k: int, seed: int, holdout: float) -> float:
    """Best half-life for ``recent_matching`` by mean precision@K on an inner split of the training period."""
    try:
        inner_cutoff = holdout_cutoff(train.interactions.timestamp, holdout)
    except ValueError:
        return float("inf")
    inner = train_dataset(train, inner_cutoff)
    truth = GroundTruth(train, inner, inner_cutoff)
    baselines = Baselines(inner, float(inner_cutoff), seed)
    best, best_precision = float("inf"), -1.0
    for half_life in HALF_LIFE_GRID_DAYS:
        precisions = []
        for mask in masks:
            positive = truth.positives(mask)
            if positive.any() and not positive.all():
                order = ranking(baselines.recent_matching(mask, half_life)[truth.candidates], truth.tiebreak)
                precisions.append(precision_recall_at_k(order, positive, k)[0])
        mean = float(np.mean(precisions)) if precisions else 0.0
        if mean > best_precision + 1e-12:
            best, best_precision = half_life, mean
    return best


# --- evaluation -------------------------------------------------------------------------------------------------


class GroundTruth:
    """Candidates (users seen in training) and, per item mask, who interacts with a matching item after the cutoff."""

    def __init__(self, full: Dataset, train: Dataset, cutoff: int, seed: int = 0) -> None:
        inter = full.interactions
        seen = np.zeros(full.n_users, dtype=bool)
        seen[train.interactions.user] = True
        self.candidates = np.flatnonzero(seen)
        test = inter.timestamp >= cutoff
        self.test_user = inter.user[test]
        self.test_item = inter.item[test]
        self.n_users = full.n_users
        self.seen = seen
        self.tiebreak = np.random.default_rng(seed).permutation(self.candidates.shape[0])

    def positives(self, mask: np.ndarray) -> np.ndarray:
        hit = np.zeros(self.n_users, dtype=bool)
        hit[self.test_user[mask[self.test_item]]] = True
        return hit[self.candidates]


@dataclass
class EvaluationResult:
    k: int
    cutoff: int
    queries: list[dict[str, Any]]
    methods: dict[str, dict[str, float | None]]
    curves: dict[str, list[float]]
    curve_ks: list[int]
    info: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "cutoff": self.cutoff,
            "queries": self.queries,
            "methods": self.methods,
            "model": self.info.get("model", {}),
        }


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def evaluate(
    dataset: Dataset,
    queries: list[str],
    k: int = DEFAULT_K,
    holdout: float | None = DEFAULT_HOLDOUT,
    cutoff: int | None = None,
    seed: int = 0,
    params: ModelParams | None = None,
    model_factory: Callable[[ModelParams], AffinityModel] = AffinityModel,
    on_query: Callable[[str], None] | None = None,
) -> EvaluationResult:
    """The model and every baseline scored on ``queries`` against what happened after the cutoff.

    ``on_query(query)`` is called once each query has been scored by every method (a progress counter's hook).
    """
    if cutoff is None:
        cutoff = holdout_cutoff(dataset.interactions.timestamp, holdout or DEFAULT_HOLDOUT)
    train = train_dataset(dataset, cutoff)
    if len(train.interactions) == 0:
        raise ValueError(f"no interactions before the cutoff {cutoff}")
    truth = GroundTruth(dataset, train, cutoff, seed)
    masks = [matching_items(dataset.attributes, parse_query(q)) for q in queries]

    params = params or ModelParams(seed=seed, horizon_fraction=holdout or DEFAULT_HOLDOUT, importance=True)
    model = model_factory(params).fit(train)
    half_life = choose_half_life(train, masks, k, seed, holdout or DEFAULT_HOLDOUT)
    baselines = Baselines(train, float(cutoff), seed, half_life)
    scorers: dict[str, Scorer] = {
        "model": model.scores,
        "random": baselines.random,
        "most_active": baselines.most_active,
        "past_matching_count": baselines.past_matching_count,
        "past_matching_share": baselines.past_matching_share,
        "recent_matching": baselines.recent_matching,
    }
    n_candidates = int(truth.candidates.shape[0])
    curve_ks = sorted({int(x) for x in np.unique(np.geomspace(1, max(n_candidates, 1), 40).round())} | {k})
    curve_ks = [x for x in curve_ks if x <= n_candidates] or [1]
    curve_sums = {name: np.zeros(len(curve_ks)) for name in scorers}
    per_query: list[dict[str, Any]] = []
    evaluated = 0
    for query, mask in zip(queries, masks, strict=True):
        positive = truth.positives(mask)
        entry: dict[str, Any] = {"query": query, "positives": int(positive.sum()), "methods": {}}
        usable = bool(positive.any() and not positive.all())
        for name, scorer in scorers.items():
            score = np.asarray(scorer(mask), dtype=np.float64)[truth.candidates]
            if not usable:
                entry["methods"][name] = {"precision_at_k": None, "recall_at_k": None, "auc": None}
                continue
            order = ranking(score, truth.tiebreak)
            precision, recall = precision_recall_at_k(order, positive, k)
            entry["methods"][name] = {"precision_at_k": precision, "recall_at_k": recall, "auc": auc(score, positive)}
            curve_sums[name] += precision_curve(order, positive, np.asarray(curve_ks))
        evaluated += int(usable)
        per_query.append(entry)
        if on_query is not None:
            on_query(query)
    methods = {
        name: {
            metric: _mean([q["methods"][name][metric] for q in per_query])
            for metric in ("precision_at_k", "recall_at_k", "auc")
        }
        for name in scorers
    }
    curves = {name: (curve_sums[name] / max(evaluated, 1)).tolist() for name in scorers}
    info = {
        "candidates": n_candidates,
        "train_interactions": len(train.interactions),
        "test_interactions": int(len(dataset.interactions) - len(train.interactions)),
        "queries_evaluated": evaluated,
        "recent_matching_half_life_days": half_life,
        "model": {**model.info, "feature_weights": model.feature_weights(), "feature_importance": model.importance},
    }
    return EvaluationResult(k, int(cutoff), per_query, methods, curves, curve_ks, info)


def best_baseline(result: EvaluationResult) -> tuple[str, float]:
    baselines = {m: v["precision_at_k"] for m, v in result.methods.items() if m != "model"}
    name = max(baselines, key=lambda m: baselines[m] or 0.0)
    return name, float(baselines[name] or 0.0)
