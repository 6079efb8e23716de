"""The learned affinity model: the GLM learner, the features by hand, the inner split, and quality on real data."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from contextual_targeting.datagen import Sizes, generate
from contextual_targeting.model import affinity, features
from contextual_targeting.model.affinity import AffinityModel, ModelParams, inner_periods
from contextual_targeting.model.data import load_dataset
from contextual_targeting.model.evaluation import default_queries_file, evaluate, read_queries
from contextual_targeting.model.ranker import choose_l2, fit_glm

DAY = 86400.0
REPO = Path(__file__).resolve().parents[2]


def _ml100k() -> Path | None:
    """MovieLens 100K in the solution's layout, at ``../shared/datasets/ml-100k`` of the clone (or an ancestor)."""
    for parent in REPO.parents:
        candidate = parent / "shared" / "datasets" / "ml-100k" / "personalize" / "train" / "ml100k"
        if (candidate / "interactions.csv").exists():
            return candidate
    return None


ML100K = _ml100k()


# --- the learner ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("link", ["cloglog", "logit"])
def test_glm_recovers_the_weights_that_generated_the_labels(link):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(60000, 3)) * np.array([1.0, 2.0, 0.5]) + np.array([0.0, 1.0, -3.0])
    eta = -1.0 + 0.8 * x[:, 0] - 0.5 * x[:, 1] + 0.0 * x[:, 2]
    p = -np.expm1(-np.exp(eta)) if link == "cloglog" else 1.0 / (1.0 + np.exp(-eta))
    y = rng.random(x.shape[0]) < p
    ranker = fit_glm(x, y, l2=1.0, link=link)
    raw = ranker.weights / ranker.scale  # per unit of each raw feature
    np.testing.assert_allclose(raw, [0.8, -0.5, 0.0], atol=0.05)
    assert ranker.intercept - float(ranker.weights @ (ranker.mean / ranker.scale)) == pytest.approx(-1.0, abs=0.08)


def test_glm_stays_finite_when_the_classes_separate():
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    ranker = fit_glm(x, np.array([False, False, True, True]), l2=1.0)
    scores = ranker.decision(x)
    assert np.isfinite(scores).all() and scores[2] > scores[1]


def _cloglog_sample(seed: int, n: int, weights: list[float]) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(weights)))
    y = rng.random(n) < -np.expm1(-np.exp(-1.0 + x @ np.array(weights)))
    return x, y


def test_a_strong_penalty_pulls_the_weights_to_the_prior_not_to_zero():
    x, y = _cloglog_sample(1, 5000, [0.8, 0.0, 0.0])
    prior = np.array([0.0, 1.0, -1.0])
    strong = fit_glm(x, y, l2=1e9, prior=prior)
    np.testing.assert_allclose(strong.weights / strong.scale, prior, atol=1e-3)
    weak = fit_glm(x, y, l2=1.0, prior=prior)
    np.testing.assert_allclose(weak.weights / weak.scale, [0.8, 0.0, 0.0], atol=0.1)


def test_the_penalty_is_chosen_by_how_well_earlier_periods_predict_the_latest():
    weights = [0.8, -0.5] + [0.0] * 8
    # few examples, many useless features: a right prior should be trusted, a wrong one overruled by the data
    x, y = _cloglog_sample(2, 1500, weights)
    period = np.arange(x.shape[0]) % 3
    grid = (1.0, 100.0, 1e4, 1e6)
    chosen, losses = choose_l2(x, y, period, grid, prior=np.array(weights))
    assert chosen >= 1e4 and set(losses) == set(grid)
    chosen, _ = choose_l2(x, y, period, grid, prior=np.array([-0.8, 0.5] + [0.0] * 8))
    assert chosen <= 100.0


def test_model_reports_the_chosen_penalty_and_its_validation_losses(generated):
    model = AffinityModel(ModelParams(factors=4, iterations=2, num_threads=1)).fit(generated)
    info = model.info
    assert info["prior"] == "rate_share"
    assert info["l2"] in ModelParams().l2_grid
    assert set(info["l2_validation_loss"]) == {f"{v:g}" for v in ModelParams().l2_grid}
    assert min(info["l2_validation_loss"], key=info["l2_validation_loss"].get) == f"{info['l2']:g}"


# --- features by hand ----------------------------------------------------------------------------------------------


def test_user_history_features_by_hand():
    # horizon = 1 day, reference = day 10. User 0: item 0 (matching) at day 9, item 1 at day 6. User 1: item 1 at
    # day 2. User 2: nothing.
    user = np.array([0, 1, 0])
    item = np.array([1, 1, 0])
    ts = np.array([6, 2, 9]) * DAY
    history = features.UserHistory(user, item, ts, 3, 2, 10 * DAY, DAY)
    x = history.features(np.array([True, False]))
    col = {name: x[:, i] for i, name in enumerate(features.FEATURES)}
    np.testing.assert_allclose(col["log_interactions"], np.log1p([2, 1, 0]), rtol=1e-6)
    np.testing.assert_allclose(col["log_interactions_hl1"], np.log1p([2**-1 + 2**-4, 2**-8, 0]), rtol=1e-6)
    np.testing.assert_allclose(col["log_matching_hl0.25"], np.log1p([2**-4, 0, 0]), rtol=1e-6)
    np.testing.assert_allclose(col["log_horizons_since_last"], np.log1p([1, 8, 0]), rtol=1e-6)
    np.testing.assert_allclose(col["log_horizons_since_first"], np.log1p([4, 8, 0]), rtol=1e-6)
    # user 1 never matched: the time since the last match is its tenure, flagged
    np.testing.assert_allclose(col["log_horizons_since_last_matching"], np.log1p([1, 8, 0]), rtol=1e-6)
    assert col["has_matching"].tolist() == [1.0, 0.0, 0.0]
    # smoothed share: (matching + 5·p) / (all + 5), p = the population's decayed share (half-life 4 horizons)
    decayed = {(0, 0): 2 ** (-1 / 4), (0, 1): 2 ** (-4 / 4), (1, 1): 2 ** (-8 / 4)}
    p = decayed[(0, 0)] / sum(decayed.values())
    np.testing.assert_allclose(np.exp(col["log_matching_share"][:2]), [(1 + 5 * p) / 7, (5 * p) / 6], rtol=1e-5)
    np.testing.assert_allclose(np.exp(col["log_query_share"]), p, rtol=1e-5)
    np.testing.assert_allclose(col["log_rate"][:2], [math.log(2 / 4), math.log(1 / 8)], rtol=1e-5)
    assert history.active.tolist() == [True, True, False]


# --- the inner split -----------------------------------------------------------------------------------------------


def test_inner_periods_are_horizons_ending_at_the_data_end():
    ts = np.arange(0, 100, dtype=np.int64) * 10
    assert inner_periods(ts, 900, 90, 3) == [(900, np.inf), (810, 900), (720, 810)]
    assert inner_periods(ts, 100, 60, 3) == [(100, np.inf), (40, 100)]  # no history before -20
    assert inner_periods(ts, None, 90, 3) == []


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated")
    generate(out, Sizes(users=400, items=150, interactions=20000, seed=11))
    return load_dataset(out / "personalize" / "train" / "bingewatch")


def test_inner_features_never_see_their_labels(generated, monkeypatch):
    built = []
    original = features.UserHistory.__init__

    def spy(self, user, item, timestamp, n_users, n_items, reference, horizon_seconds, collaborative=None):
        built.append((float(timestamp.max()), float(reference), horizon_seconds))
        original(self, user, item, timestamp, n_users, n_items, reference, horizon_seconds, collaborative)

    monkeypatch.setattr(features.UserHistory, "__init__", spy)
    fitted = []
    original_als = AffinityModel._als

    def als_spy(self, user, item, shape, warm):
        fitted.append(int(user.shape[0]))
        return original_als(self, user, item, shape, warm)

    monkeypatch.setattr(AffinityModel, "_als", als_spy)
    params = ModelParams(horizon_fraction=0.1, windows=3, factors=4, iterations=2, num_threads=1)
    model = AffinityModel(params).fit(generated)
    inner, scoring = built[:-1], built[-1]
    assert len(inner) == 3 and model.info["inner_periods"] == 3
    for latest_seen, reference, _ in inner:
        assert latest_seen < reference  # features only from before the period they predict
    earliest_period = min(reference for _, reference, _ in inner)
    timestamps = generated.interactions.timestamp
    # ALS for the inner features saw only the interactions before the earliest inner period, then everything
    assert fitted == [int((timestamps < earliest_period).sum()), len(generated.interactions)]
    assert scoring[0] == timestamps.max() < scoring[1]
    assert model.info["learner"] == "glm-cloglog" and model.info["training_positives"] >= 20


def test_learned_model_reports_weights_and_group_importances(generated):
    model = AffinityModel(ModelParams(factors=4, iterations=2, num_threads=1, importance=True)).fit(generated)
    assert set(model.feature_weights()) == set(features.FEATURES)
    assert set(model.importance) == set(features.GROUPS)
    # on the generator activity is stationary Poisson: how much a user watches is what predicts them most
    assert max(model.importance, key=lambda g: model.importance[g]) == "activity"
    assert sorted({f for names in features.GROUPS.values() for f in names}) == sorted(features.FEATURES)


def test_tiny_data_falls_back_to_fixed_weights():
    rows = [{"USER_ID": "a", "ITEM_ID": "x", "TIMESTAMP": "1"}, {"USER_ID": "b", "ITEM_ID": "y", "TIMESTAMP": "2"}]
    model = affinity.fit_rows(rows, [{"ITEM_ID": "x", "GENRES": "Action"}, {"ITEM_ID": "y", "GENRES": "Drama"}])
    assert model.info["learner"].startswith("fixed weights")
    assert model.segment('ITEMS.genres = "Drama"', 2)[0] == "b"


# --- real data -------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(ML100K is None, reason="MovieLens 100K not found at ../shared/datasets/ml-100k (research licence)")
@pytest.mark.parametrize("holdout", [0.2, 0.05])
def test_beats_every_baseline_on_movielens_100k(holdout):
    assert ML100K is not None
    dataset = load_dataset(ML100K)
    queries_file = default_queries_file(ML100K)
    assert queries_file is not None
    queries = read_queries(queries_file)
    assert len(queries) == 10
    for k in (25, 50):
        result = evaluate(dataset, queries, k=k, holdout=holdout, seed=0)
        model = result.methods["model"]
        baselines = {name: figures for name, figures in result.methods.items() if name != "model"}
        best = max(figures["precision_at_k"] for figures in baselines.values())
        assert model["precision_at_k"] >= 1.05 * best, (k, holdout, model, baselines)
        assert all(model["auc"] > figures["auc"] for figures in baselines.values()), (k, holdout)
