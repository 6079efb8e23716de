"""Structural properties of the Terraform tree that would catch regressions (python-hcl2, no provider needed).

The base modules (root, modules/storage, modules/events) are checked in detail; the conventions every module
follows (files, typed and described variables, name_prefix in physical names, no hard-coded partitions or account
ids) are checked across the whole tree so a new module is held to them too.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP_PARTS = {".venv", ".venv-tools", "node_modules", "build", ".terraform", "fixtures", ".cache"}
META = {"__is_block__", "__comments__", "__inline_comments__", "__start_line__", "__end_line__"}

# AWS's public Powertools for AWS Lambda layer publisher accounts (aws, aws-cn): not this deployment's account.
PUBLIC_ACCOUNT_IDS = {"017000801446", "498634801083"}

BASE_ROOT_VARIABLES = {
    "name_prefix", "region", "tags", "notification_emails", "kms_key_arn", "segment_destinations",
    "pinpoint_application_id", "segment_import_prefix", "log_retention_days", "powertools_layer_arn",
    "lambda_package_dir", "batch_output_retention_days", "noncurrent_version_retention_days",
    "event_archive_retention_days",
}  # fmt: skip

# Resource type => the argument that is a physical (account- or region-unique) name.
PHYSICAL_NAME_ARGS = {
    "aws_s3_bucket": "bucket",
    "aws_cloudwatch_event_bus": "name",
    "aws_cloudwatch_event_archive": "name",
    "aws_cloudwatch_event_rule": "name",
    "aws_sns_topic": "name",
    "aws_sqs_queue": "name",
    "aws_pinpoint_app": "name",
    "aws_kms_alias": "name",
    "aws_lambda_function": "function_name",
    "aws_iam_role": "name",
    "aws_iam_policy": "name",
    "aws_sfn_state_machine": "name",
    "aws_cloudwatch_log_group": "name",
    "aws_dynamodb_table": "name",
    "aws_scheduler_schedule": "name",
}


def tf_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.tf") if not SKIP_PARTS & set(p.relative_to(ROOT).parts))


def module_dirs() -> list[Path]:
    return sorted({p.parent for p in tf_files()})


def unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == '"' and text[-1] == '"' else text


@functools.cache
def load(directory: Path) -> dict[str, list[Any]]:
    """Every block of the module in ``directory`` (cached: tests must not mutate the result)."""
    merged: dict[str, list[Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        with path.open() as handle:
            for key, blocks in hcl2.load(handle).items():
                merged.setdefault(key, []).extend(blocks)
    return merged


def resources(config: dict[str, list[Any]], key: str = "resource") -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (unquote(rtype), unquote(name)): body
        for block in config.get(key, [])
        for rtype, named in block.items()
        for name, body in named.items()
    }


def locals_of(config: dict[str, list[Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for block in config.get("locals", []):
        out.update({k: v for k, v in block.items() if k not in META})
    return out


def variables_of(config: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    return {unquote(n): b for block in config.get("variable", []) for n, b in block.items()}


def text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def policy_statements(body: dict[str, Any]) -> list[dict[str, Any]]:
    return list(body.get("statement", []))


@pytest.fixture(scope="module")
def storage() -> dict[str, list[Any]]:
    return load(ROOT / "modules/storage")


@pytest.fixture(scope="module")
def events() -> dict[str, list[Any]]:
    return load(ROOT / "modules/events")


@pytest.fixture(scope="module")
def root() -> dict[str, list[Any]]:
    return load(ROOT)


# --- the whole tree -------------------------------------------------------------------------------------------


def test_every_tf_file_parses() -> None:
    files = tf_files()
    assert ROOT / "main.tf" in files and ROOT / "modules/storage/main.tf" in files
    for path in files:
        with path.open() as handle:
            assert isinstance(hcl2.load(handle), dict), path


# A folder under modules/ becomes a module with its first .tf file (until then it may hold only event_patterns/).
@pytest.mark.parametrize(
    "directory", sorted(d for d in (ROOT / "modules").iterdir() if any(d.glob("*.tf"))), ids=lambda d: d.name
)
def test_every_module_has_the_four_files_and_a_generated_docs_readme(directory: Path) -> None:
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (directory / name).is_file(), f"{directory.name}: missing {name}"
    readme = (directory / "README.md").read_text()
    assert "<!-- BEGIN_TF_DOCS -->" in readme and "<!-- END_TF_DOCS -->" in readme
    assert readme.index("<!-- BEGIN_TF_DOCS -->") < readme.index("<!-- END_TF_DOCS -->")


@pytest.mark.parametrize("directory", module_dirs(), ids=lambda d: "root" if d == ROOT else str(d.relative_to(ROOT)))
def test_every_variable_has_type_and_description_and_never_any(directory: Path) -> None:
    for name, body in variables_of(load(directory)).items():
        assert "type" in body, f"{directory}: variable {name} has no type"
        assert unquote(body.get("description", '""')).strip(), f"{directory}: variable {name} has no description"
        assert not re.search(r"\bany\b", text(body["type"])), f"{directory}: variable {name} uses type any"


def _names_prefix(expr: str, config: dict[str, list[Any]], body: dict[str, Any] | None, depth: int = 0) -> bool:
    """Whether ``expr`` derives from var.name_prefix (directly, via locals, for_each values or other names)."""
    if "name_prefix" in expr:
        return True
    if depth > 5:
        return False
    local_values = locals_of(config)
    for ref in re.findall(r"\blocal\.([A-Za-z_][\w-]*)", expr):
        if ref in local_values and _names_prefix(text(local_values[ref]), config, None, depth + 1):
            return True
    uses_each = body is not None and re.search(r"\beach\.(value|key)\b", expr)
    if uses_each and body is not None and _names_prefix(text(body.get("for_each", "")), config, None, depth + 1):
        return True
    table = resources(config)
    for rtype, name in re.findall(r"\b(aws_[a-z0-9_]+)\.([A-Za-z_][\w-]*)", expr):
        target = table.get((rtype, name))
        arg = PHYSICAL_NAME_ARGS.get(rtype)
        if target is not None and arg in target and _names_prefix(text(target[arg]), config, target, depth + 1):
            return True
    return False


@pytest.mark.parametrize("directory", module_dirs(), ids=lambda d: "root" if d == ROOT else str(d.relative_to(ROOT)))
def test_name_prefix_is_in_every_physical_name(directory: Path) -> None:
    config = load(directory)
    for (rtype, name), body in resources(config).items():
        arg = PHYSICAL_NAME_ARGS.get(rtype)
        if arg is None:
            continue
        assert arg in body or "name_prefix" in body, f"{directory}: {rtype}.{name} has no explicit {arg}"
        value = text(body.get(arg, body.get("name_prefix", "")))
        assert _names_prefix(value, config, body), f"{directory}: {rtype}.{name}.{arg} = {value} lacks name_prefix"


@pytest.mark.parametrize("path", tf_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_hard_coded_partition_or_account_id(path: Path) -> None:
    source = path.read_text()
    assert "arn:aws:" not in source, f"{path}: hard-coded arn:aws: (use data.aws_partition)"
    account_ids = set(re.findall(r"(?<![0-9])[0-9]{12}(?![0-9])", source)) - PUBLIC_ACCOUNT_IDS
    assert not account_ids, f"{path}: hard-coded account id(s) {sorted(account_ids)}"


# --- modules/storage -------------------------------------------------------------------------------------------


def test_two_buckets_named_from_prefix_account_and_region(storage: dict[str, list[Any]]) -> None:
    buckets = locals_of(storage)["buckets"]
    assert set(buckets) == {"data", "segments"}
    assert unquote(buckets["data"]) == "${var.name_prefix}-data-${local.account_id}-${local.region}"
    assert unquote(buckets["segments"]) == "${var.name_prefix}-segments-${local.account_id}-${local.region}"
    assert resources(storage)[("aws_s3_bucket", "this")]["for_each"] == "${local.buckets}"


@pytest.mark.parametrize(
    "rtype",
    [
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_ownership_controls",
        "aws_s3_bucket_notification",
        "aws_s3_bucket_policy",
    ],
)
def test_every_hardening_resource_covers_both_buckets(storage: dict[str, list[Any]], rtype: str) -> None:
    body = resources(storage)[(rtype, "this")]
    assert body["for_each"] == "${local.buckets}"
    assert body["bucket"] == "${aws_s3_bucket.this[each.key].id}"


def test_all_four_public_access_block_flags_are_true(storage: dict[str, list[Any]]) -> None:
    body = resources(storage)[("aws_s3_bucket_public_access_block", "this")]
    for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
        assert body[flag] is True, flag


def test_versioning_enabled_ownership_enforced_eventbridge_on(storage: dict[str, list[Any]]) -> None:
    table = resources(storage)
    assert table[("aws_s3_bucket_versioning", "this")]["versioning_configuration"][0]["status"] == '"Enabled"'
    rule = table[("aws_s3_bucket_ownership_controls", "this")]["rule"][0]
    assert rule["object_ownership"] == '"BucketOwnerEnforced"'
    assert table[("aws_s3_bucket_notification", "this")]["eventbridge"] is True


def test_encryption_is_sse_s3_by_default_and_kms_with_bucket_key_when_given(storage: dict[str, list[Any]]) -> None:
    rule = resources(storage)[("aws_s3_bucket_server_side_encryption_configuration", "this")]["rule"][0]
    default = rule["apply_server_side_encryption_by_default"][0]
    assert default["sse_algorithm"] == "${local.sse_algorithm}"
    assert default["kms_master_key_id"] == "${var.kms_key_arn}"
    assert locals_of(storage)["sse_algorithm"] == '${var.kms_key_arn == null ? "AES256" : "aws:kms"}'
    assert rule["bucket_key_enabled"] == "${var.kms_key_arn != null}"
    assert variables_of(storage)["kms_key_arn"]["default"] is None


def test_tls_only_deny_statement_applies_to_both_buckets(storage: dict[str, list[Any]]) -> None:
    docs = resources(storage, "data")
    tls = docs[("aws_iam_policy_document", "tls_only")]
    assert tls["for_each"] == "${aws_s3_bucket.this}"
    (statement,) = policy_statements(tls)
    assert statement["effect"] == '"Deny"'
    assert statement["actions"] == ['"s3:*"']
    assert statement["resources"] == ["${each.value.arn}", '"${each.value.arn}/*"']
    assert statement["principals"][0]["identifiers"] == ['"*"']
    (condition,) = statement["condition"]
    assert (condition["test"], condition["variable"], condition["values"]) == (
        '"Bool"',
        '"aws:SecureTransport"',
        ['"false"'],
    )
    combined = docs[("aws_iam_policy_document", "bucket")]
    assert "data.aws_iam_policy_document.tls_only[each.key].json" in combined["source_policy_documents"]
    policy = resources(storage)[("aws_s3_bucket_policy", "this")]
    assert policy["policy"] == "${data.aws_iam_policy_document.bucket[each.key].json}"


def test_bucket_policy_waits_for_public_access_block(storage: dict[str, list[Any]]) -> None:
    policy = resources(storage)[("aws_s3_bucket_policy", "this")]
    assert policy["depends_on"] == ["${aws_s3_bucket_public_access_block.this}"]


def test_personalize_may_read_train_and_read_write_batch_only_from_this_account(storage: dict[str, list[Any]]) -> None:
    doc = resources(storage, "data")[("aws_iam_policy_document", "personalize_access")]
    grants: dict[str, set[str]] = {}
    for statement in policy_statements(doc):
        assert statement["effect"] == '"Allow"'
        assert statement["principals"][0]["identifiers"] == ['"personalize.amazonaws.com"']
        conditions = {(c["test"], c["variable"]): c["values"] for c in statement["condition"]}
        assert conditions[('"StringEquals"', '"aws:SourceAccount"')] == ["${local.account_id}"]
        for resource in statement["resources"]:
            grants.setdefault(unquote(resource), set()).update(unquote(a) for a in statement["actions"])
        if statement["actions"] == ['"s3:ListBucket"']:
            assert conditions[('"StringLike"', '"s3:prefix"')] == ['"train/*"', '"batch/*"', '"batch-output/*"']
    assert grants == {
        '${aws_s3_bucket.this["data"].arn}': {"s3:ListBucket"},
        '${aws_s3_bucket.this["data"].arn}/train/*': {"s3:GetObject"},
        '${aws_s3_bucket.this["data"].arn}/batch/*': {"s3:GetObject"},  # the users' job inputs: read only
        '${aws_s3_bucket.this["data"].arn}/batch-output/*': {"s3:GetObject", "s3:PutObject"},
    }
    combined = resources(storage, "data")[("aws_iam_policy_document", "bucket")]
    assert 'each.key == "data" ? [data.aws_iam_policy_document.personalize_access.json] : []' in text(
        combined["source_policy_documents"]
    )


def _lifecycle_rules(storage: dict[str, list[Any]], bucket: str) -> list[dict[str, Any]]:
    body = resources(storage)[("aws_s3_bucket_lifecycle_configuration", bucket)]
    assert "dynamic" not in body  # every rule is written out, so this test sees each one
    return list(body["rule"])


def _prefix(rule: dict[str, Any]) -> str:
    filters = rule.get("filter") or [{}]
    return unquote(filters[0].get("prefix", '""')) if filters[0] else ""


def _deletes_objects(rule: dict[str, Any]) -> bool:
    """Expires current objects, noncurrent versions or delete markers (anything but aborting uploads)."""
    return bool(rule.get("expiration") or rule.get("noncurrent_version_expiration"))


def test_lifecycle_expires_outputs_and_never_the_users_inputs(storage: dict[str, list[Any]], tmp_path: Path) -> None:
    from contextual_targeting.core.training_sources import LocalSource
    from contextual_targeting.core.training_validation import build_plan, validate_training_input

    rules = _lifecycle_rules(storage, "data")
    assert all(rule["status"] == '"Enabled"' for rule in rules)
    deleting = [rule for rule in rules if _deletes_objects(rule)]
    assert deleting and all(_prefix(rule) for rule in deleting), "an expiring rule without a prefix covers inputs"

    # Keys as the workflows really name them: the plan the validate function hands the state machine
    sample = ROOT / "data/personalize"
    result = validate_training_input(LocalSource(), (sample / "train/bingewatch/config.json").as_posix())
    plan = build_plan(result, "config.json-0123456789abcdef")
    output = plan["batchSegmentJobs"][0]["output"].split(str(sample), 1)[-1].lstrip("/")
    job_input = plan["batchSegmentJobs"][0]["input"].split(str(sample), 1)[-1].lstrip("/")
    assert job_input == "batch/bingewatch/bingewatch-affinity/job_config.json"
    inputs = [
        job_input,
        "train/bingewatch/config.json",
        "train/bingewatch/interactions.csv",
        "train/bingewatch/items/part-00000.csv",
    ]
    outputs = {
        f"{output}job_config.json.out": "expire-batch-output",
        "work/exec-1/chunks/00000.csv": "expire-work",
    }

    def covering(key: str) -> list[str]:
        return [unquote(rule["id"]) for rule in deleting if key.startswith(_prefix(rule))]

    for key in inputs:
        assert covering(key) == [], f"{key} would be deleted by {covering(key)}"
    for key, rule_id in outputs.items():
        assert rule_id in covering(key), key
    by_id = {unquote(rule["id"]): rule for rule in rules}
    assert by_id["expire-work"]["expiration"][0]["days"] == "${var.work_retention_days}"
    assert variables_of(storage)["work_retention_days"]["default"] == 7
    assert by_id["expire-batch-output"]["expiration"][0]["days"] == "${var.batch_output_retention_days}"
    # older versions of every output expire; the exports and SES files themselves stay current
    connect_upload = "connect/uploads/genres-action/0123456789abcdef/part-00000.csv"  # replaced by each version
    for key in [*outputs, "segments/bingewatch/job/genres-action.csv", "ses/topics/t/members.csv", connect_upload]:
        noncurrent = [r for r in deleting if key.startswith(_prefix(r)) and r.get("noncurrent_version_expiration")]
        assert noncurrent, key
        assert noncurrent[0]["noncurrent_version_expiration"][0]["noncurrent_days"] == (
            "${var.noncurrent_version_retention_days}"
        )
    assert not any(
        "days" in r.get("expiration", [{}])[0] for r in deleting if _prefix(r) in ("segments/", "ses/", "connect/")
    )
    assert by_id["abort-incomplete-uploads"]["abort_incomplete_multipart_upload"][0]["days_after_initiation"] == 1
    segment_rules = resources(storage)[("aws_s3_bucket_lifecycle_configuration", "segments")]["rule"]
    for rule in segment_rules:
        assert rule["noncurrent_version_expiration"][0]["noncurrent_days"] == "${var.noncurrent_version_retention_days}"
        assert rule["abort_incomplete_multipart_upload"][0]["days_after_initiation"] == 1
    for name in ("data", "segments"):
        assert resources(storage)[("aws_s3_bucket_lifecycle_configuration", name)]["depends_on"] == [
            "${aws_s3_bucket_versioning.this}"
        ]


def test_every_checkov_skip_has_a_reason() -> None:
    for path in tf_files():
        for skip in re.findall(r"#\s*checkov:skip=([^\n]*)", path.read_text()):
            check_id, _, reason = skip.partition(":")
            assert re.fullmatch(r"CKV2?_[A-Z0-9]+_\d+", check_id), f"{path}: {skip}"
            assert len(reason.strip()) >= 20, f"{path}: checkov skip {check_id} needs a real reason"


# --- modules/events --------------------------------------------------------------------------------------------


def test_bus_archive_and_topic_names_and_encryption(events: dict[str, list[Any]]) -> None:
    table = resources(events)
    assert table[("aws_cloudwatch_event_bus", "this")]["name"] == '"${var.name_prefix}-bus"'
    archive = table[("aws_cloudwatch_event_archive", "this")]
    assert archive["event_source_arn"] == "${aws_cloudwatch_event_bus.this.arn}"
    assert archive["retention_days"] == "${var.event_archive_retention_days}"
    topic = table[("aws_sns_topic", "notifications")]
    assert topic["name"] == '"${var.name_prefix}-notifications"'
    assert topic["kms_master_key_id"] == '${coalesce(var.kms_key_arn, "alias/aws/sns")}'


def test_topic_policy_only_account_principals_and_tls(events: dict[str, list[Any]]) -> None:
    doc = resources(events, "data")[("aws_iam_policy_document", "notifications")]
    statements = {unquote(s["sid"]): s for s in policy_statements(doc)}
    allow = statements["AccountPrincipalsThroughIam"]
    assert allow["principals"][0]["identifiers"] == ["${data.aws_caller_identity.current.account_id}"]
    deny = statements["DenyInsecureTransport"]
    assert deny["effect"] == '"Deny"'
    assert deny["condition"][0]["variable"] == '"aws:SecureTransport"'
    assert all(s["principals"][0]["identifiers"] != ['"*"'] for s in statements.values() if s is not deny)


def test_email_subscriptions_are_keyed_by_address(events: dict[str, list[Any]]) -> None:
    subscription = resources(events)[("aws_sns_topic_subscription", "email")]
    assert subscription["for_each"] == "${toset(var.notification_emails)}"
    assert subscription["protocol"] == '"email"'
    assert subscription["endpoint"] == "${each.value}"


# --- root module and examples ----------------------------------------------------------------------------------


def test_version_constraints(root: dict[str, list[Any]]) -> None:
    (terraform,) = root["terraform"]
    assert terraform["required_version"] == '"~> 1.5"'
    aws = terraform["required_providers"][0]["aws"]
    assert (aws["source"], aws["version"]) == ('"hashicorp/aws"', '"~> 6.0"')
    for module in ("storage", "events"):
        (terraform,) = load(ROOT / "modules" / module)["terraform"]
        assert terraform["required_version"] == '">= 1.5"'
        assert terraform["required_providers"][0]["aws"]["version"] == '">= 6.0"'


def test_provider_region_and_default_tags(root: dict[str, list[Any]]) -> None:
    (provider,) = root["provider"]
    aws = provider['"aws"'] if '"aws"' in provider else provider["aws"]
    assert aws["region"] == "${var.region}"
    assert aws["default_tags"][0]["tags"] == "${local.tags}"
    assert "var.tags" in locals_of(root)["tags"]


def test_pinpoint_app_toggle(root: dict[str, list[Any]]) -> None:
    local_values = locals_of(root)
    # Pinpoint is selected by segment_destinations alone (the deprecated pinpoint_enabled variable is gone)
    assert local_values["pinpoint_enabled"] == '${contains(var.segment_destinations, "pinpoint")}'
    assert "pinpoint_enabled" not in variables_of(root)
    assert local_values["create_pinpoint_app"] == "${local.pinpoint_enabled && var.pinpoint_application_id == null}"
    app = resources(root)[("aws_pinpoint_app", "this")]
    assert app["count"] == "${local.create_pinpoint_app ? 1 : 0}"
    assert local_values["pinpoint_application_id"].startswith("${local.pinpoint_enabled ? ")
    assert local_values["pinpoint_application_id"].endswith(": null}")


def test_root_outputs_cover_buckets_bus_topic_and_pinpoint(root: dict[str, list[Any]]) -> None:
    outputs = {unquote(n) for block in root["output"] for n in block}
    assert {
        "data_bucket_name",
        "data_bucket_arn",
        "segment_bucket_name",
        "segment_bucket_arn",
        "event_bus_name",
        "event_bus_arn",
        "notification_topic_arn",
        "pinpoint_application_id",
    } <= outputs


def test_no_moved_blocks_left() -> None:
    # No released deployment has state to migrate: the refactoring's moved blocks were removed (issue 15).
    for path in tf_files():
        assert not any(line.startswith("moved {") for line in path.read_text().splitlines()), path


@pytest.mark.parametrize("example", ["minimal", "complete"])
def test_examples_call_the_root_module_by_relative_path(example: str) -> None:
    config = load(ROOT / "examples" / example)
    calls = {unquote(n): b for block in config["module"] for n, b in block.items()}
    assert calls["contextual_targeting"]["source"] == '"../.."'
    root_variables = set(variables_of(load(ROOT)))
    passed = {k for k in calls["contextual_targeting"] if k not in META and k != "source"}
    assert passed <= root_variables, passed - root_variables
    if example == "complete":  # every base input (workflow modules may add root inputs the example leaves default)
        assert passed >= BASE_ROOT_VARIABLES, BASE_ROOT_VARIABLES - passed
    assert (ROOT / "examples" / example / "versions.tf").is_file()


# --- variable validations, evaluated with the same regular expressions ----------------------------------------


def _condition_regex(variable: str, directory: Path = ROOT) -> re.Pattern[str]:
    condition = variables_of(load(directory))[variable]["validation"][0]["condition"]
    match = re.search(r'regex\("((?:[^"\\]|\\.)*)"', condition)
    assert match, condition
    return re.compile(json.loads(f'"{match.group(1)}"'))


@pytest.mark.parametrize(
    ("value", "ok"),
    [("contextual-targeting", True), ("ct", False), ("ab1", True), ("a" * 24, True), ("a" * 25, False),
     ("Upper", False), ("1abc", False), ("abc-", False), ("a_b", False)],
)  # fmt: skip
def test_name_prefix_format(value: str, ok: bool) -> None:
    assert bool(_condition_regex("name_prefix").fullmatch(value)) is ok


def test_longest_prefix_keeps_bucket_names_within_63_characters() -> None:
    longest_region = "ap-southeast-2"  # 14 characters, as long as the longest region codes today
    name = f"{'a' * 24}-segments-{'1' * 12}-{longest_region}"
    assert len(name) <= 63, len(name)


@pytest.mark.parametrize(
    ("value", "ok"),
    [("pinpoint/", True), ("a/b/", True), ("pinpoint", False), ("/pinpoint/", False), ("a//", False), ("", False)],
)
def test_segment_import_prefix_must_end_with_slash(value: str, ok: bool) -> None:
    assert bool(_condition_regex("segment_import_prefix").fullmatch(value)) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("me@example.com", True), ("first.last+tag@sub.example.org", True), ("me@example", False),
     ("not an email", False), ("a@b@c.com", False)],
)  # fmt: skip
def test_notification_email_format(value: str, ok: bool) -> None:
    assert bool(_condition_regex("notification_emails").fullmatch(value)) is ok


def test_log_retention_days_are_cloudwatch_values() -> None:
    condition = variables_of(load(ROOT))["log_retention_days"]["validation"][0]["condition"]
    allowed = {int(n) for n in re.search(r"contains\(\[([^\]]*)\]", condition).group(1).split(",")}  # type: ignore[union-attr]
    assert {1, 3, 5, 7, 14, 30, 60, 90, 365, 3653} <= allowed
    assert 2 not in allowed and 0 not in allowed


# --- the same validations evaluated by a real Terraform (>= 1.5) when one is on PATH -----------------------------
# A configuration holding only the root's variables.tf needs no provider, so `terraform init` and `plan` run offline.


def _terraform() -> str | None:
    binary = shutil.which("terraform")
    if binary is None:
        return None
    out = subprocess.run([binary, "version", "-json"], capture_output=True, text=True, check=False).stdout
    try:
        major, minor = (int(p) for p in json.loads(out)["terraform_version"].split(".")[:2])
    except (ValueError, KeyError):
        return None
    return binary if (major, minor) >= (1, 5) else None


@pytest.fixture(scope="module")
def variables_only(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    binary = _terraform()
    if binary is None:
        pytest.skip("no terraform >= 1.5 on PATH (the 1.0.3 fmt-only binary cannot evaluate validations)")
    workdir = tmp_path_factory.mktemp("tfvars")
    shutil.copy(ROOT / "variables.tf", workdir / "variables.tf")
    subprocess.run([binary, "init", "-backend=false", "-input=false", "-no-color"], cwd=workdir, check=True,
                   capture_output=True)  # fmt: skip
    return binary, workdir


@pytest.mark.parametrize(
    ("values", "invalid"),
    [
        ({}, None),
        ({"name_prefix": "ct-prod-1", "notification_emails": ["ops@example.com", "a.b+c@sub.example.org"],
          "segment_import_prefix": "imports/pinpoint/", "log_retention_days": 365, "region": "ap-southeast-2",
          "kms_key_arn": "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
          "pinpoint_application_id": "0123456789abcdef0123456789abcdef", "tags": {"Team": "growth"},
          "powertools_layer_arn": "arn:aws:lambda:eu-west-1:111122223333:layer:Custom:3",
          "batch_output_retention_days": 1, "event_archive_retention_days": 0}, None),
        ({"name_prefix": "Bad_Prefix"}, "name_prefix"),
        ({"name_prefix": "a" * 25}, "name_prefix"),
        ({"name_prefix": "double--hyphen"}, "name_prefix"),
        ({"name_prefix": "xn-reserved"}, "name_prefix"),
        ({"notification_emails": ["not-an-address"]}, "notification_emails"),
        ({"notification_emails": ["a@b.co", "a@b.co"]}, "notification_emails"),
        ({"segment_import_prefix": "pinpoint"}, "segment_import_prefix"),
        ({"segment_import_prefix": "/pinpoint/"}, "segment_import_prefix"),
        ({"log_retention_days": 2}, "log_retention_days"),
        ({"kms_key_arn": "alias/aws/s3"}, "kms_key_arn"),
        ({"pinpoint_application_id": "my-app"}, "pinpoint_application_id"),
        ({"region": "Europe"}, "region"),
        ({"tags": {"aws:reserved": "x"}}, "tags"),
        ({"powertools_layer_arn": "AWSLambdaPowertoolsPythonV3"}, "powertools_layer_arn"),
        ({"batch_output_retention_days": 1.5}, "batch_output_retention_days"),
        ({"event_archive_retention_days": -1}, "event_archive_retention_days"),
    ],
)  # fmt: skip
def test_terraform_evaluates_the_root_variable_validations(
    variables_only: tuple[str, Path], values: dict[str, Any], invalid: str | None, tmp_path: Path
) -> None:
    binary, workdir = variables_only
    var_file = tmp_path / "case.tfvars.json"
    var_file.write_text(json.dumps(values))
    result = subprocess.run(
        [binary, "plan", "-input=false", "-no-color", "-lock=false", f"-var-file={var_file}"],
        cwd=workdir, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if invalid is None:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode != 0
        assert "Invalid value for variable" in result.stderr
        assert f"var.{invalid}" in result.stderr, result.stderr


def test_complete_example_key_policy_binds_every_service_to_this_account() -> None:
    example = load(ROOT / "examples/complete")
    doc = resources(example, "data")[("aws_iam_policy_document", "key")]
    services = []
    for statement in policy_statements(doc):
        principal = statement["principals"][0]
        if principal["type"] != '"Service"':
            continue
        services.extend(unquote(i) for i in principal["identifiers"])
        conditions = {(c["test"], c["variable"]): c["values"] for c in statement.get("condition", [])}
        assert conditions.get(('"StringEquals"', '"aws:SourceAccount"')) == [
            "${data.aws_caller_identity.current.account_id}"
        ], statement["sid"]
    assert {
        "personalize.amazonaws.com",
        "events.amazonaws.com",
        "ses.amazonaws.com",
        "cloudwatch.amazonaws.com",
    } <= set(services)
