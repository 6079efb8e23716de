"""IAM lint: every policy the configuration builds, rendered to JSON and checked with parliament.

Policies come from ``data "aws_iam_policy_document"`` blocks and from ``jsonencode({... Statement ...})`` values.
References are rendered into placeholder ARNs of the right shape (``${aws_s3_bucket.data.arn}/*`` becomes
``arn:aws:s3:::placeholder/*``; partition/region/account references become ``aws``/``us-east-1``/an account id);
a reference whose ARN shape is unknown becomes ``arn:aws:<service>:*:*:*`` so it cannot cause a false mismatch.
parliament runs once, in the tools virtualenv, over all policies. ``Resource = "*"`` is allowed only for the
actions listed in ``docs/iam-wildcards.md``.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2

from contextual_targeting.tfcheck import Finding
from contextual_targeting.tfcheck.hcl import META_KEYS, is_block_list, unquote
from contextual_targeting.tfcheck.wiring import Decl, Module

ACCOUNT = "123456789012"
REGION = "us-east-1"
ARN_SHAPES = {
    "s3_bucket": "arn:aws:s3:::placeholder",
    "sfn_state_machine": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:placeholder",
    "lambda_function": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:placeholder",
    "sns_topic": f"arn:aws:sns:{REGION}:{ACCOUNT}:placeholder",
    "sqs_queue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:placeholder",
    "cloudwatch_log_group": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:placeholder",
    "cloudwatch_event_bus": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/placeholder",
    "cloudwatch_event_rule": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/placeholder",
    "cloudwatch_event_archive": f"arn:aws:events:{REGION}:{ACCOUNT}:archive/placeholder",
    "kms_key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/placeholder",
    "kms_alias": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/placeholder",
    "iam_role": f"arn:aws:iam::{ACCOUNT}:role/placeholder",
    "dynamodb_table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/placeholder",
    "pinpoint_app": f"arn:aws:mobiletargeting:{REGION}:{ACCOUNT}:apps/placeholder",
}
_ARN_REF = re.compile(r"^(?:data\.)?aws_([a-z0-9_]+)\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?\.arn$")
_INTERP = re.compile(r"\$\{((?:[^{}]|\{[^{}]*\})*)\}")
IGNORED_ISSUES = {"RESOURCE_STAR"}  # handled by the wildcard list below
_WILDCARD_ACTION = re.compile(r"`([A-Za-z0-9-]+:[A-Za-z0-9*]+)`")


@dataclass
class Policy:
    decl: Decl
    address: str
    document: dict[str, Any]


def _service(actions: list[str]) -> str:
    for action in actions:
        if ":" in action:
            return action.split(":", 1)[0].lower()
    return "*"


def _generic_arn(service: str) -> str:
    return "arn:aws:s3:::*" if service == "s3" else f"arn:aws:{service}:*:*:*"


def _render_expr(expr: str, service: str, leading: bool) -> str:
    expr = expr.strip()
    ref = _ARN_REF.match(expr)
    if ref and ref.group(1) in ARN_SHAPES:
        return ARN_SHAPES[ref.group(1)]
    if expr.endswith(".partition"):
        return "aws"
    if expr.endswith((".region", ".name")) and "aws_region" in expr:
        return REGION
    if expr.endswith(".account_id"):
        return ACCOUNT
    if expr.endswith(".dns_suffix"):
        return "amazonaws.com"
    return _generic_arn(service) if leading else "placeholder"


def _render(value: Any, service: str) -> Any:
    """A python-hcl2 value rendered to plain JSON: literal strings unquoted, references as placeholders."""
    if isinstance(value, list):
        return [_render(v, service) for v in value]
    if isinstance(value, dict):
        return {unquote(str(k)): _render(v, service) for k, v in value.items() if k not in META_KEYS}
    if not isinstance(value, str):
        return value
    if value.startswith('"') and value.endswith('"'):
        text = value[1:-1]
    elif value.startswith("${") and value.endswith("}"):
        return _render_expr(value[2:-1], service, True)
    else:
        text = value
    return _INTERP.sub(lambda m: _render_expr(m.group(1), service, m.start() == 0), text)


def _literal_list(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [unquote(v) for v in items if isinstance(v, str) and v.startswith('"') and "${" not in v]


def _statements_from_document(body: dict[str, Any]) -> list[dict[str, Any]]:
    raw: list[dict[str, Any]] = []
    if is_block_list(body.get("statement")):
        raw += body["statement"]
    for entry in body.get("dynamic", []) if isinstance(body.get("dynamic"), list) else []:
        for label, dyn in entry.items():
            if unquote(label) == "statement" and isinstance(dyn, dict):
                raw += [c for c in dyn.get("content", []) if isinstance(c, dict)]
    statements = []
    for item in raw:
        actions = _literal_list(item.get("actions", []))
        not_actions = _literal_list(item.get("not_actions", []))
        service = _service(actions or not_actions)
        statement: dict[str, Any] = {"Effect": unquote(str(item.get("effect", '"Allow"')))}
        if "sid" in item:
            statement["Sid"] = _render(item["sid"], service)
        if actions:
            statement["Action"] = actions
        if not_actions:
            statement["NotAction"] = not_actions
        for key, out in (("resources", "Resource"), ("not_resources", "NotResource")):
            if key in item:
                rendered = _render(item[key], service)
                statement[out] = rendered if isinstance(rendered, list) else [rendered]
        for key, out in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            if is_block_list(item.get(key)):
                principal: dict[str, list[str]] = {}
                for block in item[key]:
                    kind = str(_render(block.get("type", '"AWS"'), service))
                    ids = _render(block.get("identifiers", []), "iam")
                    ids = ids if isinstance(ids, list) else [ids]
                    if kind == "AWS":  # an unknown reference is most likely a role ARN
                        ids = [f"arn:aws:iam::{ACCOUNT}:root" if i == _generic_arn("iam") else i for i in ids]
                    principal.setdefault(kind, []).extend(ids)
                statement[out] = "*" if principal in ({"AWS": ["*"]}, {"*": ["*"]}) else principal
        if is_block_list(item.get("condition")):
            condition: dict[str, dict[str, Any]] = {}
            for block in item["condition"]:
                test, variable = _render(block.get("test"), service), _render(block.get("variable"), service)
                condition.setdefault(str(test), {})[str(variable)] = _render(block.get("values", []), service)
            statement["Condition"] = condition
        statements.append(statement)
    return statements


def _jsonencode_documents(value: Any) -> list[dict[str, Any]]:
    """Policy documents written as ``jsonencode({...})`` anywhere inside a block body."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key not in META_KEYS:
                found += _jsonencode_documents(inner)
    elif isinstance(value, list):
        for inner in value:
            found += _jsonencode_documents(inner)
    elif isinstance(value, str) and value.startswith("${jsonencode(") and "Statement" in value:
        try:
            parsed = hcl2.loads(f"x = {value[len('${jsonencode(') : -2]}\n")["x"]
        except Exception:
            return found
        if isinstance(parsed, dict) and any(unquote(str(k)) == "Statement" for k in parsed):
            found.append(parsed)
    return found


def _render_json_document(raw: dict[str, Any]) -> dict[str, Any]:
    doc = {unquote(str(k)): v for k, v in raw.items() if k not in META_KEYS}
    statements = doc.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    rendered = []
    for statement in statements:
        if not isinstance(statement, dict):
            continue
        items = {unquote(str(k)): v for k, v in statement.items() if k not in META_KEYS}
        actions = _literal_list(items.get("Action", items.get("NotAction", [])))
        rendered.append(_render(items, _service(actions)))
    return {"Version": _render(doc.get("Version", '"2012-10-17"'), "*"), "Statement": rendered}


def collect(module: Module) -> list[Policy]:
    policies: list[Policy] = []
    for (type_name, name), decl in sorted(module.data.items()):
        if type_name == "aws_iam_policy_document":
            statements = _statements_from_document(decl.body)
            policies.append(
                Policy(decl, f"data.{type_name}.{name}", {"Version": "2012-10-17", "Statement": statements})
            )
    for table, prefix in ((module.resources, ""), (module.data, "data.")):
        for (type_name, name), decl in sorted(table.items()):
            for raw in _jsonencode_documents(decl.body):
                policies.append(Policy(decl, f"{prefix}{type_name}.{name}", _render_json_document(raw)))
    return policies


def wildcard_actions(root: Path) -> list[str]:
    path = root / "docs" / "iam-wildcards.md"
    if not path.exists():
        return []
    return sorted(set(_WILDCARD_ACTION.findall(path.read_text(encoding="utf-8"))))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _is_trust_statement(statement: dict[str, Any]) -> bool:
    actions = [str(a) for a in _as_list(statement.get("Action", []))]
    return (
        "Principal" in statement
        and "Resource" not in statement
        and "NotResource" not in statement
        and all(a.lower().startswith("sts:") for a in actions)
    )


def check_wildcards(policies: list[Policy], allowed: list[str], findings: list[Finding]) -> None:
    for policy in policies:
        for statement in policy.document.get("Statement", []):  # a merge-only document may have none
            if statement.get("Effect", "Allow") != "Allow" or "*" not in _as_list(statement.get("Resource", [])):
                continue
            if "Principal" in statement:  # a resource policy (KMS key policy): "*" is the resource it is attached to
                continue
            for action in _as_list(statement.get("Action", [])):
                if not any(fnmatch.fnmatchcase(str(action).lower(), a.lower()) for a in allowed):
                    findings.append(
                        Finding(
                            policy.decl.tf.rel,
                            _line_of(policy, str(action)),
                            "iam",
                            f'{policy.address}: {action} on Resource "*" — not listed in docs/iam-wildcards.md; '
                            "use an exact ARN or list the action there with the reason",
                        )
                    )


def _line_of(policy: Policy, needle: str) -> int:
    tf = policy.decl.tf
    span = tf.block_span(policy.decl.header)
    if span:
        position = tf.text.find(needle, span[0], span[1])
        if position >= 0:
            return tf.line_of(position)
    return policy.decl.line


def _for_parliament(statement: dict[str, Any]) -> dict[str, Any]:
    """Trust statements have no Resource (parliament would call them MALFORMED): check their actions on "*"."""
    if _is_trust_statement(statement):
        trimmed = {k: v for k, v in statement.items() if k not in {"Principal", "NotPrincipal"}}
        return {**trimmed, "Resource": "*"}
    return statement


def _collapse_conditions(statement: dict[str, Any]) -> dict[str, Any]:
    """``{"Bool": {"aws:SecureTransport": ["false"]}}`` → ``"false"``: parliament 1.6 crashes on one-item lists."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return statement
    collapsed = {
        operator: {
            key: (value[0] if isinstance(value, list) and len(value) == 1 else value) for key, value in keys.items()
        }
        if isinstance(keys, dict)
        else keys
        for operator, keys in condition.items()
    }
    return {**statement, "Condition": collapsed}


def _newer_than_parliament(detail: str) -> bool:
    """An action parliament's (older) database lacks but botocore's service model has: the operation exists in a
    service whose signing name is the action's prefix (e.g. ``profile:CreateUploadJob``, added to Customer Profiles
    in July 2025). Anything else stays a finding."""
    match = re.search(r"Unknown action ([a-z0-9-]+):([A-Za-z0-9]+)", detail)
    if not match:
        return False
    prefix, action = match.groups()
    return action in _botocore_operations().get(prefix, set())


@functools.lru_cache(maxsize=1)
def _botocore_operations() -> dict[str, set[str]]:
    """``{IAM prefix (signing name / endpoint prefix): operation names}`` over botocore's service models."""
    import botocore.session

    session = botocore.session.get_session()
    found: dict[str, set[str]] = {}
    for service in session.get_available_services():
        model = session.get_service_model(service)
        for prefix in {model.signing_name, model.endpoint_prefix}:
            found.setdefault(prefix, set()).update(model.operation_names)
    return found


_PARLIAMENT_SCRIPT = r"""
import json, sys
from parliament import analyze_policy_string
out = []
for doc in json.load(sys.stdin):
    try:
        policy = analyze_policy_string(json.dumps(doc), ignore_private_auditors=True)
        out.append([{"issue": f.issue, "detail": f.detail} for f in policy.findings])
    except Exception as exc:
        out.append([{"issue": "PARLIAMENT_ERROR", "detail": f"{type(exc).__name__}: {exc}"}])
json.dump(out, sys.stdout, default=str)
"""


def run_parliament(policies: list[Policy], python: Path, findings: list[Finding]) -> None:
    documents = []
    for policy in policies:
        statements = [_collapse_conditions(_for_parliament(s)) for s in policy.document.get("Statement", [])]
        documents.append({"Version": policy.document.get("Version", "2012-10-17"), "Statement": statements})
    checked = [(p, d) for p, d in zip(policies, documents, strict=True) if d["Statement"]]
    if not checked:
        return
    proc = subprocess.run(
        [str(python), "-c", _PARLIAMENT_SCRIPT],
        input=json.dumps([d for _, d in checked]),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"parliament failed: {proc.stderr.strip()[-500:]}")
    for (policy, _doc), issues in zip(checked, json.loads(proc.stdout), strict=True):
        for issue in issues:
            if issue["issue"] in IGNORED_ISSUES:
                continue
            detail = issue["detail"]
            if issue["issue"] == "UNKNOWN_ACTION" and _newer_than_parliament(str(detail)):
                continue
            needle = ""
            if isinstance(detail, str):
                match = re.search(r"[a-z0-9-]+:[A-Za-z0-9*]+", detail)
                needle = match.group(0) if match else ""
            elif isinstance(detail, list) and detail and isinstance(detail[0], dict):
                needle = str(detail[0].get("action", ""))
            findings.append(
                Finding(
                    policy.decl.tf.rel,
                    _line_of(policy, needle) if needle else policy.decl.line,
                    "iam",
                    f"{policy.address}: parliament {issue['issue']}: {json.dumps(detail, default=str)[:300]}",
                )
            )
