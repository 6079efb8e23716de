"""Offline Terraform validation behind ``make validate`` (``contextual-targeting validate-tf``).

Never bundled into Lambda zips. Checks: HCL parse + ``terraform fmt``, provider schema (from the cdktn-provider-aws
wheel), wiring (what ``terraform validate`` catches), checkov, IAM lint with parliament, and ``terraform validate``
where a terraform >= 1.5 with registry access exists. Every problem is a :class:`Finding`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True, order=True)
class Finding:
    path: str  # relative to the checked root
    line: int
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.check}] {self.message}"
