"""validate-tf positives: the schema the local provider serves knows hashicorp/aws 6.x, the real tree passes,
terraform plans are skipped with one line (and the offline checks still run) where no terraform >= 1.5 exists."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from contextual_targeting.tfcheck import tools
from contextual_targeting.tfcheck.hcl import code_mask
from contextual_targeting.tfprovider import PROVIDER_VERSION
from contextual_targeting.tfprovider import schema as provider_schema

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The schema the local provider serves to Terraform (converted from the cdktn-provider-aws manifest)."""
    return provider_schema.load()


def test_schema_tracks_provider_6(schema: dict[str, Any]) -> None:
    assert PROVIDER_VERSION.startswith("6.")
    assert provider_schema.wheel_version(provider_schema.find_manifest()) == "25.8.1"
    # 6.x: every regional resource takes `region`
    assert "region" in schema["resource_schemas"]["aws_s3_bucket"]["attributes"]


def test_schema_resource_arguments_and_required(schema: dict[str, Any]) -> None:
    bucket = schema["resource_schemas"]["aws_s3_bucket"]["attributes"]
    assert {"bucket", "force_destroy", "tags"} <= set(bucket)
    assert not any(a.get("required") for a in bucket.values())  # nothing required on a bucket
    sfn = schema["resource_schemas"]["aws_sfn_state_machine"]
    assert {name for name, a in sfn["attributes"].items() if a.get("required")} == {"definition", "role_arn"}
    assert "logging_configuration" in sfn["block_types"]
    assert sfn["attributes"]["arn"] == {"computed": True, "type": "string"}
    rule = schema["resource_schemas"]["aws_s3_bucket_lifecycle_configuration"]["block_types"]["rule"]["block"]
    assert rule["attributes"]["status"]["required"] is True
    assert "abort_incomplete_multipart_upload" in rule["block_types"]


def test_schema_data_sources(schema: dict[str, Any]) -> None:
    document = schema["data_source_schemas"]["aws_iam_policy_document"]
    statement = document["block_types"]["statement"]["block"]
    assert {"actions", "resources", "effect", "sid"} <= set(statement["attributes"])
    assert {"principals", "condition"} <= set(statement["block_types"])
    assert document["attributes"]["json"]["computed"] is True
    assert "account_id" in schema["data_source_schemas"]["aws_caller_identity"]["attributes"]


def test_schema_cache_is_keyed_by_wheel_version(schema: dict[str, Any]) -> None:
    wheel = provider_schema.wheel_version(provider_schema.find_manifest())
    assert (provider_schema.default_cache_dir() / f"aws-schema-{wheel}.json").exists()


def test_code_mask_keeps_interpolations_only() -> None:
    text = 'a = "x ${var.y} $${var.z}" # var.c\nb = <<EOT\nvar.d ${local.e}\nEOT\n'
    mask = code_mask(text)
    assert "var.y" in mask and "local.e" in mask
    assert "var.z" not in mask and "var.c" not in mask and "var.d" not in mask
    assert mask.count("\n") == text.count("\n")


def test_no_terraform_means_no_plan_and_a_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing named terraform here
    assert tools.find_validate_terraform() == (None, "no terraform >= 1.5 on PATH")


def test_old_terraform_is_not_used_for_plans(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "terraform"
    fake.write_text("#!/bin/sh\necho 'Terraform v1.4.7'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    binary, reason = tools.find_validate_terraform()
    assert binary is None and reason == f"{fake} is 1.4.7, need >= 1.5"


def test_validate_tf_falls_back_to_the_offline_checks_without_terraform(monkeypatch: pytest.MonkeyPatch) -> None:
    from contextual_targeting.tfcheck.runner import Options, run

    monkeypatch.setattr(
        "contextual_targeting.tfcheck.runner.find_validate_terraform", lambda: (None, "no terraform >= 1.5 on PATH")
    )
    result = run(Options(root=REPO_ROOT, skip_checkov=True, skip_parliament=True, skip_fmt=True))
    assert result.findings == []
    assert (
        "terraform init/validate/plan: skipped (no terraform >= 1.5 on PATH); only the template wiring, IAM and "
        "security checks ran — arguments, types and references are checked by terraform alone" in result.notes
    )


@pytest.mark.slow
def test_real_tree_passes_validate_tf() -> None:
    """What `make validate` runs, through the CLI, minus checkov: `make test` runs `make validate` (checkov included)
    before pytest, and test_public_read_bucket_acl_checkov[real] runs checkov on a copy of the tree and accepts
    nothing but the injected fault — repeating a whole-tree checkov scan here would only double the suite's time."""
    if not (REPO_ROOT / ".venv-tools" / "bin" / "checkov").exists():
        proc = subprocess.run(["make", ".venv-tools/.stamp"], cwd=REPO_ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"could not create .venv-tools: {proc.stderr.strip()[-300:]}")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "contextual_targeting.cli",
            "validate-tf",
            "--tools-venv",
            str(REPO_ROOT / ".venv-tools"),
            "--skip-checkov",
            "--skip-terraform",  # the plans: tests/terraform/test_plan.py (reusing what make validate planned)
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "validate-tf: OK" in proc.stdout
    assert "terraform validate: skipped (--skip-terraform)" in proc.stdout.splitlines()
    assert "iam lint: " in proc.stdout and "checkov: skipped (--skip-checkov)" in proc.stdout


def test_schema_provider_block(schema: dict[str, Any]) -> None:
    assert {"region", "allowed_account_ids"} <= set(schema["provider"]["attributes"])
    assert "tags" in schema["provider"]["block_types"]["default_tags"]["block"]["attributes"]


def test_security_report_lists_counts_and_skip_reasons(tmp_path: Path) -> None:
    from contextual_targeting.tfcheck.security import CheckovReport, write_report

    skipped = {
        "check_id": "CKV_AWS_18",
        "check_name": "Ensure the S3 bucket has access logging enabled",
        "check_result": {"result": "SKIPPED", "suppress_comment": "access logs go to CloudTrail data events"},
        "file_path": "/modules/storage/main.tf",
        "resource": 'module.storage.aws_s3_bucket.this["data"]',
    }
    failed = {**skipped, "check_id": "CKV_AWS_21", "check_name": "versioning", "check_result": {"result": "FAILED"}}
    report = CheckovReport(version="3.3.30", passed=12, failed=[failed], skipped=[skipped, dict(skipped)])
    path = tmp_path / "docs" / "security.md"
    write_report(report, path)
    text = path.read_text()
    assert "| 12 | 1 | 2 |" in text
    assert (
        '| CKV_AWS_18 Ensure the S3 bucket has access logging enabled | `aws_s3_bucket.this["data"]` | '
        "`modules/storage/main.tf` | access logs go to CloudTrail data events |" in text
    )
    assert text.count("| CKV_AWS_18 ") == 1  # the same skip in two module instances is one row
    assert '| CKV_AWS_21 versioning | `aws_s3_bucket.this["data"]` | `modules/storage/main.tf` |' in text


def test_validate_tf_root_defaults_to_the_current_directorys_repository(tmp_path: Path) -> None:
    from contextual_targeting.commands.validate_tf import current_repository

    repo = tmp_path / "their-repo"
    (repo / "modules" / "x").mkdir(parents=True)
    (repo / ".git").write_text("gitdir: /elsewhere\n")  # a git worktree's .git is a file
    assert current_repository(repo / "modules" / "x") == repo
    outside = tmp_path / "no-repo"
    outside.mkdir()
    assert current_repository(outside) in (outside, *outside.parents)
    assert current_repository(outside) != repo
