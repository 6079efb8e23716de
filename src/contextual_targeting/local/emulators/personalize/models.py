"""Personalize state and lifecycle: every resource (its describe shape and status progression), the account's
limits, the asynchronous create and delete steps, lookups and list pages."""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from contextual_targeting.local.emulators.common import AccountBackend
from contextual_targeting.local.emulators.personalize import scoring
from contextual_targeting.local.emulators.personalize.exceptions import (
    LimitExceededException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from contextual_targeting.local.emulators.personalize.imports import ImportedData

PENDING, IN_PROGRESS, ACTIVE, FAILED = "CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE", "CREATE FAILED"
DELETE_PENDING, DELETE_IN_PROGRESS = "DELETE PENDING", "DELETE IN_PROGRESS"
IN_FLIGHT = (PENDING, IN_PROGRESS)

DATASET_TYPES = {"INTERACTIONS": ("USER_ID", "ITEM_ID", "TIMESTAMP"), "ITEMS": ("ITEM_ID",), "USERS": ("USER_ID",)}
SEGMENT_RECIPES = {"aws-item-attribute-affinity", "aws-item-affinity"}
RECIPES = {
    "aws-item-attribute-affinity": "USER_SEGMENTATION",
    "aws-item-affinity": "USER_SEGMENTATION",
    "aws-user-personalization": "USER_PERSONALIZATION",
    "aws-user-personalization-v2": "USER_PERSONALIZATION",
    "aws-personalized-ranking": "PERSONALIZED_RANKING",
    "aws-personalized-ranking-v2": "PERSONALIZED_RANKING",
    "aws-similar-items": "RELATED_ITEMS",
    "aws-sims": "RELATED_ITEMS",
    "aws-popularity-count": "USER_PERSONALIZATION",
    "aws-trending-now": "USER_PERSONALIZATION",
    "aws-next-best-action": "PERSONALIZED_ACTIONS",
}
MAX_BATCH_SEGMENT_RESULTS = 5_000_000
MAX_NAME_LENGTH = 63
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-_]*$")

DEFAULT_LIMITS = {
    "dataset_groups": 500,
    "schemas": 500,
    "solutions_per_dataset_group": 10,
    "import_jobs_in_progress": 5,  # per dataset group
    "solution_versions_in_progress": 20,
    "batch_segment_jobs_in_progress": 5,
    "min_interactions": 1000,
    "min_users_with_two_interactions": 25,
}

Fit = scoring.Fit


@dataclass
class Resource:
    """One Personalize resource: its describe shape (``fields``) and status progression."""

    kind: str
    arn: str
    fields: dict[str, Any]
    steps: list[str] = field(default_factory=list)  # statuses still to come before the terminal one
    describes: int = 0
    finished: bool = False
    deleting: bool = False

    @property
    def status(self) -> str:
        return str(self.fields.get("status", ""))


class InputError(Exception):
    """A data problem that ends an import job (or a job reading its input) CREATE FAILED."""


class PersonalizeBackend(AccountBackend):
    """The account's resources by ARN (in creation order), trained models and imported data."""

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        partition: str = "aws",
        describes_per_step: int = 1,
        fit: Fit | None = None,
        fit_dataset: Callable[[Any], scoring.SegmentModel] | None = None,
        limits: Mapping[str, int] | None = None,
        s3_client: Any = None,
    ) -> None:
        super().__init__(region=region, account_id=account_id, s3_client=s3_client)
        self.partition = partition
        self.describes_per_step = describes_per_step
        self.fit: Fit = fit or scoring.fit
        self.limits = {**DEFAULT_LIMITS, **(limits or {})}
        self.resources: dict[str, Resource] = {}  # by ARN, in creation order
        self.models: dict[str, scoring.SegmentModel] = {}  # solution version ARN -> model
        # training from a ``model.data.Dataset`` read from the imported parts (numpy, flat memory) instead of rows
        self.fit_dataset = fit_dataset
        self._spool = tempfile.TemporaryDirectory(prefix="ct-personalize-")  # imported records, one folder each
        self._imported: dict[str, ImportedData] = {}  # dataset ARN -> what its imports brought in (on disk)
        self._injected_failures: dict[str, list[str]] = {}
        self._sequence = 0

    # ------------------------------------------------------------------ helpers
    def arn(self, resource: str) -> str:
        return f"arn:{self.partition}:personalize:{self.region}:{self.account_id}:{resource}"

    def of_kind(self, kind: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.kind == kind]

    def _in_flight(self, kind: str, **fields: str) -> list[Resource]:
        """Resources of ``kind`` being created (``CREATE PENDING``/``IN_PROGRESS``) whose fields hold these values."""
        return [
            r
            for r in self.of_kind(kind)
            if r.status in IN_FLIGHT and all(r.fields.get(k) == v for k, v in fields.items())
        ]

    def _get(self, kind: str, arn: str) -> Resource:
        resource = self.resources.get(arn)
        if resource is None or resource.kind != kind:
            raise ResourceNotFoundException(f"Could not find resource with ARN {arn}.")
        return resource

    def _exists(self, arn: str, what: str) -> None:
        if arn in self.resources:
            raise ResourceAlreadyExistsException(f"{what} with ARN {arn} already exists.")

    def _limit(self, name: str, current: int, what: str) -> None:
        if current >= self.limits[name]:
            raise LimitExceededException(f"{what}: the limit of {self.limits[name]} is reached.")

    def _new(self, kind: str, arn: str, fields: dict[str, Any], *, asynchronous: bool = True) -> Resource:
        now = self.now()
        fields = {**fields, "creationDateTime": now, "lastUpdatedDateTime": now}
        resource = Resource(kind, arn, fields)
        if asynchronous:
            fields["status"] = PENDING
            resource.steps = [IN_PROGRESS]
        self.resources[arn] = resource
        if asynchronous and self.describes_per_step <= 0:
            self._finish(resource)
        return resource

    def _advance(self, resource: Resource) -> None:
        """A Describe call: move one status step every ``describes_per_step`` calls."""
        if resource.deleting:
            resource.describes += 1
            if resource.describes >= self.describes_per_step:
                resource.describes = 0
                if resource.fields.get("status") == DELETE_PENDING:
                    resource.fields["status"] = DELETE_IN_PROGRESS
                else:
                    self._remove(resource)
            return
        if resource.finished or "status" not in resource.fields:
            return
        resource.describes += 1
        if resource.describes < self.describes_per_step:
            return
        resource.describes = 0
        if resource.steps:
            resource.fields["status"] = resource.steps.pop(0)
            resource.fields["lastUpdatedDateTime"] = self.now()
        else:
            self._finish(resource)

    def _finish(self, resource: Resource) -> None:
        injected = self._injected_failures.get(resource.kind)
        failure: str | None
        if injected:
            failure = injected.pop(0)
        else:
            finisher = getattr(self, f"_finish_{resource.kind.replace('-', '_')}", None)
            failure = finisher(resource) if finisher else None
        resource.steps = []
        resource.finished = True
        resource.fields["status"] = FAILED if failure else ACTIVE
        if failure:
            resource.fields["failureReason"] = failure
        resource.fields["lastUpdatedDateTime"] = self.now()

    def _describe(self, kind: str, arn: str) -> dict[str, Any]:
        resource = self._get(kind, arn)
        self._advance(resource)
        if resource.arn not in self.resources:  # its deletion just completed
            raise ResourceNotFoundException(f"Could not find resource with ARN {arn}.")
        return dict(resource.fields)

    def _delete(self, resource: Resource) -> None:
        """Start deleting: gone after two steps of Describes (at once with ``describes_per_step`` 0)."""
        if resource.deleting:
            raise ResourceInUseException(f"{resource.arn} is already being deleted.")
        if self.describes_per_step <= 0:
            self._remove(resource)
            return
        resource.deleting = True
        resource.describes = 0
        resource.fields["status"] = DELETE_PENDING
        resource.fields["lastUpdatedDateTime"] = self.now()

    def _remove(self, resource: Resource) -> None:
        self.resources.pop(resource.arn, None)
        if resource.kind == "dataset":
            imported = self._imported.pop(resource.arn, None)
            if imported is not None:
                imported.clear()
        if resource.kind == "solution":  # DeleteSolution deletes all versions of the solution
            for version in [v for v in self.of_kind("solution-version") if v.fields["solutionArn"] == resource.arn]:
                self.resources.pop(version.arn, None)
                self.models.pop(version.arn, None)

    @staticmethod
    def _page(items: list[dict[str, Any]], params: Mapping[str, Any], key: str) -> dict[str, Any]:
        start = int(params.get("nextToken") or 0)
        size = int(params.get("maxResults") or 100)
        page: dict[str, Any] = {key: items[start : start + size]}
        if start + size < len(items):
            page["nextToken"] = str(start + size)
        return page

    def _summaries(self, kind: str, keys: tuple[str, ...], where: Callable[[Resource], bool]) -> list[dict[str, Any]]:
        return [
            {k: r.fields[k] for k in keys if k in r.fields}
            for r in sorted(self.of_kind(kind), key=lambda r: r.fields["creationDateTime"], reverse=True)
            if where(r)
        ]

    def _next_id(self, seed: str) -> str:
        self._sequence += 1
        return hashlib.sha256(f"{seed}#{self._sequence}".encode()).hexdigest()[:8]

    def _objects(self, location: str) -> list[tuple[str, str]]:
        match = re.match(r"^s3://([^/]+)/(.*)$", location)
        if match is None:
            raise InputError(f"Invalid S3 path {location}.")
        bucket, key = match.groups()
        s3 = self._s3_client()
        try:
            if key.endswith("/") or key == "":
                keys: list[str] = []
                for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
                    keys.extend(obj["Key"] for obj in page.get("Contents", []) if not obj["Key"].endswith("/"))
                if not keys:
                    raise InputError(f"No files found at {location}.")
                return [(bucket, k) for k in sorted(keys)]
            s3.head_object(Bucket=bucket, Key=key)
        except InputError:
            raise
        except Exception as exc:  # S3 errors surface as the job's failure reason
            raise InputError(f"Could not access {location}: {exc}") from exc
        return [(bucket, key)]
