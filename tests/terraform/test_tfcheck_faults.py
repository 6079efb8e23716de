"""`make validate` fails on the mistakes Terraform does not catch: each fault is injected alone into a copy of a tree.

What Terraform catches — unknown arguments and blocks (nested, dynamic, the provider's), missing required arguments
and module variables, misspelled resource types, undeclared variables and resources, missing module outputs,
provider constraints that exclude the mirrored version, unparsable files — is injected into a copy of the real
tree in ``tests/terraform/test_plan.py`` (``FAULTS``) and must fail with Terraform's own message. What stays here:
ASL template wiring, the IAM lint, the security checks, and the parse error our own HCL reading reports. Faults run
against the fixture tree (tests/fixtures/tf, always) and against a copy of the real tree (when its modules exist).
The validator's Python entry point is called in-process; findings must name file, line and block.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from contextual_targeting.tfcheck import Finding
from contextual_targeting.tfcheck.runner import Options, run

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE = REPO_ROOT / "tests" / "fixtures" / "tf"
TOOLS_VENV = REPO_ROOT / ".venv-tools"


def _real_tree_exists() -> bool:
    return (REPO_ROOT / "main.tf").exists() and any((REPO_ROOT / "modules").glob("*/main.tf"))


TREES = ["fixture", pytest.param("real", marks=pytest.mark.skipif(not _real_tree_exists(), reason="no modules yet"))]


def copy_tree(source: Path, dest: Path, examples: bool = True) -> Path:
    """Only what the validator reads: *.tf at the top, modules/, examples/, statemachines/, docs/iam-wildcards.md."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in source.glob("*.tf"):
        shutil.copy2(path, dest / path.name)
    for name in ("modules", "examples", "statemachines") if examples else ("modules", "statemachines"):
        if (source / name).is_dir():
            shutil.copytree(source / name, dest / name, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    if (source / "docs" / "iam-wildcards.md").exists():
        (dest / "docs").mkdir(exist_ok=True)
        shutil.copy2(source / "docs" / "iam-wildcards.md", dest / "docs" / "iam-wildcards.md")
    return dest


@pytest.fixture(scope="session")
def tools_venv() -> Path:
    """.venv-tools with checkov and parliament (created through the Makefile if missing)."""
    if not (TOOLS_VENV / ".stamp").exists():
        proc = subprocess.run(["make", ".venv-tools/.stamp"], cwd=REPO_ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"could not create .venv-tools: {proc.stderr.strip()[-300:]}")
    return TOOLS_VENV


@pytest.fixture
def tree(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    source = FIXTURE if request.param == "fixture" else REPO_ROOT
    return copy_tree(source, tmp_path / "tree")


def validate(root: Path, tools: Path | None = None, checkov: bool = False) -> list[Finding]:
    options = Options(
        root=root,
        tools_venv=tools,
        skip_checkov=not checkov,
        skip_parliament=tools is None,
        skip_terraform=True,
        skip_fmt=True,  # not a fault under test; keeps the suite fast
    )
    return run(options).findings


def tf_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.tf"))


def find_block(root: Path, kind: str, predicate: Callable[[str, str], bool]) -> tuple[Path, int, str, str]:
    """First ``kind "type" "name" {`` header matching ``predicate(type, name)``: file, 1-based line, type, name."""
    for path in tf_files(root):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = re.match(rf'^{kind} "([a-z0-9_]+)" "([A-Za-z0-9_-]+)" \{{', line)
            if match and predicate(match.group(1), match.group(2)):
                return path, number, match.group(1), match.group(2)
    raise AssertionError(f"no {kind} block to inject into")


def insert_after(path: Path, line: int, text: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(line, text + "\n")
    path.write_text("".join(lines))


def assert_finding(findings: list[Finding], root: Path, path: Path, check: str, *needles: str, line: int | None = None):
    rel = path.relative_to(root).as_posix()
    hits = [f for f in findings if f.path == rel and f.check == check and all(n in f.message for n in needles)]
    assert hits, f"no [{check}] finding in {rel} containing {needles}; got:\n" + "\n".join(map(str, findings))
    if line is not None:
        assert any(f.line == line for f in hits), f"expected line {line}: {[str(f) for f in hits]}"
    assert all(str(f).startswith(f"{rel}:{f.line}: [{check}] ") for f in hits)
    return hits


# ------------------------------------------------------------------ the unmodified trees pass


@pytest.mark.parametrize("tree", TREES, indirect=True)
def test_unmodified_tree_has_no_findings(tree: Path) -> None:
    assert validate(tree) == []


# ------------------------------------------------------------------ pure-Python faults


@pytest.mark.parametrize("tree", TREES, indirect=True)
def test_template_placeholder_not_supplied(tree: Path) -> None:
    for path in tf_files(tree):
        text = path.read_text()
        match = re.search(r'templatefile\("\$\{path\.module\}/([^"$]+)"', text)
        if not match:
            continue
        template = (path.parent / match.group(1)).resolve()
        document = json.loads(template.read_text())
        document["Comment"] = str(document.get("Comment", "")) + " ${injected_placeholder}"
        template.write_text(json.dumps(document, indent=2))
        line = text[: match.start()].count("\n") + 1
        findings = validate(tree)
        hits = assert_finding(findings, tree, path, "template", "not supplied: injected_placeholder", line=line)
        # the message names the block holding the templatefile() call
        headers = re.findall(r'(?m)^(resource|data|locals|module|output)((?: "[^"]+")*) \{', text[: match.start()])
        kind, labels = headers[-1]
        names = re.findall(r'"([^"]+)"', labels)
        address = ".".join(names) if kind == "resource" else ".".join([kind, *names])
        assert hits[0].message.startswith(f"{address}: templatefile("), hits[0]
        return
    if tree.parent.name.startswith("test_template_placeholder_not_supplied_real"):
        pytest.skip("the real tree has no templatefile() call yet")
    raise AssertionError("no templatefile() call")


def _add_public_acl(tree: Path) -> tuple[Path, int]:
    path, _line, _type, name = find_block(tree, "resource", lambda t, _n: t == "aws_s3_bucket")
    text = path.read_text()
    index = re.search(rf'^resource "aws_s3_bucket" "{name}" \{{\n(  for_each|  count)', text, re.M)
    ref = f"aws_s3_bucket.{name}" + ("[keys(aws_s3_bucket." + name + ")[0]]" if index else "")
    acl_line = text.count("\n") + 4
    path.write_text(
        text + f'\nresource "aws_s3_bucket_acl" "public" {{\n  bucket = {ref}.id\n  acl    = "public-read"\n}}\n'
    )
    return path, acl_line


@pytest.mark.parametrize("tree", TREES, indirect=True)
def test_public_read_bucket_acl_pure_python(tree: Path) -> None:
    path, acl_line = _add_public_acl(tree)
    findings = validate(tree)
    assert_finding(findings, tree, path, "s3-public-acl", "aws_s3_bucket_acl.public", "public-read", line=acl_line)


def test_checkov_skip_without_reason(tmp_path: Path) -> None:
    tree = copy_tree(FIXTURE, tmp_path / "tree")
    path = tree / "modules" / "app" / "main.tf"
    text = path.read_text().replace(
        "#checkov:skip=CKV_AWS_18:fixture bucket, access logging is out of scope", "#checkov:skip=CKV_AWS_18"
    )
    path.write_text(text)
    line = next(i for i, ln in enumerate(text.splitlines(), start=1) if ln.strip() == "#checkov:skip=CKV_AWS_18")
    assert_finding(validate(tree), tree, path, "checkov-skip", "needs a reason", line=line)


def test_unparsable_file_is_reported_with_its_line(tmp_path: Path) -> None:
    tree = copy_tree(FIXTURE, tmp_path / "tree")
    path = tree / "modules" / "app" / "outputs.tf"
    path.write_text(path.read_text() + '\noutput "broken" {\n  value = [1, 2\n}\n')
    hits = assert_finding(validate(tree), tree, path, "hcl-parse")
    assert hits[0].line >= 10


# ------------------------------------------------------------------ faults that need the tools venv


@pytest.mark.slow
@pytest.mark.parametrize("source", TREES)
def test_public_read_bucket_acl_checkov(source: str, tools_venv: Path, tmp_path: Path) -> None:
    # examples/ left out: they instantiate the root module again and would triple checkov's work
    tree = copy_tree(FIXTURE if source == "fixture" else REPO_ROOT, tmp_path / "tree", examples=False)
    path, _acl_line = _add_public_acl(tree)
    findings = validate(tree, tools_venv, checkov=True)
    # checkov reports CKV_AWS_20 on the bucket the ACL applies to
    hits = [f for f in findings if f.check == "checkov" and "CKV_AWS_20" in f.message]
    assert hits, "\n".join(map(str, findings))
    # and nothing else: the rest of the tree passes checkov (the same run doubles as the real tree's checkov pass)
    assert {f.check for f in findings} == {"checkov", "s3-public-acl"}, "\n".join(map(str, findings))
    assert all("CKV_AWS_20" in f.message for f in findings if f.check == "checkov"), "\n".join(map(str, findings))
    assert hits[0].path == path.relative_to(tree).as_posix()


@pytest.mark.parametrize("tree", TREES, indirect=True)
def test_iam_action_that_does_not_exist(tree: Path, tools_venv: Path) -> None:
    for path in tf_files(tree):
        text = path.read_text()
        for match in re.finditer(r'data "aws_iam_policy_document" "([A-Za-z0-9_-]+)" \{', text):
            body_end = text.find("\n}", match.end())
            actions = re.compile(r'actions\s*=\s*\[\s*"').search(text, match.end(), body_end)
            if not actions or "sts:" in text[actions.end() : actions.end() + 20]:
                continue
            text = text[: actions.end()] + 's3:GetObjectz", "' + text[actions.end() :]
            path.write_text(text)
            line = text[: actions.end()].count("\n") + 1
            findings = validate(tree, tools_venv)
            assert_finding(
                findings,
                tree,
                path,
                "iam",
                f"data.aws_iam_policy_document.{match.group(1)}",
                "UNKNOWN_ACTION",
                "s3:GetObjectz",
                line=line,
            )
            return
    raise AssertionError("no policy document")


def test_resource_star_needs_listing(tmp_path: Path) -> None:
    tree = copy_tree(FIXTURE, tmp_path / "tree")
    path = tree / "modules" / "app" / "main.tf"
    path.write_text(
        path.read_text().replace('actions   = ["xray:PutTraceSegments"]', 'actions   = ["s3:ListAllMyBuckets"]')
    )
    assert_finding(
        validate(tree),
        tree,
        path,
        "iam",
        "data.aws_iam_policy_document.workflow",
        "s3:ListAllMyBuckets",
        'Resource "*"',
    )


def test_extra_template_variable_and_missing_template(tmp_path: Path) -> None:
    tree = copy_tree(FIXTURE, tmp_path / "tree")
    path = tree / "modules" / "app" / "main.tf"
    path.write_text(
        path.read_text().replace("    poll_seconds = var.poll_seconds\n", "    poll_seconds = 1\n    extra = 2\n")
    )
    assert_finding(validate(tree), tree, path, "template", "aws_sfn_state_machine.work", "unused variable(s): extra")
    path.write_text(path.read_text().replace("work.asl.json", "missing.asl.json"))
    assert_finding(validate(tree), tree, path, "template", "no template file", "missing.asl.json")
