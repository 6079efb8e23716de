"""terraform-docs style README tables for the modules, without terraform-docs.

Renders the Requirements, Modules, Resources, Inputs and Outputs of a Terraform module directory (python-hcl2) as
markdown between ``<!-- BEGIN_TF_DOCS -->`` and ``<!-- END_TF_DOCS -->`` in its README.md (the root module's in
``docs/terraform.md``, so the project README stays hand-written).

    python -m contextual_targeting.tfdocs            # rewrite every README that is out of date
    python -m contextual_targeting.tfdocs --check    # exit 1 listing the stale ones (tests/terraform/test_tfdocs.py)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import hcl2

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
ROOT = Path(__file__).resolve().parents[2]
META_KEYS = {"__is_block__", "__comments__", "__inline_comments__", "__start_line__", "__end_line__"}


def module_dirs(root: Path = ROOT) -> list[Path]:
    """The root module, every ``modules/*`` and every ``examples/*`` directory holding ``.tf`` files."""
    candidates = [root, *sorted((root / "modules").glob("*")), *sorted((root / "examples").glob("*"))]
    return [d for d in candidates if d.is_dir() and any(d.glob("*.tf"))]


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return json.loads(text) if "\\" in text else text[1:-1]
    return text


def _expr(text: str) -> str:
    """An HCL expression as python-hcl2 gives it (``${list(string)}``), without the interpolation wrapper."""
    if text.startswith("${") and text.endswith("}"):
        return text[2:-1]
    return text


def _hcl_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value.startswith('"') else _expr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_hcl_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = [f"{_unquote(k)} = {_hcl_value(v)}" for k, v in value.items() if k not in META_KEYS]
        return "{" + ", ".join(items) + "}"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _load(directory: Path) -> dict[str, list[Any]]:
    merged: dict[str, list[Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        with path.open() as handle:
            for key, blocks in hcl2.load(handle).items():
                merged.setdefault(key, []).extend(blocks)
    return merged


def render(directory: Path) -> str:
    """The markdown that belongs between the TF_DOCS markers of ``directory``'s README."""
    config = _load(directory)
    lines: list[str] = []

    requirements: list[tuple[str, str]] = []
    for terraform in config.get("terraform", []):
        if "required_version" in terraform:
            requirements.append(("terraform", _unquote(terraform["required_version"])))
        for providers in terraform.get("required_providers", []):
            for name, spec in providers.items():
                if name in META_KEYS:
                    continue
                requirements.append((name, _unquote(spec.get("version", '"any"')) if isinstance(spec, dict) else ""))
    lines += ["## Requirements", "", "| Name | Version |", "|------|---------|"]
    lines += [f"| {name} | `{_cell(version)}` |" for name, version in requirements]

    modules = [(_unquote(n), _unquote(b["source"])) for m in config.get("module", []) for n, b in m.items()]
    if modules:
        lines += ["", "## Modules", "", "| Name | Source |", "|------|--------|"]
        lines += [f"| {name} | `{source}` |" for name, source in sorted(modules)]

    resources = [
        f"{kind}.{_unquote(rtype)}.{_unquote(name)}"
        for kind, key in (("resource", "resource"), ("data source", "data"))
        for block in config.get(key, [])
        for rtype, named in block.items()
        for name in named
    ]
    lines += ["", "## Resources", "", "| Name | Type |", "|------|------|"]
    for entry in sorted(resources, key=lambda r: (r.startswith("data"), r)):
        kind, address = entry.split(".", 1)
        prefix = "data." if kind == "data source" else ""
        lines.append(f"| `{prefix}{address}` | {kind} |")

    lines += ["", "## Inputs", ""]
    variables = [(_unquote(n), b) for v in config.get("variable", []) for n, b in v.items()]
    if variables:
        lines += [
            "| Name | Description | Type | Default | Required |",
            "|------|-------------|------|---------|:--------:|",
        ]
        for name, block in sorted(variables, key=lambda item: ("default" in item[1], item[0])):
            required = "default" not in block
            default = "n/a" if required else f"`{_cell(_hcl_value(block['default']))}`"
            description = _cell(_unquote(block.get("description", '""')))
            type_ = _cell(_expr(block.get("type", "any")))
            flag = "yes" if required else "no"
            lines.append(f"| {name} | {description} | `{type_}` | {default} | {flag} |")
    else:
        lines.append("No inputs.")

    lines += ["", "## Outputs", ""]
    outputs = [(_unquote(n), b) for o in config.get("output", []) for n, b in o.items()]
    if outputs:
        lines += ["| Name | Description |", "|------|-------------|"]
        for name, block in sorted(outputs, key=lambda item: item[0]):
            description = _cell(_unquote(block.get("description", '""')))
            lines.append(f"| {name} | {description} |")
    else:
        lines.append("No outputs.")
    return "\n".join(lines) + "\n"


def readme_path(directory: Path) -> Path:
    """Where ``directory``'s tables live: ``docs/terraform.md`` for the root module, else its README.md."""
    if directory.resolve() == ROOT:
        return ROOT / "docs" / "terraform.md"
    return directory / "README.md"


def updated_readme(directory: Path) -> tuple[str, str]:
    """(current README text, README text with fresh tables). Raises ValueError when the markers are missing."""
    readme = readme_path(directory)
    text = readme.read_text()
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{readme}: missing {BEGIN} … {END} markers")
    new = text[: start + len(BEGIN)] + "\n" + render(directory) + text[end:]
    return text, new


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contextual_targeting.tfdocs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail instead of rewriting stale READMEs")
    parser.add_argument("dirs", nargs="*", type=Path, help="module directories (default: root, modules/*, examples/*)")
    args = parser.parse_args(argv)
    stale = []
    for directory in args.dirs or module_dirs():
        readme = readme_path(directory)
        if not readme.exists() or BEGIN not in readme.read_text():
            continue  # hand-written README without generated tables
        current, new = updated_readme(directory)
        if current != new:
            stale.append(directory)
            if not args.check:
                readme_path(directory).write_text(new)
    for directory in stale:
        print(f"{'stale' if args.check else 'updated'}: {readme_path(directory)}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
