"""checkov over the tree (tools virtualenv), suppression hygiene, a public-ACL rule, and the docs/security.md report."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contextual_targeting.tfcheck import Finding
from contextual_targeting.tfcheck.hcl import unquote
from contextual_targeting.tfcheck.wiring import Module

SKIP_PATHS = [".venv", ".venv-tools", "node_modules", "build", "tests", ".terraform"]
_SKIP = re.compile(r"#\s*checkov:skip=([A-Za-z0-9_]+)(?::(.*))?$")
PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}
MIN_REASON = 10


@dataclass
class CheckovReport:
    version: str = ""
    passed: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    parsing_errors: list[str] = field(default_factory=list)


def check_suppressions(modules: list[Module], findings: list[Finding]) -> None:
    """Every ``#checkov:skip=ID:reason`` carries a real reason."""
    for module in modules:
        for tf in module.files:
            for number, line in enumerate(tf.text.splitlines(), start=1):
                match = _SKIP.search(line.strip())
                if not match:
                    continue
                reason = (match.group(2) or "").strip()
                if len(reason) < MIN_REASON:
                    findings.append(
                        Finding(
                            tf.rel,
                            number,
                            "checkov-skip",
                            f"#checkov:skip={match.group(1)} needs a reason: #checkov:skip={match.group(1)}:<why>",
                        )
                    )


def check_public_acls(modules: list[Module], findings: list[Finding]) -> None:
    """No canned ACL that opens a bucket (also checkov CKV_AWS_20; this rule works without the tools venv)."""
    for module in modules:
        for (type_name, name), decl in sorted(module.resources.items()):
            if type_name not in {"aws_s3_bucket_acl", "aws_s3_bucket", "aws_s3_object"}:
                continue
            acl = decl.body.get("acl")
            if isinstance(acl, str) and unquote(acl) in PUBLIC_ACLS:
                span = decl.tf.block_span(decl.header)
                line = decl.tf.find_in(span, r"^[ \t]*acl[ \t]*=") or decl.line
                findings.append(
                    Finding(
                        decl.tf.rel,
                        line,
                        "s3-public-acl",
                        f'{type_name}.{name}: acl = "{unquote(acl)}" makes objects public; buckets are '
                        "BucketOwnerEnforced with all public access blocked",
                    )
                )


def run_checkov(root: Path, checkov: Path) -> CheckovReport:
    command = [str(checkov), "-d", ".", "--framework", "terraform", "--compact", "-o", "json", "--skip-download"]
    # checkov matches --skip-path as a regex against full paths: pass the existing directories themselves
    for path in SKIP_PATHS:
        if (root / path).exists():
            command += ["--skip-path", re.escape(str(root / path))]
    command += ["--skip-path", r"/\.terraform/"]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=root)
    try:
        data: Any = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"checkov failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}") from exc
    report = CheckovReport()
    for section in data if isinstance(data, list) else [data]:
        summary = section.get("summary", {})
        report.version = summary.get("checkov_version", report.version)
        report.passed += int(summary.get("passed", 0))
        results = section.get("results", {})
        report.failed += results.get("failed_checks", [])
        report.skipped += results.get("skipped_checks", [])
        report.parsing_errors += results.get("parsing_errors", [])
    return report


def checkov_findings(report: CheckovReport, findings: list[Finding]) -> None:
    for check in report.failed:
        line = (check.get("file_line_range") or [1])[0]
        findings.append(
            Finding(
                str(check.get("file_path", "")).lstrip("/"),
                int(line),
                "checkov",
                f"{_address(check)}: {check['check_id']} {check.get('check_name', '')}",
            )
        )
    for path in report.parsing_errors:
        findings.append(Finding(str(path).lstrip("/"), 1, "checkov", "checkov could not parse this file"))


def _address(check: dict[str, Any]) -> str:
    resource = str(check.get("resource", ""))
    return re.sub(r"^(module\.[^.]+\.)+", "", resource) or resource


def write_report(report: CheckovReport, path: Path) -> None:
    lines = [
        "# Security scan (checkov)",
        "",
        "Written by `make validate` (`contextual-targeting validate-tf --write-security-report`): checkov "
        f"{report.version} over every Terraform module, `--framework terraform`. Suppressions are inline "
        "`#checkov:skip=ID:reason` comments inside the resource; `make validate` rejects a skip without a reason.",
        "",
        "| passed | failed | skipped |",
        "| ---: | ---: | ---: |",
        f"| {report.passed} | {len(report.failed)} | {len(report.skipped)} |",
        "",
        "(counts are per module instance: a module called twice is scanned twice)",
        "",
        "## Skipped checks and why",
        "",
    ]
    unique = {(c.get("file_path", ""), _address(c), c["check_id"]): c for c in report.skipped}
    if unique:
        lines += ["| check | resource | file | reason |", "| --- | --- | --- | --- |"]
        for check in sorted(unique.values(), key=lambda c: (c.get("file_path", ""), _address(c), c["check_id"])):
            reason = (check.get("check_result") or {}).get("suppress_comment", "").replace("|", "\\|")
            lines.append(
                f"| {check['check_id']} {check.get('check_name', '')} | `{_address(check)}` | "
                f"`{str(check.get('file_path', '')).lstrip('/')}` | {reason} |"
            )
    else:
        lines.append("None.")
    lines += ["", "## Failed checks", ""]
    if report.failed:
        lines += ["| check | resource | file |", "| --- | --- | --- |"]
        for check in report.failed:
            lines.append(
                f"| {check['check_id']} {check.get('check_name', '')} | `{_address(check)}` | "
                f"`{str(check.get('file_path', '')).lstrip('/')}` |"
            )
    else:
        lines.append("None — `make validate` fails on any unsuppressed checkov failure.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
