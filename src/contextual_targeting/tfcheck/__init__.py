"""Offline Terraform validation behind ``make validate`` (``contextual-targeting validate-tf``).

Never bundled into Lambda zips. Terraform checks what Terraform knows: ``terraform init``, ``validate`` and ``plan``
on every module, destination combination and example, through the local provider serving the real hashicorp/aws
schema (``tfprovider/``). This package keeps only what Terraform does not check: ``terraform fmt``, the ASL template
wiring (``wiring.py``), the IAM lint (parliament, the ``*``-resource allow-list) and the security checks (checkov,
public ACLs, skip reasons). Every problem is a :class:`Finding`.
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
