"""Terraform configurations as python-hcl2 sees them, plus source positions python-hcl2 8.x does not give.

``python-hcl2`` 8.1 accepts ``with_meta`` but does not emit line numbers, so lines come from the source: a small
scanner blanks comments and string literals (keeping ``${…}`` interpolations, which are code) and block headers and
attribute names are located by regex within brace-matched block ranges.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import hcl2

from contextual_targeting.tfcheck import REPO_ROOT

_HCL2_VERSION = version("python-hcl2")

SKIP_DIRS = {"node_modules", "build", "out", "tests", "__pycache__"}
META_KEYS = {"__is_block__", "__comments__", "__inline_comments__", "__start_line__", "__end_line__"}


def unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    return text


def code_mask(text: str) -> str:
    """``text`` with comments and literal string parts replaced by spaces (newlines kept): only code remains.

    Interpolations (``${…}`` inside strings and heredocs) are code and are kept, so references found in the mask
    are real references.
    """
    out = list(text)
    i, n = 0, len(text)
    # stack of contexts: "code" (with brace depth) or "string"/"heredoc"
    stack: list[list[Any]] = [["code", 0]]
    heredoc_end: list[str] = []
    while i < n:
        ctx = stack[-1]
        ch = text[i]
        if ctx[0] == "code":
            if ch == "#" or text.startswith("//", i):
                while i < n and text[i] != "\n":
                    out[i] = " "
                    i += 1
                continue
            if text.startswith("/*", i):
                while i < n and not text.startswith("*/", i):
                    if text[i] != "\n":
                        out[i] = " "
                    i += 1
                out[i : i + 2] = "  "[: max(0, min(2, n - i))]
                i += 2
                continue
            heredoc = re.match(r"<<-?([A-Za-z_][A-Za-z0-9_]*)[ \t]*\n", text[i:])
            if heredoc:
                stack.append(["heredoc", 0])
                heredoc_end.append(heredoc.group(1))
                i += heredoc.end()
                continue
            if ch == '"':
                stack.append(["string", 0])
                i += 1
                continue
            if ch == "{":
                ctx[1] += 1
            elif ch == "}":
                if ctx[1] == 0 and len(stack) > 1:
                    stack.pop()  # end of an interpolation
                    out[i] = " "
                    i += 1
                    continue
                ctx[1] -= 1
            i += 1
            continue
        # inside a string or heredoc
        if ctx[0] == "heredoc" and (i == 0 or text[i - 1] == "\n"):
            line_end = text.find("\n", i)
            line = text[i : n if line_end < 0 else line_end]
            if line.strip() == heredoc_end[-1]:
                stack.pop()
                heredoc_end.pop()
                i += len(line)
                continue
        if ctx[0] == "string" and ch == "\\":
            out[i] = " "
            if i + 1 < n and text[i + 1] != "\n":
                out[i + 1] = " "
            i += 2
            continue
        if ctx[0] == "string" and ch == '"':
            stack.pop()
            i += 1
            continue
        if text.startswith("$${", i) or text.startswith("%%{", i):
            out[i : i + 3] = "   "
            i += 3
            continue
        if text.startswith("${", i) or text.startswith("%{", i):
            out[i : i + 2] = "  "
            stack.append(["code", 0])
            i += 2
            continue
        if ch != "\n":
            out[i] = " "
        i += 1
    return "".join(out)


@dataclass
class TfFile:
    path: Path
    rel: str
    text: str
    mask: str
    data: dict[str, Any]
    line_starts: list[int] = field(default_factory=list)

    def line_of(self, offset: int) -> int:
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    def block_span(self, header: str) -> tuple[int, int] | None:
        """Offsets of the ``{…}`` body of the first top-level block whose header matches the regex ``header``."""
        for match in re.finditer(r"(?m)^([ \t]*)" + header + r"[ \t]*\{", self.text):
            if self._is_code(match.end(1)) and self._is_code(match.end() - 1):
                start = match.end() - 1
                return start, self._matching_brace(start)
        return None

    def _is_code(self, offset: int) -> bool:
        return offset < len(self.mask) and self.mask[offset] == self.text[offset] and not self.text[offset].isspace()

    def _matching_brace(self, start: int) -> int:
        depth = 0
        for pos in range(start, len(self.mask)):
            ch = self.mask[pos]
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return pos
        return len(self.mask)

    def enclosing_block(self, offset: int) -> str:
        """Address of the top-level block containing ``offset`` (``aws_s3_bucket.data``, ``module.app``, ``locals``)."""
        if not hasattr(self, "_top_blocks"):
            found: list[tuple[int, int, str]] = []
            header = re.compile(r'(?m)^([a-z_]+)((?:[ \t]+"[^"\n]*")*)[ \t]*\{')
            for match in header.finditer(self.text):
                if not self._is_code(match.start(1)) or any(s <= match.start() <= e for s, e, _ in found):
                    continue
                kind = match.group(1)
                labels = re.findall(r'"([^"\n]*)"', match.group(2))
                if kind == "resource":
                    address = ".".join(labels)
                elif labels:
                    address = ".".join([kind, *labels])
                else:
                    address = kind
                found.append((match.end() - 1, self._matching_brace(match.end() - 1), address))
            self._top_blocks = found
        for start, end, address in self._top_blocks:
            if start <= offset <= end:
                return address
        return ""

    def header_line(self, header: str) -> int:
        span = self.block_span(header)
        return self.line_of(span[0]) if span else 1

    def find_in(self, span: tuple[int, int] | None, pattern: str) -> int | None:
        """Line of the first match of ``pattern`` (regex, multiline) inside ``span``."""
        if span is None:
            return None
        for match in re.compile(pattern, re.M).finditer(self.text, span[0], span[1]):
            offset = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
            if self._is_code(offset):
                return self.line_of(offset)
        return None


def block_header(kind: str, *labels: str) -> str:
    return re.escape(kind) + "".join(r'[ \t]+"' + re.escape(label) + '"' for label in labels)


def attr_pattern(name: str) -> str:
    """Where an argument, a nested block or a ``dynamic "name"`` block is written."""
    n = re.escape(name)
    return rf'^[ \t]*(?:{n}[ \t]*(?:=(?!=)|\{{)|dynamic[ \t]+"{n}"[ \t]*\{{)'


class ParseError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


PARSE_CACHE = REPO_ROOT / ".cache" / "tfcheck" / "hcl"


def _parse(text: str) -> dict[str, Any]:
    """python-hcl2 output for ``text``, cached by content (parsing is most of a run's time; copies hit the cache)."""
    key = hashlib.sha256(f"{_HCL2_VERSION}\0{text}".encode()).hexdigest()
    cached = PARSE_CACHE / f"{key}.json"
    try:
        return json.loads(cached.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (OSError, ValueError):
        pass
    data: dict[str, Any] = hcl2.loads(text)
    try:
        PARSE_CACHE.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(cached)
    except (OSError, TypeError, ValueError):
        pass
    return data


def parse_file(path: Path, root: Path) -> TfFile:
    text = path.read_text(encoding="utf-8")
    try:
        data = _parse(text)
    except Exception as exc:  # lark raises several exception types; all mean "does not parse"
        line = int(getattr(exc, "line", 0) or 0) or 1
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ParseError(first, line) from exc
    starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    return TfFile(path, path.relative_to(root).as_posix(), text, code_mask(text), data, starts)


def tf_dirs(root: Path) -> list[Path]:
    """Every directory under ``root`` holding ``*.tf`` files (hidden dirs, tests, build outputs excluded)."""
    found: list[Path] = []

    def walk(directory: Path) -> None:
        if any(directory.glob("*.tf")):
            found.append(directory)
        for child in sorted(directory.iterdir()):
            if child.is_dir() and not child.name.startswith(".") and child.name not in SKIP_DIRS:
                walk(child)

    walk(root)
    return found


def blocks(data: dict[str, Any], kind: str) -> list[tuple[list[str], dict[str, Any]]]:
    """``(labels, body)`` for every block of ``kind`` in a parsed file (labels unquoted)."""
    result: list[tuple[list[str], dict[str, Any]]] = []

    def descend(node: Any, labels: list[str]) -> None:
        if isinstance(node, dict) and node.get("__is_block__"):
            result.append((labels, node))
            return
        if isinstance(node, dict):
            for key, value in node.items():
                if key not in META_KEYS:
                    descend(value, [*labels, unquote(key)])
        elif isinstance(node, list):
            for item in node:
                descend(item, labels)

    for entry in data.get(kind, []):
        descend(entry, [])
    return result


def is_block_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and v.get("__is_block__") for v in value)
