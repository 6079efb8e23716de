"""A variable declared by the root and by modules is validated by the same pattern everywhere.

Terraform cannot share a validation between modules, so each declaration carries its own copy; this test is what
keeps the copies equal (a module may additionally accept null where the root always passes a value).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

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
