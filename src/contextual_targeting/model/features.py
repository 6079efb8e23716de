"""Per-user features for one item-attribute query, computed from the interactions before a reference time.

Times are measured in *horizons* (the length of the period the model predicts, see ``affinity``), so the same
features mean the same thing on data spanning a week or twenty years. For a user u, the items M matching the query
and the reference time R (``log`` of counts is ``log1p``):

- activity: u's interaction count, plain and decayed with half-lives of ``HALF_LIVES`` horizons
  (Σ 2^(-age/half-life)); horizons since u's last and since u's first interaction; the rate: interactions per
  horizon since u was first seen (at least one horizon);
- the user's own matching history: the same counts over interactions with M; horizons since the last one (u's
  tenure where there is none, with an indicator); the share of u's interactions that went to M, smoothed with
  ``SHARE_PRIOR`` pseudo-interactions at the population's share, plain and decayed (``SHARE_HALF_LIVES``);
- collaborative affinity: ALS's estimate of the share of u's interactions that go to M, and the share smoothed
  towards a blend of it with the population share (``BLEND_PRIOR`` pseudo-interactions, ``BLEND_WEIGHT`` ALS: the
  estimate of the model this one replaced);
- the query's recent popularity: the population's decayed share of interactions with M (the same for every user;
  it lets the learner tell broad queries from narrow ones).

Interactions are grouped by user once (a stable counting sort done by scipy's COO → CSR conversion, O(n)), so
every per-query sum is a sparse matrix-vector product and the last matching interaction one ``minimum.reduceat``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

HALF_LIVES = (0.25, 1.0, 4.0, 16.0)  # in horizons
SHARE_HALF_LIVES = (4.0, 16.0)
SHARE_PRIOR = 5.0  # pseudo-interactions of the smoothed share
BLEND_PRIOR = 10.0  # pseudo-interactions of the blended share
BLEND_WEIGHT = 0.3  # weight of the ALS estimate in the blended share's prior
QUERY_SHARE_HALF_LIFE = 4.0  # horizons; the population share used for the prior and the query feature
SHARE_FLOOR = 1e-6

USER_FEATURES = (
    "log_interactions",
    *(f"log_interactions_hl{h:g}" for h in HALF_LIVES),
    "log_horizons_since_last",
    "log_horizons_since_first",
    "log_rate",
)
QUERY_FEATURES = (
    "log_matching",
    *(f"log_matching_hl{h:g}" for h in HALF_LIVES),
    "log_horizons_since_last_matching",
    "has_matching",
    "log_matching_share",
    *(f"log_matching_share_hl{h:g}" for h in SHARE_HALF_LIVES),
    "log_collaborative_share",
    "log_blended_share",
    "log_query_share",
)
FEATURES = USER_FEATURES + QUERY_FEATURES
GROUPS = {  # for importances: what the issue asks the model to weigh
    "activity": [
        "log_interactions",
        *(f"log_interactions_hl{h:g}" for h in HALF_LIVES),
        "log_horizons_since_first",
        "log_rate",
    ],
    "recency": ["log_horizons_since_last", "log_horizons_since_last_matching"],
    "matching_history": [
        "log_matching",
        *(f"log_matching_hl{h:g}" for h in HALF_LIVES),
        "has_matching",
        "log_matching_share",
        *(f"log_matching_share_hl{h:g}" for h in SHARE_HALF_LIVES),
    ],
    "collaborative": ["log_collaborative_share", "log_blended_share"],
    "query_popularity": ["log_query_share"],
}


def group_by_user(user: np.ndarray, n_users: int) -> tuple[np.ndarray, np.ndarray]:
    """(indptr, order): ``order`` lists the positions of ``user`` grouped by user, original order within a user."""
    n = int(user.shape[0])
    positions = sp.csr_matrix(
        (np.ones(n, dtype=np.int8), (user.astype(np.int32, copy=False), np.arange(n, dtype=np.int32))),
        shape=(n_users, max(n, 1)),
    )
    return positions.indptr.astype(np.int64), positions.indices


def _row_reduce(values: np.ndarray, indptr: np.ndarray, ufunc: np.ufunc, empty: float) -> np.ndarray:
    """``ufunc`` over each row's slice of ``values``; ``empty`` for rows without entries."""
    out = np.full(indptr.shape[0] - 1, empty, dtype=np.float64)
    nonempty = np.flatnonzero(np.diff(indptr) > 0)
    if nonempty.size:
        out[nonempty] = ufunc.reduceat(values, indptr[:-1][nonempty])
    return out


class UserHistory:
    """Interactions of ``n_users`` users strictly before ``reference``, grouped by user, ready for query features.

    ``collaborative(weights)`` (optional) maps per-item weights over the matching items to each user's estimated
    share of interactions with them (ALS; see ``affinity``); without it the feature is the population share.
    """

    def __init__(
        self,
        user: np.ndarray,
        item: np.ndarray,
        timestamp: np.ndarray,
        n_users: int,
        n_items: int,
        reference: float,
        horizon_seconds: float,
        collaborative: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self.n_users, self.n_items = int(n_users), int(n_items)
        self.indptr, order = group_by_user(user, n_users)
        self.item = item[order].astype(np.int32, copy=False)
        age = (float(reference) - timestamp[order].astype(np.float64)) / float(horizon_seconds)
        self.age = np.maximum(age, 0.0).astype(np.float32)
        del order, age
        shape = (self.n_users, self.n_items)
        self.count = sp.csr_matrix((np.ones(self.item.shape[0], np.float32), self.item, self.indptr), shape=shape)
        self.decayed = {
            h: sp.csr_matrix((np.exp2(-self.age / np.float32(h)), self.item, self.indptr), shape=shape)
            for h in HALF_LIVES
        }
        self.total = np.diff(self.indptr).astype(np.float64)
        self.total_decayed = {h: _row_reduce(m.data, self.indptr, np.add, 0.0) for h, m in self.decayed.items()}
        self.since_last = _row_reduce(self.age, self.indptr, np.minimum, np.inf)
        self.since_first = _row_reduce(self.age, self.indptr, np.maximum, np.inf)
        self.active = self.total > 0
        self.collaborative = collaborative
        self._user_block = np.column_stack(
            [
                np.log1p(self.total),
                *(np.log1p(self.total_decayed[h]) for h in HALF_LIVES),
                np.log1p(np.where(self.active, self.since_last, 0.0)),
                np.log1p(np.where(self.active, self.since_first, 0.0)),
                np.log(np.maximum(self.total, 1.0) / np.maximum(np.where(self.active, self.since_first, 1.0), 1.0)),
            ]
        ).astype(np.float32)

    def features(self, mask: np.ndarray, users: np.ndarray | None = None) -> np.ndarray:
        """Feature matrix (len(users) × len(FEATURES), float32) for the items in ``mask``; all users by default."""
        maskf = mask.astype(np.float32)
        matching = self.count @ maskf
        matching_decayed = {h: self.decayed[h] @ maskf for h in HALF_LIVES}
        has = matching > 0
        ages = np.where(mask[self.item], self.age, np.float32(np.inf))
        since_match = _row_reduce(ages, self.indptr, np.minimum, np.inf)
        since_match = np.where(has, since_match, np.where(self.active, self.since_first, 0.0))

        h = QUERY_SHARE_HALF_LIFE
        population = float(self.total_decayed[h].sum())
        query_share = max(float(matching_decayed[h].sum()) / population, SHARE_FLOOR) if population > 0 else 1.0
        query_share = min(query_share, 1.0)
        share = (matching + SHARE_PRIOR * query_share) / (self.total + SHARE_PRIOR)
        shares_decayed = [
            (matching_decayed[hl] + SHARE_PRIOR * query_share) / (self.total_decayed[hl] + SHARE_PRIOR)
            for hl in SHARE_HALF_LIVES
        ]
        if self.collaborative is not None:
            collaborative = self.collaborative(mask)
        else:
            collaborative = np.full(self.n_users, query_share)
        blend = BLEND_WEIGHT * np.minimum(collaborative, 1.0) + (1.0 - BLEND_WEIGHT) * query_share
        blended = (matching + BLEND_PRIOR * blend) / (self.total + BLEND_PRIOR)
        block = np.column_stack(
            [
                np.log1p(matching),
                *(np.log1p(matching_decayed[hl]) for hl in HALF_LIVES),
                np.log1p(since_match),
                has.astype(np.float64),
                np.log(np.clip(share, SHARE_FLOOR, 1.0)),
                *(np.log(np.clip(sd, SHARE_FLOOR, 1.0)) for sd in shares_decayed),
                np.log(np.clip(collaborative, SHARE_FLOOR, 1.0)),
                np.log(np.clip(blended, SHARE_FLOOR, 1.0)),
                np.full(self.n_users, np.log(query_share)),
            ]
        ).astype(np.float32)
        out = np.hstack([self._user_block, block])
        return out if users is None else out[users]
