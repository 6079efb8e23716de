"""Terraform planned by Terraform (1.11) through the local hashicorp/aws provider, checked with tftest.

The plans are the ones ``make validate`` made (``.cache/tfplan/<tree hash>/plans``, reused when the tree is
unchanged, planned here otherwise). Faults are injected into copies of the tree and must fail with Terraform's
own message.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import tftest

from contextual_targeting.core import endpoints, pinpoint_segments
from contextual_targeting.local import runtime
from contextual_targeting.tfcheck import Finding, iam
from contextual_targeting.tfcheck.tools import find_validate_terraform
from contextual_targeting.tfprovider import mirror
from contextual_targeting.tfprovider.plan import DESTINATION_INPUTS, Planner, Run, combinations, destinations, runs

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "iam_policy_document"
TOOLS_VENV = REPO_ROOT / ".venv-tools"
PREFIX = "contextual-targeting"
TERRAFORM, TERRAFORM_DETAIL = find_validate_terraform()

pytestmark = pytest.mark.skipif(TERRAFORM is None, reason=f"needs terraform >= 1.5 on PATH: {TERRAFORM_DETAIL}")

ALL_RUNS = [r.name for r in runs(REPO_ROOT)]
ROOT_RUNS = [r.name for r in runs(REPO_ROOT) if r.directory == "."]
EXAMPLE_RUNS = [r.name for r in runs(REPO_ROOT) if r.directory != "."]


@pytest.fixture(scope="module")
def planner() -> Planner:
    return Planner(REPO_ROOT, binary=TERRAFORM)


def planned(planner: Planner, name: str) -> tftest.TerraformPlanOutput:
    (run,) = [r for r in runs(REPO_ROOT) if r.name == name]
    planner.plan(run)
    assert not run.findings, "\n".join(map(str, run.findings))
    assert run.plan is not None
    return tftest.TerraformPlanOutput(run.plan)


def creates(plan: tftest.TerraformPlanOutput) -> dict[str, dict[str, Any]]:
    return {
        a: rc
        for a, rc in plan.resource_changes.items()
        if rc["mode"] == "managed" and rc["change"]["actions"] == ["create"]
    }


def count(plan: tftest.TerraformPlanOutput, type_name: str) -> int:
    return sum(1 for rc in creates(plan).values() if rc["type"] == type_name)


# ------------------------------------------------------------------------------------------------ provider basics
def test_the_destination_combinations_come_from_the_variable_validation() -> None:
    assert {"pinpoint", "ses"} <= set(destinations(REPO_ROOT))
    assert combinations(["ses", "pinpoint"]) == [[], ["pinpoint"], ["ses"], ["pinpoint", "ses"]]
    assert len(ROOT_RUNS) == 2 ** len(destinations(REPO_ROOT))
    assert {"root []", "root [pinpoint]", "root [ses]", "root [pinpoint, ses]"} <= set(ROOT_RUNS)
    assert {"examples/minimal", "examples/complete", "examples/ses-only"} <= set(EXAMPLE_RUNS)


def test_required_providers_admit_the_mirrored_version() -> None:
    """The mirror holds hashicorp/aws 6.69.1 alone, so a constraint that excludes it fails `terraform init`
    (the "provider constraint" fault below). Every directory declaring the provider is initialised by a test here:
    the root and the examples by their plans, each module by its `terraform test` file."""
    declaring = {
        path.parent.relative_to(REPO_ROOT).as_posix()
        for path in REPO_ROOT.glob("**/*.tf")
        if re.search(r"required_providers\s*\{", path.read_text())
        and not {".terraform", "tests", "build", "node_modules"} & set(path.relative_to(REPO_ROOT).parts)
        and not path.relative_to(REPO_ROOT).parts[0].startswith(".")
    }
    initialised = {r.directory for r in runs(REPO_ROOT)} | set(MODULE_TESTS)
    assert declaring and declaring <= initialised, sorted(declaring - initialised)


def test_apply_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
        'provider "aws" {\n  region = "eu-west-1"\n}\n'
        'resource "aws_sqs_queue" "q" {\n  name = "plan-only"\n}\n'
    )
    tf = tftest.TerraformTest(tmp_path, binary=TERRAFORM, env=mirror.terraform_env(mirror.build()))
    tf.setup(backend=False, cleanup_on_exit=False)
    plan = tf.plan(output=True, refresh=False)
    queue = plan.resource_changes["aws_sqs_queue.q"]["change"]
    assert queue["after"]["name"] == "plan-only"
    assert queue["after_unknown"]["arn"] is True and queue["after_unknown"]["url"] is True  # computed: unknown
    with pytest.raises(tftest.TerraformTestError) as raised:
        tf.apply(auto_approve=True)
    assert "plans, it never applies" in str(raised.value)


def test_iam_policy_documents_render_as_the_provider_documents_them(tmp_path: Path) -> None:
    """The provider's own documented examples (tests/fixtures/iam_policy_document/README.md), through a real plan."""
    shutil.copy2(FIXTURES / "main.tf", tmp_path / "main.tf")
    tf = tftest.TerraformTest(tmp_path, binary=TERRAFORM, env=mirror.terraform_env(mirror.build()))
    tf.setup(backend=False, cleanup_on_exit=False)
    rendered = tf.plan(output=True, refresh=False).outputs["json"]
    expected = {p.stem: p.read_text() for p in sorted((FIXTURES / "expected").glob("*.json"))}
    assert len(expected) == 7
    assert {name: rendered[name] for name in expected} == expected


# ------------------------------------------------------------------------------------------------ real plans
@pytest.mark.parametrize("name", ROOT_RUNS)
def test_resources_per_destination_combination(planner: Planner, name: str) -> None:
    plan = planned(planner, name)
    chosen = set(plan.variables["segment_destinations"])
    pinpoint, ses = "pinpoint" in chosen, "ses" in chosen
    # training + post-processing always; one workflow per chosen destination
    assert count(plan, "aws_sfn_state_machine") == 2 + len(chosen)
    assert count(plan, "aws_pinpoint_app") == int(pinpoint)
    assert count(plan, "aws_s3_bucket") == 2
    assert count(plan, "aws_cloudwatch_event_bus") == 1
    modules = {a.split(".aws_")[0].split(".data.")[0] for a in creates(plan)}
    assert any(m.startswith("module.pinpoint_import[0]") for m in modules) is pinpoint
    assert any(m.startswith("module.ses_destination[0]") for m in modules) is ses
    # every workflow function has its own log group with the configured retention
    functions = [rc for rc in creates(plan).values() if rc["type"] == "aws_lambda_function"]
    groups = {
        rc["change"]["after"]["name"]: rc["change"]["after"]
        for rc in creates(plan).values()
        if rc["type"] == "aws_cloudwatch_log_group"
    }
    for function in functions:
        name_ = function["change"]["after"]["function_name"]
        assert groups[f"/aws/lambda/{name_}"]["retention_in_days"] == 30


NAME_ATTRIBUTES = ("name", "bucket", "function_name", "name_prefix")
SCOPED_NAMES = {"aws_iam_role_policy"}  # an inline policy's name is unique within its role only


@pytest.mark.parametrize("name", ROOT_RUNS)
def test_name_prefix_is_in_every_physical_name(planner: Planner, name: str) -> None:
    plan = planned(planner, name)
    checked = 0
    for address, rc in creates(plan).items():
        if rc["type"] in SCOPED_NAMES:
            continue
        after = rc["change"]["after"]
        for attribute in NAME_ATTRIBUTES:
            value = after.get(attribute)
            if isinstance(value, str) and value:
                checked += 1
                assert PREFIX in value, f"{address}.{attribute} = {value!r} lacks the name prefix"
    assert checked >= 30


@pytest.mark.parametrize("name", ROOT_RUNS)
def test_tags_reach_every_taggable_resource(planner: Planner, name: str) -> None:
    plan = planned(planner, name)
    taggable = [
        rc
        for rc in creates(plan).values()
        if "tags_all" in rc["change"]["after"] or "tags_all" in rc["change"]["after_unknown"]
    ]
    assert len(taggable) >= 20
    for rc in taggable:
        tags_all = rc["change"]["after"].get("tags_all")
        assert tags_all is not None, f"{rc['address']}: tags_all unknown at plan"
        assert tags_all["Project"] == "contextual-targeting" and tags_all["NamePrefix"] == PREFIX, rc["address"]


# What the local runtime sets on purpose to other values than a deployment's (runtime.Settings): smaller chunks and
# fewer resolution threads so the sample exercises them, and a domain it creates where the plan names one. The
# plan's value is then the one the CLI and the core functions default to.
LOCAL_TUNABLES = {
    ("pinpoint_chunk_export", "CHUNK_SIZE"): str(pinpoint_segments.DEFAULT_CHUNK_SIZE),
    ("pinpoint_resolve_endpoints", "CONCURRENCY"): str(endpoints.DEFAULT_CONCURRENCY),
    ("pinpoint_resolve_endpoints", "CHANNEL_TYPE"): endpoints.DEFAULT_CHANNEL,
    ("connect_segment_prepare", "DOMAIN_NAME"): DESTINATION_INPUTS["connect"]["customer_profiles_domain_name"],
    ("connect_segment_profiles", "DOMAIN_NAME"): DESTINATION_INPUTS["connect"]["customer_profiles_domain_name"],
}


def test_the_local_runtime_deploys_the_planned_functions_with_the_planned_environment(planner: Planner) -> None:
    """The local runtime (and so the demo and every workflow test's world) deploys exactly the functions Terraform
    plans with every destination, under the same names, with the same environment variables holding the same values
    wherever the plan knows them (bucket names and the Pinpoint app id are only known after apply): a default
    changed in a module's variables.tf and not in local/runtime.py fails here."""
    everything = [r.name for r in runs(REPO_ROOT) if r.directory == "." and len(r.tf_vars["segment_destinations"]) == 3]
    plan = planned(planner, everything[0])
    prefix, region = plan.variables["name_prefix"], "eu-west-1"  # the plan's provider block
    planned_functions = {}
    for rc in creates(plan).values():
        if rc["type"] == "aws_lambda_function":
            after, unknown = rc["change"]["after"], rc["change"]["after_unknown"]
            known = after["environment"][0]["variables"]
            pending = set(((unknown.get("environment") or [{}])[0] or {}).get("variables") or {})
            planned_functions[after["function_name"]] = (Path(after["filename"]).stem, known, pending)
    settings = runtime.Settings(name_prefix=prefix, pinpoint=True, ses=True, connect=True)
    local = {f.name: f for spec in runtime.workflow_specs(settings) for f in spec.functions}
    assert set(local) == set(planned_functions)
    compared = 0
    for name, function in local.items():
        package, known, pending = planned_functions[name]
        assert function.function == package, name
        assert set(function.env) == set(known) | pending, name
        for variable, value in known.items():
            if (function.function, variable) in LOCAL_TUNABLES:
                assert value == LOCAL_TUNABLES[function.function, variable], f"{name}: {variable}"
                continue
            # the local runtime's ARNs name its own region
            assert function.env[variable].replace(runtime.REGION, region) == value, f"{name}: {variable}"
            compared += 1
    assert compared >= 80


@pytest.mark.parametrize("name", ROOT_RUNS)
def test_outputs_follow_the_destinations(planner: Planner, name: str) -> None:
    plan = planned(planner, name)
    chosen = set(plan.variables["segment_destinations"])
    outputs = plan._raw["output_changes"]
    assert outputs["event_bus_name"]["after"] == f"{PREFIX}-bus"
    assert outputs["powertools_layer_arn"]["after"].startswith("arn:aws:lambda:eu-west-1:017000801446:layer:")
    for output, destination in (
        ("pinpoint_application_id", "pinpoint"),
        ("pinpoint_import_state_machine_arn", "pinpoint"),
        ("ses_destination_state_machine_arn", "ses"),
        ("ses_contact_list_name", "ses"),
        ("connect_destination_state_machine_arn", "connect"),
    ):
        known_null = outputs[output].get("after") is None and not outputs[output]["after_unknown"]
        assert known_null is (destination not in chosen), output
    if "ses" in chosen:
        assert outputs["ses_contact_list_name"]["after"] == f"{PREFIX}-segments"


@pytest.mark.parametrize("name", EXAMPLE_RUNS)
def test_every_example_plans(planner: Planner, name: str) -> None:
    plan = planned(planner, name)
    assert count(plan, "aws_sfn_state_machine") >= 2
    assert creates(plan)


MODULE_TESTS = sorted(
    p.parent.parent.relative_to(REPO_ROOT).as_posix() for p in REPO_ROOT.glob("modules/*/tests/*.tftest.hcl")
)


@pytest.mark.parametrize("module", MODULE_TESTS)
def test_module_terraform_test_files_pass(planner: Planner, module: str) -> None:
    """The `terraform test` files (command = plan) shipped with the modules, for users who keep their own estates."""
    findings, output = planner.terraform_test(module)
    assert findings == [], output
    assert re.search(r"Success! \d+ passed, 0 failed", output), output


# ------------------------------------------------------------------------------------------------ IAM on the plan
def _policies(plan: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every policy JSON the plan knows: rendered documents (data sources read at plan) and resource policies."""
    found: list[tuple[str, dict[str, Any]]] = []

    def walk(module: dict[str, Any]) -> None:
        for resource in module.get("resources", []):
            if resource["type"] == "aws_iam_policy_document":
                found.append((resource["address"], json.loads(resource["values"]["json"])))
        for child in module.get("child_modules", []):
            walk(child)

    walk(plan.get("prior_state", {}).get("values", {}).get("root_module", {}))
    for rc in plan["resource_changes"]:
        after = rc["change"].get("after") or {}
        for attribute in ("policy", "assume_role_policy"):
            if isinstance(after.get(attribute), str) and after[attribute].startswith("{"):
                found.append((f"{rc['address']}.{attribute}", json.loads(after[attribute])))
    return found


def _as_policy(address: str, document: dict[str, Any]) -> iam.Policy:
    tf = SimpleNamespace(rel=address, block_span=lambda header: None)
    return iam.Policy(decl=SimpleNamespace(tf=tf, line=1, header=""), address=address, document=document)  # type: ignore[arg-type]


def test_rendered_policies_pass_parliament_and_the_wildcard_list(planner: Planner) -> None:
    python = TOOLS_VENV / "bin" / "python"
    if not python.exists():
        pytest.skip("parliament lives in .venv-tools (make validate creates it)")
    policies = [
        _as_policy(address, doc) for name in ALL_RUNS for address, doc in _policies(planned(planner, name)._raw)
    ]
    assert len(policies) >= 60
    findings: list[Finding] = []
    iam.check_wildcards(policies, iam.wildcard_actions(REPO_ROOT), findings)
    iam.run_parliament(policies, python, findings)
    assert findings == []


def test_checkov_passes_on_the_plan_json(planner: Planner, tmp_path: Path) -> None:
    """checkov's terraform_plan framework on the fullest plan; every failure must be a check the source skips."""
    checkov = TOOLS_VENV / "bin" / "checkov"
    if not checkov.exists():
        pytest.skip("checkov lives in .venv-tools (make validate creates it)")
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(planned(planner, ROOT_RUNS[-1])._raw))  # every destination
    proc = subprocess.run(
        [
            str(checkov),
            "-f",
            str(plan_file),
            "--framework",
            "terraform_plan",
            "--compact",
            "-o",
            "json",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(proc.stdout)
    results = (report[0] if isinstance(report, list) else report)["results"]
    assert results["passed_checks"]
    skipped_in_source = set(
        re.findall(r"checkov:skip=([A-Z0-9_]+)", "".join(p.read_text() for p in REPO_ROOT.glob("modules/*/*.tf")))
    )
    unexplained = sorted(
        {(c["check_id"], c["resource"]) for c in results["failed_checks"] if c["check_id"] not in skipped_in_source}
    )
    assert unexplained == []


# ------------------------------------------------------------------------------------------------ injected faults
def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    for path in REPO_ROOT.glob("*.tf"):
        shutil.copy2(path, tree / path.name)
    for name in ("modules", "examples", "statemachines"):
        shutil.copytree(REPO_ROOT / name, tree / name, ignore=shutil.ignore_patterns(".terraform*"))
    (tree / "build").symlink_to(REPO_ROOT / "build", target_is_directory=True)
    return tree


EVENTS = "modules/events/main.tf"
STORAGE = "modules/storage/main.tf"
TOPIC_NAME = '  name              = "${var.name_prefix}-notifications"\n'
EVENTS_CALL = 'module "events" {\n  source = "./modules/events"\n'
TAGS_LINE = "  kms_key_identifier = var.kms_key_arn\n  tags               = var.tags\n"
# fault: (file, text in it, what replaces the text, Terraform's message). Each is what a hand edit gets wrong; the
# offline checker used to look for most of these itself (tests/terraform/test_tfcheck_faults.py keeps the rest).
FAULTS = {
    "unknown argument": (
        EVENTS,
        TOPIC_NAME,
        TOPIC_NAME + "  bogus_argument    = true\n",
        'An argument named "bogus_argument" is not expected here.',
    ),
    "unknown argument in a nested block": (
        STORAGE,
        "      kms_master_key_id = var.kms_key_arn\n",
        '      kms_master_key_id = var.kms_key_arn\n      kms_key           = "x"\n',
        'An argument named "kms_key" is not expected here.',
    ),
    "unknown argument in a dynamic block": (
        "modules/segment_postprocessing/iam.tf",
        '  dynamic "statement" {',
        '  dynamic "statement" {\n    bogus = 1',
        'An argument named "bogus" is not expected here.',
    ),
    "unknown provider block": (
        "providers.tf",
        "  default_tags {",
        "  default_tagz {",
        'Blocks of type "default_tagz" are not expected here.',
    ),
    "missing required argument": (
        EVENTS,
        '  name               = "${var.name_prefix}-bus"\n',
        "",
        'The argument "name" is required, but no definition was found.',
    ),
    "misspelled resource type": (
        EVENTS,
        'resource "aws_sns_topic" "notifications" {',
        'resource "aws_sns_topik" "notifications" {',
        'The provider hashicorp/aws does not support resource type "aws_sns_topik".',
    ),
    "undeclared variable": (
        EVENTS,
        TAGS_LINE,
        TAGS_LINE.replace("var.tags", "var.not_declared"),
        'An input variable with the name "not_declared" has not been declared.',
    ),
    "undeclared resource": (
        EVENTS,
        TAGS_LINE,
        TAGS_LINE.replace("var.tags", "{ a = aws_s3_bucket.nope.arn }"),
        'A managed resource "aws_s3_bucket" "nope" has not been declared in module.events.',
    ),
    "module call with an undeclared variable": (
        "main.tf",
        EVENTS_CALL,
        EVENTS_CALL + '  not_a_variable = "x"\n',
        'An argument named "not_a_variable" is not expected here.',
    ),
    "module call missing a required variable": (
        "main.tf",
        EVENTS_CALL + "\n  name_prefix                  = var.name_prefix\n",
        EVENTS_CALL + "\n",
        'The argument "name_prefix" is required, but no definition was found.',
    ),
    "reference to a missing module output": (
        "outputs.tf",
        "  value       = module.events.event_bus_arn\n",
        "  value       = module.events.no_such_output\n",
        'This object does not have an attribute named "no_such_output".',
    ),
    "block where an attribute is expected": (
        EVENTS,
        '  kms_master_key_id = coalesce(var.kms_key_arn, "alias/aws/sns")\n  tags              = var.tags\n',
        '  kms_master_key_id = coalesce(var.kms_key_arn, "alias/aws/sns")\n  tags {\n    a = "b"\n  }\n',
        'Blocks of type "tags" are not expected here.',
    ),
    "wrong type": (
        EVENTS,
        TOPIC_NAME,
        TOPIC_NAME + '  fifo_topic        = "yes please"\n',
        'Inappropriate value for attribute "fifo_topic": a bool is required.',
    ),
    "invalid for_each key": (
        EVENTS,
        'resource "aws_sns_topic_subscription" "email" {\n  for_each = toset(var.notification_emails)',
        'resource "aws_sns_topic_subscription" "email" {\n  for_each = toset([aws_sns_topic.notifications.arn])',
        'The "for_each" set includes values derived from resource attributes that cannot be determined until apply',
    ),
    "unparsable file": (
        "modules/events/outputs.tf",
        'output "event_bus_name" {',
        'output "broken" {\n  value = [1, 2\n}\n\noutput "event_bus_name" {',
        "Missing item separator",
    ),
    "provider constraint excluding the mirrored version": (
        "versions.tf",
        '      version = "~> 6.0"',
        '      version = "~> 5.0"',
        "no available releases match the given constraints",
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_injected_fault_fails_with_terraforms_own_message(fault: str, tmp_path: Path) -> None:
    relative, old, new, message = FAULTS[fault]
    tree = _copy(tmp_path)
    path = tree / relative
    text = path.read_text()
    assert old in text, f"the fault's anchor moved in {relative}"
    path.write_text(text.replace(old, new, 1))
    planner = Planner(tree, cache=tmp_path / "cache", binary=TERRAFORM)
    findings, _seconds = planner.init_and_validate(".")
    if not findings:  # what only a plan shows (unknown for_each keys)
        run = Run("root []", ".", {"segment_destinations": []})
        findings = planner.plan(run).findings
    shown = " ".join(" ".join(f.message.split()) for f in findings)
    assert " ".join(message.split()) in shown, [str(f) for f in findings]
    assert any(f.path in (relative, ".") for f in findings), [str(f) for f in findings]
