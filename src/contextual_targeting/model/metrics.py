"""Ranking metrics over a candidate set: precision@K, recall@K, AUC (ties count half)."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def ranking(score: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """Candidate positions sorted best first; equal scores ordered by ``tiebreak`` (a random permutation)."""
    return np.lexsort((tiebreak, -score))


def precision_recall_at_k(order: np.ndarray, positive: np.ndarray, k: int) -> tuple[float, float]:
    """``order``: candidate positions best first; ``positive``: boolean per candidate. K is capped at the pool size."""
    k = min(int(k), order.shape[0])
    n_positive = int(positive.sum())
    if k <= 0 or n_positive == 0:
        return 0.0, 0.0
    hits = int(positive[order[:k]].sum())
    return hits / k, hits / n_positive


def precision_curve(order: np.ndarray, positive: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """precision@k for every k in ``ks`` (each capped at the pool size)."""
    hits = np.cumsum(positive[order])
    capped = np.minimum(ks, order.shape[0])
    return hits[capped - 1] / capped


def auc(score: np.ndarray, positive: np.ndarray) -> float | None:
    """Probability that a random positive scores above a random negative (Mann-Whitney U; ties count half)."""
    n_pos = int(positive.sum())
    n_neg = int(positive.shape[0] - n_pos)
    if n_pos == 0 or n_neg == 0:
        return None
    finite = np.where(np.isfinite(score), score, np.nanmin(np.where(np.isfinite(score), score, np.inf)) - 1.0)
    ranks = rankdata(finite)  # average ranks for ties
    u = float(ranks[positive].sum()) - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)
