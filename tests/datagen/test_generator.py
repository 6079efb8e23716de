"""The Bingewatch generator: determinism, exact formats, and a generative model whose genre affinity is learnable."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from contextual_targeting import datagen
from contextual_targeting.cli import main
from contextual_targeting.datagen import GENRES, Layout, Sizes, generate, sha256_files

SMALL = ["--users", "300", "--items", "80", "--interactions", "7000"]


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(reader)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    out = tmp_path_factory.mktemp("small")
    assert main(["generate-data", *SMALL, "--seed", "7", "--out", str(out)]) == 0
    return Layout(out)


def test_same_arguments_give_identical_files_across_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datagen, "BATCH_ROWS", 1000)  # 7 batches: streams per batch must be reproducible too
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["generate-data", *SMALL, "--seed", "7", "--out", str(a)]) == 0
    assert main(["generate-data", *SMALL, "--seed", "7", "--out", str(b)]) == 0
    hashes = sha256_files(a)
    assert len(hashes) == 6
    assert hashes == sha256_files(b)


def test_different_seed_gives_different_data(small: Layout, tmp_path: Path) -> None:
    assert main(["generate-data", *SMALL, "--seed", "8", "--out", str(tmp_path)]) == 0
    mine, other = sha256_files(small.root), sha256_files(tmp_path)
    for name in ("interactions.csv", "items.csv", "users.csv"):
        key = f"personalize/train/bingewatch/{name}"
        assert mine[key] != other[key], name
    assert mine["pinpoint/endpoints.csv"] != other["pinpoint/endpoints.csv"]
    # the configuration does not depend on the seed
    assert mine["personalize/train/bingewatch/config.json"] == other["personalize/train/bingewatch/config.json"]


def test_layout_is_the_solution_layout(small: Layout) -> None:
    found = sorted(p.relative_to(small.root).as_posix() for p in small.root.rglob("*") if p.is_file())
    assert found == [
        "personalize/batch/bingewatch/bingewatch-affinity/job_config.json",
        "personalize/train/bingewatch/config.json",
        "personalize/train/bingewatch/interactions.csv",
        "personalize/train/bingewatch/items.csv",
        "personalize/train/bingewatch/users.csv",
        "pinpoint/endpoints.csv",
    ]


def test_interactions_format(small: Layout) -> None:
    header, rows = _rows(small.interactions)
    assert header == ["USER_ID", "ITEM_ID", "EVENT_VALUE", "EVENT_TYPE", "TIMESTAMP"]
    assert len(rows) == 7000
    assert small.interactions.read_bytes().count(b"\r") == 0
    users = {r[0] for r in _rows(small.users)[1]}
    items = {r[0] for r in _rows(small.items)[1]}
    for user, item, value, event_type, ts in rows:
        assert user in users and item in items
        assert value in {"1.0", "2.0", "3.0", "4.0", "5.0"}
        assert event_type == "Watch"
        assert ts.isdigit() and len(ts) == 10  # epoch seconds, not milliseconds
        assert datagen.WINDOW_START <= int(ts) < datagen.WINDOW_END
    # every rating occurs; ratings are not constant
    assert {r[2] for r in rows} == {"1.0", "2.0", "3.0", "4.0", "5.0"}


def test_items_format(small: Layout) -> None:
    header, rows = _rows(small.items)
    assert header == ["ITEM_ID", "TITLE", "RELEASE_YEAR", "CREATION_TIMESTAMP", "GENRES"]
    assert [r[0] for r in rows] == [str(i) for i in range(1, 81)]
    for _, title, year, created, genres in rows:
        assert title and title.strip() == title
        assert 1920 <= int(year) <= 2022
        assert int(created) == int(np.datetime64(f"{year}-01-01", "s").astype(np.int64))
        assert int(created) < datagen.WINDOW_START
        names = genres.split("|")
        assert 1 <= len(names) <= 3
        assert len(set(names)) == len(names)
        assert set(names) <= set(GENRES)
        assert names == sorted(names, key=GENRES.index)
    # with >= 19 items every genre occurs
    assert {g for r in rows for g in r[4].split("|")} == set(GENRES)


def test_users_and_endpoints_format(small: Layout) -> None:
    header, users = _rows(small.users)
    assert header == ["USER_ID", "GENDER", "E_MAIL", "AGE"]
    assert [r[0] for r in users] == [str(i) for i in range(1, 301)]
    for user_id, gender, email, age in users:
        assert gender in datagen.GENDERS
        assert email == f"success+{user_id}@simulator.amazonses.com"
        assert 18 <= int(age) <= 85
    header, endpoints = _rows(small.endpoints)
    assert header == [
        "User.UserId",
        "ChannelType",
        "User.UserAttributes.Gender",
        "Address",
        "User.UserAttributes.Age",
    ]
    assert [[e[0], e[2], e[3], e[4]] for e in endpoints] == users
    assert {e[1] for e in endpoints} == {"EMAIL"}


def test_config_and_job_config(small: Layout) -> None:
    config = json.loads(small.config.read_text())
    assert config == datagen.CONFIG
    assert config["datasetGroup"]["serviceConfig"]["name"] == "bingewatch"
    (solution,) = config["solutions"]
    assert solution["serviceConfig"]["recipeArn"] == "arn:aws:personalize:::recipe/aws-item-attribute-affinity"
    assert solution["batchSegmentJobs"][0]["serviceConfig"]["numResults"] > 0
    # every schema lists exactly the columns of its CSV, in order
    for kind, path in (("interactions", small.interactions), ("items", small.items), ("users", small.users)):
        fields = config["datasets"][kind]["schema"]["serviceConfig"]["schema"]["fields"]
        assert [f["name"] for f in fields] == _rows(path)[0], kind
    genres = next(
        f for f in config["datasets"]["items"]["schema"]["serviceConfig"]["schema"]["fields"] if f["name"] == "GENRES"
    )
    assert genres["categorical"] is True
    lines = small.job_config.read_text().splitlines()
    assert lines == [
        '{"itemAttributes": "ITEMS.genres = \\"Action\\""}',
        '{"itemAttributes": "ITEMS.genres = \\"Comedy\\""}',
        '{"itemAttributes": "ITEMS.genres = \\"Horror\\" AND ITEMS.genres = \\"Thriller\\""}',
    ]


def test_fewer_items_than_genres(tmp_path: Path) -> None:
    generate(tmp_path, Sizes(users=20, items=3, interactions=500, seed=1))
    layout = Layout(tmp_path)
    item_genres = {r[0]: set(r[4].split("|")) for r in _rows(layout.items)[1]}
    assert len(item_genres) == 3
    _, rows = _rows(layout.interactions)
    assert len(rows) == 500 and {r[1] for r in rows} <= set(item_genres)


def test_sample_flag_rejects_explicit_sizes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate-data", "--sample", "--users", "5", "--out", str(tmp_path)]) == 2
    assert "--users" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_activity_and_popularity_are_heavy_tailed(small: Layout) -> None:
    _, rows = _rows(small.interactions)
    per_user = sorted(Counter(r[0] for r in rows).values(), reverse=True)
    per_item = sorted(Counter(r[1] for r in rows).values(), reverse=True)
    # top 10 % of users / items account for far more than 10 % of interactions
    assert sum(per_user[:30]) > 0.3 * len(rows)
    assert sum(per_item[:8]) > 0.3 * len(rows)


def _genre_shares(rows: list[list[str]], item_genres: dict[str, list[str]]) -> dict[str, np.ndarray]:
    shares: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(GENRES)))
    for user, item, *_ in rows:
        names = item_genres[item]
        for name in names:
            shares[user][GENRES.index(name)] += 1.0 / len(names)
    return shares


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, list[str]], list[list[str]]]:
    """(genres of each item, interaction rows) of a mid-sized data set."""
    out = tmp_path_factory.mktemp("medium")
    generate(out, Sizes(users=1500, items=300, interactions=90_000, seed=3))
    layout = Layout(out)
    return {r[0]: r[4].split("|") for r in _rows(layout.items)[1]}, _rows(layout.interactions)[1]


def test_genre_affinity_is_learnable_on_a_temporal_holdout(
    medium: tuple[dict[str, list[str]], list[list[str]]],
) -> None:
    item_genres, rows = medium
    cutoff = int(np.quantile([int(r[4]) for r in rows], 0.75))
    past = _genre_shares([r for r in rows if int(r[4]) < cutoff], item_genres)
    future = _genre_shares([r for r in rows if int(r[4]) >= cutoff], item_genres)
    global_share = sum(past.values())
    global_share = global_share / global_share.sum()
    personal_err, global_err, top_hits, top_global_hits, users = 0.0, 0.0, 0, 0, 0
    for user, fut in future.items():
        if user not in past or past[user].sum() < 10 or fut.sum() < 20:
            continue
        users += 1
        fut_share = fut / fut.sum()
        own = (past[user] + global_share) / (past[user].sum() + 1.0)  # lightly smoothed towards the global mix
        personal_err += np.abs(fut_share - own).sum()
        global_err += np.abs(fut_share - global_share).sum()
        top_hits += int(fut_share.argmax() == own.argmax())
        top_global_hits += int(fut_share.argmax() == global_share.argmax())
    assert users >= 200
    # users' own past genre mix predicts their future mix much better than the global mix does
    assert personal_err < 0.75 * global_err
    assert top_hits > 2 * top_global_hits


def test_preferences_drift_over_time(tmp_path: Path) -> None:
    generate(tmp_path, Sizes(users=200, items=300, interactions=200_000, seed=3))  # many interactions per user
    layout = Layout(tmp_path)
    item_genres = {r[0]: r[4].split("|") for r in _rows(layout.items)[1]}
    by_user: dict[str, list[list[str]]] = defaultdict(list)
    for row in _rows(layout.interactions)[1]:
        by_user[row[0]].append(row)
    far, near, closer_to_recent, users = 0.0, 0.0, 0, 0
    for user, user_rows in by_user.items():
        if len(user_rows) < 300:
            continue
        user_rows.sort(key=lambda r: int(r[4]))
        third = len(user_rows) // 3
        old, middle, recent = (
            _genre_shares(part, item_genres)[user]
            for part in (user_rows[:third], user_rows[third : 2 * third], user_rows[2 * third : 3 * third])
        )
        old, middle, recent = old / old.sum(), middle / middle.sum(), recent / recent.sum()
        far += np.abs(recent - old).sum()
        near += np.abs(recent - middle).sum()
        closer_to_recent += int(np.abs(recent - middle).sum() < np.abs(recent - old).sum())
        users += 1
    assert users >= 100
    # equal-sized slices: the latest third resembles the middle third more than the oldest one — preferences drift,
    # so a temporal holdout differs from a random one
    assert far > 1.1 * near
    assert closer_to_recent > 0.65 * users
