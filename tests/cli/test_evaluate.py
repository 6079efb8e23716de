"""`contextual-targeting evaluate` at the CLI: K from the dataset group's config (any name), file names in errors,
warnings when the figures would mislead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contextual_targeting import cli

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CONFIG = json.loads((REPO / "data/personalize/train/bingewatch/config.json").read_text())

# 6 users; before t=100 each watches items of both genres, after it u1..u3 watch genre a
ROWS = [(f"u{u}", f"i{(u + n) % 4}", 10 * n + u) for u in range(1, 7) for n in range(5)]
ROWS += [("u1", "i0", 150), ("u2", "i2", 160), ("u3", "i0", 170)]
ITEMS = "ITEM_ID,GENRES\ni0,a\ni1,b\ni2,a\ni3,b\n"


def _group(root: Path, config_name: str | None, num_results: int | str = 3) -> Path:
    group = root / "personalize" / "train" / "tiny"
    group.mkdir(parents=True)
    (group / "interactions.csv").write_text(
        "USER_ID,ITEM_ID,EVENT_VALUE,EVENT_TYPE,TIMESTAMP\n" + "".join(f"{u},{i},1.0,Watch,{t}\n" for u, i, t in ROWS)
    )
    (group / "items.csv").write_text(ITEMS)
    batch = root / "personalize" / "batch" / "tiny" / "tiny-affinity"
    batch.mkdir(parents=True)
    (batch / "job_config.json").write_text(json.dumps({"itemAttributes": 'ITEMS.genres = "a"'}) + "\n")
    if config_name:
        config = json.loads(json.dumps(SAMPLE_CONFIG))
        config["solutions"][0]["batchSegmentJobs"][0]["serviceConfig"]["numResults"] = num_results
        (group / config_name).write_text(json.dumps(config))
    return group


def _run(tmp_path: Path, *args: str) -> int:
    return cli.main(["evaluate", *args, "--cutoff", "100", "--json", str(tmp_path / "r.json")])


def test_k_comes_from_a_config_whatever_its_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    group = _group(tmp_path, "tiny-params.json", num_results=2)
    assert _run(tmp_path, "--data-dir", str(group)) == 0
    assert json.loads((tmp_path / "r.json").read_text())["k"] == 2
    err = capsys.readouterr().err
    assert "numResults in" in err and "tiny-params.json" in err


def test_a_malformed_config_is_an_error_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    group = _group(tmp_path, None)
    (group / "config.json").write_text('{"solutions": [\n')
    assert _run(tmp_path, "--data-dir", str(group)) == 2
    err = capsys.readouterr().err
    assert str(group / "config.json") in err and "not valid JSON" in err and "line 2" in err
    assert not (tmp_path / "r.json").exists()


def test_a_bad_num_results_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    group = _group(tmp_path, "config.json", num_results="100")
    assert _run(tmp_path, "--data-dir", str(group)) == 2
    assert "numResults must be a positive integer" in capsys.readouterr().err


def test_no_config_says_which_k_it_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    group = _group(tmp_path, None)
    assert _run(tmp_path, "--data-dir", str(group), "--k", "2") == 0
    assert _run(tmp_path, "--data-dir", str(group)) == 0
    assert f"no training config in {group}" in capsys.readouterr().err


def test_warnings_when_k_covers_every_candidate_and_positives_are_few(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    group = _group(tmp_path, "config.json", num_results=100)
    assert _run(tmp_path, "--data-dir", str(group)) == 0
    err = capsys.readouterr().err
    assert "warning: K = 100 ≥ the" in err and "recall is 1.0" in err
    assert 'warning: ITEMS.genres = "a": only' in err and "mostly noise" in err


def test_a_broken_job_config_error_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    group = _group(tmp_path, "config.json")
    job_config = tmp_path / "personalize/batch/tiny/tiny-affinity/job_config.json"
    job_config.write_text("{not json\n")
    assert _run(tmp_path, "--data-dir", str(group)) == 2
    assert str(job_config) in capsys.readouterr().err


def test_progress_counts_the_queries_scored_and_quiet_silences_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    group = _group(tmp_path, "config.json", num_results=2)
    batch = tmp_path / "personalize/batch/tiny/tiny-affinity/job_config.json"
    batch.write_text('{"itemAttributes": "ITEMS.genres = \\"a\\""}\n{"itemAttributes": "ITEMS.genres = \\"b\\""}\n')
    assert _run(tmp_path, "--data-dir", str(group)) == 0
    err = capsys.readouterr().err  # not a terminal: plain lines, the last one when the work ends
    assert "evaluate: queries scored: 2/2 queries (100%)" in err
    assert _run(tmp_path, "--data-dir", str(group), "--quiet") == 0
    assert "queries scored" not in capsys.readouterr().err
