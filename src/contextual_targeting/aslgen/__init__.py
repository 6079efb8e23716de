"""Generated state machine templates: ``statemachines/<name>.asl.json`` written from a Python description.

The training workflow polls six Personalize resources with the same Describe/Wait/Choice loop; written out by hand
each copy drifted on its own. ``aslgen.training`` describes the workflow and takes each loop from
``aslgen.states.poll_loop``; this module writes the JSON (two-space indent, each state's fields in one fixed order,
a final newline) so the committed file is exactly what the generator gives. The output stays a Terraform template
(``${name}`` placeholders) rendered by ``templatefile()`` and by ``contextual_targeting.asl.render``.

``python -m contextual_targeting.aslgen`` (``make asl``) rewrites the files; ``--check`` only compares them and
fails, naming each file that differs (``tests/statemachines/test_aslgen.py`` runs the same comparison).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from contextual_targeting.aslgen import training

REPO_ROOT = Path(__file__).resolve().parents[3]
STATEMACHINES_DIR = REPO_ROOT / "statemachines"

# state machine name (statemachines/<name>.asl.json) -> its description
GENERATED: dict[str, Callable[[], dict[str, Any]]] = {"training_workflow": training.definition}

# The order a state's fields are written in: what it is, what it does with its input, where it goes.
STATE_FIELDS = (
    "Type",
    "Comment",
    "Resource",
    "ItemsPath",
    "MaxConcurrency",
    "ItemSelector",
    "ItemProcessor",
    "Parameters",
    "Result",
    "ResultSelector",
    "ResultPath",
    "OutputPath",
    "Retry",
    "Catch",
    "Choices",
    "Default",
    "SecondsPath",
    "Error",
    "CausePath",
    "Next",
    "End",
)


class GeneratorError(ValueError):
    """A description uses a state field the writer does not know (most likely a typo)."""


def _ordered_states(states: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, state in states.items():
        unknown = sorted(set(state) - set(STATE_FIELDS))
        if unknown:
            raise GeneratorError(f"{where}: state {name} has fields the writer does not know: {', '.join(unknown)}")
        ordered = {field: state[field] for field in STATE_FIELDS if field in state}
        processor = ordered.get("ItemProcessor")
        if processor is not None:
            ordered["ItemProcessor"] = {**processor, "States": _ordered_states(processor["States"], f"{where}/{name}")}
        out[name] = ordered
    return out


def dumps(definition: dict[str, Any], *, where: str = "definition") -> str:
    """The committed text of a definition: states' fields in ``STATE_FIELDS`` order, everything else as given."""
    ordered = {**definition, "States": _ordered_states(definition["States"], where)}
    return json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"


def generated(directory: Path = STATEMACHINES_DIR) -> dict[Path, str]:
    """``{path: text}`` of every generated template."""
    return {directory / f"{name}.asl.json": dumps(build(), where=name) for name, build in GENERATED.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contextual_targeting.aslgen",
        description="Write the generated statemachines/*.asl.json templates (training) from their Python description.",
    )
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 naming each file that differs")
    parser.add_argument(
        "--dir", type=Path, default=STATEMACHINES_DIR, help="the statemachines folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)

    stale = []
    for path, text in generated(args.dir).items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(path)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    for path in stale:
        print(
            f"{path} is not what the generator writes: edit src/contextual_targeting/aslgen/ "
            "(not the JSON) and run `make asl`",
            file=sys.stderr,
        )
    return 1 if stale else 0
