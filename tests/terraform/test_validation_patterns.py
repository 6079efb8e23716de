"""A variable declared by the root and by modules is validated by the same pattern and defaults to the same value.

Terraform cannot share a validation or a default between modules, so each declaration carries its own copy; these
tests are what keep the copies equal (a module may additionally accept null where the root always passes a value).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r'(?ms)^variable "(\w+)" \{(.*?)^\}')


def _patterns() -> dict[str, dict[str, frozenset[str]]]:
    found: dict[str, dict[str, frozenset[str]]] = defaultdict(dict)
    for path in [REPO / "variables.tf", *sorted(REPO.glob("modules/*/variables.tf"))]:
        for name, body in VARIABLE.findall(path.read_text()):
            # regex("…", var.<name>) or, inside a for expression over the variable, regex("…", <item>)
            patterns = frozenset(re.findall(r'regex\("((?:[^"\\]|\\.)*)",\s*[\w.]+\)', body))
            if patterns:
                found[name][str(path.relative_to(REPO))] = patterns
    return found


def test_shared_variables_have_one_pattern() -> None:
    patterns = _patterns()
    assert len([n for n, per in patterns.items() if len(per) > 1]) >= 5  # the scan finds the shared ones
    drift = {name: per for name, per in patterns.items() if len(set(per.values())) > 1}
    assert not drift, drift


def test_the_prefixes_refuse_a_wildcard() -> None:
    for name in ("segment_import_prefix", "export_prefix"):
        for path, found in _patterns()[name].items():
            assert all(re.fullmatch(p, "pinpoint/") for p in found), (name, path)
            assert not any(re.fullmatch(p, "pin*point/") for p in found), (name, path)


def _variables(directory: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(directory.glob("*.tf")):
        with path.open() as f:
            for block in hcl2.load(f).get("variable", []):
                found.update({name.strip('"'): body for name, body in block.items()})
    return found


def test_a_variable_the_root_passes_on_defaults_to_the_modules_value() -> None:
    """`module "x" { y = var.z }`: the root's `z` and the module's `y` both default, to the same value — so a module
    used on its own behaves as it does inside the root, and a default is changed in both places or fails here."""
    root = _variables(REPO)
    with (REPO / "main.tf").open() as f:
        calls = [(name, body) for block in hcl2.load(f)["module"] for name, body in block.items()]
    compared, drift = 0, []
    for call, body in calls:
        source = body["source"].strip('"')
        if not source.startswith("./modules/"):
            continue
        module = _variables(REPO / source)
        for argument, value in body.items():
            passed = re.fullmatch(r"\$\{var\.(\w+)\}", value) if isinstance(value, str) else None
            if passed is None or argument not in module or "default" not in module[argument]:
                continue
            if "default" in root.get(passed.group(1), {}):
                compared += 1
                if root[passed.group(1)]["default"] != module[argument]["default"]:
                    drift.append((call, argument, root[passed.group(1)]["default"], module[argument]["default"]))
    assert compared >= 20  # the scan finds the pass-throughs
    assert not drift, drift
