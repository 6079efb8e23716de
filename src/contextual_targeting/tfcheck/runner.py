"""Run every check over a tree and collect findings (the engine behind ``contextual-targeting validate-tf``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from contextual_targeting.tfcheck import Finding, iam
from contextual_targeting.tfcheck.hcl import tf_dirs
from contextual_targeting.tfcheck.security import (
    check_public_acls,
    check_suppressions,
    checkov_findings,
    run_checkov,
    write_report,
)
from contextual_targeting.tfcheck.tools import check_fmt, find_validate_terraform
from contextual_targeting.tfcheck.wiring import check_templates, load_tree


@dataclass
class Options:
    root: Path
    tools_venv: Path | None = None
    skip_checkov: bool = False
    skip_parliament: bool = False
    skip_terraform: bool = False
    skip_fmt: bool = False
    security_report: Path | None = None


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one-line statuses (what ran, what was skipped and why)

    @property
    def ok(self) -> bool:
        return not self.findings


def run(options: Options, log: Callable[[str], None] = lambda _line: None) -> Result:
    root = options.root.resolve()
    result = Result()
    dirs = tf_dirs(root)
    if not dirs:
        result.notes.append(f"no *.tf files under {root}")
        return result

    started = time.monotonic()
    parse_findings: list[Finding] = []
    tree = load_tree(root, parse_findings)
    result.findings += parse_findings
    files = sum(len(m.files) for m in tree.values())
    result.notes.append(f"hcl: parsed {files} file(s) in {len(dirs)} module(s)")

    if not options.skip_fmt:
        fmt_findings, skipped = check_fmt(dirs, root)
        result.findings += fmt_findings
        result.notes.append(f"terraform fmt: skipped ({skipped})" if skipped else "terraform fmt -check: done")

    # arguments, types, references, module calls and provider constraints: terraform validate/plan, below
    for module in tree.values():
        check_templates(module, root, result.findings)
    modules = list(tree.values())
    check_suppressions(modules, result.findings)
    check_public_acls(modules, result.findings)
    log(f"static checks: {time.monotonic() - started:.1f}s")

    tools_python = options.tools_venv / "bin" / "python" if options.tools_venv else None
    policies = [policy for module in modules for policy in iam.collect(module)]
    iam.check_wildcards(policies, iam.wildcard_actions(root), result.findings)
    if options.skip_parliament:
        result.notes.append("iam lint (parliament): skipped (--skip-parliament)")
    elif tools_python is None or not tools_python.exists():
        result.findings.append(
            Finding(".", 1, "iam", "parliament needs --tools-venv (make validate creates .venv-tools)")
        )
    else:
        started = time.monotonic()
        iam.run_parliament(policies, tools_python, result.findings)
        result.notes.append(f"iam lint: {len(policies)} policy document(s) checked with parliament")
        log(f"parliament: {time.monotonic() - started:.1f}s")

    checkov = options.tools_venv / "bin" / "checkov" if options.tools_venv else None
    if options.skip_checkov:
        result.notes.append("checkov: skipped (--skip-checkov)")
    elif checkov is None or not checkov.exists():
        result.findings.append(
            Finding(".", 1, "checkov", "checkov needs --tools-venv (make validate creates .venv-tools)")
        )
    else:
        started = time.monotonic()
        report = run_checkov(root, checkov)
        checkov_findings(report, result.findings)
        result.notes.append(
            f"checkov {report.version}: {report.passed} passed, {len(report.failed)} failed, "
            f"{len(report.skipped)} skipped"
        )
        if options.security_report:
            write_report(report, options.security_report)
            result.notes.append(f"checkov summary written to {options.security_report}")
        log(f"checkov: {time.monotonic() - started:.1f}s")

    if options.skip_terraform:
        result.notes.append("terraform validate: skipped (--skip-terraform)")
    else:
        binary, detail = find_validate_terraform()
        if binary is None:
            # without a terraform >= 1.5 the template, IAM and security checks above are all there is
            result.notes.append(
                f"terraform init/validate/plan: skipped ({detail}); only the template wiring, IAM and security "
                "checks ran — arguments, types and references are checked by terraform alone"
            )
        else:
            from contextual_targeting.tfprovider.plan import Planner, status_line

            started = time.monotonic()
            done = Planner(root, binary=binary).plan_all(log=log)
            for run in done:
                result.findings += run.findings
            result.notes.append(status_line(done, detail) + f" in {time.monotonic() - started:.0f}s")

    result.findings = sorted(set(result.findings))
    return result
