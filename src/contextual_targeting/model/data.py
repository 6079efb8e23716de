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

CHUNK_BYTES = 32 * 1024 * 1024


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
    """Maps string ids to dense int codes in first-seen order.

    ``index`` (str → code) is the truth. Columns of canonical decimal integers (the common case) are encoded through
    a sorted numpy cache of the integer ids already seen, so a chunk only touches the dict for ids that are new.
    """

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self._int_keys = np.empty(0, dtype=np.int64)  # sorted
        self._int_codes = np.empty(0, dtype=np.int64)

    def encode_unique(self, uniques: Iterable[str]) -> np.ndarray:
        index = self.index
        return np.fromiter((index.setdefault(u, len(index)) for u in uniques), dtype=np.int64)

    def encode_column(self, column: np.ndarray) -> np.ndarray:
        """Codes (int32) for a bytes column."""
        ints = _canonical_ints(column)
        if ints is None:
            uniques, inverse = np.unique(column, return_inverse=True)
            codes = self.encode_unique(u.decode("utf-8").strip() for u in uniques)
            return codes[inverse].astype(np.int32)
        uniques, inverse = np.unique(ints, return_inverse=True)
        codes = np.empty(uniques.shape[0], dtype=np.int64)
        known = np.zeros(uniques.shape[0], dtype=bool)
        if self._int_keys.size:
            pos = np.minimum(np.searchsorted(self._int_keys, uniques), self._int_keys.size - 1)
            known = self._int_keys[pos] == uniques
            codes[known] = self._int_codes[pos[known]]
        new_keys = uniques[~known]
        if new_keys.size:
            new_codes = self.encode_unique(str(k) for k in new_keys.tolist())
            codes[~known] = new_codes
            keys = np.concatenate([self._int_keys, new_keys])
            order = np.argsort(keys, kind="stable")
            self._int_keys = keys[order]
            self._int_codes = np.concatenate([self._int_codes, new_codes])[order]
        return codes[inverse].astype(np.int32)

    def ids(self) -> np.ndarray:
        out = np.empty(len(self.index), dtype=object)
        for key, code in self.index.items():
            out[code] = key
        return out


def _canonical_ints(column: np.ndarray) -> np.ndarray | None:
    """The column as int64 if every value is written exactly as ``str(int)`` would write it, else None."""
    try:
        ints = column.astype(np.int64)
    except (ValueError, OverflowError):
        return None
    magnitude = np.abs(ints)
    if ints.size and magnitude.max() >= 10**15:
        return None  # beyond exact float64 digit counting: take the string path
    digits = np.floor(np.log10(np.maximum(magnitude, 1))).astype(np.int64) + 1 + (ints < 0)
    if not (np.char.str_len(column) == digits).all():
        return None  # "007", "+7", " 7", "-0": keep the exact string
    return ints


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


def _parse_chunk_fast(block: bytes, ncols: int, wanted: list[int]) -> dict[int, np.ndarray] | None:
    """Wanted columns of a block of unquoted CSV lines as bytes arrays, or None if it needs the csv module."""
    body = block.replace(b"\r", b"")
    if b'"' in body or b"\n\n" in body or body.startswith(b"\n") or body.endswith(b"\n"):
        return None
    fields = body.replace(b"\n", b",").split(b",")
    if len(fields) != (body.count(b"\n") + 1) * ncols:
        return None
    return {c: np.array(fields[c::ncols], dtype=bytes) for c in wanted}


def _parse_chunk_csv(block: bytes, ncols: int, wanted: list[int]) -> dict[int, np.ndarray]:
    rows = [row for row in csv.reader(io.StringIO(block.decode("utf-8"))) if row]
    for row in rows:
        if len(row) != ncols:
            raise DataError(f"row with {len(row)} fields, expected {ncols}: {row[:6]}")
    return {c: np.array([row[c].encode("utf-8") for row in rows], dtype=bytes) for c in wanted}


def _iter_blocks(path: Path, chunk_bytes: int) -> Iterator[tuple[list[str], bytes]]:
    """Yield (header, block of whole lines without the final line ending)."""
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
            body = block[:cut].strip(b"\r\n")
            if body:
                yield header, body
        if rest.strip():
            yield header, rest.strip(b"\r\n")


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


def read_interactions(path: Path, users: _Coder, items: _Coder, chunk_bytes: int = CHUNK_BYTES) -> Interactions:
    parts: list[tuple[np.ndarray, ...]] = []
    for file in _data_files(Path(path)):
        for header, block in _iter_blocks(file, chunk_bytes):
            cols = _lower_header(header)
            missing = {"user_id", "item_id"} - set(cols)
            if missing:
                raise DataError(f"{file}: missing column(s) {sorted(missing)} (header {header})")
            wanted = [cols[c] for c in ("user_id", "item_id", "event_value", "timestamp") if c in cols]
            columns = _parse_chunk_fast(block, len(header), wanted) or _parse_chunk_csv(block, len(header), wanted)
            user = users.encode_column(columns[cols["user_id"]])
            item = items.encode_column(columns[cols["item_id"]])
            n = user.shape[0]
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
