"""The emulator packages: error classes named as error shapes of botocore's model with their status; what is served."""

from __future__ import annotations

import importlib
import inspect

import botocore.session
import pytest

from contextual_targeting.local.emulation import ModeledError

# emulator package -> botocore service name
PACKAGES = {
    "ses": "sesv2",
    "customer_profiles": "customer-profiles",
    "pinpoint": "pinpoint",
    "personalize": "personalize",
}


def error_classes(package: str) -> list[type[ModeledError]]:
    module = importlib.import_module(f"contextual_targeting.local.emulators.{package}.exceptions")
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, ModeledError) and value is not ModeledError
    ]


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_every_error_class_is_a_modeled_error_with_its_status(package: str) -> None:
    model = botocore.session.get_session().get_service_model(PACKAGES[package])
    classes = error_classes(package)
    assert classes, f"{package}.exceptions defines no error class"
    for error in classes:
        assert error.code == error.__name__
        assert error.code in model.shape_names, f"{error.code} is not an error of {PACKAGES[package]}"
        shape = model.shape_for(error.code)
        assert shape.metadata.get("exception"), f"{error.code} is not an exception shape"
        # awsJson services (Personalize) model no status: their client errors answer HTTP 400
        assert error.status == shape.metadata.get("error", {}).get("httpStatusCode", 400), error.code


def test_a_modeled_error_carries_its_code_status_and_message() -> None:
    from contextual_targeting.local.emulators.ses.exceptions import NotFoundException

    error = NotFoundException("List with name: x doesn't exist.")
    assert (error.code, error.status, error.message) == ("NotFoundException", 404, "List with name: x doesn't exist.")


def test_personalize_serves_every_operation_of_its_tables_and_no_other() -> None:
    """The Describe/List tables and the rules list of ``responses`` serve these 34 operations, each a real one."""
    from contextual_targeting.local.emulators.personalize import PersonalizeEmulator

    served = {name[3:] for name in dir(PersonalizeEmulator) if name.startswith("op_")}
    model = botocore.session.get_session().get_service_model("personalize")
    assert served <= set(model.operation_names)
    for resource in ("DatasetGroup", "Schema", "Dataset", "Solution", "Filter", "EventTracker"):
        assert {f"Create{resource}", f"Describe{resource}", f"List{resource}s", f"Delete{resource}"} <= served
    for resource in ("DatasetImportJob", "SolutionVersion", "BatchSegmentJob"):
        assert {f"Create{resource}", f"Describe{resource}", f"List{resource}s"} <= served
    assert "DescribeRecipe" in served and len(served) == 34
