"""The model package is a library the local runtime uses: it never imports the runtime back."""

from __future__ import annotations

import ast
from pathlib import Path

import contextual_targeting.model as model_package

MODEL_DIR = Path(model_package.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_model_imports_nothing_from_local():
    files = sorted(MODEL_DIR.rglob("*.py"))
    assert len(files) >= 5
    offending = {
        str(path.relative_to(MODEL_DIR)): sorted(
            n for n in _imports(path) if n.startswith("contextual_targeting.local")
        )
        for path in files
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_the_emulator_and_the_model_share_one_interface():
    from contextual_targeting.local.emulators.personalize import scoring
    from contextual_targeting.model import segment_model

    assert scoring.ExpressionError is segment_model.ExpressionError
    assert scoring.MAX_CLAUSES == segment_model.MAX_CLAUSES == 10
