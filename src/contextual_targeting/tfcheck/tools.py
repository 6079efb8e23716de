"""External tools: ``terraform fmt`` (1.0.3 from the wheel), finding a terraform >= 1.5 and reading its diagnostics
(``terraform init/validate/plan`` themselves run in :mod:`contextual_targeting.tfprovider.plan`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from contextual_targeting.tfcheck import REPO_ROOT, Finding


def fmt_binary() -> Path | None:
    candidate = REPO_ROOT / ".venv" / "bin" / "terraform"
    if candidate.exists():
        return candidate
    found = shutil.which("terraform")
    return Path(found) if found else None


def check_fmt(dirs: list[Path], root: Path) -> tuple[list[Finding], str | None]:
    """``terraform fmt -check`` on each directory; returns findings and a skip reason when no binary exists."""
    binary = fmt_binary()
    if binary is None:
        return [], "no terraform binary for fmt"
    findings: list[Finding] = []
    # one recursive run is much faster than one per directory; fall back to per-directory runs when it reports an
    # error (e.g. a deliberately broken file somewhere the checks do not cover)
    proc = subprocess.run(
        [str(binary), "fmt", "-check", "-recursive", "-list=true", "-no-color", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if not proc.stderr.strip():
        wanted = {d.resolve() for d in dirs}
        for name in proc.stdout.splitlines():
            path = (root / name.strip()).resolve()
            if name.strip().endswith(".tf") and path.parent in wanted:
                rel = path.relative_to(root.resolve()).as_posix()
                findings.append(Finding(rel, 1, "fmt", "not formatted: run `make fmt` (terraform fmt)"))
        return findings, None
    for directory in dirs:
        proc = subprocess.run(
            [str(binary), "fmt", "-check", "-list=true", "-no-color", "."],
            cwd=directory,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode == 0:
            continue
        listed = [line.strip() for line in proc.stdout.splitlines() if line.strip().endswith(".tf")]
        rel_dir = directory.resolve().relative_to(root.resolve())
        for name in listed:
            findings.append(
                Finding((rel_dir / name).as_posix(), 1, "fmt", "not formatted: run `make fmt` (terraform fmt)")
            )
        if not listed:
            message = (proc.stderr or proc.stdout).strip().splitlines()
            findings.append(
                Finding(rel_dir.as_posix() or ".", 1, "fmt", "terraform fmt failed: " + (message[0] if message else ""))
            )
    return findings, None


def _version(binary: str) -> tuple[int, int, int] | None:
    try:
        out = subprocess.run([binary, "version"], capture_output=True, text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"Terraform v(\d+)\.(\d+)\.(\d+)", out)
    return (int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None


def find_validate_terraform() -> tuple[str | None, str]:
    """A terraform >= 1.5 on PATH (never the fmt-only 1.0.3 in .venv/bin), or None and why."""
    venv_bin = (REPO_ROOT / ".venv" / "bin").resolve()
    path_dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and Path(d).resolve() != venv_bin]
    binary = shutil.which("terraform", path=os.pathsep.join(path_dirs))
    if binary is None:
        return None, "no terraform >= 1.5 on PATH"
    version = _version(binary)
    if version is None or version < (1, 5, 0):
        shown = ".".join(map(str, version)) if version else "unknown version"
        return None, f"{binary} is {shown}, need >= 1.5"
    return binary, ".".join(map(str, version))


_DIAG_LOCATION = re.compile(r"on (\S+) line (\d+)(?:, in (.+?))?:")


def _validate_findings(stderr: str, directory: Path, root: Path) -> list[Finding]:
    """One finding per ``Error:`` diagnostic, at the file and line terraform names (``on main.tf line 12, in …``)."""
    findings: list[Finding] = []
    rel_dir = directory.resolve().relative_to(root.resolve())
    for chunk in re.split(r"(?=Error: )", stderr):
        if not chunk.startswith("Error: "):
            continue
        lines = [ln.strip(" │╷╵") for ln in chunk.splitlines() if ln.strip(" │╷╵")]
        location = _DIAG_LOCATION.search(chunk)
        path, line, where = (rel_dir.as_posix() or ".", 1, "")
        if location:
            path = (rel_dir / location.group(1)).as_posix()
            line = int(location.group(2))
            where = f"{location.group(3)}: " if location.group(3) else ""
        findings.append(Finding(path, line, "terraform-validate", (where + " ".join(lines))[:500]))
    if not findings and stderr.strip():
        findings.append(Finding(rel_dir.as_posix() or ".", 1, "terraform-validate", stderr.strip()[:500]))
    return findings
