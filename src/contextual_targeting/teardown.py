"""Delete everything Amazon Personalize holds for one dataset group, in dependency order, waiting for each step.

``terraform destroy`` removes what Terraform created; the training workflow creates the Personalize resources
itself (dataset group, schemas, datasets, import jobs, solution, solution versions, batch segment jobs), so they
outlive the deployment. This module finds them from the dataset group's name and deletes them in the order the
service requires (https://docs.aws.amazon.com/personalize/latest/dg/API_DeleteDatasetGroup.html: event trackers,
solutions and datasets go first):

1. filters, 2. event trackers, 3. solutions (DeleteSolution deletes the solution's versions with it:
https://docs.aws.amazon.com/personalize/latest/dg/API_DeleteSolution.html), 4. datasets, 5. the schemas the
group's datasets used that no other dataset still uses, 6. the dataset group.

Every Personalize delete is asynchronous (``DELETE PENDING`` → gone): each step waits until Describe answers
``ResourceNotFoundException`` before the next starts. Dataset import jobs and batch segment jobs have no delete
API: they are listed, not deleted (they disappear with the account's data retention, not with this command). Work
in progress (an import, a training, a batch segment job) blocks the deletes — the plan says so and nothing is
deleted. Running it again after a partial or complete run continues or finds nothing: idempotent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

BUSY = ("CREATE PENDING", "CREATE IN_PROGRESS", "DELETE PENDING", "DELETE IN_PROGRESS")
IN_FLIGHT = ("CREATE PENDING", "CREATE IN_PROGRESS")


@dataclass
class Step:
    kind: str  # filter, event tracker, solution, dataset, schema, dataset group
    arn: str
    detail: str = ""
    status: str = ""  # as listed; DELETE PENDING/IN_PROGRESS: an earlier run started deleting it


@dataclass
class Plan:
    dataset_group: str
    group_arn: str | None = None
    steps: list[Step] = field(default_factory=list)
    kept_schemas: list[tuple[str, str]] = field(default_factory=list)  # (schema ARN, why kept)
    undeletable: list[tuple[str, str]] = field(default_factory=list)  # (kind, ARN) with no delete API
    busy: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, ARN, status) blocking the deletes

    def describe(self) -> str:
        if self.group_arn is None:
            return f"No dataset group named {self.dataset_group}: nothing to delete."
        lines = [f"Dataset group {self.dataset_group} ({self.group_arn}):"]
        if self.steps:
            lines.append(f"  to delete, in this order ({len(self.steps)}):")
            lines += [
                f"    - {s.kind} {s.arn}{f' ({s.detail})' if s.detail else ''}"
                + (" — already being deleted" if s.status.startswith("DELETE") else "")
                for s in self.steps
            ]
        for arn, why in self.kept_schemas:
            lines.append(f"  kept: schema {arn} ({why})")
        if self.undeletable:
            lines.append(
                f"  not deletable (Personalize has no delete API for them; they hold no model): {len(self.undeletable)}"
            )
            lines += [f"    - {kind} {arn}" for kind, arn in self.undeletable]
        if self.busy:
            lines.append("  BLOCKED: work in progress — wait until it ends (or stop it), then run teardown again:")
            lines += [f"    - {kind} {arn} is {status}" for kind, arn, status in self.busy]
        return "\n".join(lines)


def _pages(call: Callable[..., dict[str, Any]], key: str, **params: Any) -> Iterator[dict[str, Any]]:
    token = None
    while True:
        page = call(**params, **({"nextToken": token} if token else {}))
        yield from page.get(key, [])
        token = page.get("nextToken")
        if not token:
            return


def _not_found(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException"


def plan_teardown(client: Any, dataset_group: str) -> Plan:
    """What deleting ``dataset_group`` involves; no call here changes anything."""
    plan = Plan(dataset_group)
    group = next((g for g in _pages(client.list_dataset_groups, "datasetGroups") if g["name"] == dataset_group), None)
    if group is None:
        return plan
    group_arn = plan.group_arn = group["datasetGroupArn"]
    if group.get("status") in IN_FLIGHT:
        plan.busy.append(("dataset group", group_arn, group["status"]))

    for item in _pages(client.list_filters, "Filters", datasetGroupArn=group_arn):
        plan.steps.append(Step("filter", item["filterArn"], item.get("name", ""), item.get("status", "")))
    for item in _pages(client.list_event_trackers, "eventTrackers", datasetGroupArn=group_arn):
        plan.steps.append(Step("event tracker", item["eventTrackerArn"], item.get("name", ""), item.get("status", "")))

    for solution in _pages(client.list_solutions, "solutions", datasetGroupArn=group_arn):
        versions = list(_pages(client.list_solution_versions, "solutionVersions", solutionArn=solution["solutionArn"]))
        for version in versions:
            if version.get("status") in IN_FLIGHT:
                plan.busy.append(("solution version", version["solutionVersionArn"], version["status"]))
            jobs = _pages(
                client.list_batch_segment_jobs, "batchSegmentJobs", solutionVersionArn=version["solutionVersionArn"]
            )
            for job in jobs:
                plan.undeletable.append(("batch segment job", job["batchSegmentJobArn"]))
                if job.get("status") in IN_FLIGHT:
                    plan.busy.append(("batch segment job", job["batchSegmentJobArn"], job["status"]))
        detail = f"{len(versions)} solution version(s) deleted with it"
        plan.steps.append(Step("solution", solution["solutionArn"], detail, solution.get("status", "")))

    schemas: dict[str, None] = {}
    for item in _pages(client.list_datasets, "datasets", datasetGroupArn=group_arn):
        plan.steps.append(Step("dataset", item["datasetArn"], item.get("datasetType", ""), item.get("status", "")))
        try:
            schemas[client.describe_dataset(datasetArn=item["datasetArn"])["dataset"]["schemaArn"]] = None
        except ClientError as exc:
            if not _not_found(exc):
                raise
        for job in _pages(client.list_dataset_import_jobs, "datasetImportJobs", datasetArn=item["datasetArn"]):
            plan.undeletable.append(("dataset import job", job["datasetImportJobArn"]))
            if job.get("status") in IN_FLIGHT:
                plan.busy.append(("dataset import job", job["datasetImportJobArn"], job["status"]))

    if schemas:
        used_elsewhere = _schemas_used_by_other_groups(client, group_arn)
        for schema_arn in schemas:
            other = used_elsewhere.get(schema_arn)
            if other:
                plan.kept_schemas.append((schema_arn, f"also used by dataset group {other}"))
            else:
                plan.steps.append(Step("schema", schema_arn))
    plan.steps.append(Step("dataset group", group_arn, status=group.get("status", "")))
    return plan


def _schemas_used_by_other_groups(client: Any, group_arn: str) -> dict[str, str]:
    used: dict[str, str] = {}
    for group in _pages(client.list_dataset_groups, "datasetGroups"):
        if group["datasetGroupArn"] == group_arn:
            continue
        for item in _pages(client.list_datasets, "datasets", datasetGroupArn=group["datasetGroupArn"]):
            try:
                schema = client.describe_dataset(datasetArn=item["datasetArn"])["dataset"]["schemaArn"]
            except ClientError as exc:
                if _not_found(exc):
                    continue
                raise
            used.setdefault(schema, group["name"])
    return used


_DELETE = {
    "filter": ("delete_filter", "filterArn", "describe_filter"),
    "event tracker": ("delete_event_tracker", "eventTrackerArn", "describe_event_tracker"),
    "solution": ("delete_solution", "solutionArn", "describe_solution"),
    "dataset": ("delete_dataset", "datasetArn", "describe_dataset"),
    "schema": ("delete_schema", "schemaArn", "describe_schema"),
    "dataset group": ("delete_dataset_group", "datasetGroupArn", "describe_dataset_group"),
}


class TeardownError(Exception):
    """A delete the service refused, or a wait that did not end."""


def run_teardown(
    client: Any,
    plan: Plan,
    *,
    say: Callable[[str], None],
    poll_seconds: float = 10.0,
    timeout_seconds: float = 3600.0,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Delete the plan's resources, one kind after the other, each kind waited for until gone."""
    if plan.busy:
        raise TeardownError("work in progress blocks the deletes (see the plan); nothing was deleted")
    kinds = list(dict.fromkeys(step.kind for step in plan.steps))
    for kind in kinds:
        steps = [s for s in plan.steps if s.kind == kind]
        delete, key, describe = _DELETE[kind]
        for step in steps:
            if step.status.startswith("DELETE"):
                say(f"already deleting: {kind} {step.arn}")
                continue
            try:
                getattr(client, delete)(**{key: step.arn})
                say(f"deleting {kind} {step.arn}")
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code == "ResourceNotFoundException":
                    say(f"already gone: {kind} {step.arn}")
                    continue
                raise TeardownError(f"{kind} {step.arn}: {code}: {exc.response['Error'].get('Message', '')}") from exc
        _wait_gone(client, kind, [s.arn for s in steps], describe, key, say, poll_seconds, timeout_seconds, sleep)


def _wait_gone(
    client: Any,
    kind: str,
    arns: list[str],
    describe: str,
    key: str,
    say: Callable[[str], None],
    poll_seconds: float,
    timeout_seconds: float,
    sleep: Callable[[float], None],
) -> None:
    waited = 0.0
    pending = list(arns)
    while pending:
        still = []
        for arn in pending:
            try:
                getattr(client, describe)(**{key: arn})
                still.append(arn)
            except ClientError as exc:
                if not _not_found(exc):
                    raise
        pending = still
        if not pending:
            break
        if waited >= timeout_seconds:
            raise TeardownError(f"{len(pending)} {kind}(s) still deleting after {waited:.0f} s: {', '.join(pending)}")
        say(f"  waiting for {len(pending)} {kind}(s) to be deleted ({waited:.0f} s)")
        sleep(poll_seconds)
        waited += poll_seconds
    say(f"deleted: {len(arns)} {kind}(s)")
