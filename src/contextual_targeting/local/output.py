"""The demo's output folder: written whole or not at all, and never over files the demo did not write.

The results are built in a hidden staging folder beside ``--out`` and moved into place only when the demo ends
(succeeded or failed, but not interrupted), so an interrupted run leaves nothing that looks like a result and a
replaced result is never a mix of two runs. ``--out`` may be

- absent or empty: the staging folder becomes it;
- written by an earlier demo (it holds the marker file ``.contextual-targeting-demo`` listing what that demo
  wrote, and nothing else): the old folder is swapped out and removed — every file in it was the demo's;
- anything else: refused (:class:`OutputRefused`), unless ``force``: then the entries the demo writes
  (``segments/``, ``logs/``, … ) replace their namesakes in it and every other file is kept.

``--out`` is never ``--data-dir``, inside it, or a folder holding it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

MARKER = ".contextual-targeting-demo"


class OutputRefused(Exception):
    """``--out`` cannot be written without losing someone's files; the message says what to do."""


def _names(paths: list[Path], limit: int = 5) -> str:
    shown = ", ".join(sorted(p.name + ("/" if p.is_dir() else "") for p in paths)[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


class OutputFolder:
    """``staging`` is where the demo writes; ``commit()`` puts it at ``out``, ``discard()`` removes it."""

    def __init__(self, out: Path, *, data_dir: Path, force: bool = False) -> None:
        self.out = Path(out)
        resolved, data = self.out.resolve(), Path(data_dir).resolve()
        if _within(resolved, data):
            raise OutputRefused(
                f"--out {self.out} is inside --data-dir {data_dir}: the demo never writes among your data; "
                "choose another folder"
            )
        if _within(data, resolved):
            raise OutputRefused(f"--out {self.out} holds --data-dir {data_dir}; choose another folder")
        self.previous: set[str] = set()  # what an earlier demo wrote here (from its marker)
        self.mode = self._mode(resolved, force)
        resolved.parent.mkdir(parents=True, exist_ok=True)
        self.staging = resolved.parent / f".{resolved.name}.demo-{os.getpid()}"
        if self.staging.exists():  # left by an earlier process with our pid that was killed: it is ours
            shutil.rmtree(self.staging)
        self.staging.mkdir()
        self._resolved = resolved

    def _mode(self, out: Path, force: bool) -> str:
        if not out.exists():
            return "new"
        if not out.is_dir():
            raise OutputRefused(f"--out {out} is a file, not a folder")
        entries = [p for p in out.iterdir() if p.name != MARKER]
        marker = out / MARKER
        if not entries and not marker.exists():
            return "empty"
        if marker.is_file():
            try:
                written = set(json.loads(marker.read_text(encoding="utf-8"))["entries"])
            except (ValueError, KeyError, TypeError):
                written = set()
            self.previous = written
            foreign = [p for p in entries if p.name not in written]
            if not foreign:
                return "ours"
            if force:
                return "force"
            raise OutputRefused(
                f"--out {out} was written by an earlier demo but now also holds {_names(foreign)}, which the demo "
                "did not write; move them away, choose another folder, or pass --force to replace only the "
                "demo's own entries"
            )
        if force:
            return "force"
        raise OutputRefused(
            f"--out {out} is not empty and was not written by a demo (it holds {_names(entries)}); choose a new or "
            "empty folder, or pass --force to replace the demo's entries there (segments/, batch-output/, pinpoint/, "
            "ses/, notifications/, logs/, executions/, demo_summary.json) and keep everything else"
        )

    def commit(self) -> None:
        """Move the finished results into place (see the module docstring for each case)."""
        entries = sorted(p.name for p in self.staging.iterdir() if p.name != MARKER)
        out = self._resolved
        if self.mode == "force":
            # an earlier demo's entries go too (so no result is a mix of two runs), then this run's move in
            for name in sorted(self.previous | set(entries)):
                target = out / name
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                elif target.exists() or target.is_symlink():
                    target.unlink()
                if name in entries:
                    (self.staging / name).rename(target)
            if (out / MARKER).exists():  # an earlier demo's folder with the user's files added: keep it ours
                self._write_marker(out, entries)
            shutil.rmtree(self.staging)
            return
        self._write_marker(self.staging, entries)
        if self.mode == "new" or not out.exists():
            self.staging.rename(out)
        elif self.mode == "empty":
            out.rmdir()
            self.staging.rename(out)
        else:  # "ours": swap, then remove the old results (every file in them was written by a demo)
            old = out.parent / f".{out.name}.demo-old-{os.getpid()}"
            out.rename(old)
            self.staging.rename(out)
            shutil.rmtree(old)

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.staging)

    @staticmethod
    def _write_marker(folder: Path, entries: list[str]) -> None:
        text = json.dumps({"written_by": "contextual-targeting demo", "entries": entries}, indent=2) + "\n"
        (folder / MARKER).write_text(text, encoding="utf-8")
