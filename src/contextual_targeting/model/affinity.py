"""The local Item-Attribute-Affinity model: implicit-feedback ALS factors inside a rate × share estimate.

The question a segment answers is "who will interact with an item matching the query soon?". For a user u and the
set M of items matching the query, the model estimates

    score(u, M) = rate(u) × share(u, M)

- ``rate(u)``: how many interactions u makes per day — training interactions divided by the days since u was first
  seen (at least ``min_span_days``), or (``rate="decayed"``) the recency-weighted interaction count;
- ``share(u, M)``: the fraction of u's interactions that go to M, smoothed towards a prior with
  ``prior_strength`` pseudo-interactions: ``(c(u, M) + s · prior(u, M)) / (c(u) + s)``, where ``c`` are the
  (EVENT_VALUE- and optionally recency-weighted) interaction confidences;
- ``prior(u, M)`` mixes the collaborative estimate from ``implicit``'s ALS factors — the user's predicted preference
  over matching items relative to all items, ``u · Σ_{i∈M} w_i v_i / u · Σ_i w_i v_i`` with ``w_i`` = popularity^p —
  with the global share of M (``collaborative_weight``).

For a Poisson process the probability of at least one matching interaction in the next window, 1 - exp(-T·score),
is increasing in the score, so ranking by the score ranks by that probability. Light users get the collaborative
prior, heavy users their own history. Users without training interactions are never ranked. Deterministic: ALS is
seeded (``random_state``) and solves each row independently, so the thread count does not change the result.

The defaults were chosen with ``contextual-targeting evaluate`` on generated data (docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from contextual_targeting.model.data import Dataset, dataset_from_rows
from contextual_targeting.model.query import matching_items

DAY = 86400.0


@dataclass
class ModelParams:
    factors: int = 32
    iterations: int = 8
    regularization: float = 0.05
    alpha: float = 2.0
    half_life_days: float | None = None  # recency weighting of the confidences (None = off)
    use_event_value: bool = False  # EVENT_VALUE as a confidence multiplier (did not help on generated data)
    popularity_power: float = 0.5
    prior_strength: float = 10.0
    rate: str = "since_first"  # or "decayed": the recency-weighted interaction count
    min_span_days: float = 7.0
    collaborative_weight: float = 0.3
    seed: int = 0
    num_threads: int = 0  # 0 = all cores; ALS results do not depend on it (each row is solved independently)


def user_item_matrix(
    user: np.ndarray,
    item: np.ndarray,
    weight: np.ndarray,
    n_users: int,
    n_items: int,
) -> sp.csr_matrix:
    matrix = sp.csr_matrix(
        (weight.astype(np.float32), (user.astype(np.int32), item.astype(np.int32))), shape=(n_users, n_items)
    )
    matrix.sum_duplicates()
    return matrix


def recency_weight(timestamp: np.ndarray, reference: float, half_life_days: float | None) -> np.ndarray:
    if half_life_days is None or not math.isfinite(half_life_days):
        return np.ones(timestamp.shape[0], dtype=np.float32)
    age_days = np.maximum(reference - timestamp.astype(np.float64), 0.0) / DAY
    return np.exp2(-age_days / half_life_days).astype(np.float32)


def value_weight(value: np.ndarray) -> np.ndarray:
    """EVENT_VALUE as a confidence multiplier: ratings are rescaled to (0.5, 1.5]; constant values give 1."""
    if value.size == 0:
        return value.astype(np.float32)
    low, high = float(value.min()), float(value.max())
    if not high > low:
        return np.ones(value.shape[0], dtype=np.float32)
    return (0.5 + (value - low) / (high - low)).astype(np.float32)


class AffinityModel:
    """Fitted model over a dataset's user/item index; ``segment`` answers item-attribute queries."""

    def __init__(self, params: ModelParams | None = None) -> None:
        self.params = params or ModelParams()
        self.dataset: Dataset | None = None
        self.user_factors: np.ndarray | None = None
        self.item_factors: np.ndarray | None = None
        self.confidence: sp.csr_matrix | None = None
        self.item_weight: np.ndarray | None = None
        self.active_users: np.ndarray | None = None

    # --- training ---------------------------------------------------------------------------------------------

    def fit(self, dataset: Dataset) -> AffinityModel:
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        params = self.params
        inter = dataset.interactions
        self.dataset = dataset
        reference = float(inter.timestamp.max()) if len(inter) else 0.0
        weight = recency_weight(inter.timestamp, reference, params.half_life_days)
        if params.use_event_value:
            weight = weight * value_weight(inter.value)
        confidence = user_item_matrix(inter.user, inter.item, weight, dataset.n_users, dataset.n_items)
        self.confidence = confidence
        self.active_users = np.diff(confidence.indptr) > 0
        self.user_total: np.ndarray = np.asarray(confidence.sum(axis=1)).ravel()
        if params.rate == "since_first":
            first = np.full(dataset.n_users, reference, dtype=np.float64)
            np.minimum.at(first, inter.user, inter.timestamp.astype(np.float64))
            counts = np.bincount(inter.user, minlength=dataset.n_users).astype(np.float64)
            span = np.maximum((reference - first) / DAY, params.min_span_days)
            self.user_rate: np.ndarray = counts / span
        else:
            self.user_rate = self.user_total.astype(np.float64)
        popularity = np.asarray(confidence.sum(axis=0)).ravel()
        self.item_weight = np.power(popularity, params.popularity_power, dtype=np.float64).astype(np.float32)

        with threadpool_limits(1, "blas"):  # implicit runs its own threads; a BLAS pool on top only slows it
            als = AlternatingLeastSquares(
                factors=params.factors,
                regularization=params.regularization,
                alpha=params.alpha,
                iterations=params.iterations,
                random_state=params.seed,
                num_threads=params.num_threads,
                calculate_training_loss=False,
            )
            als.fit(confidence, show_progress=False)
        self.user_factors = np.asarray(als.user_factors, dtype=np.float32)
        self.item_factors = np.asarray(als.item_factors, dtype=np.float32)
        self.collaborative_total = np.maximum(self.user_factors @ (self.item_weight @ self.item_factors), 1e-9)
        return self

    # --- queries ----------------------------------------------------------------------------------------------

    def scores(self, mask: np.ndarray) -> np.ndarray:
        """Affinity of every user in the dataset's index to the items in ``mask`` (higher = more likely)."""
        assert self.user_factors is not None and self.item_factors is not None
        assert self.confidence is not None and self.item_weight is not None and self.active_users is not None
        weights = np.where(mask, self.item_weight, 0.0).astype(np.float32)
        collaborative = np.maximum(self.user_factors @ (weights @ self.item_factors), 0.0)
        share_prior = np.minimum(collaborative / self.collaborative_total, 1.0)
        global_share = float(weights.sum() / max(float(self.item_weight.sum()), 1e-12))
        cw = self.params.collaborative_weight
        share_prior = cw * share_prior + (1.0 - cw) * global_share
        matching = self.confidence @ mask.astype(np.float32)
        strength = self.params.prior_strength
        share = (matching + strength * share_prior) / (self.user_total + strength)
        score = self.user_rate * share
        return np.where(self.active_users, score, -np.inf)

    def query_scores(self, expression: str) -> np.ndarray:
        assert self.dataset is not None
        return self.scores(matching_items(self.dataset.attributes, expression))

    def segment(self, expression: str, num_results: int) -> list[str]:
        """User ids most likely to interact with items matching ``expression``, best first (at most num_results).

        No matching item (unknown field or value) gives an empty segment.
        """
        assert self.dataset is not None
        mask = matching_items(self.dataset.attributes, expression)
        if not mask.any():
            return []
        score = self.scores(mask)
        order = top_k(score, num_results)
        order = order[np.isfinite(score[order])]
        return [str(u) for u in self.dataset.user_ids[order]]


def top_k(score: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first; ties broken by lower index."""
    k = max(0, min(int(k), score.shape[0]))
    if k == 0:
        return np.empty(0, dtype=np.int64)
    if k < score.shape[0]:
        candidates = np.argpartition(-score, k - 1)[:k]
        threshold = score[candidates].min()
        candidates = np.flatnonzero(score >= threshold)  # keep every tie at the boundary
    else:
        candidates = np.arange(score.shape[0])
    order = candidates[np.lexsort((candidates, -score[candidates]))]
    return order[:k]


def fit_rows(
    interaction_rows: Iterable[Mapping[str, Any]],
    item_rows: Iterable[Mapping[str, Any]],
    params: ModelParams | None = None,
) -> AffinityModel:
    """Fit from in-memory rows (dicts keyed by column name, any case)."""
    return AffinityModel(params).fit(dataset_from_rows(interaction_rows, item_rows))
