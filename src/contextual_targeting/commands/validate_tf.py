"""`contextual-targeting validate-tf`: offline Terraform validation (``make validate``).

Prints one line per finding, ``path/to/file.tf:LINE: [check] message``, then a summary; exits 1 on any finding.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def current_repository(start: Path | None = None) -> Path:
    """The repository the command runs in: the nearest directory from ``start`` (default: the working directory)
    upwards that holds ``.git`` (a folder, or a file in a git worktree); ``start`` itself outside any repository."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return here


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate-tf",
        help="Terraform checks: fmt, ASL template wiring, IAM lint, checkov, then terraform init/validate/"
        "plan "
        "through the local hashicorp/aws provider (terraform >= 1.5)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="tree to check (default: the git repository of the current directory, else the current directory)",
    )
    parser.add_argument(
        "--tools-venv",
        type=Path,
        default=None,
        help="virtualenv with checkov and parliament (make validate passes .venv-tools; default: none)",
    )
    parser.add_argument("--skip-checkov", action="store_true", help="do not run checkov")
    parser.add_argument("--skip-parliament", action="store_true", help="do not run the parliament IAM lint")
    parser.add_argument("--skip-terraform", action="store_true", help="do not run terraform init/validate/plan")
    parser.add_argument("--skip-fmt", action="store_true", help="do not run terraform fmt -check")
    parser.add_argument(
        "--write-security-report",
        type=Path,
        nargs="?",
        const=Path("docs/security.md"),
        default=None,
        metavar="FILE",
        help="write the checkov summary to FILE (default docs/security.md, relative to --root)",
    )
    parser.set_defaults(func=_run)


def _run(args: Any) -> int:
    from contextual_targeting.tfcheck.runner import Options, run

    root = args.root.resolve() if args.root else current_repository()
    report = args.write_security_report
    options = Options(
        root=root,
        tools_venv=args.tools_venv.resolve() if args.tools_venv else None,
        skip_checkov=args.skip_checkov,
        skip_parliament=args.skip_parliament,
        skip_terraform=args.skip_terraform,
        skip_fmt=args.skip_fmt,
        security_report=(report if report.is_absolute() else root / report) if report else None,
    )
    result = run(options, log=lambda line: print(line, file=sys.stderr))
    for note in result.notes:
        print(note)
    for finding in result.findings:
        print(finding)
    if result.findings:
        print(f"validate-tf: {len(result.findings)} finding(s)", file=sys.stderr)
        return 1
    print("validate-tf: OK")
    return 0
