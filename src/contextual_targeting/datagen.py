"""Bingewatch synthetic data generator (local only, never bundled into a Lambda zip).

Writes the solution's datasets in the layout the workflows read::

    OUT/personalize/train/bingewatch/{config.json,interactions.csv,items.csv,users.csv}
    OUT/personalize/batch/bingewatch/bingewatch-affinity/job_config.json
    OUT/pinpoint/endpoints.csv

Generative model (all draws from numpy ``Generator`` streams derived from the seed, so the same arguments give
byte-identical files):

* **Genres** have fixed base frequencies (``GENRE_WEIGHTS``, MovieLens-like: Drama and Comedy common, Film-Noir
  rare). **Items** get 1–3 distinct genres (alphabetical, pipe-separated): the first by base frequency (item
  ``i < 19`` gets genre ``i``, so every genre occurs once there are >= 19 items), the others by base frequency
  boosted 8x for related genres (``RELATED_GENRES``: Horror|Thriller, Action|Adventure…); a heavy-tailed popularity
  (lognormal, sigma 1.4); a quality offset; and a release year skewed towards recent years
  (``CREATION_TIMESTAMP`` = 1 January of that year, before the interaction window).
* **Users** have a latent genre preference ``theta0 ~ Dirichlet(2 * base)`` (peaked on a few genres), mixed with
  10 % of the base frequencies, which **drifts** linearly over the time window towards
  ``theta1 = 0.6 * theta0 + 0.4 * fresh draw``; a heavy-tailed activity weight (lognormal, sigma 1.2); and a join
  time in the first 80 % of the window.
* An **interaction** picks a user by activity, a timestamp uniformly between the user's join time and the end of the
  window (epoch seconds, 2023-01-01 … 2025-01-01), a genre from the user's preference *at that time*, and an item of
  that genre by popularity; the rating (1–5) is ``3.0 + 0.6 * clip(log(G * preference of that genre), ±2) +
  item quality + N(0, 0.9)``, rounded and clipped.

So a user's past genre mix predicts their future one (affinity is learnable) while drift and join times make a
temporal holdout meaningful. Interactions are generated and written in fixed batches of ``BATCH_ROWS`` rows, each
from its own seeded stream (``default_rng([seed, 3, batch])``) with vectorised numpy, so memory is bounded by the
per-user arrays (about 190 bytes per user) plus one batch; rows are not globally time-sorted.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

GENRES: tuple[str, ...] = (
    "Action",
    "Adventure",
    "Animation",
    "Children",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "IMAX",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
)
# base frequency of each genre (same order as GENRES); normalised below
GENRE_WEIGHTS: tuple[float, ...] = (
    0.09,  # Action
    0.06,  # Adventure
    0.03,  # Animation
    0.035,  # Children
    0.16,  # Comedy
    0.06,  # Crime
    0.025,  # Documentary
    0.19,  # Drama
    0.04,  # Fantasy
    0.006,  # Film-Noir
    0.05,  # Horror
    0.01,  # IMAX
    0.02,  # Musical
    0.03,  # Mystery
    0.08,  # Romance
    0.05,  # Sci-Fi
    0.09,  # Thriller
    0.025,  # War
    0.012,  # Western
)
GENDERS: tuple[str, ...] = ("Female", "Male", "Agender")
GENDER_WEIGHTS: tuple[float, ...] = (0.48, 0.48, 0.04)

DATASET_GROUP = "bingewatch"
SOLUTION_NAME = "bingewatch-affinity"
EVENT_TYPE = "Watch"
WINDOW_START = 1_672_531_200  # 2023-01-01T00:00:00Z
WINDOW_END = 1_735_689_600  # 2025-01-01T00:00:00Z
BATCH_ROWS = 1_000_000  # part of the output contract: changing it changes the files for a given seed

INTERACTIONS_HEADER = "USER_ID,ITEM_ID,EVENT_VALUE,EVENT_TYPE,TIMESTAMP"
ITEMS_HEADER = "ITEM_ID,TITLE,RELEASE_YEAR,CREATION_TIMESTAMP,GENRES"
USERS_HEADER = "USER_ID,GENDER,E_MAIL,AGE"
ENDPOINTS_HEADER = "User.UserId,ChannelType,User.UserAttributes.Gender,Address,User.UserAttributes.Age"

# the item-attribute queries of the sample batch segment job, one JSON object per line
BATCH_QUERIES: tuple[str, ...] = (
    'ITEMS.genres = "Action"',
    'ITEMS.genres = "Comedy"',
    'ITEMS.genres = "Horror" AND ITEMS.genres = "Thriller"',
)


@dataclass(frozen=True)
class Sizes:
    users: int
    items: int
    interactions: int
    seed: int


# the committed sample under data/ (`make data`)
SAMPLE = Sizes(users=1_000, items=500, interactions=50_000, seed=42)

_ADJECTIVES = (
    "Silent", "Crimson", "Last", "Hidden", "Broken", "Golden", "Midnight", "Lost", "Endless", "Savage",
    "Frozen", "Electric", "Secret", "Wild", "Hollow", "Burning", "Distant", "Iron", "Velvet", "Forgotten",
    "Little", "Restless", "Shadow", "Bright", "Northern", "Dark", "Final", "Lonely", "Brave", "Strange",
)  # fmt: skip
_NOUNS = (
    "Harbor", "Empire", "Garden", "Road", "Horizon", "Witness", "Kingdom", "Signal", "River", "Mirror",
    "Frontier", "Promise", "Station", "Storm", "Letter", "Island", "Engine", "Summer", "Voyage", "Legacy",
    "Circus", "Detective", "Orchard", "Planet", "Canyon", "Ballad", "Heist", "Winter", "Machine", "Tide",
)  # fmt: skip
_SEQUELS = ("", "", "", "", "", "", " II", " III", " Returns", " Reloaded")


def _config() -> dict[str, Any]:
    """The MPE parameter file for the Bingewatch dataset group (Item-Attribute-Affinity)."""

    def schema(name: str, fields: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "type": "record",
            "name": name,
            "namespace": "com.amazonaws.personalize.schema",
            "version": "1.0",
            "fields": fields,
        }

    def dataset(kind: str, record: str, fields: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "dataset": {"serviceConfig": {"name": f"{DATASET_GROUP}-{kind}"}},
            "schema": {"serviceConfig": {"name": f"{DATASET_GROUP}-{kind}-schema", "schema": schema(record, fields)}},
        }

    return {
        "datasetGroup": {"serviceConfig": {"name": DATASET_GROUP}},
        "datasets": {
            "interactions": dataset(
                "interactions",
                "Interactions",
                [
                    {"name": "USER_ID", "type": "string"},
                    {"name": "ITEM_ID", "type": "string"},
                    {"name": "EVENT_VALUE", "type": "float"},
                    {"name": "EVENT_TYPE", "type": "string"},
                    {"name": "TIMESTAMP", "type": "long"},
                ],
            ),
            "items": dataset(
                "items",
                "Items",
                [
                    {"name": "ITEM_ID", "type": "string"},
                    {"name": "TITLE", "type": "string", "textual": True},
                    {"name": "RELEASE_YEAR", "type": "int"},
                    {"name": "CREATION_TIMESTAMP", "type": "long"},
                    {"name": "GENRES", "type": ["null", "string"], "categorical": True},
                ],
            ),
            "users": dataset(
                "users",
                "Users",
                [
                    {"name": "USER_ID", "type": "string"},
                    {"name": "GENDER", "type": "string", "categorical": True},
                    {"name": "E_MAIL", "type": "string", "categorical": True},
                    {"name": "AGE", "type": "int"},
                ],
            ),
        },
        "solutions": [
            {
                "serviceConfig": {
                    "name": SOLUTION_NAME,
                    "recipeArn": "arn:aws:personalize:::recipe/aws-item-attribute-affinity",
                },
                "solutionVersion": {"serviceConfig": {"trainingMode": "FULL"}},
                "batchSegmentJobs": [{"serviceConfig": {"numResults": 100}}],
            }
        ],
    }


CONFIG: dict[str, Any] = _config()


@dataclass(frozen=True)
class Layout:
    """Where each file goes under an output directory (the MPE / original-solution layout)."""

    root: Path

    @property
    def train_dir(self) -> Path:
        return self.root / "personalize" / "train" / DATASET_GROUP

    @property
    def config(self) -> Path:
        return self.train_dir / "config.json"

    @property
    def interactions(self) -> Path:
        return self.train_dir / "interactions.csv"

    @property
    def items(self) -> Path:
        return self.train_dir / "items.csv"

    @property
    def users(self) -> Path:
        return self.train_dir / "users.csv"

    @property
    def job_config(self) -> Path:
        return self.root / "personalize" / "batch" / DATASET_GROUP / SOLUTION_NAME / "job_config.json"

    @property
    def endpoints(self) -> Path:
        return self.root / "pinpoint" / "endpoints.csv"

    def files(self) -> list[Path]:
        return [self.config, self.interactions, self.items, self.users, self.job_config, self.endpoints]


def email(user_id: int) -> str:
    """SES mailbox-simulator address of a user (always delivered, never bounces)."""
    return f"success+{user_id}@simulator.amazonses.com"


def _genre_probs() -> np.ndarray:
    w = np.asarray(GENRE_WEIGHTS, dtype=np.float64)
    return w / w.sum()


# genres that often appear together on one title: the second and third genres favour them
RELATED_GENRES: tuple[tuple[str, str], ...] = (
    ("Horror", "Thriller"),
    ("Mystery", "Thriller"),
    ("Crime", "Thriller"),
    ("Crime", "Drama"),
    ("Action", "Adventure"),
    ("Action", "Sci-Fi"),
    ("Action", "Thriller"),
    ("Adventure", "Fantasy"),
    ("Animation", "Children"),
    ("Children", "Comedy"),
    ("Comedy", "Romance"),
    ("Drama", "Romance"),
    ("Drama", "War"),
    ("Musical", "Romance"),
    ("Film-Noir", "Crime"),
    ("IMAX", "Action"),
    ("Western", "Action"),
)


def _related_boost(factor: float = 8.0) -> np.ndarray:
    boost = np.ones((len(GENRES), len(GENRES)))
    for a, b in RELATED_GENRES:
        i, j = GENRES.index(a), GENRES.index(b)
        boost[i, j] = boost[j, i] = factor
    return boost


@dataclass
class _Catalog:
    """Per-item arrays (index = ITEM_ID - 1)."""

    genre_mask: np.ndarray  # (items, G) bool
    first_genre: np.ndarray  # (items,)
    popularity: np.ndarray  # (items,) float64
    quality: np.ndarray  # (items,) float32
    release_year: np.ndarray  # (items,) int64
    titles: list[str]
    # concatenated per-genre popularity CDFs: values of genre g lie in (g, g + 1]; searchsorted(g + u) picks an item
    genre_cdf: np.ndarray
    genre_items: np.ndarray


def _make_catalog(n_items: int, seed: int) -> _Catalog:
    rng = np.random.default_rng([seed, 2])
    n_genres = len(GENRES)
    base = _genre_probs()
    counts = rng.choice(np.array([1, 2, 3]), size=n_items, p=[0.45, 0.35, 0.20])
    mask = np.zeros((n_items, n_genres), dtype=bool)
    first = np.empty(n_items, dtype=np.int64)
    # Gumbel-top-k draws distinct genres without replacement, vectorised: the first by base frequency (item i < G
    # gets genre i, so every genre occurs), the others by base frequency boosted for related genres (Horror|Thriller)
    log_base = np.log(base)
    keys = log_base[None, :] + rng.gumbel(size=(n_items, n_genres))
    forced = np.arange(min(n_items, n_genres))
    keys[forced, forced] = np.inf
    first[:] = keys.argmax(axis=1)
    keys = log_base[None, :] + np.log(_related_boost())[first] + rng.gumbel(size=(n_items, n_genres))
    keys[np.arange(n_items), first] = -np.inf
    order = np.argsort(-keys, axis=1, kind="stable")
    mask[np.arange(n_items), first] = True
    for k in range(2):
        rows = np.nonzero(counts > k + 1)[0]
        mask[rows, order[rows, k]] = True
    popularity = rng.lognormal(mean=0.0, sigma=1.4, size=n_items)
    quality = rng.normal(0.0, 0.4, size=n_items).astype(np.float32)
    release_year = np.clip(2022 - np.floor(rng.exponential(14.0, size=n_items)), 1920, 2022).astype(np.int64)
    adj = rng.integers(0, len(_ADJECTIVES), size=n_items)
    noun = rng.integers(0, len(_NOUNS), size=n_items)
    sequel = rng.integers(0, len(_SEQUELS), size=n_items)
    the = rng.random(n_items) < 0.5
    titles = [
        f"{'The ' if t else ''}{_ADJECTIVES[a]} {_NOUNS[b]}{_SEQUELS[s]}"
        for t, a, b, s in zip(the.tolist(), adj.tolist(), noun.tolist(), sequel.tolist(), strict=True)
    ]
    cdf_parts: list[np.ndarray] = []
    item_parts: list[np.ndarray] = []
    for g in range(n_genres):
        members = np.nonzero(mask[:, g])[0]
        if members.size == 0:
            continue
        cum = np.cumsum(popularity[members])
        part = g + cum / cum[-1]
        part[-1] = g + 1.0
        cdf_parts.append(part)
        item_parts.append(members)
    return _Catalog(
        genre_mask=mask,
        first_genre=first,
        popularity=popularity,
        quality=quality,
        release_year=release_year,
        titles=titles,
        genre_cdf=np.concatenate(cdf_parts),
        genre_items=np.concatenate(item_parts),
    )


@dataclass
class _Population:
    """Per-user arrays (index = USER_ID - 1)."""

    theta0: np.ndarray  # (users, G) float32, preference at WINDOW_START
    theta1: np.ndarray  # (users, G) float32, preference at WINDOW_END
    activity: np.ndarray  # (users,) float64, probability that an interaction is by this user
    join: np.ndarray  # (users,) int64 epoch seconds
    gender: np.ndarray  # (users,) index into GENDERS
    age: np.ndarray  # (users,) int64


def _dirichlet(rng: np.random.Generator, alpha: np.ndarray, n: int) -> np.ndarray:
    draws = rng.standard_gamma(alpha[None, :], size=(n, alpha.size)) + 1e-12
    return draws / draws.sum(axis=1, keepdims=True)


def _make_population(n_users: int, seed: int, genres_present: np.ndarray) -> _Population:
    rng = np.random.default_rng([seed, 1])
    base = _genre_probs()
    alpha = 2.0 * base
    theta0 = 0.9 * _dirichlet(rng, alpha, n_users) + 0.1 * base[None, :]
    theta1 = 0.6 * theta0 + 0.4 * (0.9 * _dirichlet(rng, alpha, n_users) + 0.1 * base[None, :])
    # a genre without items cannot be watched
    theta0 *= genres_present[None, :]
    theta1 *= genres_present[None, :]
    theta0 /= theta0.sum(axis=1, keepdims=True)
    theta1 /= theta1.sum(axis=1, keepdims=True)
    activity = rng.lognormal(mean=0.0, sigma=1.2, size=n_users)
    activity /= activity.sum()
    span = WINDOW_END - WINDOW_START
    join = WINDOW_START + np.floor(rng.random(n_users) * 0.8 * span).astype(np.int64)
    gender = rng.choice(len(GENDERS), size=n_users, p=np.asarray(GENDER_WEIGHTS))
    age = np.clip(np.rint(rng.normal(38.0, 13.0, size=n_users)), 18, 85).astype(np.int64)
    return _Population(
        theta0=theta0.astype(np.float32),
        theta1=theta1.astype(np.float32),
        activity=activity,
        join=join,
        gender=gender,
        age=age,
    )


def _interaction_batch(
    rng: np.random.Generator, n: int, pop: _Population, cat: _Catalog
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """n interactions as (user index, item index, rating 1–5, epoch seconds)."""
    # n categorical draws by activity = multinomial counts per user; rows are generated grouped by user (the
    # per-user gathers below stay cache-friendly) and shuffled at the end
    users = np.repeat(np.arange(pop.activity.size), rng.multinomial(n, pop.activity))
    join = pop.join[users]
    ts = join + np.floor(rng.random(n) * (WINDOW_END - join)).astype(np.int64)
    frac = ((ts - WINDOW_START) / (WINDOW_END - WINDOW_START)).astype(np.float32)[:, None]
    pref = pop.theta0[users]
    pref *= 1.0 - frac
    pref += pop.theta1[users] * frac
    cum = np.cumsum(pref, axis=1)
    u = rng.random(n, dtype=np.float32)[:, None] * cum[:, -1:]
    genre = np.minimum((cum <= u).sum(axis=1), len(GENRES) - 1)
    # a rounding edge could land on a zero-preference genre; fall back to the user's strongest genre
    chosen = pref[np.arange(n), genre]
    bad = chosen <= 0
    if bad.any():
        genre[bad] = pref[bad].argmax(axis=1)
        chosen[bad] = pref[bad, genre[bad]]
    pos = np.searchsorted(cat.genre_cdf, genre + rng.random(n), side="right")
    items = cat.genre_items[np.minimum(pos, cat.genre_items.size - 1)]
    affinity = np.clip(np.log(chosen * len(GENRES)), -2.0, 2.0)
    score = 3.0 + 0.6 * affinity + cat.quality[items] + rng.normal(0.0, 0.9, size=n).astype(np.float32)
    rating = np.clip(np.rint(score), 1, 5).astype(np.int64)
    order = rng.permutation(n)
    return users[order], items[order], rating[order], ts[order]


def _format_interactions(users: np.ndarray, items: np.ndarray, rating: np.ndarray, ts: np.ndarray) -> bytes:
    rows = np.empty((users.size, 4), dtype=np.int64)
    rows[:, 0] = users + 1
    rows[:, 1] = items + 1
    rows[:, 2] = rating
    rows[:, 3] = ts
    return (("%d,%d,%d.0,Watch,%d\n" * users.size) % tuple(rows.ravel().tolist())).encode("ascii")


def _model(sizes: Sizes) -> tuple[_Catalog, _Population]:
    cat = _make_catalog(sizes.items, sizes.seed)
    genres_present = np.asarray(cat.genre_mask.any(axis=0), dtype=np.float64)
    return cat, _make_population(sizes.users, sizes.seed, genres_present)


def _batches(
    sizes: Sizes, cat: _Catalog, pop: _Population
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    for batch, start in enumerate(range(0, sizes.interactions, BATCH_ROWS)):
        n = min(BATCH_ROWS, sizes.interactions - start)
        yield _interaction_batch(np.random.default_rng([sizes.seed, 3, batch]), n, pop, cat)


def _partial(path: Path) -> Path:
    """Where ``path`` is written until the whole data set is complete (renamed then: see ``generate``)."""
    return path.with_name(f".{path.name}.partial")


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(_partial(path), "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def _write_lines(path: Path, header: str, lines: Iterator[str], on_rows: Callable[[int], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(_partial(path), "w", encoding="utf-8", newline="\n") as handle:
        handle.write(header + "\n")
        for line in lines:
            handle.write(line)
            on_rows(line.count("\n"))


def _chunks(n: int, size: int = 200_000) -> Iterator[range]:
    for start in range(0, n, size):
        yield range(start, min(n, start + size))


def total_rows(sizes: Sizes) -> int:
    """Rows ``generate`` writes (items, users, endpoints, interactions): the total its ``on_rows`` adds up to."""
    return sizes.items + 2 * sizes.users + sizes.interactions


def generate(
    out: str | os.PathLike[str], sizes: Sizes, on_rows: Callable[[int], None] = lambda n: None
) -> dict[str, Any]:
    """Write every file of the layout under ``out``; returns counts and the paths written.

    Each file is written as ``.<name>.partial`` and all are renamed to their names only once every one is
    complete: an interrupted run leaves no file that looks like a finished data set (its partial files are
    removed). ``on_rows(n)`` is called as rows are written (for a progress bar).
    """
    if sizes.users < 1 or sizes.items < 1 or sizes.interactions < 0:
        raise ValueError("need at least one user and one item, and a non-negative interaction count")
    layout = Layout(Path(out))
    try:
        _generate(layout, sizes, on_rows)
    except BaseException:
        for path in layout.files():
            _partial(path).unlink(missing_ok=True)
        raise
    for path in layout.files():
        _partial(path).replace(path)
    return {
        "out": str(layout.root),
        "users": sizes.users,
        "items": sizes.items,
        "interactions": sizes.interactions,
        "seed": sizes.seed,
        "files": [str(p) for p in layout.files()],
    }


def _generate(layout: Layout, sizes: Sizes, on_rows: Callable[[int], None]) -> None:
    cat, pop = _model(sizes)

    _write_text(layout.config, json.dumps(CONFIG, indent=2) + "\n")
    _write_text(layout.job_config, "".join(json.dumps({"itemAttributes": q}) + "\n" for q in BATCH_QUERIES))

    def item_lines() -> Iterator[str]:
        for chunk in _chunks(sizes.items):
            out_lines = []
            for i in chunk:
                genres = "|".join(GENRES[g] for g in np.nonzero(cat.genre_mask[i])[0].tolist())
                year = int(cat.release_year[i])
                created = int(np.datetime64(f"{year}-01-01", "s").astype(np.int64))
                out_lines.append(f"{i + 1},{cat.titles[i]},{year},{created},{genres}\n")
            yield "".join(out_lines)

    _write_lines(layout.items, ITEMS_HEADER, item_lines(), on_rows)

    def user_lines(endpoint: bool) -> Iterator[str]:
        for chunk in _chunks(sizes.users):
            genders = pop.gender[chunk.start : chunk.stop].tolist()
            ages = pop.age[chunk.start : chunk.stop].tolist()
            if endpoint:
                yield "".join(
                    f"{uid},EMAIL,{GENDERS[g]},{email(uid)},{a}\n"
                    for uid, g, a in zip(range(chunk.start + 1, chunk.stop + 1), genders, ages, strict=True)
                )
            else:
                yield "".join(
                    f"{uid},{GENDERS[g]},{email(uid)},{a}\n"
                    for uid, g, a in zip(range(chunk.start + 1, chunk.stop + 1), genders, ages, strict=True)
                )

    _write_lines(layout.users, USERS_HEADER, user_lines(endpoint=False), on_rows)
    _write_lines(layout.endpoints, ENDPOINTS_HEADER, user_lines(endpoint=True), on_rows)

    layout.interactions.parent.mkdir(parents=True, exist_ok=True)
    with open(_partial(layout.interactions), "wb") as handle:
        handle.write((INTERACTIONS_HEADER + "\n").encode("ascii"))
        for arrays in _batches(sizes, cat, pop):
            handle.write(_format_interactions(*arrays))
            on_rows(len(arrays[0]))


def sha256_files(out: str | os.PathLike[str]) -> dict[str, str]:
    """sha256 of every file of the layout under ``out``, keyed by path relative to ``out``."""
    layout = Layout(Path(out))
    result = {}
    for path in layout.files():
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        result[path.relative_to(layout.root).as_posix()] = digest.hexdigest()
    return result
