"""The generated state machine templates: the committed files are what ``contextual_targeting.aslgen`` writes, the
writer's check/write modes, and properties of the generated training workflow that hold for every poll loop.

What the training workflow does is tested by executing the committed template in moto
(``tests/workflows/test_training.py``); this file only guards that the template and its description cannot drift.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from contextual_targeting import aslgen
from contextual_targeting.aslgen import training

REPO = Path(__file__).resolve().parents[2]


def test_committed_templates_are_what_the_generator_writes() -> None:
    files = aslgen.generated()
    assert REPO / "statemachines" / "training_workflow.asl.json" in files
    for path, text in files.items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} differs from its description in src/contextual_targeting/aslgen/: run `make asl`"
        )


def test_check_names_the_stale_file_and_writes_nothing_then_write_mode_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "training_workflow.asl.json"
    shutil.copy(REPO / "statemachines" / "training_workflow.asl.json", target)
    edited = target.read_text(encoding="utf-8").replace('"MaxConcurrency": 3', '"MaxConcurrency": 4')
    target.write_text(edited, encoding="utf-8")

    assert aslgen.main(["--check", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert str(target) in err and "make asl" in err
    assert target.read_text(encoding="utf-8") == edited

    assert aslgen.main(["--dir", str(tmp_path)]) == 0
    assert target.read_text(encoding="utf-8") == (REPO / "statemachines" / "training_workflow.asl.json").read_text()
    assert aslgen.main(["--check", "--dir", str(tmp_path)]) == 0


def test_a_state_field_the_writer_does_not_know_is_an_error_naming_state_and_field() -> None:
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Nxt": "B"}}}
    with pytest.raises(aslgen.GeneratorError, match=r"state A has fields the writer does not know: Nxt"):
        aslgen.dumps(definition)


def test_fields_are_written_in_one_order_whatever_order_the_description_uses() -> None:
    one = {"StartAt": "A", "States": {"A": {"Next": "B", "Type": "Pass", "Comment": "c"}, "B": {"Type": "Succeed"}}}
    other = {"StartAt": "A", "States": {"A": {"Comment": "c", "Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}}
    assert aslgen.dumps(one) == aslgen.dumps(other)
    assert list(json.loads(aslgen.dumps(one))["States"]["A"]) == ["Type", "Comment", "Next"]


def _all_states(states: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for name, state in states.items():
        found[name] = state
        if "ItemProcessor" in state:
            found.update(_all_states(state["ItemProcessor"]["States"]))
    return found


def _rules(choice: dict[str, Any]) -> list[dict[str, Any]]:
    return list(choice["Choices"])


def test_every_wait_of_the_training_workflow_is_in_a_loop_bounded_by_its_max_polls() -> None:
    """Each Wait is reached only from a Choice rule that also requires ``poll.count < $.config.<kind>MaxPolls``,
    the Wait's seconds come from the same kind, and the state after it increments that very count."""
    states = _all_states(json.loads((REPO / "statemachines" / "training_workflow.asl.json").read_text())["States"])
    waits = {name: state for name, state in states.items() if state["Type"] == "Wait"}
    assert len(waits) == 6  # dataset group, dataset, import job, solution, solution version, batch segment job
    kinds = set()
    for name, wait in waits.items():
        leading = [
            rule
            for state in states.values()
            if state["Type"] == "Choice"
            for rule in _rules(state)
            if rule["Next"] == name
        ]
        assert len(leading) == 1, name
        bounds = [c for c in leading[0]["And"] if "NumericLessThanPath" in c]
        assert len(bounds) == 1, name
        kind = bounds[0]["NumericLessThanPath"].removeprefix("$.config.").removesuffix("MaxPolls")
        assert kind in training.POLL_TUNABLES, name
        assert wait["SecondsPath"] == f"$.config.{kind}PollSeconds", name
        count = states[wait["Next"]]
        counter = bounds[0]["Variable"]  # $.<resource>.poll.count
        assert count["Parameters"]["count.$"] == f"States.MathAdd({counter}, 1)", name
        assert count["ResultPath"] == counter.removesuffix(".count"), name
        kinds.add(kind)
    assert kinds == set(training.POLL_TUNABLES)


def test_init_turns_every_poll_placeholder_into_a_number() -> None:
    """The poll settings the loops read are exactly the ones Init fills from the Terraform placeholders."""
    definition = json.loads((REPO / "statemachines" / "training_workflow.asl.json").read_text())
    config = definition["States"]["Init"]["Parameters"]["config"]
    used = {
        value.removeprefix("$.config.")
        for state in _all_states(definition["States"]).values()
        for value in [state.get("SecondsPath", "")]
        + [c.get("NumericLessThanPath", "") for rule in state.get("Choices", []) for c in rule.get("And", [])]
        if value.startswith("$.config.")
    }
    assert {key.removesuffix(".$") for key in config} == used
    for key, value in config.items():
        setting = key.removesuffix(".$")
        placeholder = "".join(
            f"_{c.lower()}" if c.isupper() else c for c in setting
        )  # importMaxPolls -> import_max_polls
        assert value == f"States.StringToJson('${{{placeholder}}}')"
