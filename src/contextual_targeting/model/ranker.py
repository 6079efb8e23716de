"""The learner: an L2-regularised binary GLM on standardised features, fitted by Newton's method with backtracking.

Two links, chosen by measurement (docs/benchmarks.md):

- ``cloglog`` (default): P(y) = 1 - exp(-exp(η)) — the probability of at least one event of a Poisson process
  whose log-rate is η; with log-count features this is the rate × share model with learned exponents;
- ``logit``: P(y) = 1 / (1 + exp(-η)), logistic regression.

Both negative log-likelihoods are convex in η, so Newton's method (a d × d solve per step, d ≈ 16) converges in a
handful of steps, exactly and deterministically; with a few dozen features and up to a million examples no library
solver is needed (``scipy.linalg.solve`` does the linear algebra). Features are standardised with the training
examples' mean and standard deviation, so the weights are comparable importances: the change in η per standard
deviation of the feature. Ranking by η ranks by the predicted probability.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.special

LINKS = ("cloglog", "logit")


@dataclass
class GlmRanker:
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # per standardised feature
    intercept: float
    link: str = "cloglog"
    iterations: int = 0

    def decision(self, features: np.ndarray) -> np.ndarray:
        """η (float64): increasing in the predicted probability, for ranking."""
        standardised = (features.astype(np.float64) - self.mean) / self.scale
        return standardised @ self.weights + self.intercept


def _loss_terms(eta: np.ndarray, y: np.ndarray, link: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-example negative log-likelihood and its first and second derivatives in η."""
    if link == "logit":
        p = scipy.special.expit(eta)
        return np.logaddexp(0.0, eta) - y * eta, p - y, p * (1.0 - p)
    eta = np.minimum(eta, 30.0)
    mu = np.exp(eta)
    em1 = np.expm1(-mu)  # e^-μ - 1 = -(P(y=1))
    survive = em1 + 1.0  # e^-μ
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = np.where(y > 0, -np.log(np.maximum(-em1, 1e-300)), mu)
        d1_pos = np.where(mu > 1e-12, -mu * survive / -em1, -1.0)
        d2_pos = np.where(mu > 1e-12, mu * survive * (em1 + mu) / np.maximum(em1 * em1, 1e-300), 0.5 * mu)
    d1 = np.where(y > 0, d1_pos, mu)
    d2 = np.where(y > 0, d2_pos, mu)
    return loss, d1, np.maximum(d2, 0.0)


def fit_glm(
    features: np.ndarray,
    labels: np.ndarray,
    l2: float = 1.0,
    link: str = "cloglog",
    max_iterations: int = 50,
    tolerance: float = 1e-9,
    sample_weight: np.ndarray | None = None,
    prior: np.ndarray | None = None,
) -> GlmRanker:
    """Minimise Σ NLL(yᵢ, xᵢ·β + b) + ½·l2·|β|² over standardised features (the intercept is not penalised)."""
    if link not in LINKS:
        raise ValueError(f"link must be one of {LINKS}")
    x = features.astype(np.float64)
    y = labels.astype(np.float64)
    n, d = x.shape
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = np.hstack([(x - mean) / scale, np.ones((n, 1))])
    penalty = np.full(d + 1, float(l2))
    penalty[-1] = 0.0
    rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    centre = np.zeros(d + 1)
    if prior is not None:  # raw-feature weights -> per standard deviation
        centre[:-1] = np.asarray(prior, dtype=np.float64) * scale
    beta = centre.copy()
    beta[-1] = np.log(rate / (1 - rate)) if link == "logit" else np.log(-np.log1p(-rate))

    def objective(b: np.ndarray) -> float:
        return float((sw * _loss_terms(z @ b, y, link)[0]).sum() + 0.5 * np.sum(penalty * (b - centre) ** 2))

    current = objective(beta)
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (reported)
        _, d1, d2 = _loss_terms(z @ beta, y, link)
        d1, d2 = sw * d1, sw * d2
        gradient = z.T @ d1 + penalty * (beta - centre)
        hessian = (z * d2[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(d + 1)
        step = scipy.linalg.solve(hessian, gradient, assume_a="pos")
        fraction = 1.0
        while True:  # backtracking: a full Newton step can overshoot where the classes nearly separate
            candidate = beta - fraction * step
            value = objective(candidate)
            if value <= current or fraction < 1e-6:
                break
            fraction /= 2
        if value > current:
            break
        converged = current - value < tolerance * max(abs(current), 1.0)
        beta, current = candidate, value
        if converged:
            break
    return GlmRanker(mean, scale, beta[:-1], float(beta[-1]), link, iterations)


def mean_loss(ranker: GlmRanker, features: np.ndarray, labels: np.ndarray) -> float:
    """Mean negative log-likelihood of ``labels`` under ``ranker``."""
    return float(_loss_terms(ranker.decision(features), labels.astype(np.float64), ranker.link)[0].mean())


def choose_l2(
    features: np.ndarray,
    labels: np.ndarray,
    period: np.ndarray,
    grid: tuple[float, ...],
    link: str = "cloglog",
    prior: np.ndarray | None = None,
    folds: int = 1,
) -> tuple[float, dict[float, float]]:
    """The penalty in ``grid`` that predicts later periods best from earlier ones (rolling origin).

    ``period`` numbers each example's inner period, 0 = the latest. Fold f (f = 0 … folds-1) fits on the periods
    older than f and scores the mean negative log-likelihood on period f; the penalty with the lowest mean over
    the folds wins, ties to the weaker penalty. Returns (chosen, mean validation loss per penalty)."""
    losses = {float(l2): 0.0 for l2 in grid}
    used = 0
    for fold in range(folds):
        train, validation = period > fold, period == fold
        if not train.any() or not validation.any():
            continue
        used += 1
        for l2 in grid:
            ranker = fit_glm(features[train], labels[train], l2=l2, link=link, prior=prior)
            losses[float(l2)] += mean_loss(ranker, features[validation], labels[validation])
    losses = {l2: value / max(used, 1) for l2, value in losses.items()}
    best = min(losses, key=lambda value: (round(losses[value], 9), value))
    return best, losses


def group_importance(
    features: np.ndarray,
    labels: np.ndarray,
    groups: dict[str, list[int]],
    l2: float = 1.0,
    link: str = "cloglog",
    max_examples: int = 200_000,
    seed: int = 0,
    prior: np.ndarray | None = None,
) -> dict[str, float]:
    """Per group of feature columns: how much the mean negative log-likelihood grows when the model is refitted
    without the group (what the group adds that the other features cannot make up for), on at most
    ``max_examples`` examples (seeded subsample)."""
    if features.shape[0] > max_examples:
        rows = np.sort(np.random.default_rng(seed).choice(features.shape[0], max_examples, replace=False))
        features, labels = features[rows], labels[rows]
    y = labels.astype(np.float64)

    def mean_loss(columns: list[int]) -> float:
        centre = None if prior is None else np.asarray(prior)[columns]
        ranker = fit_glm(features[:, columns], labels, l2=l2, link=link, prior=centre)
        return float(_loss_terms(ranker.decision(features[:, columns]), y, link)[0].mean())

    every = list(range(features.shape[1]))
    full = mean_loss(every)
    out = {}
    for name, columns in groups.items():
        rest = [c for c in every if c not in set(columns)]
        out[name] = mean_loss(rest) - full if rest else float("nan")
    return out
