"""Test setup shared by every test: fake AWS credentials before any client exists, repo paths, zip loading."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Set before boto3 creates a client anywhere; nothing in the suite may reach real AWS.
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ["AWS_SECURITY_TOKEN"] = "testing"
os.environ["AWS_SESSION_TOKEN"] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
os.environ["AWS_REGION"] = "us-east-1"
os.environ.pop("AWS_PROFILE", None)

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = REPO_ROOT / "build"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def built_zips() -> Path:
    """The ``build/`` folder, built once per session if ``make build`` did not already do it."""
    from contextual_targeting.build import build_all

    if (REPO_ROOT / "lambdas").exists() and any(p.is_dir() for p in (REPO_ROOT / "lambdas").iterdir()):
        build_all()
    return BUILD_DIR


@pytest.fixture
def lambda_handler(built_zips: Path):
    """``lambda_handler("name")`` → the handler function loaded from ``build/name.zip``."""
    from contextual_targeting.local.lambda_loader import load_handler

    def load(name: str):
        return load_handler(built_zips / f"{name}.zip")

    return load


@pytest.fixture
def module_environment(monkeypatch):
    """``module_environment("function", …, NAME=value)``: set the environment variables Terraform gives these
    functions — the local runtime's declaration, which ``tests/local/test_wiring.py`` holds equal to each module's
    ``environment`` map — then the test's own values. Tests do not re-type what the modules set."""
    from contextual_targeting.local.runtime import Settings, workflow_specs

    settings = Settings(name_prefix="ct", pinpoint=True, ses=True, connect=True)
    declared = {f.function: f.env for spec in workflow_specs(settings) for f in spec.functions}

    def apply(*functions: str, **values: str) -> None:
        for name in functions:
            for key, value in declared[name].items():
                monkeypatch.setenv(key, value)
        for key, value in values.items():
            monkeypatch.setenv(key, value)

    return apply


@pytest.fixture
def world(lambda_handler, monkeypatch) -> Iterator[Any]:
    """The one world of the workflow tests (``tests/world.py``): moto with Step Functions executing, the root
    module's buckets, bus and topic, ``world.emulate(...)`` and ``world.deploy("<workflow>")`` from the built zips."""
    from moto import mock_aws

    from tests.world import World, faster_moto_interpreter

    with contextlib.ExitStack() as stack:
        stack.enter_context(faster_moto_interpreter())
        stack.enter_context(mock_aws(config={"stepfunctions": {"execute_state_machine": True}}))
        yield World(stack, lambda_handler, monkeypatch)
