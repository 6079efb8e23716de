"""Dataset import jobs of the Personalize emulator: check CSV objects against the schema and keep a copy on disk.

Personalize copies a dataset import's records into the dataset group; later changes to the S3 objects do not
change what a solution version trains on. The emulator used to keep those records as a list of dicts, ~500 bytes
per interaction: 2.5 GB for 5M interactions, 25 GB for 50M. Here each imported object is copied, as it was read,
into a part file under the dataset's own folder (``<dataset folder>/part-00001.csv`` …; a FULL import replaces the
parts, an INCREMENTAL one adds one), so memory stays flat and training reads the parts with the model's numpy CSV
reader (``contextual_targeting.model.data``).

Checks (as before, and as Personalize reports them): UTF-8, the header against the schema (unknown columns,
missing required ones), the number of values per line, and each value against its field's type and length.
Blocks of plain lines (no quotes) are checked a column at a time with numpy; a block where any check fails, or
that holds a quote, is read again line by line with the ``csv`` module to report the exact line and column, and
the rest of that object is then read that way too (a quoted value may hold a line break).
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

BLOCK_BYTES = 8 << 20


class ImportFailure(Exception):
    """The import job fails with this message as its ``failureReason``."""


Check = Callable[[str], "str | None"]


class _Column:
    """The checks of one column: ``slow(value)`` per value (the message), ``fast(values)`` per block."""

    def __init__(self, name: str, check: Check, kind: str, nullable: bool, limit: int) -> None:
        self.name, self.slow, self.kind, self.nullable, self.limit = name, check, kind, nullable, limit

    def fast(self, values: Sequence[bytes]) -> bool:
        """Whether every value passes (False: read the block line by line for the exact message)."""
        if self.kind in ("int", "long", "float", "double"):
            try:
                np.array(values).astype(np.int64 if self.kind in ("int", "long") else np.float64)
            except (ValueError, OverflowError):
                return False  # includes empty values, which the line-by-line check accepts when nullable
            return True
        if not self.nullable and min(map(len, values)) == 0:
            return False
        if self.kind == "boolean":
            return all(v.lower() in (b"true", b"false") or (self.nullable and v == b"") for v in set(values))
        return max(map(len, values)) <= self.limit  # bytes >= characters: within the limit in bytes is within it


class ImportedData:
    """The parts imported into one dataset so far (on disk), and how many records they hold."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parts: list[Path] = []
        self.records = 0

    def rows(self) -> Iterator[dict[str, str]]:
        """Every imported record as ``{column: value}`` (for small data and tests; training reads the parts)."""
        for part in self.parts:
            with part.open(encoding="utf-8", newline="") as handle:
                yield from csv.DictReader(handle)

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        self.parts, self.records = [], 0


def import_objects(
    s3: Any,
    objects: Iterable[tuple[str, str]],
    columns_for: Callable[[list[str], str], list[_Column]],
    target: ImportedData,
    full: bool,
) -> int:
    """Check every object and copy it into ``target`` (replacing its parts when ``full``); returns the records.

    Nothing changes in ``target`` unless every object passes: the new parts are written beside the old ones and
    only then take their place.
    """
    staging = target.folder.with_name(target.folder.name + ".importing")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        written: list[tuple[Path, int]] = []
        for index, (bucket, key) in enumerate(objects, start=1):
            part = staging / f"part-{index:05d}.csv"
            body = s3.get_object(Bucket=bucket, Key=key)["Body"]
            with part.open("wb") as out:
                records = _copy_checked(body, out, f"s3://{bucket}/{key}", columns_for)
            written.append((part, records))
        total = sum(n for _, n in written)
        if total == 0:
            return 0
        if full:
            target.clear()
        target.folder.mkdir(parents=True, exist_ok=True)
        for part, records in written:
            final = target.folder / f"part-{len(target.parts) + 1:05d}.csv"
            part.replace(final)
            target.parts.append(final)
            target.records += records
        return total
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _blocks(body: BinaryIO) -> Iterator[bytes]:
    """The body in blocks of whole lines (each ends with its line break, except perhaps the last)."""
    rest = b""
    while True:
        chunk = body.read(BLOCK_BYTES)
        if not chunk:
            break
        chunk = rest + chunk
        cut = chunk.rfind(b"\n")
        if cut < 0:
            rest = chunk
            continue
        rest = chunk[cut + 1 :]
        yield chunk[: cut + 1]
    if rest:
        yield rest


def _copy_checked(
    body: BinaryIO, out: BinaryIO, where: str, columns_for: Callable[[list[str], str], list[_Column]]
) -> int:
    blocks = _blocks(body)
    first = next(blocks, b"")
    newline = first.find(b"\n")
    header_bytes, first = (first, b"") if newline < 0 else (first[: newline + 1], first[newline + 1 :])
    try:
        header = next(csv.reader([header_bytes.decode("utf-8").rstrip("\r\n")]), None)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportFailure(f"Input CSV {where} could not be parsed: {exc}") from None
    if not header:
        raise ImportFailure(f"Input CSV {where} is empty.")
    columns = columns_for([c.strip() for c in header], where)
    out.write(header_bytes if header_bytes.endswith(b"\n") else header_bytes + b"\n")
    records, line = 0, 1  # line: the last line checked so far (the header is line 1)
    pending = iter([first] if first else [])
    for block in _chain(pending, blocks):
        fast = _fast_records(block, columns)
        if fast is None:  # from here on, line by line (exact messages; quoted line breaks)
            return records + _slow(_chain(iter([block]), blocks), out, where, columns, line)
        out.write(block)
        records += fast
        line += block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
    return records


def _chain(*iterators: Iterator[bytes]) -> Iterator[bytes]:
    for iterator in iterators:
        yield from iterator


def _fast_records(block: bytes, columns: list[_Column]) -> int | None:
    """Records in a block that passes every check, or None if it must be read line by line.

    Each line's number of separators is counted by numpy (``np.strings.count``), then the block is split once on
    both separators and each column taken as a stride: no Python work per line."""
    if b'"' in block:
        return None
    try:
        block.decode("utf-8")
    except UnicodeDecodeError:
        return None
    body = block.replace(b"\r", b"")
    lines = body.split(b"\n")
    if b"\n\n" in body or body.startswith(b"\n") or not lines[-1]:
        lines = [line for line in lines if line]  # blank lines (and the final line break) hold no record
    if not lines:
        return 0
    ncols = len(columns)
    if not bool((np.strings.count(np.array(lines, dtype=bytes), b",") == ncols - 1).all()):
        return None
    fields = b",".join(lines).split(b",")
    for index, column in enumerate(columns):
        if not column.fast(fields[index::ncols]):
            return None
    return len(lines)


def _slow(blocks: Iterator[bytes], out: BinaryIO, where: str, columns: list[_Column], line: int) -> int:
    def text_lines() -> Iterator[str]:
        for block in blocks:
            out.write(block)
            for raw in io.BytesIO(block):  # line by line, so an invalid byte is reported on its own line
                yield raw.decode("utf-8")

    records = 0
    reader = csv.reader(text_lines())
    number = line
    try:
        for number, values in enumerate(reader, start=line + 1):
            if not values:
                continue
            if len(values) != len(columns):
                raise ImportFailure(
                    f"Input CSV {where} line {number}: expected {len(columns)} values, found {len(values)}."
                )
            for column, value in zip(columns, values, strict=True):
                problem = column.slow(value)
                if problem:
                    raise ImportFailure(f"Input CSV {where} line {number}, column {column.name}: {problem}.")
            records += 1
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportFailure(f"Input CSV {where} line {number + 1} could not be parsed: {exc}") from None
    return records


def column_checks(
    header: list[str],
    where: str,
    by_name: Mapping[str, Mapping[str, Any]],
    checker: Callable[[Mapping[str, Any]], Check],
    describe: Callable[[Mapping[str, Any]], tuple[str, bool, int]],
    nullable: Callable[[Mapping[str, Any]], bool],
) -> list[_Column]:
    """The header checked against the schema (Personalize's messages); one ``_Column`` per column."""
    unknown = [c for c in header if c.upper() not in by_name]
    if unknown:
        raise ImportFailure(f"Input CSV {where} has column(s) that are not in the schema: [{', '.join(unknown)}].")
    present = {c.upper() for c in header}
    missing = [f["name"] for name, f in by_name.items() if name not in present and not nullable(f)]
    if missing:
        raise ImportFailure(f"Input CSV {where} is missing the following columns: [{', '.join(missing)}].")
    columns = []
    for name in header:
        spec = by_name[name.upper()]
        kind, is_nullable, limit = describe(spec)
        columns.append(_Column(name, checker(spec), kind, is_nullable, limit))
    return columns
