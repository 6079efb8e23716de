"""Operator signals: CloudWatch alarms for every workflow, function and dead-letter queue, and the dashboard.

The alarms live in the three shared modules (state_machine, lambda_function, workflow_trigger), so every workflow
module gets them by calling those. The tests read the Terraform (python-hcl2) and compare, for every
``segment_destinations`` combination, the alarms Terraform declares with the workflows, functions and queues the
local runtime deploys for that combination (``workflow_specs``, itself checked against the modules by
test_local_wiring). The dashboard's metrics are checked against the metrics the functions really emit (EMF lines
in the demo's function logs).
"""

from __future__ import annotations

import io
import itertools
import json
import re
import shutil
from pathlib import Path
from typing import Any

import hcl2
import pytest

from contextual_targeting.asl import placeholders, render_text
from contextual_targeting.local.demo import run_demo
from contextual_targeting.local.runtime import Settings, workflow_specs

REPO = Path(__file__).resolve().parents[2]
MODULES = REPO / "modules"
SHARED = ("state_machine", "lambda_function", "workflow_trigger")
PREFIX = "ct-local"


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == '"' and text[-1] == '"' else text


def _load(directory: Path) -> dict[str, list[Any]]:
    merged: dict[str, list[Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        with path.open() as handle:
            for key, blocks in hcl2.load(handle).items():
                merged.setdefault(key, []).extend(blocks)
    return merged


def _modules(config: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    return {_unquote(name): body for block in config.get("module", []) for name, body in block.items()}


def _alarms(config: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    return {
        _unquote(name): body
        for block in config.get("resource", [])
        for rtype, named in block.items()
        if _unquote(rtype) == "aws_cloudwatch_metric_alarm"
        for name, body in named.items()
    }


def _deployed(count: Any, flags: dict[str, bool]) -> bool:
    """Evaluate the ``count`` of a module call: absent ⇒ deployed; ``${<flag> ? 1 : 0}`` with a known flag."""
    if count is None:
        return True
    match = re.fullmatch(r"\$\{(?:var|local)\.(\w+) \? 1 : 0\}", str(count))
    assert match and match.group(1) in flags, f"unexpected count expression {count}"
    return flags[match.group(1)]


def _terraform_alarm_names(pinpoint: bool, ses: bool, connect: bool) -> set[str]:
    """Alarm names Terraform creates for one destination combination (name_prefix = PREFIX)."""
    flags = {
        "pinpoint_enabled": pinpoint,
        "ses_enabled": ses,
        "connect_enabled": connect,
        "dashboard_enabled": True,
    }
    root = _modules(_load(REPO))
    names: set[str] = set()
    for workflow, call in root.items():
        source = _unquote(call["source"]).removeprefix("./modules/")
        if not _deployed(call.get("count"), flags) or not (MODULES / source).is_dir():
            continue
        callers = _modules(_load(MODULES / source))
        inner_flags = {**flags, "pinpoint_enabled": pinpoint}
        for key, inner in callers.items():
            shared = _unquote(inner["source"]).removeprefix("../")
            if shared not in SHARED or not _deployed(inner.get("count"), inner_flags):
                continue
            assert inner["alarm_topic_arn"] == "${var.alarm_topic_arn}", f"{source}: module {key}"
            assert call["alarm_topic_arn"] == "${module.events.alarm_topic_arn}", f"root: module {workflow}"
            if shared == "lambda_function":  # named from its function key: split_segments → <prefix>-split-segments
                name = f"{PREFIX}-{_unquote(inner['function']).replace('_', '-')}"
            else:
                name = f"{PREFIX}-{_unquote(inner['name'])}"
            if shared == "state_machine":
                names |= {f"{name}-executions-{kind}" for kind in ("failed", "timed-out", "aborted")}
            elif shared == "lambda_function":
                names.add(f"{name}-errors")
            else:
                names |= {f"{name}-dlq-messages", f"{name}-start-errors"}
    return names


def test_shared_modules_alarm_on_the_documented_metrics_to_the_alarm_topic() -> None:
    expected = {
        # module: {alarm resource: (namespace, metric names, dimension key, dimension value, name template)}
        "state_machine": {
            "executions": (
                "AWS/States",
                {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"},
                "StateMachineArn",
                "${aws_sfn_state_machine.this.arn}",
                "${local.name}-executions-${each.key}",
            )
        },
        "lambda_function": {
            "errors": (
                "AWS/Lambda",
                {"Errors"},
                "FunctionName",
                "${aws_lambda_function.this.function_name}",
                "${local.name}-errors",
            )
        },
        "workflow_trigger": {
            "dead_letters": (
                "AWS/SQS",
                {"ApproximateNumberOfMessagesVisible"},
                "QueueName",
                "${aws_sqs_queue.dlq.name}",
                "${var.name_prefix}-${var.name}-dlq-messages",
            ),
            "start_errors": (
                "AWS/Lambda",
                {"Errors"},
                "FunctionName",
                "${aws_lambda_function.start.function_name}",
                "${var.name_prefix}-${var.name}-start-errors",
            ),
        },
    }
    for module, alarms in expected.items():
        config = _load(MODULES / module)
        declared = _alarms(config)
        assert set(declared) == set(alarms), module
        locals_ = {k: v for block in config.get("locals", []) for k, v in block.items()}
        for key, (namespace, metrics, dim_key, dim_value, name) in alarms.items():
            alarm = declared[key]
            assert _unquote(alarm["namespace"]) == namespace
            if "for_each" in alarm:
                assert alarm["metric_name"] == "${each.value}"
                assert (
                    set(locals_["execution_alarms"].values()) == {f'"{m}"' for m in metrics}
                    or set(locals_["execution_alarms"].values()) == metrics
                )
            else:
                assert {_unquote(alarm["metric_name"])} == metrics
            assert alarm["dimensions"] == {dim_key: dim_value}
            assert _unquote(alarm["alarm_name"]) == name
            assert alarm["alarm_actions"] == ["${var.alarm_topic_arn}"]
            assert _unquote(alarm["comparison_operator"]) == "GreaterThanThreshold" and alarm["threshold"] == 0
            assert _unquote(alarm["treat_missing_data"]) == "notBreaching"
        variables = {_unquote(k): v for block in config["variable"] for k, v in block.items()}
        assert "default" not in variables["alarm_topic_arn"], f"{module}: every caller must pass the alarm topic"


@pytest.mark.parametrize(("pinpoint", "ses", "connect"), list(itertools.product([False, True], repeat=3)))
def test_every_workflow_function_and_queue_has_its_alarms_in_every_destination_combination(
    pinpoint: bool, ses: bool, connect: bool
) -> None:
    expected: set[str] = set()
    for spec in workflow_specs(Settings(name_prefix=PREFIX, pinpoint=pinpoint, ses=ses, connect=connect)):
        expected |= {f"{spec.state_machine_name}-executions-{k}" for k in ("failed", "timed-out", "aborted")}
        for function in spec.functions:
            if function.function == "start_execution":  # the trigger: its function and its dead-letter queue
                trigger = function.name.removesuffix("-start")
                expected |= {f"{trigger}-start-errors", f"{trigger}-dlq-messages"}
            else:
                expected.add(f"{function.name}-errors")
    assert expected and _terraform_alarm_names(pinpoint, ses, connect) == expected


def test_alarm_topic_accepts_only_this_deployments_alarms() -> None:
    config = _load(MODULES / "events")
    docs = {
        _unquote(n): b
        for block in config["data"]
        for t, named in block.items()
        if _unquote(t) == "aws_iam_policy_document"
        for n, b in named.items()
    }
    statements = {_unquote(s["sid"]): s for s in docs["alarms"]["statement"]}
    publish = statements["CloudWatchAlarmsOfThisDeployment"]
    assert publish["principals"][0]["identifiers"] == ['"cloudwatch.amazonaws.com"']
    conditions = {_unquote(c["variable"]): c for c in publish["condition"]}
    assert _unquote(conditions["aws:SourceAccount"]["test"]) == "StringEquals"
    assert conditions["aws:SourceArn"]["values"][0].endswith(':alarm:${var.name_prefix}-*"') or conditions[
        "aws:SourceArn"
    ]["values"][0].endswith(":alarm:${var.name_prefix}-*")
    # every alarm name of every combination starts with name_prefix-, so the condition admits them all
    assert all(n.startswith(f"{PREFIX}-") for n in _terraform_alarm_names(True, True, True))


# --------------------------------------------------------------------------------------------------- dashboard
def _emitted_metrics(log_dir: Path) -> set[tuple[str, str, tuple[str, ...], str]]:
    """(namespace, metric, dimension names, service) of every EMF line the functions printed."""
    seen = set()
    for path in log_dir.glob("*.log"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if '"_aws"' not in line:
                continue
            try:
                blob = json.loads(line)
            except json.JSONDecodeError:
                continue
            for directive in blob["_aws"]["CloudWatchMetrics"]:
                for dimensions in directive["Dimensions"]:
                    for metric in directive["Metrics"]:
                        seen.add((directive["Namespace"], metric["Name"], tuple(dimensions), blob.get("service", "")))
    return seen


@pytest.fixture(scope="module")
def emitted(built_zips: Path, tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str, tuple[str, ...], str]]:
    root = tmp_path_factory.mktemp("metrics")
    data = REPO / "data"
    ok = run_demo(data, root / "both", destination="both", stream=io.StringIO(), timeout=300)
    assert ok.exit_code == 0
    broken = root / "broken-data"
    shutil.copytree(data, broken)
    config_path = broken / "personalize/train/bingewatch/config.json"
    config = json.loads(config_path.read_text())
    config["solutions"][0]["serviceConfig"]["recipeArn"] = "arn:aws:personalize:::recipe/aws-user-personalization"
    config_path.write_text(json.dumps(config))
    assert run_demo(broken, root / "broken", stream=io.StringIO(), timeout=300).exit_code == 1
    return _emitted_metrics(root / "both" / "logs") | _emitted_metrics(root / "broken" / "logs")


def _dashboard() -> dict[str, Any]:
    main = (MODULES / "dashboard/main.tf").read_text()
    template = (MODULES / "dashboard/dashboard.json").read_text()
    # the variables Terraform passes are exactly the template's placeholders
    passed = set(re.findall(r"^\s+(\w+)\s+=", main.split('templatefile("${path.module}', 1)[1].split("})", 1)[0], re.M))
    assert passed == placeholders(template) == {"name_prefix", "namespace", "region"}
    assert '"ContextualTargeting/${var.name_prefix}"' in main
    values = {"name_prefix": PREFIX, "namespace": f"ContextualTargeting/{PREFIX}", "region": "us-east-1"}
    return json.loads(render_text(template, values))  # type: ignore[no-any-return]


def test_dashboard_metrics_are_what_the_functions_emit(emitted: set[tuple[str, str, tuple[str, ...], str]]) -> None:
    dashboard = _dashboard()
    named = []
    for widget in dashboard["widgets"]:
        for row in widget.get("properties", {}).get("metrics", []):
            if isinstance(row[0], str):
                namespace, metric, dim_key, dim_value = row[:4]
                named.append((namespace, metric, (dim_key,), dim_value))
    assert named
    missing = [m for m in named if m not in emitted]
    assert not missing, f"on the dashboard but never emitted: {missing}"
    # the solution's headline counts are all on it
    for metric in ("Segments", "SegmentUsersSplit", "Resolved", "Unresolved", "Subscribed", "InvalidInputs"):
        assert any(m[1] == metric for m in named), metric


def test_dashboard_searches_cover_every_workflow_of_the_deployment() -> None:
    dashboard = _dashboard()
    expressions = [
        row[0]["expression"]
        for widget in dashboard["widgets"]
        for row in widget.get("properties", {}).get("metrics", [])
        if isinstance(row[0], dict)
    ]
    states = [e for e in expressions if "{AWS/States,StateMachineArn}" in e]
    assert {re.search(r'MetricName="(\w+)"', e).group(1) for e in states} == {  # type: ignore[union-attr]
        "ExecutionsStarted",
        "ExecutionsSucceeded",
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "ExecutionsAborted",
    }
    term = f"stateMachine:{PREFIX}-"
    assert all(term in e for e in states)
    for spec in workflow_specs(Settings(name_prefix=PREFIX, pinpoint=True, ses=True, connect=True)):
        assert term in spec.state_machine_arn
    lambdas = [e for e in expressions if "{AWS/Lambda,FunctionName}" in e]
    queues = [e for e in expressions if "{AWS/SQS,QueueName}" in e]
    assert lambdas and queues and all(f" {PREFIX}-'" in e for e in lambdas + queues)


def test_root_creates_the_dashboard_unless_disabled() -> None:
    root = _modules(_load(REPO))
    assert root["dashboard"]["count"] == "${var.dashboard_enabled ? 1 : 0}"
    variables = {_unquote(k): v for block in _load(REPO)["variable"] for k, v in block.items()}
    assert variables["dashboard_enabled"]["default"] is True
