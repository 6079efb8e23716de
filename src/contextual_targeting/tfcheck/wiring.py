"""The tree's modules as parsed HCL, and the one wiring check Terraform does not make: ASL templates.

A directory with ``*.tf`` files is one module (:func:`load_tree`); the IAM lint and the security checks read the
modules from here. Everything else ``terraform validate`` and ``terraform plan`` check — arguments and blocks against
the provider schema, types, references, module calls, provider constraints — and ``make validate`` runs them on every
module, destination combination and example through the local provider (``tfprovider/``), so this package no longer
re-implements them. What Terraform does not check: ``templatefile()`` fails on a placeholder it is not given, but not
on a variable no placeholder uses (a renamed state in the template silently loses its ARN), and cannot tell that a
state machine template is an ASL document whose placeholders sit inside JSON strings. :func:`check_templates` checks
that every ``templatefile()`` is given exactly its template's placeholders, and ``file()`` paths exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

from contextual_targeting import asl
from contextual_targeting.tfcheck import Finding
from contextual_targeting.tfcheck.hcl import (
    META_KEYS,
    ParseError,
    TfFile,
    block_header,
    blocks,
    parse_file,
    tf_dirs,
    unquote,
)

IDENT = r"[A-Za-z_][A-Za-z0-9_-]*"
_TEMPLATEFILE = re.compile(r"(?<![\w.])templatefile[ \t]*\(")
_FILE = re.compile(r"(?<![\w.])file[ \t]*\(")


@dataclass
class Decl:
    tf: TfFile
    header: str  # regex locating the block header
    body: dict[str, Any]

    @property
    def line(self) -> int:
        return self.tf.header_line(self.header)


@dataclass
class Module:
    directory: Path
    files: list[TfFile] = field(default_factory=list)
    variables: dict[str, Decl] = field(default_factory=dict)
    outputs: dict[str, Decl] = field(default_factory=dict)
    locals: dict[str, tuple[TfFile, Any]] = field(default_factory=dict)
    resources: dict[tuple[str, str], Decl] = field(default_factory=dict)
    data: dict[tuple[str, str], Decl] = field(default_factory=dict)
    calls: dict[str, Decl] = field(default_factory=dict)


def load_module(directory: Path, root: Path, findings: list[Finding]) -> Module:
    module = Module(directory)
    for path in sorted(directory.glob("*.tf")):
        try:
            tf = parse_file(path, root)
        except ParseError as exc:
            findings.append(Finding(path.relative_to(root).as_posix(), exc.line, "hcl-parse", str(exc)))
            continue
        module.files.append(tf)
        for labels, body in blocks(tf.data, "variable"):
            module.variables[labels[0]] = Decl(tf, block_header("variable", labels[0]), body)
        for labels, body in blocks(tf.data, "output"):
            module.outputs[labels[0]] = Decl(tf, block_header("output", labels[0]), body)
        for labels, body in blocks(tf.data, "module"):
            module.calls[labels[0]] = Decl(tf, block_header("module", labels[0]), body)
        for labels, body in blocks(tf.data, "resource"):
            module.resources[(labels[0], labels[1])] = Decl(tf, block_header("resource", *labels[:2]), body)
        for labels, body in blocks(tf.data, "data"):
            module.data[(labels[0], labels[1])] = Decl(tf, block_header("data", *labels[:2]), body)
        for entry in tf.data.get("locals", []):
            for name, value in entry.items():
                if name not in META_KEYS:
                    module.locals[unquote(name)] = (tf, value)
    return module


def load_tree(root: Path, findings: list[Finding]) -> dict[Path, Module]:
    return {d.resolve(): load_module(d, root, findings) for d in tf_dirs(root)}


# ---------------------------------------------------------------- templates


def check_templates(module: Module, root: Path, findings: list[Finding]) -> None:
    for tf in module.files:
        _check_templates(tf, module, root, findings)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root.resolve()).as_posix() or "."
    except ValueError:
        return str(path)


def _call_args(tf: TfFile, open_paren: int) -> str:
    depth = 0
    for pos in range(open_paren, len(tf.mask)):
        ch = tf.mask[pos]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return tf.text[open_paren + 1 : pos]
    return tf.text[open_paren + 1 :]


def _split_top(text: str) -> list[str]:
    parts, depth, current, in_string, escape = [], 0, [], False, False
    for ch in text:
        if in_string:
            current.append(ch)
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def _resolve_path(literal: str, module: Module, root: Path) -> list[Path]:
    local = re.fullmatch(rf"local\.({IDENT})", literal.strip())
    if local and isinstance(module.locals.get(local.group(1), (None, None))[1], str):
        literal = str(module.locals[local.group(1)][1])
    if not (literal.startswith('"') and literal.endswith('"')):
        return []
    raw = literal[1:-1]
    raw = raw.replace("${path.module}", str(module.directory)).replace("${path.root}", str(root.resolve()))
    raw = raw.replace("${path.cwd}", str(root.resolve()))
    pattern = re.sub(r"\$\{[^}]*\}", "*", raw)
    base = module.directory
    if "*" not in pattern:
        path = Path(pattern) if Path(pattern).is_absolute() else base / pattern
        return [path.resolve()]
    anchor = Path("/") if pattern.startswith("/") else base
    return sorted(p.resolve() for p in anchor.glob(pattern.lstrip("/")))


def _object_keys(expr: str, module: Module, depth: int = 0) -> set[str] | None:
    """Keys of a template-variables expression: an object literal, ``local.x`` or ``merge(...)`` of those."""
    expr = expr.strip()
    if depth > 5:
        return None
    if expr.startswith("${") and expr.endswith("}"):
        expr = expr[2:-1].strip()
    if expr.startswith("{"):
        try:
            parsed = hcl2.loads(f"x = {expr}\n")["x"]
        except Exception:
            return None
        return {unquote(str(k)) for k in parsed if k not in META_KEYS} if isinstance(parsed, dict) else None
    local = re.fullmatch(rf"local\.({IDENT})", expr)
    if local:
        value = module.locals.get(local.group(1))
        if value is None:
            return None
        if isinstance(value[1], dict):
            return {unquote(str(k)) for k in value[1] if k not in META_KEYS}
        return _object_keys(str(value[1]), module, depth + 1)
    merged = re.fullmatch(r"merge\((.*)\)", expr, re.S)
    if merged:
        keys: set[str] = set()
        for part in _split_top(merged.group(1)):
            inner = _object_keys(part, module, depth + 1)
            if inner is None:
                return None
            keys |= inner
        return keys
    return None


def _check_templates(tf: TfFile, module: Module, root: Path, findings: list[Finding]) -> None:
    for m in _TEMPLATEFILE.finditer(tf.mask):
        line = tf.line_of(m.start())
        block = tf.enclosing_block(m.start())
        where = f"{block}: " if block else ""
        args = _split_top(_call_args(tf, m.end() - 1))
        if not args:
            continue
        paths = _resolve_path(args[0], module, root)
        if not paths or not all(p.exists() for p in paths):
            shown = ", ".join(_rel(p, root) for p in paths) or args[0]
            findings.append(Finding(tf.rel, line, "template", f"{where}templatefile(): no template file {shown}"))
            continue
        keys = _object_keys(args[1], module) if len(args) > 1 else set()
        if keys is None:
            findings.append(
                Finding(
                    tf.rel,
                    line,
                    "template",
                    f"{where}templatefile({args[0]}): cannot tell which variables {args[1]!r} passes — use an object "
                    "literal, a local holding one, or merge() of those",
                )
            )
            continue
        for path in paths:
            try:
                needed = asl.placeholders(path.read_text(encoding="utf-8"))
            except asl.TemplateError as exc:
                findings.append(Finding(tf.rel, line, "template", f"{where}{_rel(path, root)}: {exc}"))
                continue
            missing, extra = sorted(needed - keys), sorted(keys - needed)
            if missing:
                findings.append(
                    Finding(
                        tf.rel,
                        line,
                        "template",
                        f"{where}templatefile({_rel(path, root)}): placeholder(s) not supplied: {', '.join(missing)}",
                    )
                )
            if extra:
                findings.append(
                    Finding(
                        tf.rel,
                        line,
                        "template",
                        f"{where}templatefile({_rel(path, root)}): unused variable(s): {', '.join(extra)}",
                    )
                )
    for m in _FILE.finditer(tf.mask):
        args = _split_top(_call_args(tf, m.end() - 1))
        if args:
            paths = _resolve_path(args[0], module, root)
            if paths and not all(p.exists() for p in paths):
                findings.append(Finding(tf.rel, tf.line_of(m.start()), "wiring", f"file(): {args[0]} does not exist"))
