"""Lambda packaging: reproducible zips that carry the handler, the core and nothing that is not needed."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from contextual_targeting import build
from contextual_targeting.local.lambda_loader import FakeContext, load_handler

FIXTURE_LAMBDAS = Path(__file__).resolve().parents[1] / "fixtures" / "lambdas"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_twice_is_byte_identical(tmp_path: Path) -> None:
    first = build.build_all(FIXTURE_LAMBDAS, tmp_path / "a", tmp_path / "cache", requirements=Path("/nonexistent"))
    (tmp_path / "b").mkdir()
    # a touched source file must not change the archive: timestamps are fixed
    second = build.build_all(FIXTURE_LAMBDAS, tmp_path / "b", tmp_path / "cache", requirements=Path("/nonexistent"))
    assert first == second
    assert _sha(tmp_path / "a" / "echo.zip") == _sha(tmp_path / "b" / "echo.zip") == first["echo"]


def test_mtime_and_umask_do_not_leak_into_the_zip(tmp_path: Path) -> None:
    src = tmp_path / "lambdas" / "fn"
    src.mkdir(parents=True)
    handler = src / "handler.py"
    handler.write_text("def lambda_handler(e, c):\n    return 1\n")
    a = build.build_all(tmp_path / "lambdas", tmp_path / "o1", tmp_path / "c", requirements=Path("/none"))
    import os

    os.utime(handler, (1_700_000_000, 1_700_000_000))
    handler.chmod(0o600)
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"junk")
    b = build.build_all(tmp_path / "lambdas", tmp_path / "o2", tmp_path / "c", requirements=Path("/none"))
    assert a == b
    with zipfile.ZipFile(tmp_path / "o2" / "fn.zip") as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
        for info in archive.infolist():
            assert info.date_time == build.FIXED_DATE_TIME
            assert (info.external_attr >> 16) & 0o777 == 0o644


def test_zip_contains_handler_and_core_but_not_local_code(tmp_path: Path) -> None:
    build.build_all(FIXTURE_LAMBDAS, tmp_path, tmp_path / "cache", requirements=Path("/nonexistent"))
    with zipfile.ZipFile(tmp_path / "echo.zip") as archive:
        names = set(archive.namelist())
    assert "handler.py" in names
    assert "contextual_targeting/__init__.py" in names
    assert "contextual_targeting/core/__init__.py" in names
    assert not any(n.startswith("contextual_targeting/local/") for n in names)
    assert not any(n.startswith("contextual_targeting/commands/") for n in names)
    assert not any(n.startswith(("boto3/", "botocore/")) for n in names)


def test_handler_runs_from_the_zip(tmp_path: Path) -> None:
    build.build_all(FIXTURE_LAMBDAS, tmp_path, tmp_path / "cache", requirements=Path("/nonexistent"))
    handler = load_handler(tmp_path / "echo.zip")
    assert handler.__module__ == "handler"
    assert handler.__code__.co_filename.startswith(str(tmp_path / "echo.zip"))
    assert handler({"a": 1}, FakeContext())["echo"] == {"a": 1}


def test_missing_handler_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "lambdas" / "broken").mkdir(parents=True)
    (tmp_path / "lambdas" / "broken" / "util.py").write_text("x = 1\n")
    with pytest.raises(FileNotFoundError, match=r"handler\.py"):
        build.build_all(tmp_path / "lambdas", tmp_path / "out", tmp_path / "c", requirements=Path("/none"))


def test_real_build_is_reproducible_and_small(built_zips: Path, tmp_path: Path) -> None:
    """`make build` output: every zip rebuilt into another folder has the same sha256 and stays under 1 MiB."""
    zips = sorted(built_zips.glob("*.zip")) if built_zips.exists() else []
    if not zips:
        pytest.skip("no function under lambdas/ yet: the fixture tests above cover the build machinery")
    again = build.build_all(out_dir=tmp_path)
    for zip_path in zips:
        assert again[zip_path.stem] == _sha(zip_path), zip_path.name
        assert zip_path.stat().st_size <= build.MAX_ZIP_BYTES
        with zipfile.ZipFile(zip_path) as archive:  # Powertools comes from the layer, never from the zip
            assert not any(n.startswith("aws_lambda_powertools/") for n in archive.namelist()), zip_path.name
