"""`contextual-targeting evaluate`: metrics on a hand-computed example, no test-period leakage, JSON shape, quality."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from contextual_targeting import cli
from contextual_targeting.datagen import Sizes, generate
from contextual_targeting.model.affinity import AffinityModel, ModelParams
from contextual_targeting.model.data import load_dataset
from contextual_targeting.model.evaluation import evaluate, holdout_cutoff, read_queries
from contextual_targeting.model.features import FEATURES
from contextual_targeting.model.metrics import auc, precision_recall_at_k, ranking

METHODS = {"model", "random", "most_active", "past_matching_count", "past_matching_share", "recent_matching"}
FAST = ModelParams(factors=4, iterations=3, num_threads=1)


def write_group(root, interactions_rows, items_csv, queries=None):
    group = root / "personalize" / "train" / "tiny"
    group.mkdir(parents=True)
    (group / "interactions.csv").write_text(
        "USER_ID,ITEM_ID,EVENT_VALUE,EVENT_TYPE,TIMESTAMP\n"
        + "".join(f"{u},{i},1.0,Watch,{t}\n" for u, i, t in interactions_rows),
        encoding="utf-8",
    )
    (group / "items.csv").write_text(items_csv, encoding="utf-8")
    if queries is not None:
        batch = root / "personalize" / "batch" / "tiny" / "tiny-affinity"
        batch.mkdir(parents=True)
        (batch / "job_config.json").write_text("".join(json.dumps({"itemAttributes": q}) + "\n" for q in queries))
    return group


# Before the cutoff (t < 100): u1 watches A three times, u2 A and B, u3 B twice, u4 B once.
# After it: u1 watches B, u2 A, u3 A; u4 nothing. Query genre "a": positives = {u2, u3}, negatives = {u1, u4}.
TINY = [
    ("u1", "ia", 10),
    ("u1", "ia", 20),
    ("u1", "ia", 30),
    ("u2", "ia", 40),
    ("u2", "ib", 50),
    ("u3", "ib", 60),
    ("u3", "ib", 70),
    ("u4", "ib", 80),
    ("u1", "ib", 100),
    ("u2", "ia", 110),
    ("u3", "ia", 120),
]
TINY_ITEMS = "ITEM_ID,GENRES\nia,a\nib,b\n"


def test_metrics_on_a_hand_computed_example(tmp_path):
    dataset = load_dataset(write_group(tmp_path, TINY, TINY_ITEMS))
    result = evaluate(dataset, ['ITEMS.genres = "a"'], k=2, cutoff=100, params=FAST)
    query = result.queries[0]
    assert query["positives"] == 2
    # past_matching_count: u1=3, u2=1, u3=0, u4=0 → top 2 = u1, u2 → 1 hit of 2; 1 of the 2 positives.
    # AUC pairs (positive vs negative): u2>u4 1, u2<u1 0, u3<u1 0, u3=u4 ½ → 1.5 / 4.
    assert query["methods"]["past_matching_count"] == {"precision_at_k": 0.5, "recall_at_k": 0.5, "auc": 0.375}
    # most_active: u1=3, u2=2, u3=2, u4=1 → each positive beats u4 and loses to u1 → AUC 2 / 4
    assert query["methods"]["most_active"]["auc"] == 0.5
    assert result.methods["past_matching_count"]["precision_at_k"] == 0.5


def test_metric_functions_by_hand():
    score = np.array([0.9, 0.8, 0.3, 0.1, 0.3])
    positive = np.array([True, False, True, False, False])
    order = ranking(score, tiebreak=np.arange(5))
    assert order.tolist() == [0, 1, 2, 4, 3]
    assert precision_recall_at_k(order, positive, 2) == (0.5, 0.5)
    assert precision_recall_at_k(order, positive, 3) == (2 / 3, 1.0)
    # positives 0.9 and 0.3 vs negatives 0.8, 0.1, 0.3: 0.9 beats all 3; 0.3 beats 0.1, ties 0.3, loses 0.8
    assert auc(score, positive) == pytest.approx((3 + 1.5) / 6)
    assert auc(score, np.zeros(5, dtype=bool)) is None


def test_holdout_cutoff_leaves_the_requested_share_after_it():
    cutoff = holdout_cutoff(np.arange(100), 0.2)
    assert cutoff == 80


def test_the_model_never_sees_the_test_period(tmp_path, monkeypatch, capsys):
    group = write_group(tmp_path, TINY, TINY_ITEMS, queries=['ITEMS.genres = "a"', 'ITEMS.genres = "b"'])
    seen = []
    original_fit = AffinityModel.fit

    def spy(self, dataset):
        seen.append(dataset.interactions.timestamp.copy())
        return original_fit(self, dataset)

    monkeypatch.setattr(AffinityModel, "fit", spy)
    assert cli.main(["evaluate", "--data-dir", str(group), "--cutoff", "100", "--k", "2"]) == 0
    assert len(seen) == 1
    assert seen[0].size == 8 and seen[0].max() < 100
    assert "recent_matching" in capsys.readouterr().out


def test_json_shape_and_plot(tmp_path):
    group = write_group(tmp_path, TINY, TINY_ITEMS, queries=['ITEMS.genres = "a"', 'ITEMS.GENRES = "b"'])
    out, png = tmp_path / "result.json", tmp_path / "curve.png"
    assert (
        cli.main(["evaluate", "--data-dir", str(group), "--holdout", "0.3", "--json", str(out), "--plot", str(png)])
        == 0
    )
    result = json.loads(out.read_text())
    assert set(result) == {"k", "cutoff", "queries", "methods", "model"}
    assert set(result["model"]["feature_weights"]) == set(FEATURES)
    assert result["model"]["learner"].startswith("fixed weights")  # 8 training interactions: nothing to learn from
    assert result["k"] == 100 and isinstance(result["cutoff"], int)
    assert [q["query"] for q in result["queries"]] == ['ITEMS.genres = "a"', 'ITEMS.GENRES = "b"']
    for entry in result["queries"]:
        assert set(entry) == {"query", "positives", "methods"} and set(entry["methods"]) == METHODS
    assert set(result["methods"]) == METHODS
    for figures in result["methods"].values():
        assert set(figures) == {"precision_at_k", "recall_at_k", "auc"}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_queries_file_is_reported(tmp_path, capsys):
    group = write_group(tmp_path, TINY, TINY_ITEMS)
    bad = tmp_path / "job_config.json"
    bad.write_text('{"itemAttributes": "genres = a"}\n')
    assert cli.main(["evaluate", "--data-dir", str(group), "--queries", str(bad)]) == 2
    assert "ITEMS.<field>" in capsys.readouterr().err


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated")
    generate(out, Sizes(users=400, items=150, interactions=20000, seed=11))
    return out / "personalize"


def test_model_beats_random_on_generated_data(generated):
    dataset = load_dataset(generated / "train" / "bingewatch")
    queries = read_queries(generated / "batch" / "bingewatch" / "bingewatch-affinity" / "job_config.json")
    result = evaluate(dataset, queries, k=40, holdout=0.1, seed=1, params=ModelParams(seed=1, num_threads=1))
    model, random = result.methods["model"], result.methods["random"]
    assert model["precision_at_k"] > random["precision_at_k"] + 0.15
    assert model["auc"] > 0.7 > random["auc"]


def test_evaluation_is_deterministic_with_a_seed(generated):
    dataset = load_dataset(generated / "train" / "bingewatch")
    queries = read_queries(generated / "batch" / "bingewatch" / "bingewatch-affinity" / "job_config.json")
    first = evaluate(dataset, queries, k=40, holdout=0.1, seed=5, params=FAST)
    second = evaluate(dataset, queries, k=40, holdout=0.1, seed=5, params=FAST)
    assert first.to_json() == second.to_json()


def test_bench_model_prints_one_json_line(capsys):
    sample = str(Path(__file__).resolve().parents[2] / "data" / "personalize" / "train" / "bingewatch")
    assert cli.main(["bench", "model", "--data-dir", sample, "--queries", "3", "--threads", "1"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    figures = json.loads(line)
    assert figures["interactions"] == 50000 and figures["queries"] == 3 and figures["segment_sizes"] == [100]
    assert figures["seconds"] >= 0 and figures["peak_rss_mb"] > 0
