"""The local runtime's wiring is the Terraform modules' wiring.

For every workflow the runtime deploys, the module's .tf files are read and compared with the runtime's
declaration: the same Lambda zips with the same environment variable names, the same physical name suffixes,
the same state machine template with the same template variables, the same rule pattern files with the same
template variables on the same bus, targets that are the module's start function with the event passed unchanged.
A change on either side without the other fails here. A module's `module "…" { source = "../workflow_trigger" … }`
call (the shared start function, rule and target) and its `module "…" { source = "../state_machine" … }` call (the
state machine, its role and log group) and each `module "…" { source = "../lambda_function" … }` call (one workflow
function with its key, zip and `environment` map, its role and log group) are read as the internal module's
resources with the call's arguments put in place of its variables.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from contextual_targeting.local.runtime import MODULES_DIR, Settings, WorkflowSpec, workflow_specs

SPECS = {spec.key: spec for spec in workflow_specs(Settings(name_prefix="px", ses=True, connect=True))}


TRIGGER_MODULE = "workflow_trigger"
STATE_MACHINE_MODULE = "state_machine"
FUNCTION_MODULE = "lambda_function"
INTERNAL_MODULES = (TRIGGER_MODULE, STATE_MACHINE_MODULE, FUNCTION_MODULE)


def _module_text(module: str) -> str:
    """The module's .tf text, plus an internal module's text for each call of it (arguments substituted)."""
    text = "\n".join(p.read_text() for p in sorted((MODULES_DIR / module).glob("*.tf")))
    expanded = [text]
    for call in re.finditer(r'(?m)^module\s+"(\w+)"\s*', text):
        arguments = _arguments(_body(text, call.end()))
        internal = [m for m in INTERNAL_MODULES if arguments.get("source") == f'"../{m}"']
        if not internal:
            continue
        expanded.append(_instantiate(internal[0], call.group(1), arguments))
    return "\n".join(expanded)


def _arguments(body: str) -> dict[str, str]:
    """Top-level ``name = expression`` arguments of a block body (multi-line expressions whole)."""
    found: dict[str, str] = {}
    lines = body.splitlines()
    index = 0
    while index < len(lines):
        match = re.match(r"  ([A-Za-z_]\w*)\s*=\s*(.*)$", lines[index])
        index += 1
        if match is None:
            continue
        expression, depth = [match.group(2)], _depth(match.group(2))
        while depth > 0 and index < len(lines):
            expression.append(lines[index])
            depth += _depth(lines[index])
            index += 1
        found[match.group(1)] = "\n".join(expression).strip()
    return found


def _depth(line: str) -> int:
    return sum(line.count(c) for c in "({[") - sum(line.count(c) for c in ")}]")


def _instantiate(module: str, call: str, arguments: dict[str, str]) -> str:
    """An internal module's text for one call: its variables replaced with the call's arguments (null when not
    passed), its resource labels prefixed with the call's name so that two calls cannot collide."""
    text = "\n".join(p.read_text() for p in sorted((MODULES_DIR / module).glob("*.tf")))

    def interpolated(match: re.Match[str]) -> str:
        value = arguments.get(match.group(1), "null")
        literal = re.fullmatch(r'"([^"$]*)"', value)
        return literal.group(1) if literal else "${" + value + "}"

    text = re.sub(r"\$\{var\.(\w+)\}", interpolated, text)
    text = re.sub(r"\bvar\.(\w+)\b", lambda m: arguments.get(m.group(1), "null"), text)
    # its locals too, so that two calls of a module that names things in a local (`local.name`) cannot collide
    for block in re.finditer(r"(?m)^locals\s*", text):
        body = _body(text, block.end())
        renamed = re.sub(r"(?m)^  (\w+)(\s*=)", rf"  {call}__\g<1>\g<2>", body)
        text = text.replace(body, renamed)
    for name in re.findall(rf"(?m)^  {call}__(\w+)\s*=", text):
        text = re.sub(rf"\blocal\.{name}\b", f"local.{call}__{name}", text)
    for kind, label in re.findall(r'resource\s+"(\w+)"\s+"(\w+)"', text):
        text = re.sub(rf'(resource\s+"{kind}"\s+")({label})"', rf'\g<1>{call}__\g<2>"', text)
        text = re.sub(rf"\b{kind}\.{label}\b", f"{kind}.{call}__{label}", text)
    return text


def _body(text: str, start: int) -> str:
    """The brace-balanced body that opens at or after ``start``."""
    open_at = text.index("{", start)
    depth = 0
    for pos in range(open_at, len(text)):
        if text[pos] == "{":
            depth += 1
        elif text[pos] == "}":
            depth -= 1
            if depth == 0:
                return text[open_at + 1 : pos]
    raise AssertionError("unbalanced braces")


def _resources(text: str, kind: str) -> dict[str, str]:
    return {m.group(1): _body(text, m.end()) for m in re.finditer(rf'resource\s+"{kind}"\s+"(\w+)"\s*', text)}


def _keys(body: str) -> set[str]:
    """Top-level keys of an HCL object body."""
    keys, depth = set(), 0
    for line in body.splitlines():
        if depth == 0:
            match = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
            if match:
                keys.add(match.group(1))
        depth += line.count("{") + line.count("(") - line.count("}") - line.count(")")
    return keys


def _locals(text: str) -> dict[str, str]:
    """Top-level locals: name → the expression's text (objects and calls with their whole body)."""
    found: dict[str, str] = {}
    for match in re.finditer(r"(?m)^locals\s*", text):
        body = _body(text, match.end())
        for item in re.finditer(r"(?m)^  (\w+)\s*=\s*(.*)$", body):
            value = item.group(2).strip()
            if value == "{":
                value = _body(body, item.start(2))
            elif value.endswith("("):
                value = body[item.start(2) : _closing(body, item.start(2) + len(item.group(2).rstrip()) - 1) + 1]
            found[item.group(1)] = value
    return found


def _closing(text: str, open_at: int) -> int:
    depth = 0
    for pos in range(open_at, len(text)):
        depth += 1 if text[pos] in "({[" else 0
        depth -= 1 if text[pos] in ")}]" else 0
        if depth == 0:
            return pos
    raise AssertionError("unbalanced")


def _env_keys(body: str, locals_: dict[str, str]) -> tuple[set[str], set[str]]:
    """(keys always set, keys that may be set) of a function's environment variables."""
    match = re.search(r"variables\s*=\s*(local\.(\w+))?", body)
    if match is None:
        return set(), set()
    if match.group(2) is None:
        rest = body[match.end() :]
        if rest.startswith("merge("):
            # merge(local.x, {...}): the keys of every merged object, literal or local
            merged = rest[: _closing(rest, len("merge(") - 1) + 1]
            keys = set()
            for name in re.findall(r"local\.(\w+)", merged):
                keys |= _keys(locals_[name])
            for brace in re.finditer(r"\{", merged):
                if merged[: brace.start()].count("{") == merged[: brace.start()].count("}"):
                    keys |= _keys(_body(merged, brace.start()))
            return keys, keys
        keys = _keys(_body(body, match.end()))
        return keys, keys
    expression = locals_[match.group(2)]
    possible = set(re.findall(r"\b([A-Z][A-Z0-9_]*)\s*=", expression))
    first = re.search(r"\{", expression)
    always = _keys(_body(expression, first.start())) if first else set()
    return always, possible


def _resolve_name(expr: str, locals_: dict[str, str], prefix: str) -> str:
    expr = expr.strip()
    match = re.fullmatch(r"local\.(\w+)(?:\.(\w+))?", expr)
    if match:
        value = locals_[match.group(1)]
        if match.group(2):
            inner = re.search(rf'(?m)^\s*{match.group(2)}\s*=\s*(".*?")', value)
            assert inner, expr
            value = inner.group(1)
        return _resolve_name(value, locals_, prefix)
    assert expr.startswith('"') and expr.endswith('"'), expr
    name = expr[1:-1].replace("${var.name_prefix}", prefix)
    # replace("<literal>", "<old>", "<new>"), as modules/lambda_function derives a name from its function key
    call = r'\$\{replace\("([^"]*)", "([^"]*)", "([^"]*)"\)\}'
    return re.sub(call, lambda m: m.group(1).replace(m.group(2), m.group(3)), name)


@pytest.mark.parametrize("key", sorted(SPECS))
def test_functions_match_the_module(key: str) -> None:
    spec: WorkflowSpec = SPECS[key]
    text = _module_text(spec.module)
    locals_ = _locals(text)
    deployed = {}
    for body in _resources(text, "aws_lambda_function").values():
        package = re.search(r'filename\s*=\s*".*/(\w+)\.zip"', body)
        assert package, body
        name = re.search(r"(?m)^\s*function_name\s*=\s*(.+)$", body)
        assert name
        deployed[_resolve_name(name.group(1), locals_, "px")] = (package.group(1), _env_keys(body, locals_))
    assert {f.name for f in spec.functions} == set(deployed)
    for function in spec.functions:
        package, (always, possible) = deployed[function.name]
        assert function.function == package
        assert always <= set(function.env) <= possible, function.name


@pytest.mark.parametrize("key", sorted(SPECS))
def test_state_machine_template_and_variables_match(key: str) -> None:
    spec = SPECS[key]
    text = _module_text(spec.module)
    machines = _resources(text, "aws_sfn_state_machine")
    assert len(machines) == 1
    (body,) = machines.values()
    template = re.search(
        r'templatefile\("\$\{path\.module\}/\.\./\.\./statemachines/(\w+)\.asl\.json",\s*(\S+?)\)', body
    )
    assert template, body
    assert template.group(1) == spec.template
    assert template.group(2) == "local.asl_vars"
    assert _keys(_locals(text)["asl_vars"]) == set(spec.asl_vars)
    name = re.search(r"(?m)^\s*name\s*=\s*(.+)$", body)
    assert name and _resolve_name(name.group(1), _locals(text), "px") == spec.state_machine_name


@pytest.mark.parametrize("key", sorted(SPECS))
def test_rules_and_targets_match(key: str) -> None:
    spec = SPECS[key]
    text = _module_text(spec.module)
    rules = _resources(text, "aws_cloudwatch_event_rule")
    assert len(rules) == len(spec.rules)
    functions = _resources(text, "aws_lambda_function")
    targets = _resources(text, "aws_cloudwatch_event_target")
    for rule in spec.rules:
        matching = [(label, body) for label, body in rules.items() if rule.pattern_file.name in body]
        assert len(matching) == 1, rule.pattern_file
        label, body = matching[0]
        assert rule.pattern_file.parent == MODULES_DIR / spec.module / "event_patterns"
        call = re.search(r"event_patterns/" + re.escape(rule.pattern_file.name) + r'",\s*', body)
        assert call
        assert _keys(_body(body, call.end())) == set(rule.pattern_vars)
        on_custom_bus = re.search(r"(?m)^\s*event_bus_name\s*=\s*var\.event_bus_name", body) is not None
        assert on_custom_bus == (rule.bus != "default")
        rule_targets = [t for t in targets.values() if re.search(rf"aws_cloudwatch_event_rule\.{label}\.name", t)]
        assert len(rule_targets) == 1
        target = rule_targets[0]
        assert "input_path" not in target and "input_transformer" not in target and "input " not in target
        function_label = re.search(r"arn\s*=\s*aws_lambda_function\.(\w+)\.arn", target)
        assert function_label
        package = re.search(r'filename\s*=\s*".*/(\w+)\.zip"', functions[function_label.group(1)])
        assert package and package.group(1) == rule.target


def test_every_workflow_module_is_deployed_locally() -> None:
    with_rules = {
        p.parent.name
        for p in Path(MODULES_DIR).glob("*/main.tf")
        if p.parent.name not in INTERNAL_MODULES and "aws_sfn_state_machine" in _module_text(p.parent.name)
    }
    assert with_rules <= {spec.module for spec in SPECS.values()}
