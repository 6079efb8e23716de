"""modules/pinpoint_import IAM: the properties the issue asks for, read from the module's own policy documents."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from contextual_targeting.tfcheck import iam
from contextual_targeting.tfcheck.wiring import load_module

REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / "modules/pinpoint_import"


@pytest.fixture(scope="module")
def policies() -> dict[str, list[dict[str, Any]]]:
    module = load_module(MODULE, REPO, [])
    return {p.address.rsplit(".", 1)[-1]: p.document["Statement"] for p in iam.collect(module)}


def test_pinpoint_may_assume_the_import_role_only_for_this_account_and_app(policies) -> None:
    (trust,) = policies["import_trust"]
    assert trust["Principal"] == {"Service": ["pinpoint.amazonaws.com"]}
    assert set(trust["Condition"]) == {"StringEquals", "ArnLike"}
    assert "aws:SourceAccount" in trust["Condition"]["StringEquals"]
    assert "aws:SourceArn" in trust["Condition"]["ArnLike"]
    text = (MODULE / "main.tf").read_text()
    # the values behind the rendered placeholders: this account, the app ARN (and its sub-resources)
    assert re.search(
        r'app_resource_arns\s+= \[var.pinpoint_application_arn, "\$\{var.pinpoint_application_arn\}/\*"\]', text
    )


def test_the_import_role_only_reads_the_import_prefix(policies) -> None:
    actions = {a for statement in policies["import"] for a in statement["Action"]}
    assert actions == {"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "kms:Decrypt"}
    text = (MODULE / "main.tf").read_text()
    assert re.search(r'import_objects_arn\s+= "\$\{var.segment_bucket_arn\}/\$\{var.segment_import_prefix\}\*"', text)
    listing = next(s for s in policies["import"] if s["Action"] == ["s3:ListBucket"])
    assert "s3:prefix" in listing["Condition"]["StringLike"]


def test_the_state_machine_passes_the_import_role_to_pinpoint_only(policies) -> None:
    statements = policies["state_machine"]
    (pass_role,) = [s for s in statements if "iam:PassRole" in s["Action"]]
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": ["pinpoint.amazonaws.com"]}}
    assert pass_role["Resource"] == ["arn:aws:iam::123456789012:role/placeholder"]  # a role ARN, not "*"


def test_only_tracing_and_log_delivery_use_wildcard_resources(policies) -> None:
    for name, statements in policies.items():
        for statement in statements:
            if "*" in statement.get("Resource", []):
                services = {action.split(":")[0] for action in statement["Action"]}
                assert services <= {"xray", "logs"}, (name, statement)
            for action in statement["Action"]:
                assert not (action.startswith("mobiletargeting:") and statement.get("Resource") == ["*"]), name


def test_the_starter_may_start_only_this_state_machine() -> None:
    # The start function comes from the shared trigger module: its role may start the one state machine passed in,
    # and this module passes its own.
    trigger = load_module(REPO / "modules/workflow_trigger", REPO, [])
    policies = {p.address.rsplit(".", 1)[-1]: p.document["Statement"] for p in iam.collect(trigger)}
    (start,) = [s for s in policies["start"] if "states:StartExecution" in s["Action"]]
    assert start["Action"] == ["states:StartExecution"] and start["Resource"] != ["*"]
    assert re.search(r"resources\s+= \[var.state_machine_arn\]", (trigger.directory / "main.tf").read_text())
    call = re.search(r'module "trigger" \{[^}]*source\s+= "../workflow_trigger"', (MODULE / "main.tf").read_text())
    assert call and re.search(r"state_machine_arn\s+= local.state_machine_arn\n", call.string[call.start() :])
