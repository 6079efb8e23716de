"""Provider-schema and wiring checks over every Terraform directory of a tree (what ``terraform validate`` sees).

A directory with ``*.tf`` files is one module. References are read from the code mask (comments and literal
strings blanked), so ``var.x`` in a description is not a reference but ``"${var.x}"`` is.
"""

from __future__ import annotations

import difflib
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
    attr_pattern,
    block_header,
    blocks,
    is_block_list,
    parse_file,
    tf_dirs,
    unquote,
)
from contextual_targeting.tfcheck.schema import Block, ProviderSchema

RESOURCE_META = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"}
MODULE_META = {"source", "version", "count", "for_each", "depends_on", "providers"}
IDENT = r"[A-Za-z_][A-Za-z0-9_-]*"
INDEX = r"(?:\[[^\]\n]*\])?"
_VAR = re.compile(rf"(?<![\w.])var\.({IDENT})")
_LOCAL = re.compile(rf"(?<![\w.])local\.({IDENT})")
_MODULE = re.compile(rf"(?<![\w.])module\.({IDENT}){INDEX}(?:\.({IDENT}))?")
_DATA = re.compile(rf"(?<![\w.])data\.(aws_[a-z0-9_]+)\.({IDENT}){INDEX}(?:\.({IDENT}))?")
_RESOURCE = re.compile(rf"(?<![\w.])(aws_[a-z0-9_]+)\.({IDENT}){INDEX}(?:\.({IDENT}))?")
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


# ---------------------------------------------------------------- provider schema


def _check_body(
    schema: Block, body: dict[str, Any], address: str, decl: Decl, findings: list[Finding], top: bool
) -> None:
    tf = decl.tf
    span = tf.block_span(decl.header)

    def report(name: str, message: str) -> None:
        line = tf.find_in(span, attr_pattern(name)) or decl.line
        findings.append(Finding(tf.rel, line, "schema", f"{address}: {message}"))

    present: set[str] = set()
    for key, value in body.items():
        if key in META_KEYS or (top and key in RESOURCE_META):
            continue
        if key == "dynamic":
            for entry in value if isinstance(value, list) else [value]:
                for label, dyn in entry.items():
                    if label in META_KEYS:
                        continue
                    name = unquote(label)
                    present.add(name)
                    if name not in schema.blocks:
                        report(name, f'unknown block "{name}" (dynamic){_suggest(name, schema.names())}')
                        continue
                    for content in dyn.get("content", []) if isinstance(dyn, dict) else []:
                        if isinstance(content, dict):
                            _check_body(schema.blocks[name], content, f"{address}.{name}", decl, findings, False)
            continue
        present.add(key)
        if key in schema.arguments:
            continue
        if key in schema.blocks:
            if is_block_list(value):
                for item in value:
                    _check_body(schema.blocks[key], item, f"{address}.{key}", decl, findings, False)
            continue
        kind = "block" if is_block_list(value) else "argument"
        report(key, f'unknown {kind} "{key}"{_suggest(key, schema.names())}')
    for name, required in sorted(schema.arguments.items()):
        if required and name not in present:
            findings.append(Finding(tf.rel, decl.line, "schema", f'{address}: missing required argument "{name}"'))
    for name in sorted(schema.required_blocks - present):
        findings.append(Finding(tf.rel, decl.line, "schema", f'{address}: missing required block "{name}"'))


def _suggest(name: str, candidates: set[str] | list[str]) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def version_allows(constraint: str, version: str) -> bool:
    """Terraform version-constraint semantics (``>= 6.0, < 7.0``, ``~> 6.0``, ``= 6.1.2``) for plain versions."""
    have = _version_tuple(version)
    for part in constraint.split(","):
        match = re.fullmatch(r"\s*(>=|<=|!=|~>|>|<|=)?\s*v?([0-9][0-9.]*)\s*", part)
        if not match:
            continue
        op, want_text = match.group(1) or "=", match.group(2)
        want = _version_tuple(want_text)
        padded = have + (0,) * (len(want) - len(have))
        if op == "~>":
            upper = (*want[:-2], want[-2] + 1) if len(want) >= 2 else (want[0] + 1,)
            if not (padded >= want and padded[: len(upper)] < upper):
                return False
        elif not {
            ">=": padded >= want,
            "<=": padded[: len(want)] <= want,
            ">": padded > want,
            "<": padded[: len(want)] < want,
            "=": padded[: len(want)] == want,
            "!=": padded[: len(want)] != want,
        }[op]:
            return False
    return True


def check_provider_constraint(module: Module, schema: ProviderSchema, findings: list[Finding]) -> None:
    """The schema the checks use (hashicorp/aws from the wheel) must satisfy each ``required_providers.aws``."""
    for tf in module.files:
        for _labels, body in blocks(tf.data, "terraform"):
            for providers in (
                body.get("required_providers", []) if isinstance(body.get("required_providers"), list) else []
            ):
                aws = providers.get("aws") if isinstance(providers, dict) else None
                constraint = unquote(str(aws.get("version", ""))) if isinstance(aws, dict) else ""
                if constraint and schema.provider_version and not version_allows(constraint, schema.provider_version):
                    span = tf.block_span("terraform")
                    line = tf.find_in(span, r"^[ \t]*version[ \t]*=") or 1
                    findings.append(
                        Finding(
                            tf.rel,
                            line,
                            "schema",
                            f'terraform.required_providers.aws: version "{constraint}" excludes hashicorp/aws '
                            f"{schema.provider_version}, the schema these checks use (cdktn-provider-aws "
                            f"{schema.wheel_version}); move the constraint to 6.x or re-pin the wheel",
                        )
                    )


def check_schema(module: Module, schema: ProviderSchema, findings: list[Finding]) -> None:
    check_provider_constraint(module, schema, findings)
    for tf in module.files:
        for labels, body in blocks(tf.data, "provider"):
            if labels and labels[0] == "aws" and schema.provider.names():
                decl = Decl(tf, block_header("provider", "aws"), body)
                provider_body = {k: v for k, v in body.items() if k not in {"alias", "version"}}
                _check_body(schema.provider, provider_body, 'provider "aws"', decl, findings, True)
    for kind, table in (("resource", module.resources), ("data", module.data)):
        for (type_name, name), decl in sorted(table.items()):
            if not type_name.startswith("aws_"):
                continue
            address = f"{'data.' if kind == 'data' else ''}{type_name}.{name}"
            entry = schema.lookup(kind, type_name)
            if entry is None:
                known = schema.resources if kind == "resource" else schema.data_sources
                findings.append(
                    Finding(
                        decl.tf.rel,
                        decl.line,
                        "schema",
                        f"{address}: unknown {'data source' if kind == 'data' else 'resource'} type "
                        f'"{type_name}" in hashicorp/aws {schema.provider_version}{_suggest(type_name, set(known))}',
                    )
                )
                continue
            _check_body(entry.body, decl.body, address, decl, findings, True)


# ---------------------------------------------------------------- wiring


def _local_source(call: Decl, module: Module) -> Path | None:
    source = unquote(str(call.body.get("source", "")))
    if source.startswith(("./", "../")):
        return (module.directory / source).resolve()
    return None


def check_wiring(
    module: Module, tree: dict[Path, Module], root: Path, schema: ProviderSchema | None, findings: list[Finding]
) -> None:
    # module calls: only declared variables, all required ones
    for name, call in sorted(module.calls.items()):
        target_dir = _local_source(call, module)
        if target_dir is None:
            continue
        target = tree.get(target_dir)
        if target is None:
            findings.append(
                Finding(call.tf.rel, call.line, "wiring", f"module.{name}: source {target_dir} has no *.tf files")
            )
            continue
        passed = {k for k in call.body if k not in META_KEYS and k not in MODULE_META}
        span = call.tf.block_span(call.header)
        for arg in sorted(passed - set(target.variables)):
            line = call.tf.find_in(span, attr_pattern(arg)) or call.line
            findings.append(
                Finding(
                    call.tf.rel,
                    line,
                    "wiring",
                    f'module.{name}: argument "{arg}" is not a variable of {_rel(target_dir, root)}'
                    f"{_suggest(arg, set(target.variables))}",
                )
            )
        for var_name, var in sorted(target.variables.items()):
            if "default" not in var.body and var_name not in passed:
                findings.append(
                    Finding(
                        call.tf.rel,
                        call.line,
                        "wiring",
                        f'module.{name}: required variable "{var_name}" of {_rel(target_dir, root)} not set',
                    )
                )

    for tf in module.files:
        _check_references(tf, module, tree, schema, findings)
        _check_templates(tf, module, root, findings)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root.resolve()).as_posix() or "."
    except ValueError:
        return str(path)


def _check_references(
    tf: TfFile, module: Module, tree: dict[Path, Module], schema: ProviderSchema | None, findings: list[Finding]
) -> None:
    mask = tf.mask
    # moved/removed/import blocks name addresses that need not (moved.from) or cannot yet exist
    for keyword in ("moved", "removed", "import"):
        for match in re.finditer(rf"(?m)^{keyword}[ \t]*\{{", mask):
            end = tf._matching_brace(match.end() - 1)
            mask = mask[: match.start()] + re.sub(r"[^\n]", " ", mask[match.start() : end + 1]) + mask[end + 1 :]

    def add(offset: int, message: str) -> None:
        block = tf.enclosing_block(offset)
        findings.append(Finding(tf.rel, tf.line_of(offset), "wiring", f"{block}: {message}" if block else message))

    for m in _VAR.finditer(mask):
        if m.group(1) not in module.variables:
            add(m.start(), f"var.{m.group(1)} is not declared{_suggest(m.group(1), set(module.variables))}")
    for m in _LOCAL.finditer(mask):
        if m.group(1) not in module.locals:
            add(m.start(), f"local.{m.group(1)} is not defined{_suggest(m.group(1), set(module.locals))}")
    for m in _MODULE.finditer(mask):
        name, output = m.group(1), m.group(2)
        call = module.calls.get(name)
        if call is None:
            add(m.start(), f"module.{name} is not declared{_suggest(name, set(module.calls))}")
            continue
        target_dir = _local_source(call, module)
        target = tree.get(target_dir) if target_dir else None
        if target is not None and output and output not in target.outputs:
            add(
                m.start(),
                f"module.{name}.{output}: no output {output!r} in {target_dir.name if target_dir else '?'}"
                f"{_suggest(output, set(target.outputs))}",
            )
    for pattern, table, prefix, kind in (
        (_DATA, module.data, "data.", "data"),
        (_RESOURCE, module.resources, "", "resource"),
    ):
        for m in pattern.finditer(mask):
            type_name, name, attr = m.group(1), m.group(2), m.group(3)
            if (type_name, name) not in table:
                same_type = {n for (t, n) in table if t == type_name}
                add(m.start(), f"{prefix}{type_name}.{name} is not declared in this module{_suggest(name, same_type)}")
                continue
            entry = schema.lookup(kind, type_name) if schema else None
            if entry is not None and attr and attr not in entry.attributes:
                add(
                    m.start(),
                    f"{prefix}{type_name}.{name}.{attr}: {type_name} has no attribute {attr!r}"
                    f"{_suggest(attr, entry.attributes)}",
                )


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
