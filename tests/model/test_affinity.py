"""The local affinity model: query parsing, data loading from the solution layout, ranking, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from contextual_targeting.model.affinity import AffinityModel, ModelParams, top_k
from contextual_targeting.model.data import DataError, find_dataset_dir, load_dataset
from contextual_targeting.model.query import Condition, QueryError, matching_items, parse_query

FAST = ModelParams(factors=4, iterations=3, num_threads=1)


# --- query parsing ---------------------------------------------------------------------------------------------


def test_single_condition():
    assert parse_query('ITEMS.genres = "Action"') == (Condition("genres", "Action"),)


def test_and_keywords_and_field_names_are_case_insensitive():
    assert parse_query('items.GENRES="Horror" and ITEMS.Genres = "Thriller"') == (
        Condition("genres", "Horror"),
        Condition("genres", "Thriller"),
    )


def test_quotes_escapes_and_and_inside_a_value():
    assert parse_query(r'ITEMS.title = "The \"Big\" One"') == (Condition("title", 'The "Big" One'),)
    assert parse_query("ITEMS.genres = 'Sci-Fi'") == (Condition("genres", "Sci-Fi"),)
    assert parse_query('ITEMS.genres = "Rock AND Roll"') == (Condition("genres", "Rock AND Roll"),)


@pytest.mark.parametrize(
    "expression",
    [
        "",
        'genres = "Action"',
        "ITEMS.genres = Action",
        'ITEMS.genres = "Action" OR ITEMS.genres = "Drama"',
        'ITEMS.genres = "Action" AND',
        'ITEMS.genres = "Action" ITEMS.genres = "Drama"',
        'ITEMS.genres = "unterminated',
    ],
)
def test_invalid_expressions_are_rejected(expression):
    with pytest.raises(QueryError):
        parse_query(expression)


# --- data in the solution layout ---------------------------------------------------------------------------------


def write_dataset(root, interactions: str, items: str):
    group = root / "personalize" / "train" / "shop"
    group.mkdir(parents=True)
    (group / "interactions.csv").write_text(interactions, encoding="utf-8")
    (group / "items.csv").write_text(items, encoding="utf-8")
    return group


ITEMS = (
    "ITEM_ID,TITLE,RELEASE_YEAR,CREATION_TIMESTAMP,GENRES\n"
    'sku-a,"Alpha, the movie",2001,0,Action|Comedy\n'
    "sku-b,Beta,2002,0,Comedy\n"
    "sku-c,Gamma,2003,0,Bollywood\n"
    "sku-d,Delta (never watched),2004,0,Action|Bollywood\n"
)


def interactions_csv(rows):
    return "USER_ID,ITEM_ID,EVENT_VALUE,EVENT_TYPE,TIMESTAMP\n" + "".join(
        f"{u},{i},{v},Watch,{t}\n" for u, i, v, t in rows
    )


@pytest.fixture
def shop(tmp_path):
    rows = []
    t = 1_700_000_000
    # "ann@x" watches Action, "bob-2" Comedy only, "çé" Bollywood, "dan" a little of everything
    for n in range(6):
        rows.append(("ann@x", "sku-a", 4.0, t + n))
        rows.append(("bob-2", "sku-b", 3.0, t + n))
        rows.append(("çé", "sku-c", 5.0, t + n))
    rows += [("dan", "sku-a", 1.0, t), ("dan", "sku-b", 2.0, t), ("dan", "sku-c", 3.0, t)]
    return write_dataset(tmp_path, interactions_csv(rows), ITEMS)


def test_loads_string_ids_unknown_genres_and_items_without_interactions(shop):
    dataset = load_dataset(shop)
    assert set(dataset.user_ids) == {"ann@x", "bob-2", "çé", "dan"}
    assert set(dataset.item_ids) == {"sku-a", "sku-b", "sku-c", "sku-d"}
    assert len(dataset.interactions) == 21
    vocabulary, _ = dataset.attributes.fields["genres"]
    assert set(vocabulary) == {"Action", "Comedy", "Bollywood"}
    bollywood = matching_items(dataset.attributes, 'ITEMS.GENRES = "Bollywood"')
    assert set(dataset.item_ids[bollywood]) == {"sku-c", "sku-d"}
    both = matching_items(dataset.attributes, 'ITEMS.genres = "Action" AND ITEMS.genres = "Bollywood"')
    assert set(dataset.item_ids[both]) == {"sku-d"}
    title = matching_items(dataset.attributes, 'ITEMS.title = "Alpha, the movie"')
    assert set(dataset.item_ids[title]) == {"sku-a"}
    assert not matching_items(dataset.attributes, 'ITEMS.genres = "Western"').any()
    assert not matching_items(dataset.attributes, 'ITEMS.color = "red"').any()


def test_data_dir_can_be_a_parent_of_the_dataset_group(shop, tmp_path):
    assert find_dataset_dir(tmp_path) == shop
    with pytest.raises(DataError):
        find_dataset_dir(tmp_path / "personalize" / "nothing-here")


def test_lowercase_headers_missing_optional_columns_and_small_chunks(tmp_path):
    body = "user_id,item_id\n" + "".join(f"u{n % 7},i{n % 5}\n" for n in range(200))
    group = write_dataset(tmp_path, body, "item_id,genres\ni1,X\n")
    whole = load_dataset(group)
    chunked = load_dataset(group, chunk_bytes=37)
    assert len(whole.interactions) == len(chunked.interactions) == 200
    assert (whole.interactions.value == 1.0).all() and (whole.interactions.timestamp == 0).all()
    pairs = {
        (whole.user_ids[u], whole.item_ids[i])
        for u, i in zip(whole.interactions.user, whole.interactions.item, strict=True)
    }
    pairs_chunked = {
        (chunked.user_ids[u], chunked.item_ids[i])
        for u, i in zip(chunked.interactions.user, chunked.interactions.item, strict=True)
    }
    assert pairs == pairs_chunked


def test_quoted_interaction_fields_fall_back_to_the_csv_module(tmp_path):
    body = 'USER_ID,ITEM_ID,TIMESTAMP\n"a,1",x,5\nb,x,6\n'
    dataset = load_dataset(write_dataset(tmp_path, body, "ITEM_ID,GENRES\nx,G\n"))
    assert set(dataset.user_ids) == {"a,1", "b"}
    assert sorted(dataset.interactions.timestamp.tolist()) == [5, 6]


def test_missing_id_column_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="user_id"):
        load_dataset(write_dataset(tmp_path, "ITEM_ID,TIMESTAMP\nx,1\n", "ITEM_ID\nx\n"))


# --- the model ---------------------------------------------------------------------------------------------------


def test_segment_ranks_the_users_who_watch_matching_items_first(shop):
    model = AffinityModel(FAST).fit(load_dataset(shop))
    assert model.segment('ITEMS.genres = "Bollywood"', 1) == ["çé"]
    assert set(model.segment('ITEMS.genres = "Comedy"', 2)) == {"ann@x", "bob-2"}  # sku-a is Action|Comedy
    assert model.segment('ITEMS.genres = "Action"', 4)[0] == "ann@x"
    assert len(model.segment('ITEMS.genres = "Action"', 10)) == 4  # never more users than there are


def test_unknown_values_give_an_empty_segment_and_unwatched_items_do_not_crash(shop):
    model = AffinityModel(FAST).fit(load_dataset(shop))
    assert model.segment('ITEMS.genres = "Western"', 10) == []
    assert model.segment('ITEMS.mood = "happy"', 10) == []
    # sku-d is the only Action+Bollywood item and nobody watched it: a ranking still comes back, finite scores
    mask = matching_items(model.dataset.attributes, 'ITEMS.genres = "Action" AND ITEMS.genres = "Bollywood"')
    assert np.isfinite(model.scores(mask)).all()
    assert len(model.segment('ITEMS.genres = "Action" AND ITEMS.genres = "Bollywood"', 2)) == 2


def test_same_seed_same_model(shop):
    dataset = load_dataset(shop)
    first = AffinityModel(ModelParams(seed=3, num_threads=1)).fit(dataset)
    second = AffinityModel(ModelParams(seed=3, num_threads=2)).fit(dataset)
    np.testing.assert_array_equal(first.user_factors, second.user_factors)
    np.testing.assert_array_equal(
        first.query_scores('ITEMS.genres = "Action"'), second.query_scores('ITEMS.genres = "Action"')
    )
    assert first.segment('ITEMS.genres = "Comedy"', 4) == second.segment('ITEMS.genres = "Comedy"', 4)


def test_top_k_breaks_ties_by_index():
    score = np.array([1.0, 3.0, 3.0, 2.0, 3.0])
    assert top_k(score, 2).tolist() == [1, 2]
    assert top_k(score, 4).tolist() == [1, 2, 4, 3]
    assert top_k(score, 0).tolist() == []


def test_numeric_looking_ids_keep_their_exact_text_across_chunks(tmp_path):
    body = "USER_ID,ITEM_ID,TIMESTAMP\n7,10,1\n007,10,2\n7,11,3\n-0,10,4\n"
    dataset = load_dataset(write_dataset(tmp_path, body, "ITEM_ID,GENRES\n11,X\n10,Y\n12,Z\n"), chunk_bytes=9)
    users = [dataset.user_ids[u] for u in dataset.interactions.user]
    items = [dataset.item_ids[i] for i in dataset.interactions.item]
    assert users == ["7", "007", "7", "-0"]
    assert items == ["10", "10", "11", "10"]
    assert sorted(dataset.item_ids) == ["10", "11", "12"]  # items.csv and interactions share one index
