"""Reproducible Lambda packaging: ``build/<function>.zip`` for every folder under ``lambdas/``.

A zip holds the function's own files at its root (``handler.py``…), the shared core package
(``contextual_targeting/__init__.py`` + ``contextual_targeting/core/``) and the third-party packages pinned in
``lambdas/requirements.txt``, installed for the Lambda platform. Entries are sorted, every timestamp is fixed and
every mode is 0644 (0755 for directories is implicit: no directory entries are written), byte-compiled files are
never included, so two builds of the same tree are byte-identical and Terraform's ``source_code_hash`` never churns.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CORE_PACKAGE = Path(__file__).resolve().parent
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
LAMBDA_PLATFORM = "manylinux2014_aarch64"
LAMBDA_PYTHON_VERSION = "3.13"
MAX_ZIP_BYTES = 1024 * 1024
EXCLUDED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo"}


def _wanted(path: Path) -> bool:
    return not (EXCLUDED_PARTS.intersection(path.parts) or path.suffix in EXCLUDED_SUFFIXES)


def _walk(root: Path, prefix: str) -> Iterable[tuple[str, Path]]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and _wanted(path.relative_to(root)):
            yield f"{prefix}{path.relative_to(root).as_posix()}", path


def core_files() -> list[tuple[str, Path]]:
    """The shared package as it appears inside every zip."""
    files = [("contextual_targeting/__init__.py", CORE_PACKAGE / "__init__.py")]
    files += list(_walk(CORE_PACKAGE / "core", "contextual_targeting/core/"))
    return files


def vendor_dependencies(requirements: Path, cache_dir: Path) -> Path:
    """Install the pinned Lambda dependencies for the Lambda platform into a cached folder.

    The folder is keyed by the sha256 of the requirements file, so a changed pin rebuilds it and an unchanged
    one never hits the network again.
    """
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]
    target = cache_dir / f"vendor-{digest}"
    if (target / ".complete").exists():
        return target
    if target.exists():
        shutil.rmtree(target)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-compile",
                "--no-deps",
                "--only-binary=:all:",
                "--platform",
                LAMBDA_PLATFORM,
                "--python-version",
                LAMBDA_PYTHON_VERSION,
                "--implementation",
                "cp",
                "--target",
                tmp,
                "-r",
                str(requirements),
            ],
            check=True,
        )
        # pip writes RECORD/INSTALLER/direct_url metadata that embeds paths and hashes of the temp folder;
        # the runtime needs none of it.
        for dist_info in Path(tmp).glob("*.dist-info"):
            shutil.rmtree(dist_info)
        bin_dir = Path(tmp) / "bin"
        if bin_dir.exists():
            shutil.rmtree(bin_dir)
        shutil.copytree(tmp, target)
    (target / ".complete").write_text(digest)
    return target


def write_zip(destination: Path, entries: Iterable[tuple[str, Path]]) -> str:
    """Write a deterministic zip and return its sha256 (hex)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    unique: dict[str, Path] = {}
    for arcname, path in entries:
        if arcname in unique and unique[arcname] != path:
            raise ValueError(f"two files would be stored as {arcname}: {unique[arcname]} and {path}")
        unique[arcname] = path
    fd, tmp_name = tempfile.mkstemp(prefix=f".{destination.stem}-", suffix=".zip.tmp", dir=destination.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for arcname in sorted(unique):
            info = zipfile.ZipInfo(arcname, date_time=FIXED_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100644 & 0xFFFF) << 16
            info.create_system = 3  # Unix, so the mode bits above are honoured
            archive.writestr(info, unique[arcname].read_bytes())
    tmp.chmod(0o644)
    os.replace(tmp, destination)  # atomic: a reader never sees a half-written zip
    return hashlib.sha256(destination.read_bytes()).hexdigest()


def build_function(function_dir: Path, out_dir: Path, vendor_dir: Path | None) -> tuple[Path, str]:
    entries = list(_walk(function_dir, ""))
    if not any(name == "handler.py" for name, _ in entries):
        raise FileNotFoundError(f"{function_dir} has no handler.py")
    entries += core_files()
    if vendor_dir is not None:
        entries += [(n, p) for n, p in _walk(vendor_dir, "") if n != ".complete"]
    destination = out_dir / f"{function_dir.name}.zip"
    digest = write_zip(destination, entries)
    return destination, digest


def build_all(
    lambdas_dir: Path = REPO_ROOT / "lambdas",
    out_dir: Path = REPO_ROOT / "build",
    cache_dir: Path = REPO_ROOT / ".cache",
    requirements: Path | None = None,
) -> dict[str, str]:
    requirements = requirements if requirements is not None else lambdas_dir / "requirements.txt"
    cache_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Several processes may build at once (pytest-xdist workers, a developer's `make build`): one at a time.
    with (cache_dir / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_locked(lambdas_dir, out_dir, cache_dir, requirements)


def _build_locked(lambdas_dir: Path, out_dir: Path, cache_dir: Path, requirements: Path) -> dict[str, str]:
    vendor_dir = vendor_dependencies(requirements, cache_dir) if requirements.exists() else None
    results: dict[str, str] = {}
    for function_dir in sorted(p for p in lambdas_dir.iterdir() if p.is_dir() and _wanted(Path(p.name))):
        zip_path, digest = build_function(function_dir, out_dir, vendor_dir)
        size = zip_path.stat().st_size
        if size > MAX_ZIP_BYTES:
            raise SystemExit(f"{zip_path} is {size} bytes, over the 1 MiB budget (see README, Lambda packaging)")
        results[function_dir.name] = digest
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lambdas", type=Path, default=REPO_ROOT / "lambdas")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build")
    parser.add_argument("--cache", type=Path, default=REPO_ROOT / ".cache")
    args = parser.parse_args(argv)
    results = build_all(args.lambdas, args.out, args.cache)
    for name, digest in results.items():
        print(f"{digest}  {args.out / (name + '.zip')}")
    if not results:
        print(f"no functions under {args.lambdas}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
