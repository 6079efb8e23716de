"""Load Personalize training data (the solution's layout) into integer-coded numpy arrays.

Column names are matched case-insensitively (``USER_ID``/``user_id``). Ids are arbitrary strings. Items are indexed
over the union of ``items.csv`` and the interactions' item ids, so items without interactions and interactions with
items missing from ``items.csv`` both work. Every non-id column of the items file is a categorical field whose values
are ``|``-separated (``GENRES`` = ``Action|Comedy``), so any genre — listed by the generator or not — is queryable.

Large interaction files are parsed in byte chunks with vectorised numpy conversions (no per-row Python objects
survive a chunk); a chunk containing quotes falls back to the ``csv`` module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

CHUNK_BYTES = 64 * 1024 * 1024


class DataError(ValueError):
    """The data directory or a file in it cannot be used."""


@dataclass
class Interactions:
    """Interactions as parallel arrays; ``user``/``item`` index ``user_ids``/``item_ids`` of the owning dataset."""

    user: np.ndarray  # int32
    item: np.ndarray  # int32
    value: np.ndarray  # float32, 1.0 where EVENT_VALUE is absent
    timestamp: np.ndarray  # int64 epoch seconds, 0 where absent

    def __len__(self) -> int:
        return int(self.user.shape[0])

    def subset(self, mask: np.ndarray) -> Interactions:
        return Interactions(self.user[mask], self.item[mask], self.value[mask], self.timestamp[mask])


@dataclass
class ItemAttributes:
    """Per categorical field (lower-cased name): value → column, and an items × values 0/1 CSC matrix."""

    n_items: int
    fields: dict[str, tuple[dict[str, int], sp.csc_matrix]] = field(default_factory=dict)

    def field_names(self) -> list[str]:
        return sorted(self.fields)


@dataclass
class Dataset:
    user_ids: np.ndarray  # object array of str
    item_ids: np.ndarray  # object array of str
    interactions: Interactions
    attributes: ItemAttributes

    @property
    def n_users(self) -> int:
        return int(self.user_ids.shape[0])

    @property
    def n_items(self) -> int:
        return int(self.item_ids.shape[0])


class _Coder:
    """Maps string ids to dense int codes in first-seen order."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def encode_unique(self, uniques: Iterable[str]) -> np.ndarray:
        index = self.index
        return np.fromiter((index.setdefault(u, len(index)) for u in uniques), dtype=np.int64)

    def ids(self) -> np.ndarray:
        out = np.empty(len(self.index), dtype=object)
        for key, code in self.index.items():
            out[code] = key
        return out


def _lower_header(header: Sequence[str]) -> dict[str, int]:
    return {name.strip().lower(): i for i, name in enumerate(header)}


def _data_files(path: Path) -> list[Path]:
    """A dataset is a CSV file or a folder of CSV files (Personalize imports a prefix)."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.csv") if p.is_file())
        if not files:
            raise DataError(f"no CSV files in {path}")
        return files
    return [path]


def find_dataset_dir(data_dir: Path) -> Path:
    """The folder holding ``interactions.csv`` (or ``interactions/``): ``data_dir`` itself or one below it."""
    data_dir = Path(data_dir)
    if (data_dir / "interactions.csv").exists() or (data_dir / "interactions").is_dir():
        return data_dir
    found = sorted({p.parent for p in data_dir.rglob("interactions.csv")})
    if len(found) == 1:
        return found[0]
    if not found:
        raise DataError(f"no interactions.csv under {data_dir}")
    raise DataError(f"several datasets under {data_dir}: {', '.join(map(str, found))}; pass one of them")


def _dataset_path(directory: Path, name: str) -> Path | None:
    for candidate in (directory / f"{name}.csv", directory / name):
        if candidate.exists():
            return candidate
    return None


# --- interactions ---------------------------------------------------------------------------------------------


def _parse_chunk_fast(lines: list[bytes], ncols: int) -> list[np.ndarray] | None:
    """Columns of a chunk of unquoted CSV lines as bytes arrays, or None if the chunk needs the csv module."""
    joined = b",".join(lines)
    if b'"' in joined:
        return None
    fields = joined.split(b",")
    if len(fields) != len(lines) * ncols:
        return None
    return [np.array(fields[c::ncols], dtype=bytes) for c in range(ncols)]


def _parse_chunk_csv(lines: list[bytes], ncols: int) -> list[np.ndarray]:
    text = io.StringIO(b"\n".join(lines).decode("utf-8"))
    rows = [row for row in csv.reader(text) if row]
    for row in rows:
        if len(row) != ncols:
            raise DataError(f"row with {len(row)} fields, expected {ncols}: {row[:6]}")
    return [np.array([row[c] for row in rows], dtype=object).astype(str).astype(bytes) for c in range(ncols)]


def _iter_line_chunks(path: Path, chunk_bytes: int) -> Iterator[tuple[list[str], list[bytes]]]:
    """Yield (header, lines) per chunk; lines are non-empty, without line endings."""
    with open(path, "rb") as handle:
        header_line = handle.readline().decode("utf-8-sig").strip("\r\n")
        header = next(csv.reader([header_line]))
        rest = b""
        while True:
            block = handle.read(chunk_bytes)
            if not block:
                break
            block = rest + block
            cut = block.rfind(b"\n")
            if cut < 0:
                rest = block
                continue
            rest = block[cut + 1 :]
            lines = [line.rstrip(b"\r") for line in block[:cut].split(b"\n")]
            yield header, [line for line in lines if line]
        if rest.strip():
            yield header, [rest.rstrip(b"\r")]


def _to_float(column: np.ndarray) -> np.ndarray:
    try:
        return column.astype(np.float64)
    except ValueError:
        out = np.ones(column.shape[0], dtype=np.float64)
        for i, raw in enumerate(column):
            try:
                out[i] = float(raw)
            except ValueError:
                out[i] = 1.0
        return out


def _to_timestamp(column: np.ndarray) -> np.ndarray:
    try:
        return column.astype(np.int64)
    except ValueError:
        return _to_float(column).astype(np.int64)


def _encode(column: np.ndarray, coder: _Coder) -> np.ndarray:
    uniques, inverse = np.unique(column, return_inverse=True)
    codes = coder.encode_unique(u.decode("utf-8").strip() for u in uniques)
    return codes[inverse].astype(np.int32)


def read_interactions(path: Path, users: _Coder, items: _Coder, chunk_bytes: int = CHUNK_BYTES) -> Interactions:
    parts: list[tuple[np.ndarray, ...]] = []
    for file in _data_files(Path(path)):
        for header, lines in _iter_line_chunks(file, chunk_bytes):
            cols = _lower_header(header)
            missing = {"user_id", "item_id"} - set(cols)
            if missing:
                raise DataError(f"{file}: missing column(s) {sorted(missing)} (header {header})")
            columns = _parse_chunk_fast(lines, len(header)) or _parse_chunk_csv(lines, len(header))
            n = columns[0].shape[0]
            user = _encode(columns[cols["user_id"]], users)
            item = _encode(columns[cols["item_id"]], items)
            value = _to_float(columns[cols["event_value"]]) if "event_value" in cols else np.ones(n)
            value = np.where(np.isfinite(value), value, 1.0).astype(np.float32)
            has_ts = "timestamp" in cols
            ts = _to_timestamp(columns[cols["timestamp"]]) if has_ts else np.zeros(n, dtype=np.int64)
            parts.append((user, item, value, ts))
    if not parts:
        return Interactions(
            np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.float32), np.empty(0, np.int64)
        )
    return Interactions(*(np.concatenate([p[i] for p in parts]) for i in range(4)))


# --- items ----------------------------------------------------------------------------------------------------


def read_item_rows(path: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for file in _data_files(Path(path)):
        with open(file, newline="", encoding="utf-8-sig") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def build_attributes(rows: Iterable[Mapping[str, Any]], items: _Coder) -> ItemAttributes:
    """Categorical attributes from item rows (any key case); every item id is added to ``items``."""
    entries: dict[str, tuple[list[int], list[str]]] = {}
    for row in rows:
        lowered = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
        item_id = lowered.pop("item_id", None)
        if item_id is None or str(item_id).strip() == "":
            raise DataError(f"item row without ITEM_ID: {dict(row)}")
        code = items.index.setdefault(str(item_id).strip(), len(items.index))
        for name, raw in lowered.items():
            if raw is None:
                continue
            for value in str(raw).split("|"):
                value = value.strip()
                if value:
                    codes, values = entries.setdefault(name, ([], []))
                    codes.append(code)
                    values.append(value)
    return _attributes_from_entries(entries, len(items.index))


def _attributes_from_entries(entries: dict[str, tuple[list[int], list[str]]], n_items: int) -> ItemAttributes:
    attributes = ItemAttributes(n_items=n_items)
    for name, (codes, values) in entries.items():
        vocabulary: dict[str, int] = {}
        cols = np.fromiter((vocabulary.setdefault(v, len(vocabulary)) for v in values), dtype=np.int64)
        matrix = sp.csc_matrix(
            (np.ones(len(cols), dtype=np.float32), (np.asarray(codes, dtype=np.int64), cols)),
            shape=(n_items, len(vocabulary)),
        )
        matrix.data[:] = 1.0  # duplicates collapse to 1
        attributes.fields[name] = (vocabulary, matrix)
    return attributes


def resize_attributes(attributes: ItemAttributes, n_items: int) -> ItemAttributes:
    """The same attributes over a larger item index (items only seen in interactions have no values)."""
    out = ItemAttributes(n_items=n_items)
    for name, (vocabulary, matrix) in attributes.fields.items():
        grown = sp.vstack([matrix, sp.csc_matrix((n_items - matrix.shape[0], matrix.shape[1]), dtype=np.float32)])
        out.fields[name] = (vocabulary, sp.csc_matrix(grown))
    return out


def load_dataset(data_dir: Path, chunk_bytes: int = CHUNK_BYTES) -> Dataset:
    """Read ``interactions`` and ``items`` (file or folder) from a dataset-group folder in the solution layout."""
    directory = find_dataset_dir(Path(data_dir))
    interactions_path = _dataset_path(directory, "interactions")
    if interactions_path is None:
        raise DataError(f"no interactions.csv in {directory}")
    users, items = _Coder(), _Coder()
    items_path = _dataset_path(directory, "items")
    attributes = build_attributes(read_item_rows(items_path) if items_path else [], items)
    interactions = read_interactions(interactions_path, users, items, chunk_bytes)
    attributes = resize_attributes(attributes, len(items.index))
    return Dataset(users.ids(), items.ids(), interactions, attributes)


def dataset_from_rows(interaction_rows: Iterable[Mapping[str, Any]], item_rows: Iterable[Mapping[str, Any]]) -> Dataset:
    """A dataset from in-memory rows (dicts with any key case), e.g. what the Personalize emulator imported."""
    users, items = _Coder(), _Coder()
    attributes = build_attributes(item_rows, items)
    user_codes: list[int] = []
    item_codes: list[int] = []
    values: list[float] = []
    stamps: list[int] = []
    for row in interaction_rows:
        lowered = {str(k).strip().lower(): v for k, v in row.items()}
        user_codes.append(users.index.setdefault(str(lowered["user_id"]).strip(), len(users.index)))
        item_codes.append(items.index.setdefault(str(lowered["item_id"]).strip(), len(items.index)))
        raw_value = lowered.get("event_value")
        try:
            value = float(raw_value) if raw_value not in (None, "") else 1.0
        except (TypeError, ValueError):
            value = 1.0
        values.append(value if np.isfinite(value) else 1.0)
        raw_ts = lowered.get("timestamp")
        stamps.append(int(float(raw_ts)) if raw_ts not in (None, "") else 0)
    interactions = Interactions(
        np.asarray(user_codes, dtype=np.int32),
        np.asarray(item_codes, dtype=np.int32),
        np.asarray(values, dtype=np.float32),
        np.asarray(stamps, dtype=np.int64),
    )
    return Dataset(users.ids(), items.ids(), interactions, resize_attributes(attributes, len(items.index)))
