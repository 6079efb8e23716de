"""The Personalize emulator's import engine: blocks checked with numpy, exact messages line by line, parts on disk.

Small blocks (``BLOCK_BYTES`` patched) make every file span many blocks, so the fast path, the fall-back to the
line-by-line reader in the middle of a file and the line numbers across blocks are all exercised.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from contextual_targeting.local.emulators.personalize import imports as personalize_import
from contextual_targeting.local.emulators.personalize import schemas as personalize
from contextual_targeting.local.emulators.personalize.imports import (
    ImportedData,
    ImportFailure,
    column_checks,
    import_objects,
)

HEADER = "USER_ID,ITEM_ID,EVENT_VALUE,EVENT_TYPE,TIMESTAMP\n"
SCHEMA = [
    {"name": "USER_ID", "type": "string"},
    {"name": "ITEM_ID", "type": "string"},
    {"name": "EVENT_VALUE", "type": ["null", "float"]},
    {"name": "EVENT_TYPE", "type": "string"},
    {"name": "TIMESTAMP", "type": "long"},
]


class _S3:
    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        return {"Body": io.BytesIO(self.objects[Key])}


def _columns(header: list[str], where: str) -> Any:
    by_name = {f["name"].upper(): f for f in SCHEMA}
    return column_checks(header, where, by_name, personalize._checker, personalize._describe, personalize._nullable)


def _rows(n: int, start: int = 0) -> str:
    return "".join(f"{i},{i % 7},4.0,Watch,{1_700_000_000 + i}\n" for i in range(start, start + n))


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(personalize_import, "BLOCK_BYTES", 256)


def _import(tmp_path: Path, files: dict[str, str], full: bool = True, target: ImportedData | None = None) -> Any:
    target = target or ImportedData(tmp_path / "group" / "interactions")
    s3 = _S3({k: v.encode() for k, v in files.items()})
    records = import_objects(s3, [("b", k) for k in files], _columns, target, full=full)
    return records, target


def test_a_large_plain_file_is_copied_exactly_and_counted(tmp_path: Path) -> None:
    body = HEADER + _rows(500)
    records, target = _import(tmp_path, {"a.csv": body})
    assert records == target.records == 500
    assert [p.read_text() for p in target.parts] == [body]
    assert len(list(target.rows())) == 500


def test_an_error_deep_in_the_file_names_its_exact_line_and_column(tmp_path: Path) -> None:
    body = HEADER + _rows(300) + "x,1,4.0,Watch,yesterday\n" + _rows(10, 301)
    with pytest.raises(ImportFailure, match=r"a\.csv line 302, column TIMESTAMP: 'yesterday' is not of type long"):
        _import(tmp_path, {"a.csv": body})
    body = HEADER + _rows(200) + "1,2,4.0\n"
    with pytest.raises(ImportFailure, match=r"line 202: expected 5 values, found 3"):
        _import(tmp_path, {"b.csv": body})
    body = HEADER + _rows(100) + ",2,4.0,Watch,1\n"
    with pytest.raises(ImportFailure, match=r"line 102, column USER_ID: value is required"):
        _import(tmp_path, {"c.csv": body})


def test_quoted_values_with_line_breaks_and_nullable_empties_pass(tmp_path: Path) -> None:
    body = HEADER + _rows(100) + '7,2,,"Watch\nagain",1700000000\n' + _rows(100, 200)
    records, target = _import(tmp_path, {"a.csv": body})
    assert records == 201
    rows = list(target.rows())
    assert rows[100]["EVENT_TYPE"] == "Watch\nagain" and rows[100]["EVENT_VALUE"] == ""
    assert target.parts[0].read_text() == body


def test_crlf_lines_and_blank_lines(tmp_path: Path) -> None:
    body = (HEADER + _rows(50) + "\n" + _rows(50, 50)).replace("\n", "\r\n")
    records, _ = _import(tmp_path, {"a.csv": body})
    assert records == 100


def test_invalid_utf8_fails_with_its_line(tmp_path: Path) -> None:
    target = ImportedData(tmp_path / "g" / "interactions")
    s3 = _S3({"a.csv": (HEADER + _rows(60)).encode() + b"9,\xff,4.0,Watch,1\n"})
    with pytest.raises(ImportFailure, match=r"a\.csv line 62 could not be parsed"):
        import_objects(s3, [("b", "a.csv")], _columns, target, full=True)
    assert target.parts == [] and not target.folder.exists()  # a failed import leaves the dataset as it was


def test_full_replaces_and_incremental_adds_parts(tmp_path: Path) -> None:
    _, target = _import(tmp_path, {"a.csv": HEADER + _rows(10)})
    _, target = _import(tmp_path, {"b.csv": HEADER + _rows(5)}, full=False, target=target)
    assert target.records == 15 and len(target.parts) == 2
    _, target = _import(tmp_path, {"c.csv": HEADER + _rows(3)}, full=True, target=target)
    assert target.records == 3 and [p.name for p in target.parts] == ["part-00001.csv"]
    assert sorted(p.name for p in target.folder.iterdir()) == ["part-00001.csv"]
