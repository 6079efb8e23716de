"""The committed Bingewatch sample under data/: Personalize's minimums, consistency, and reproducibility."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from contextual_targeting.datagen import CONFIG, SAMPLE, Layout, generate, sha256_files

DATA = Layout(Path(__file__).resolve().parents[2] / "data")


def _dicts(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def interactions() -> list[dict[str, str]]:
    return _dicts(DATA.interactions)


@pytest.fixture(scope="module")
def items() -> list[dict[str, str]]:
    return _dicts(DATA.items)


def test_committed_sample_is_what_make_data_produces(tmp_path: Path) -> None:
    generate(tmp_path, SAMPLE)
    assert sha256_files(DATA.root) == sha256_files(tmp_path)


def test_sample_sizes(interactions: list[dict[str, str]], items: list[dict[str, str]]) -> None:
    assert len(interactions) == SAMPLE.interactions == 50_000
    assert len(items) == SAMPLE.items == 500
    assert len(_dicts(DATA.users)) == SAMPLE.users == 1_000


def test_personalize_minimums(interactions: list[dict[str, str]]) -> None:
    # Personalize: at least 1,000 interaction records, and at least 25 unique users with at least 2 interactions each
    assert len(interactions) >= 1_000
    per_user = Counter(row["USER_ID"] for row in interactions)
    assert sum(1 for count in per_user.values() if count >= 2) >= 25


def test_interactions_reference_known_users_and_items(
    interactions: list[dict[str, str]], items: list[dict[str, str]]
) -> None:
    users = {row["USER_ID"] for row in _dicts(DATA.users)}
    item_ids = {row["ITEM_ID"] for row in items}
    assert {row["USER_ID"] for row in interactions} <= users
    assert {row["ITEM_ID"] for row in interactions} <= item_ids


def test_every_genre_queried_by_the_batch_job_occurs(
    interactions: list[dict[str, str]], items: list[dict[str, str]]
) -> None:
    queries = [json.loads(line)["itemAttributes"] for line in DATA.job_config.read_text().splitlines()]
    assert len(queries) >= 3
    genres_of = {row["ITEM_ID"]: set(row["GENRES"].split("|")) for row in items}
    watched = {row["ITEM_ID"] for row in interactions}
    for query in queries:
        wanted = set(re.findall(r'ITEMS\.genres = "([^"]+)"', query))
        assert wanted, query
        # an item carrying all the genres of the query exists and has been watched
        matching = [item for item, genres in genres_of.items() if wanted <= genres]
        assert matching, query
        assert watched & set(matching), query


def test_config_is_the_mpe_parameter_file() -> None:
    assert json.loads(DATA.config.read_text()) == CONFIG


def test_endpoints_cover_every_user() -> None:
    users = _dicts(DATA.users)
    endpoints = _dicts(DATA.endpoints)
    assert [e["User.UserId"] for e in endpoints] == [u["USER_ID"] for u in users]
    assert all(e["Address"] == u["E_MAIL"] for e, u in zip(endpoints, users, strict=True))
    assert all(re.fullmatch(r"success\+\d+@simulator\.amazonses\.com", u["E_MAIL"]) for u in users)
