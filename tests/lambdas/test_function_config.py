"""Each function's typed configuration against the environment its Terraform module sets, and the handlers' shape.

The local runtime's function declarations are held equal to the modules' ``environment`` maps by
``tests/local/test_wiring.py``; here every variable a function *requires* must be one of them, so the only place a
default such as ``pinpoint/`` or 43200 is written is the module's Terraform variable.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from contextual_targeting.core import function_config, functions
from contextual_targeting.core.function_config import CONFIGS, MissingSetting
from contextual_targeting.local.runtime import Settings, workflow_specs

REPO = Path(__file__).resolve().parents[2]
LAMBDAS = REPO / "lambdas"


def _declared() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for combination in (dict(pinpoint=True, ses=True, connect=True), dict(pinpoint=False, ses=False, connect=False)):
        for spec in workflow_specs(Settings(name_prefix="px", **combination)):
            for function in spec.functions:
                found.setdefault(function.function, set()).update(function.env)
    return found


def test_every_function_has_a_configuration_and_a_step() -> None:
    zips = {p.name for p in LAMBDAS.iterdir() if (p / "handler.py").exists()}
    assert set(CONFIGS) == zips
    for name in zips - {"start_execution"}:  # the trigger stays Powertools-free and calls its one API itself
        assert callable(getattr(functions, name)), name


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_required_variables_are_exactly_ones_the_module_sets(name: str) -> None:
    declared = _declared()[name]
    config = CONFIGS[name]
    required = {variable for variable, needed in config.variables().items() if needed}
    assert required <= declared, f"{name} requires {sorted(required - declared)}, which its module does not set"
    optional = {variable for variable, needed in config.variables().items() if not needed}
    assert not optional & declared, f"{name}: {sorted(optional & declared)} is set by Terraform: make it required"


def test_a_missing_variable_is_named_with_the_function() -> None:
    with pytest.raises(MissingSetting, match="pinpoint_chunk_export: environment variable CHUNK_SIZE is not set"):
        function_config.PinpointChunkExport.from_env(
            {"EXPORT_PREFIX": "segments/", "IMPORT_PREFIX": "pinpoint/", "WORK_PREFIX": "work/pinpoint/"}
        )


def test_values_are_parsed_to_their_types() -> None:
    config = function_config.SesSegmentTopic.from_env(
        {
            "CONTACT_LIST_NAME": "l",
            "CREATE_CONTACT_LIST": "False",
            "EXPORT_PREFIX": "segments/",
            "SES_PREFIX": "ses/",
            "LOCK_TTL_SECONDS": "60",
        }
    )
    assert (config.create_contact_list, config.lock_ttl_seconds) == (False, 60)
    sizes = function_config.ValidateTrainingInput.from_env({"FULL_CHECK_MAX_MB": "1.5"})
    assert (sizes.full_check_max_bytes, sizes.sample_bytes) == (int(1.5 * 1024**2), None)
    assert [f.name for f in dataclasses.fields(function_config.ConnectSegmentUpload)] == []


@pytest.mark.parametrize("handler", sorted(LAMBDAS.glob("*/handler.py")), ids=lambda p: p.parent.name)
def test_handlers_are_thin_and_read_no_other_environment(handler: Path) -> None:
    text = handler.read_text()
    assert len(text.splitlines()) <= 40, f"{handler.parent.name}: {len(text.splitlines())} lines"
    assert "environ" not in text.split('"""', 2)[2], "configuration comes from core.function_config"
    assert "boto3" not in text, "clients come from core.function_config.client"
    if handler.parent.name == "start_execution":  # the Powertools-free trigger: one API call of its own
        return
    tree = ast.parse(text)
    # the module is its docstring, one import and one assignment: the function built from its name
    assert [type(node).__name__ for node in tree.body] == ["Expr", "ImportFrom", "Assign"], handler.parent.name
    built = tree.body[-1].value
    assert isinstance(built, ast.Call) and ast.unparse(built.func) == "handler", handler.parent.name
    assert ast.literal_eval(built.args[0]) == handler.parent.name, "one name: the folder, the zip, the step"
