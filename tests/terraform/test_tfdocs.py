"""The generated inputs/outputs tables (terraform-docs style) match the Terraform they describe."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextual_targeting import tfdocs

ROOT = Path(__file__).resolve().parents[2]
GENERATED = [
    ROOT,
    ROOT / "modules/storage",
    ROOT / "modules/events",
    ROOT / "examples/minimal",
    ROOT / "examples/complete",
]


@pytest.mark.parametrize("directory", GENERATED, ids=lambda d: "root" if d == ROOT else str(d.relative_to(ROOT)))
def test_generated_tables_are_current(directory: Path) -> None:
    current, fresh = tfdocs.updated_readme(directory)
    assert current == fresh, (
        f"{tfdocs.readme_path(directory)} is stale: run `.venv/bin/python -m contextual_targeting.tfdocs` and commit"
    )


def test_render_lists_every_variable_and_output_with_required_flag(tmp_path: Path) -> None:
    (tmp_path / "variables.tf").write_text(
        'variable "needed" {\n  description = "A | pipe"\n  type = list(string)\n}\n'
        'variable "optional" {\n  description = "Has a default"\n  type = string\n  default = null\n}\n'
    )
    (tmp_path / "outputs.tf").write_text('output "arn" {\n  description = "The ARN."\n  value = "x"\n}\n')
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "this" {\n  bucket = "b"\n}\n')
    text = tfdocs.render(tmp_path)
    assert "| needed | A \\| pipe | `list(string)` | n/a | yes |" in text
    assert "| optional | Has a default | `string` | `null` | no |" in text
    assert "| arn | The ARN. |" in text
    assert "| `aws_s3_bucket.this` | resource |" in text
    # required inputs come first, like terraform-docs
    assert text.index("| needed |") < text.index("| optional |")


def test_check_mode_reports_a_stale_readme_without_rewriting_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "outputs.tf").write_text('output "id" {\n  description = "Id."\n  value = "x"\n}\n')
    readme = tmp_path / "README.md"
    readme.write_text(f"# m\n\n{tfdocs.BEGIN}\nold table\n{tfdocs.END}\n")
    assert tfdocs.main(["--check", str(tmp_path)]) == 1
    assert "old table" in readme.read_text()
    assert "stale" in capsys.readouterr().out
    assert tfdocs.main([str(tmp_path)]) == 0
    assert "| id | Id. |" in readme.read_text()
    assert tfdocs.main(["--check", str(tmp_path)]) == 0


def test_missing_markers_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("locals {}\n")
    (tmp_path / "README.md").write_text("# no markers\n")
    with pytest.raises(ValueError, match="BEGIN_TF_DOCS"):
        tfdocs.updated_readme(tmp_path)
