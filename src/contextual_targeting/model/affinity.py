"""The local Item-Attribute-Affinity model: a ranker learned per dataset on an inner temporal split.

The question a segment answers is "who will interact with an item matching the query soon?". Instead of one fixed
formula, the model learns from the data how much recency, activity, the user's own matching history and the
collaborative signal matter:

1. **Horizon.** The data's last ``horizon_fraction`` of interactions (by time) defines the horizon H: the period
   the model learns to predict (``evaluate`` sets it to its holdout fraction).
2. **Inner split.** For ``windows`` consecutive periods of length H that end at the data's last timestamp, the
   features are computed from the interactions *before* each period (``features.UserHistory``: counts decayed at
   several half-lives, horizons since the last interaction and the last matching one, smoothed shares, ALS
   affinity) and the label is "interacted with a matching item during the period".
3. **Training queries.** One query per attribute value that covers at least ``min_query_share`` of the
   interactions (e.g. every genre), the ``max_training_queries`` broadest: one model for all queries, the query
   enters through the features. Users are subsampled (seeded) to at most ``max_examples`` examples.
4. **Learner.** A binary GLM with a complementary log-log link on standardised features (``ranker``), its L2
   penalty pulling the weights towards ``prior_weights`` (rate × share, the fixed formula of the model this one
   replaced) with a strength chosen on the latest inner period after fitting on the older ones; the link, the
   prior and the choice were picked by measurement (docs/benchmarks.md). Too few positive or negative examples
   (tiny or timestamp-less data) fall back to fixed weights: decayed activity × decayed smoothed share.
5. **Scoring.** The same features at the data's last timestamp, over all interactions; users ranked by the
   predicted probability. Users without interactions are never ranked.

Collaborative affinity: ``implicit``'s ALS, fitted on the interactions before the earliest inner period (so the
inner features never see their labels); for scoring, the user factors are recomputed from all interactions with
those item factors (one conjugate-gradient pass of ALS's solver, warm from the inner user factors). A user's
estimated share of interactions with M is ``u · Σ_{i∈M} w_i v_i / u · Σ_i w_i v_i`` with ``w_i`` =
popularity^``popularity_power``. Deterministic: user sampling and ALS are seeded, ALS solves each row
independently (the thread count does not change the result), the learner is exact.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from contextual_targeting.model import features as feat
from contextual_targeting.model.data import Dataset, dataset_from_rows
from contextual_targeting.model.query import matching_items
from contextual_targeting.model.ranker import GlmRanker, choose_l2, fit_glm, group_importance

DAY = 86400.0
MIN_CLASS_EXAMPLES = 20


@dataclass
class ModelParams:
    horizon_fraction: float = 0.05
    windows: int = 3
    max_training_queries: int = 24
    min_query_share: float = 0.01
    max_examples: int = 1_000_000
    l2: float = 1.0
    link: str = "cloglog"
    factors: int = 32
    iterations: int = 8
    regularization: float = 0.05
    alpha: float = 2.0
    popularity_power: float = 0.5
    collaborative: bool = True
    prior: str = "rate_share"  # the weights the penalty pulls towards: "rate_share" or "none" (zero)
    l2_grid: tuple[float, ...] = (1.0, 10.0, 100.0, 1_000.0, 10_000.0, 100_000.0)  # chosen on the latest period
    l2_folds: int = 1
    importance: bool = False  # refit without each feature group (evaluate's --json); the runtime does not need it
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


def horizon_start(timestamp: np.ndarray, fraction: float) -> int | None:
    """The timestamp leaving about ``fraction`` of the interactions at or after it; None without two distinct times."""
    if timestamp.size < 2:
        return None
    ordered = np.sort(timestamp)
    if ordered[0] == ordered[-1]:
        return None
    index = int(np.clip(round(ordered.shape[0] * (1.0 - fraction)), 1, ordered.shape[0] - 1))
    start = int(ordered[index])
    if start <= ordered[0]:
        start = int(ordered[ordered > ordered[0]][0])
    return start


def inner_periods(
    timestamp: np.ndarray, start: float | None, horizon: float, windows: int
) -> list[tuple[float, float]]:
    """[start, end) of up to ``windows`` periods of one horizon, latest first; the latest reaches the data's end.

    A period is kept only if some interaction lies before it (features need a history).
    """
    if start is None or timestamp.size == 0:
        return []
    earliest = float(timestamp.min())
    periods = []
    for k in range(max(windows, 1)):
        period_start = start - k * horizon
        if period_start <= earliest:
            break
        periods.append((period_start, np.inf if k == 0 else period_start + horizon))
    return periods


def training_queries(dataset: Dataset, max_queries: int, min_share: float) -> list[tuple[str, np.ndarray]]:
    """(``field=value``, item mask) for the attribute values with the largest interaction share (≥ ``min_share``)."""
    popularity = np.bincount(dataset.interactions.item, minlength=dataset.n_items).astype(np.float64)
    total = max(float(popularity.sum()), 1.0)
    found: list[tuple[float, str, str, int]] = []
    for name, (vocabulary, matrix) in sorted(dataset.attributes.fields.items()):
        shares = (popularity @ matrix) / total
        for value, column in vocabulary.items():
            found.append((float(shares[column]), name, value, column))
    found.sort(key=lambda entry: (-entry[0], entry[1], entry[2]))
    chosen = [entry for entry in found if min_share <= entry[0] < 1.0][:max_queries]
    if not chosen:  # tiny data: the broadest values that are not everything
        chosen = [entry for entry in found if 0.0 < entry[0] < 1.0][:max_queries]
    out = []
    for _, name, value, column in chosen:
        matrix = dataset.attributes.fields[name][1]
        mask = np.zeros(dataset.n_items, dtype=bool)
        mask[matrix.indices[matrix.indptr[column] : matrix.indptr[column + 1]]] = True
        out.append((f"{name}={value}", mask))
    return out


def prior_ranker() -> GlmRanker:
    """Fixed weights when there is nothing to learn from: log decayed activity + log decayed smoothed share."""
    weights = np.zeros(len(feat.FEATURES))
    weights[feat.FEATURES.index(f"log_interactions_hl{feat.QUERY_SHARE_HALF_LIFE:g}")] = 1.0
    weights[feat.FEATURES.index(f"log_matching_share_hl{feat.QUERY_SHARE_HALF_LIFE:g}")] = 1.0
    return GlmRanker(np.zeros(len(weights)), np.ones(len(weights)), weights, 0.0)


def prior_weights(prior: str) -> np.ndarray | None:
    """Raw-feature weights the learner's penalty pulls towards (``ModelParams.prior``).

    ``rate_share``: η = log rate + log blended share, i.e. rate × share — the fixed formula of the model this one
    replaced, Bayes-optimal when a user's matching interactions are a Poisson process with that rate. The learner
    moves away from it only as far as the inner split's evidence carries it (the penalty is chosen on the latest
    inner period). ``none``: towards zero (plain ridge)."""
    if prior == "none":
        return None
    if prior != "rate_share":
        raise ValueError(f"prior must be 'rate_share' or 'none', got {prior!r}")
    weights = np.zeros(len(feat.FEATURES))
    weights[feat.FEATURES.index("log_rate")] = 1.0
    weights[feat.FEATURES.index("log_blended_share")] = 1.0
    return weights


class _Stopwatch:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 2)
        self._last = now


class _Collaborative:
    """ALS share estimate for the users ``rows`` of a factor matrix (a UserHistory's ``collaborative``)."""

    def __init__(self, user_factors: np.ndarray, item_factors: np.ndarray, item_weight: np.ndarray) -> None:
        self.user_factors = user_factors
        self.item_factors = item_factors
        self.item_weight = item_weight
        self.total = np.maximum(user_factors @ (item_weight @ item_factors), 1e-9)

    def __call__(self, mask: np.ndarray) -> np.ndarray:
        weights = np.where(mask, self.item_weight, 0.0).astype(np.float32)
        return np.maximum(self.user_factors @ (weights @ self.item_factors), 0.0) / self.total


class AffinityModel:
    """Fitted model over a dataset's user/item index; ``segment`` answers item-attribute queries."""

    def __init__(self, params: ModelParams | None = None) -> None:
        self.params = params or ModelParams()
        self.dataset: Dataset | None = None
        self.history: feat.UserHistory | None = None
        self.ranker: GlmRanker = prior_ranker()
        self.user_factors: np.ndarray | None = None
        self.item_factors: np.ndarray | None = None
        self.info: dict[str, Any] = {}
        self.importance: dict[str, float] = {}
        self.l2_losses: dict[float, float] = {}
        self.stage_seconds: dict[str, float] = {}  # wall seconds per training stage (bench model)

    # --- training ---------------------------------------------------------------------------------------------

    def _als(self, user: np.ndarray, item: np.ndarray, shape: tuple[int, int], warm: Any) -> tuple[Any, np.ndarray]:
        """ALS on the interaction counts; with ``warm`` (an earlier fit) only the user factors are recomputed, the
        item factors fixed: one user pass of the fit's solver started from the earlier user factors, a sixteenth of
        a fit's cost (implicit's ``recalculate_user`` solves exactly by Cholesky: 45 s of 280 at 1M users)."""
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        params = self.params
        confidence = user_item_matrix(user, item, np.ones(user.shape[0], np.float32), *shape)
        with threadpool_limits(1, "blas"):  # implicit runs its own threads; a BLAS pool on top only slows it
            if warm is None:
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
            else:  # one user pass of ALS's own solver (conjugate gradient), warm from the inner fit's user factors
                als = warm
                user_factors = np.array(als.user_factors, dtype=np.float32)
                weighted = confidence if params.alpha == 1.0 else (params.alpha * confidence).astype(np.float32)
                als.solver(weighted, user_factors, als.item_factors, als.regularization, num_threads=als.num_threads)
                als.user_factors = user_factors
        popularity = np.asarray(confidence.sum(axis=0)).ravel()
        item_weight = np.power(popularity, params.popularity_power, dtype=np.float64).astype(np.float32)
        return als, item_weight

    def fit(self, dataset: Dataset) -> AffinityModel:
        params = self.params
        inter = dataset.interactions
        self.dataset = dataset
        n_users, n_items = dataset.n_users, dataset.n_items
        clock = _Stopwatch()
        reference = float(inter.timestamp.max()) if len(inter) else 0.0
        start = horizon_start(inter.timestamp, params.horizon_fraction) if len(inter) else None
        horizon = max(reference - start, 1.0) if start is not None else DAY
        periods = inner_periods(inter.timestamp, start, horizon, params.windows)

        als = item_weight = None
        if params.collaborative and len(inter):
            early = inter.timestamp < (periods[-1][0] if periods else reference + 1.0)
            if early.any():  # ALS before the earliest inner period: the inner features never see their labels
                als, item_weight = self._als(inter.user[early], inter.item[early], (n_users, n_items), None)
        inner = None
        if als is not None and item_weight is not None:
            inner = (np.array(als.user_factors, dtype=np.float32), np.array(als.item_factors, dtype=np.float32))
        clock.lap("als")

        queries = training_queries(dataset, params.max_training_queries, params.min_query_share)
        x, y, period = self._examples(dataset, periods, horizon, [mask for _, mask in queries], inner, item_weight)
        clock.lap("inner_examples")
        positives = int(y.sum())
        learned = positives >= MIN_CLASS_EXAMPLES and y.shape[0] - positives >= MIN_CLASS_EXAMPLES
        centre = prior_weights(params.prior)
        l2, self.l2_losses = params.l2, {}
        validation = period == 0
        if learned and len(params.l2_grid) > 1 and validation.any() and not validation.all():
            yv, yt = y[validation], y[~validation]
            if min(yv.sum(), (~yv).sum(), yt.sum(), (~yt).sum()) >= MIN_CLASS_EXAMPLES:
                l2, self.l2_losses = choose_l2(x, y, period, params.l2_grid, params.link, centre, params.l2_folds)
        self.ranker = fit_glm(x, y, l2=l2, link=params.link, prior=centre) if learned else prior_ranker()
        clock.lap("learner")
        if learned and params.importance:
            groups = {name: [feat.FEATURES.index(f) for f in names] for name, names in feat.GROUPS.items()}
            found = group_importance(x, y, groups, l2=l2, link=params.link, seed=params.seed, prior=centre)
            self.importance = {name: round(value, 6) for name, value in found.items()}
            clock.lap("importance")
        del x, y

        collaborative = None
        if als is not None:  # user factors on everything, for scoring
            als, item_weight = self._als(inter.user, inter.item, (n_users, n_items), als)
            self.user_factors = np.asarray(als.user_factors, dtype=np.float32)
            self.item_factors = np.asarray(als.item_factors, dtype=np.float32)
            collaborative = _Collaborative(self.user_factors, self.item_factors, item_weight)
        clock.lap("als_user_factors")
        self.history = feat.UserHistory(
            inter.user, inter.item, inter.timestamp, n_users, n_items, reference + 1.0, horizon, collaborative
        )
        clock.lap("scoring_history")
        self.info = {
            "learner": f"glm-{params.link}" if learned else "fixed weights (too few inner examples)",
            "horizon_days": round(horizon / DAY, 3),
            "inner_periods": len(periods),
            "training_queries": [name for name, _ in queries],
            "training_examples": int(period.shape[0]),
            "training_positives": positives,
            "prior": params.prior,
            "l2": l2,
            "l2_validation_loss": {f"{key:g}": round(value, 6) for key, value in self.l2_losses.items()},
        }
        self.stage_seconds = clock.laps
        return self

    def _examples(
        self,
        dataset: Dataset,
        periods: list[tuple[float, float]],
        horizon: float,
        masks: list[np.ndarray],
        factors: tuple[np.ndarray, np.ndarray] | None,
        item_weight: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Inner-split examples: features before each period, label = a matching interaction during it."""
        inter = dataset.interactions
        n_users, n_items = dataset.n_users, dataset.n_items
        if not periods or not masks:
            return np.empty((0, len(feat.FEATURES)), np.float32), np.empty(0, bool), np.empty(0, np.int32)
        eligible = np.flatnonzero(np.bincount(inter.user[inter.timestamp < periods[0][0]], minlength=n_users) > 0)
        n_sample = int(min(eligible.shape[0], max(self.params.max_examples // (len(masks) * len(periods)), 1)))
        sample = eligible
        if n_sample < eligible.shape[0]:
            sample = np.sort(np.random.default_rng(self.params.seed).choice(eligible, n_sample, replace=False))
        code = np.full(n_users, -1, dtype=np.int64)
        code[sample] = np.arange(sample.shape[0])
        keep = code[inter.user] >= 0
        user, item, time = code[inter.user[keep]], inter.item[keep], inter.timestamp[keep]
        collaborative = None
        if factors is not None and item_weight is not None:
            collaborative = _Collaborative(factors[0][sample], factors[1], item_weight)
        x_parts: list[np.ndarray] = []
        y_parts: list[np.ndarray] = []
        p_parts: list[np.ndarray] = []
        for index, (period_start, period_end) in enumerate(periods):
            before = time < period_start
            during = (time >= period_start) & (time < period_end)
            history = feat.UserHistory(
                user[before], item[before], time[before], sample.shape[0], n_items, period_start, horizon, collaborative
            )
            future = user_item_matrix(user[during], item[during], np.ones(int(during.sum())), sample.shape[0], n_items)
            rows = np.flatnonzero(history.active)
            for mask in masks:
                x_parts.append(history.features(mask, rows))
                y_parts.append((future @ mask.astype(np.float32))[rows] > 0)
                p_parts.append(np.full(rows.shape[0], index, dtype=np.int32))
        return np.vstack(x_parts), np.concatenate(y_parts), np.concatenate(p_parts)

    def feature_weights(self) -> dict[str, float]:
        """The learned change in η (the link's scale) per standard deviation of each feature."""
        return {name: round(float(w), 6) for name, w in zip(feat.FEATURES, self.ranker.weights, strict=True)}

    # --- queries ----------------------------------------------------------------------------------------------

    def scores(self, mask: np.ndarray) -> np.ndarray:
        """Affinity of every user in the dataset's index to the items in ``mask`` (higher = more likely)."""
        assert self.history is not None
        score = self.ranker.decision(self.history.features(mask))
        return np.where(self.history.active, score, -np.inf)

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


Scorer = Callable[[np.ndarray], np.ndarray]


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
