"""``terraform init``, ``validate`` and ``plan`` through the local provider, with tftest (``make validate``).

The tree is copied into a scratch workspace (``.cache/tfplan/<tree hash>/``, ``build/`` linked) so that
``.terraform/`` and the dependency lock file Terraform writes — whose hashes would be our launcher's — never land in
the repository. Every ``segment_destinations`` combination of the root is planned (the destinations are read from
the variable's validation in ``variables.tf``, so a new destination is planned as soon as it is allowed there), and
every example. Plan JSON is kept per tree hash so the tests reuse what ``make validate`` planned.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import json
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
import tftest

from contextual_targeting.tfcheck import REPO_ROOT, Finding
from contextual_targeting.tfcheck.tools import _validate_findings
from contextual_targeting.tfprovider import mirror

COPIED = ("modules", "examples", "statemachines")
# Root inputs a destination needs that have no default (modules/connect_destination must be given a Customer
# Profiles domain or create one): planned with these values whenever the destination is in the combination.
DESTINATION_INPUTS: dict[str, dict[str, Any]] = {
    "connect": {"customer_profiles_domain_name": "contextual-targeting-plan"}
}
KEEP_TREES = 3  # planned trees kept under .cache/tfplan (older ones, all written by this module, are removed)
_CONTAINS = re.compile(r"contains\(\[([^\]]*)\]")


def destinations(root: Path) -> list[str]:
    """The values ``segment_destinations`` may hold, from its validation in the root's ``variables.tf``."""
    with (root / "variables.tf").open() as handle:
        parsed = hcl2.load(handle)
    for block in parsed.get("variable", []):
        for name, body in block.items():
            if name.strip('"') != "segment_destinations":
                continue
            for validation in body.get("validation", []):
                match = _CONTAINS.search(str(validation.get("condition", "")))
                if match:
                    return sorted(v.strip().strip('"') for v in match.group(1).split(",") if v.strip())
    raise ValueError("variables.tf: no segment_destinations validation of the form contains([...], d)")


def combinations(values: Iterable[str]) -> list[list[str]]:
    items = sorted(values)
    return [list(c) for n in range(len(items) + 1) for c in itertools.combinations(items, n)]


def tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    files = [p for p in root.glob("*.tf")] + [p for d in COPIED for p in (root / d).rglob("*") if p.is_file()]
    for path in sorted(files):
        if ".terraform" in path.parts:
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (pytest workers, make validate) planning the same tree."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def workspace(root: Path, cache: Path) -> Path:
    """A copy of the tree's Terraform (root *.tf, modules/, examples/, statemachines/) with build/ linked."""
    digest = tree_hash(root)
    with locked(cache / f"{digest}.lock"):
        return _workspace(root, cache, digest)


def _workspace(root: Path, cache: Path, digest: str) -> Path:
    target = cache / digest / "tree"
    if (target / ".complete").exists():
        return target
    planned = sorted(
        (d for d in cache.iterdir() if d.is_dir() and (d / "tree").exists()), key=lambda d: d.stat().st_mtime
    )
    for old in planned[: max(0, len(planned) - KEEP_TREES + 1)]:
        shutil.rmtree(old, ignore_errors=True)
        (cache / f"{old.name}.lock").unlink(missing_ok=True)
    if target.exists():
        shutil.rmtree(target)  # an interrupted copy of ours
    target.mkdir(parents=True)
    for path in root.glob("*.tf"):
        shutil.copy2(path, target / path.name)
    for name in COPIED:
        if (root / name).exists():
            shutil.copytree(root / name, target / name, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    (target / "build").symlink_to((root / "build").resolve(), target_is_directory=True)
    (target / ".complete").write_text("")
    return target


@dataclass
class Run:
    name: str  # "root [pinpoint, ses]", "examples/minimal"
    directory: str  # relative to the tree
    tf_vars: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    plan: dict[str, Any] | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def key(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


def runs(root: Path) -> list[Run]:
    out = []
    for combo in combinations(destinations(root)):
        tf_vars: dict[str, Any] = {"segment_destinations": combo}
        for destination in combo:
            tf_vars.update(DESTINATION_INPUTS.get(destination, {}))
        out.append(Run(f"root [{', '.join(combo)}]", ".", tf_vars))
    examples = sorted(p.parent for p in (root / "examples").glob("*/main.tf"))
    out += [Run(f"examples/{d.name}", f"examples/{d.name}") for d in examples]
    return out


class Planner:
    def __init__(self, root: Path = REPO_ROOT, cache: Path | None = None, binary: str | None = None) -> None:
        self.root = root.resolve()
        self.cache = (cache or self.root / ".cache" / "tfplan").resolve()
        self.binary = binary
        self.rc = mirror.build()  # the mirror serves this package, whatever tree is planned
        self.tree = workspace(self.root, self.cache)
        self._initialized: set[str] = set()

    def _tf(self, directory: str) -> tftest.TerraformTest:
        data_dir = self.tree.parent / "data" / (directory.replace("/", "-") or "root")
        env = mirror.terraform_env(self.rc, data_dir)
        return tftest.TerraformTest(self.tree / directory, binary=self.binary or "terraform", env=env)

    def _findings(self, error: tftest.TerraformTestError, directory: str, step: str) -> list[Finding]:
        stderr = error.args[1] if len(error.args) > 1 and error.args[1] else str(error)
        found = _validate_findings(stderr, self.tree / directory, self.tree)
        return [Finding(f.path, f.line, f"terraform-{step}", f.message) for f in found]

    def init_and_validate(self, directory: str) -> tuple[list[Finding], dict[str, float]]:
        with locked(self.tree.parent / "locks" / f"dir-{directory.replace('/', '-')}"):
            return self._init_and_validate(directory)

    def _init_and_validate(self, directory: str) -> tuple[list[Finding], dict[str, float]]:
        tf = self._tf(directory)
        seconds: dict[str, float] = {}
        started = time.monotonic()
        try:
            tf.setup(backend=False, cleanup_on_exit=False, color=False, input=False)
        except tftest.TerraformTestError as error:
            return self._findings(error, directory, "init"), seconds
        seconds["init"] = time.monotonic() - started
        started = time.monotonic()
        try:
            tf.execute_command("validate", "-no-color")
        except tftest.TerraformTestError as error:
            return self._findings(error, directory, "validate"), seconds
        seconds["validate"] = time.monotonic() - started
        self._initialized.add(directory)
        return [], seconds

    def terraform_test(self, directory: str) -> tuple[list[Finding], str]:
        """``terraform test`` in a module of the copied tree (its ``tests/*.tftest.hcl``); findings and the output."""
        with locked(self.tree.parent / "locks" / f"dir-{directory.replace('/', '-')}"):
            tf = self._tf(directory)
            try:
                tf.setup(backend=False, cleanup_on_exit=False, color=False, input=False)
                out = tf.execute_command("test", "-no-color")
            except tftest.TerraformTestError as error:
                return self._findings(error, directory, "test"), str(error)
            return [], out.out

    def plan(self, run: Run) -> Run:
        with locked(self.tree.parent / "locks" / f"plan-{run.key}"):
            return self._plan(run)

    def _plan(self, run: Run) -> Run:
        cached = self.cache / self.tree.parent.name / "plans" / f"{run.key}.json"
        if cached.exists():
            run.plan = json.loads(cached.read_text())
            return run
        if run.directory not in self._initialized:
            findings, seconds = self.init_and_validate(run.directory)
            run.seconds.update(seconds)
            if findings:
                run.findings = findings
                return run
        started = time.monotonic()
        try:
            result = self._tf(run.directory).plan(output=True, refresh=False, tf_vars=run.tf_vars or None, lock=False)
        except tftest.TerraformTestError as error:
            run.findings = self._findings(error, run.directory, "plan")
            return run
        run.seconds["plan"] = time.monotonic() - started
        run.plan = dict(result._raw) if hasattr(result, "_raw") else json.loads(json.dumps(result, default=dict))
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(json.dumps(run.plan))
        tmp.replace(cached)
        return run

    def plan_all(
        self, selected: list[Run] | None = None, workers: int = 2, log: Callable[[str], None] = print
    ) -> list[Run]:
        todo = selected if selected is not None else runs(self.root)
        # init + validate once per directory, then the plans (two at a time: the provider and terraform share CPU)
        for directory in sorted({r.directory for r in todo}):
            cached = all(
                (self.cache / self.tree.parent.name / "plans" / f"{r.key}.json").exists()
                for r in todo
                if r.directory == directory
            )
            if cached:
                continue
            findings, seconds = self.init_and_validate(directory)
            for r in todo:
                if r.directory == directory:
                    r.seconds.update(seconds)
                    r.findings += findings
            times = ", ".join(f"{k} {v:.1f}s" for k, v in seconds.items())
            log(f"terraform init/validate {directory}: {'FAILED' if findings else 'OK'} ({times})")
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = list(pool.map(lambda r: r if r.findings else self.plan(r), todo))
        for r in done:
            if not r.findings:
                changes = len(r.plan["resource_changes"]) if r.plan else 0
                took = f"{r.seconds['plan']:.1f}s" if r.seconds.get("plan") else "reused: this tree was planned before"
                log(f"terraform plan {r.name}: OK, {changes} resource changes ({took})")
            else:
                log(f"terraform plan {r.name}: FAILED")
        return done


def status_line(done: list[Run], binary_detail: str) -> str:
    ok = sum(1 for r in done if not r.findings)
    return f"terraform plan: terraform {binary_detail} with the local hashicorp/aws provider, {ok}/{len(done)} OK"


def main(argv: list[str] | None = None) -> int:
    """``python -m contextual_targeting.tfprovider.plan [--validate-only]``: what the pre-commit hook runs."""
    import argparse
    import sys

    from contextual_targeting.tfcheck.tools import find_validate_terraform

    parser = argparse.ArgumentParser(prog="python -m contextual_targeting.tfprovider.plan", description=main.__doc__)
    parser.add_argument("--validate-only", action="store_true", help="terraform init + validate, no plans")
    args = parser.parse_args(argv)
    binary, detail = find_validate_terraform()
    if binary is None:
        print(f"terraform init/validate/plan: skipped ({detail})")
        return 0
    planner = Planner(REPO_ROOT, binary=binary)
    if args.validate_only:
        findings: list[Finding] = []
        for directory in sorted({r.directory for r in runs(planner.root)}):
            found, seconds = planner.init_and_validate(directory)
            findings += found
            status = "FAILED" if found else "OK"
            print(f"terraform init/validate {directory}: {status} ({seconds.get('validate', 0):.1f}s)")
    else:
        findings = [f for r in planner.plan_all() for f in r.findings]
    for finding in findings:
        print(finding, file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
