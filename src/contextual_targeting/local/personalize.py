"""A stateful Amazon Personalize control plane for tests and the local runtime.

Covers what the training workflow uses: dataset groups, schemas, datasets, dataset import jobs, solutions, solution
versions, batch segment jobs (Create/Describe/List), plus DescribeRecipe; and what ``teardown`` needs: filters and
event trackers (Create/Describe/List/Delete) and the Deletes of every resource a dataset group holds.

Behaviour modelled on the service:
- ARNs in the real format (``dataset-group/<name>``, ``schema/<name>``, ``dataset/<group>/<TYPE>``,
  ``dataset-import-job/<name>``, ``solution/<name>``, ``solution/<name>/<id>``, ``batch-segment-job/<name>``);
- asynchronous resources go ``CREATE PENDING`` → ``CREATE IN_PROGRESS`` → ``ACTIVE`` / ``CREATE FAILED``, one step
  every ``describes_per_step`` Describe calls on that resource (``0``: terminal at creation);
- the work happens when a resource reaches its terminal state: an import job reads its CSV file (or every CSV under
  a folder) from S3 and checks it against the dataset's Avro schema (header, required fields, types), failing with
  a ``failureReason`` as Personalize does; a solution version checks the minimum data and fits the scorer
  (``contextual_targeting.local.scoring.fit`` unless another is given); a batch segment job reads its JSON-lines
  input and writes ``<output path><input file name>.out`` with one
  ``{"input": {...}, "output": {"usersList": [...]}, "error": null}`` line per query;
- deletes are asynchronous as in the service: the resource goes ``DELETE PENDING`` → ``DELETE IN_PROGRESS`` (one step
  per ``describes_per_step`` Describes) and is then gone (Describe: ``ResourceNotFoundException``); a resource still
  needed (a dataset group with datasets, solutions or event trackers; a schema a dataset uses; a solution or dataset
  with training or an import in progress) refuses with ``ResourceInUseException``; DeleteSolution takes the
  solution's versions with it;
- errors with the real codes: ``ResourceAlreadyExistsException``, ``ResourceNotFoundException``,
  ``InvalidInputException``, ``LimitExceededException``, ``ResourceInUseException``.

S3 is read and written through a boto3 client, so inside ``mock_aws`` it is moto's S3.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from contextual_targeting.local import scoring
from contextual_targeting.local.emulation import ServiceEmulator, ServiceError
from contextual_targeting.local.personalize_import import ImportedData, ImportFailure, column_checks, import_objects

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
ID_MAX_LENGTH = 256
TEXTUAL_MAX_LENGTH = 20_000
CATEGORICAL_MAX_LENGTH = 1_000
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
class _Resource:
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


class PersonalizeEmulator(ServiceEmulator):
    service_name = "personalize"
    validation_error_code = "InvalidInputException"

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
        super().__init__()
        self.region = region
        self.account_id = account_id
        self.partition = partition
        self.describes_per_step = describes_per_step
        self.fit: Fit = fit or scoring.fit
        self.limits = {**DEFAULT_LIMITS, **(limits or {})}
        self._s3 = s3_client
        self.resources: dict[str, _Resource] = {}  # by ARN, in creation order
        self.models: dict[str, scoring.SegmentModel] = {}  # solution version ARN -> model
        # training from a ``model.data.Dataset`` read from the imported parts (numpy, flat memory) instead of rows
        self.fit_dataset = fit_dataset
        self._spool = tempfile.TemporaryDirectory(prefix="ct-personalize-")  # imported records, one folder each
        self._imported: dict[str, ImportedData] = {}  # dataset ARN -> what its imports brought in (on disk)
        self._injected_failures: dict[str, list[str]] = {}
        self._sequence = 0

    def handle(self, operation: Any, params: dict[str, Any]) -> dict[str, Any]:
        # botocore checks lengths and types; the service also checks name patterns
        for key in ("name", "jobName"):
            value = params.get(key)
            if isinstance(value, str) and (len(value) > MAX_NAME_LENGTH or not _NAME.match(value)):
                raise ServiceError(
                    "InvalidInputException",
                    f"1 validation error detected: Value '{value}' at '{key}' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {MAX_NAME_LENGTH} and satisfy regular expression "
                    f"pattern: {_NAME.pattern}",
                )
        # answers are copies: callers (moto's Step Functions normaliser) rewrite nested members in place
        return copy.deepcopy(super().handle(operation, params))

    # ------------------------------------------------------------------ helpers
    def arn(self, resource: str) -> str:
        return f"arn:{self.partition}:personalize:{self.region}:{self.account_id}:{resource}"

    def s3(self) -> Any:
        if self._s3 is None:
            import boto3

            self._s3 = boto3.client("s3", region_name=self.region)
        return self._s3

    def inject_failure(self, kind: str, reason: str) -> None:
        """Make the next resource of ``kind`` (e.g. ``solution-version``) end ``CREATE FAILED`` with ``reason``."""
        self._injected_failures.setdefault(kind, []).append(reason)

    def of_kind(self, kind: str) -> list[_Resource]:
        return [r for r in self.resources.values() if r.kind == kind]

    def _get(self, kind: str, arn: str) -> _Resource:
        resource = self.resources.get(arn)
        if resource is None or resource.kind != kind:
            raise ServiceError("ResourceNotFoundException", f"Could not find resource with ARN {arn}.")
        return resource

    def _exists(self, arn: str, what: str) -> None:
        if arn in self.resources:
            raise ServiceError("ResourceAlreadyExistsException", f"{what} with ARN {arn} already exists.")

    def _limit(self, name: str, current: int, what: str) -> None:
        if current >= self.limits[name]:
            raise ServiceError("LimitExceededException", f"{what}: the limit of {self.limits[name]} is reached.")

    def _new(self, kind: str, arn: str, fields: dict[str, Any], *, asynchronous: bool = True) -> _Resource:
        now = self.now()
        fields = {**fields, "creationDateTime": now, "lastUpdatedDateTime": now}
        resource = _Resource(kind, arn, fields)
        if asynchronous:
            fields["status"] = PENDING
            resource.steps = [IN_PROGRESS]
        self.resources[arn] = resource
        if asynchronous and self.describes_per_step <= 0:
            self._finish(resource)
        return resource

    def _advance(self, resource: _Resource) -> None:
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

    def _finish(self, resource: _Resource) -> None:
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
            raise ServiceError("ResourceNotFoundException", f"Could not find resource with ARN {arn}.")
        return dict(resource.fields)

    def _delete(self, resource: _Resource) -> None:
        """Start deleting: gone after two steps of Describes (at once with ``describes_per_step`` 0)."""
        if resource.deleting:
            raise ServiceError("ResourceInUseException", f"{resource.arn} is already being deleted.")
        if self.describes_per_step <= 0:
            self._remove(resource)
            return
        resource.deleting = True
        resource.describes = 0
        resource.fields["status"] = DELETE_PENDING
        resource.fields["lastUpdatedDateTime"] = self.now()

    def _remove(self, resource: _Resource) -> None:
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

    def _summaries(self, kind: str, keys: tuple[str, ...], where: Callable[[_Resource], bool]) -> list[dict[str, Any]]:
        return [
            {k: r.fields[k] for k in keys if k in r.fields}
            for r in sorted(self.of_kind(kind), key=lambda r: r.fields["creationDateTime"], reverse=True)
            if where(r)
        ]

    def _next_id(self, seed: str) -> str:
        self._sequence += 1
        return hashlib.sha256(f"{seed}#{self._sequence}".encode()).hexdigest()[:8]

    # ------------------------------------------------------------------ dataset groups
    def op_CreateDatasetGroup(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = self.arn(f"dataset-group/{params['name']}")
        self._exists(arn, "Dataset group")
        self._limit("dataset_groups", len(self.of_kind("dataset-group")), "Dataset groups")
        fields = {"name": params["name"], "datasetGroupArn": arn}
        for key in ("roleArn", "kmsKeyArn", "domain"):
            if key in params:
                fields[key] = params[key]
        self._new("dataset-group", arn, fields)
        return {"datasetGroupArn": arn, **({"domain": params["domain"]} if "domain" in params else {})}

    def op_DescribeDatasetGroup(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"datasetGroup": self._describe("dataset-group", params["datasetGroupArn"])}

    def op_ListDatasetGroups(self, params: dict[str, Any]) -> dict[str, Any]:
        keys = ("name", "datasetGroupArn", "status", "creationDateTime", "lastUpdatedDateTime", "failureReason")
        return self._page(self._summaries("dataset-group", keys, lambda r: True), params, "datasetGroups")

    def op_DeleteDatasetGroup(self, params: dict[str, Any]) -> dict[str, Any]:
        group = self._get("dataset-group", params["datasetGroupArn"])
        children = [
            r
            for r in self.resources.values()
            if r.kind in ("dataset", "solution", "event-tracker") and r.fields["datasetGroupArn"] == group.arn
        ]
        if children:
            raise ServiceError(
                "ResourceInUseException",
                f"Dataset group {group.arn} has {len(children)} datasets, solutions or event trackers;"
                " delete them first.",
            )
        self._delete(group)
        return {}

    # ------------------------------------------------------------------ schemas
    def op_CreateSchema(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = self.arn(f"schema/{params['name']}")
        self._exists(arn, "Schema")
        self._limit("schemas", len(self.of_kind("schema")), "Schemas")
        _parse_schema(params["schema"])
        fields = {"name": params["name"], "schemaArn": arn, "schema": params["schema"]}
        if "domain" in params:
            fields["domain"] = params["domain"]
        self._new("schema", arn, fields, asynchronous=False)
        return {"schemaArn": arn}

    def op_DescribeSchema(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"schema": self._describe("schema", params["schemaArn"])}

    def op_ListSchemas(self, params: dict[str, Any]) -> dict[str, Any]:
        keys = ("name", "schemaArn", "creationDateTime", "lastUpdatedDateTime", "domain")
        return self._page(self._summaries("schema", keys, lambda r: True), params, "schemas")

    def op_DeleteSchema(self, params: dict[str, Any]) -> dict[str, Any]:
        schema = self._get("schema", params["schemaArn"])
        if any(r.fields.get("schemaArn") == schema.arn for r in self.of_kind("dataset")):
            raise ServiceError("ResourceInUseException", f"Schema {schema.arn} is used by a dataset.")
        self.resources.pop(schema.arn)  # schemas have no status: deleted at once
        return {}

    # ------------------------------------------------------------------ datasets
    @staticmethod
    def _check_domain(group: Any, schema: Any, dataset_type: str) -> None:
        """A Domain dataset group takes schemas of its domain with the domain's required fields; a custom group
        takes custom schemas (assumed to be refused by CreateDataset with InvalidInputException: the documentation
        states the requirements, not the error; see DOMAIN_REQUIRED_FIELDS in core.training_validation)."""
        from contextual_targeting.core.training_validation import DATASET_TYPES as KINDS
        from contextual_targeting.core.training_validation import DOMAIN_REQUIRED_FIELDS

        domain, schema_domain = group.fields.get("domain"), schema.fields.get("domain")
        if domain != schema_domain:
            raise ServiceError(
                "InvalidInputException",
                f"Schema {schema.arn} (domain {schema_domain or 'none'}) cannot be used in dataset group "
                f"{group.arn} (domain {domain or 'none'}).",
            )
        if domain is None:
            return
        kind = next(k for k, t in KINDS.items() if t == dataset_type)
        by_name = {f["name"].upper(): f for f in _parse_schema(schema.fields["schema"])}
        for name, types in DOMAIN_REQUIRED_FIELDS.get(domain, {}).get(kind, {}).items():
            declared = by_name.get(name)
            kinds = [] if declared is None else [t for t in _types(declared) if t != "null"]
            if types == ("categorical",):
                ok = kinds == ["string"] and declared is not None and declared.get("categorical") is True
            else:
                ok = len(kinds) == 1 and kinds[0] in types
            if not ok:
                raise ServiceError(
                    "InvalidInputException",
                    f"Schema {schema.arn} is not valid for a {domain} {dataset_type} dataset: field {name} "
                    f"({'categorical string' if types == ('categorical',) else ' or '.join(types)}) is required.",
                )

    def op_CreateDataset(self, params: dict[str, Any]) -> dict[str, Any]:
        group = self._get("dataset-group", params["datasetGroupArn"])
        schema = self._get("schema", params["schemaArn"])
        dataset_type = params["datasetType"].upper()
        if dataset_type not in DATASET_TYPES:
            raise ServiceError(
                "InvalidInputException",
                f"Dataset type {params['datasetType']} is not supported; use one of {', '.join(DATASET_TYPES)}.",
            )
        fields = {f["name"].upper() for f in _parse_schema(schema.fields["schema"])}
        missing = [f for f in DATASET_TYPES[dataset_type] if f not in fields]
        if missing:
            raise ServiceError(
                "InvalidInputException",
                f"Schema {schema.arn} is not valid for dataset type {dataset_type}: "
                f"missing required field(s) {', '.join(missing)}.",
            )
        self._check_domain(group, schema, dataset_type)
        arn = self.arn(f"dataset/{group.fields['name']}/{dataset_type}")
        if arn in self.resources:
            raise ServiceError(
                "ResourceAlreadyExistsException",
                f"A dataset of type {dataset_type} already exists in dataset group {group.arn}: {arn}.",
            )
        if group.status != ACTIVE:
            raise ServiceError("ResourceInUseException", f"Dataset group {group.arn} is not ACTIVE ({group.status}).")
        self._new(
            "dataset",
            arn,
            {
                "name": params["name"],
                "datasetArn": arn,
                "datasetGroupArn": group.arn,
                "datasetType": dataset_type,
                "schemaArn": schema.arn,
            },
        )
        return {"datasetArn": arn}

    def op_DescribeDataset(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"dataset": self._describe("dataset", params["datasetArn"])}

    def op_ListDatasets(self, params: dict[str, Any]) -> dict[str, Any]:
        group = params.get("datasetGroupArn")
        keys = ("name", "datasetArn", "datasetType", "status", "creationDateTime", "lastUpdatedDateTime")
        rows = self._summaries("dataset", keys, lambda r: group in (None, r.fields["datasetGroupArn"]))
        return self._page(rows, params, "datasets")

    def op_DeleteDataset(self, params: dict[str, Any]) -> dict[str, Any]:
        dataset = self._get("dataset", params["datasetArn"])
        if any(
            r.fields["datasetArn"] == dataset.arn and r.status in IN_FLIGHT for r in self.of_kind("dataset-import-job")
        ):
            raise ServiceError("ResourceInUseException", f"Dataset {dataset.arn} has an import job in progress.")
        group_arn = dataset.fields["datasetGroupArn"]
        if any(
            v.fields["datasetGroupArn"] == group_arn and v.status in IN_FLIGHT for v in self.of_kind("solution-version")
        ):
            raise ServiceError("ResourceInUseException", f"Dataset {dataset.arn}: a solution version is being trained.")
        self._delete(dataset)
        return {}

    # ------------------------------------------------------------------ dataset import jobs
    def op_CreateDatasetImportJob(self, params: dict[str, Any]) -> dict[str, Any]:
        dataset = self._get("dataset", params["datasetArn"])
        arn = self.arn(f"dataset-import-job/{params['jobName']}")
        self._exists(arn, "Dataset import job")
        if not params["dataSource"].get("dataLocation", "").startswith("s3://"):
            raise ServiceError("InvalidInputException", "dataSource.dataLocation must be an s3:// path.")
        if dataset.status != ACTIVE:
            raise ServiceError("ResourceInUseException", f"Dataset {dataset.arn} is not ACTIVE ({dataset.status}).")
        group_arn = dataset.fields["datasetGroupArn"]
        in_flight = [
            r
            for r in self.of_kind("dataset-import-job")
            if r.status in IN_FLIGHT and self.resources[r.fields["datasetArn"]].fields["datasetGroupArn"] == group_arn
        ]
        if any(r.fields["datasetArn"] == dataset.arn for r in in_flight):
            raise ServiceError(
                "ResourceInUseException", f"Dataset {dataset.arn} already has an import job in progress."
            )
        self._limit("import_jobs_in_progress", len(in_flight), "Dataset import jobs in progress")
        fields = {
            "jobName": params["jobName"],
            "datasetImportJobArn": arn,
            "datasetArn": dataset.arn,
            "dataSource": {"dataLocation": params["dataSource"]["dataLocation"]},
            "importMode": params.get("importMode", "FULL"),
            "publishAttributionMetricsToS3": bool(params.get("publishAttributionMetricsToS3", False)),
        }
        if "roleArn" in params:
            fields["roleArn"] = params["roleArn"]
        self._new("dataset-import-job", arn, fields)
        return {"datasetImportJobArn": arn}

    def op_DescribeDatasetImportJob(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"datasetImportJob": self._describe("dataset-import-job", params["datasetImportJobArn"])}

    def op_ListDatasetImportJobs(self, params: dict[str, Any]) -> dict[str, Any]:
        dataset = params.get("datasetArn")
        keys = (
            "datasetImportJobArn",
            "jobName",
            "status",
            "creationDateTime",
            "lastUpdatedDateTime",
            "failureReason",
            "importMode",
        )
        rows = self._summaries("dataset-import-job", keys, lambda r: dataset in (None, r.fields["datasetArn"]))
        return self._page(rows, params, "datasetImportJobs")

    def _finish_dataset_import_job(self, job: _Resource) -> str | None:
        dataset = self.resources.get(job.fields["datasetArn"])
        if dataset is None:
            return "The dataset was deleted."
        schema = self.resources[dataset.fields["schemaArn"]].fields["schema"]
        location = job.fields["dataSource"]["dataLocation"]
        by_name = {f["name"].upper(): f for f in _parse_schema(schema)}

        def columns_for(header: list[str], where: str) -> Any:
            return column_checks(header, where, by_name, _checker, _describe, _nullable)

        group = self.resources[dataset.fields["datasetGroupArn"]].fields["name"]
        target = self._imported.get(dataset.arn) or ImportedData(
            Path(self._spool.name) / group / dataset.fields["datasetType"].lower()
        )
        try:
            records = import_objects(
                self.s3(), self._objects(location), columns_for, target, full=job.fields["importMode"] == "FULL"
            )
        except (_ImportError, ImportFailure) as exc:
            return str(exc)
        if not records:
            return f"Input data at {location} has no records."
        self._imported[dataset.arn] = target
        return None

    def _objects(self, location: str) -> list[tuple[str, str]]:
        match = re.match(r"^s3://([^/]+)/(.*)$", location)
        if match is None:
            raise _ImportError(f"Invalid S3 path {location}.")
        bucket, key = match.groups()
        s3 = self.s3()
        try:
            if key.endswith("/") or key == "":
                keys: list[str] = []
                for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
                    keys.extend(obj["Key"] for obj in page.get("Contents", []) if not obj["Key"].endswith("/"))
                if not keys:
                    raise _ImportError(f"No files found at {location}.")
                return [(bucket, k) for k in sorted(keys)]
            s3.head_object(Bucket=bucket, Key=key)
        except _ImportError:
            raise
        except Exception as exc:  # S3 errors surface as the job's failure reason
            raise _ImportError(f"Could not access {location}: {exc}") from exc
        return [(bucket, key)]

    def _dataset_data(self, group_arn: str, dataset_type: str) -> ImportedData | None:
        """What the group's dataset of this type imported so far (None: no successful import)."""
        dataset_arn = self.arn(f"dataset/{self.resources[group_arn].fields['name']}/{dataset_type}")
        if dataset_arn not in self.resources:
            return None
        data = self._imported.get(dataset_arn)
        return data if data is not None and data.records else None

    # ------------------------------------------------------------------ solutions
    def op_CreateSolution(self, params: dict[str, Any]) -> dict[str, Any]:
        group = self._get("dataset-group", params["datasetGroupArn"])
        arn = self.arn(f"solution/{params['name']}")
        self._exists(arn, "Solution")
        recipe_arn = params.get("recipeArn")
        if recipe_arn is None and not params.get("performAutoML"):
            raise ServiceError("InvalidInputException", "recipeArn is required unless performAutoML is true.")
        if recipe_arn is not None:
            self._recipe(recipe_arn)
        if group.status != ACTIVE:
            raise ServiceError("ResourceInUseException", f"Dataset group {group.arn} is not ACTIVE ({group.status}).")
        solutions = [r for r in self.of_kind("solution") if r.fields["datasetGroupArn"] == group.arn]
        self._limit("solutions_per_dataset_group", len(solutions), "Solutions in the dataset group")
        fields: dict[str, Any] = {
            "name": params["name"],
            "solutionArn": arn,
            "datasetGroupArn": group.arn,
            "performHPO": bool(params.get("performHPO", False)),
            "performAutoML": bool(params.get("performAutoML", False)),
            # the API's default: automatic training on (API_CreateSolution.html, performAutoTraining)
            "performAutoTraining": bool(params.get("performAutoTraining", True)),
        }
        for key in ("recipeArn", "eventType", "solutionConfig"):
            if key in params:
                fields[key] = params[key]
        self._new("solution", arn, fields)
        return {"solutionArn": arn}

    def op_DescribeSolution(self, params: dict[str, Any]) -> dict[str, Any]:
        solution = self._describe("solution", params["solutionArn"])
        versions = [v for v in self.of_kind("solution-version") if v.fields["solutionArn"] == params["solutionArn"]]
        if versions:
            latest = versions[-1].fields
            keys = ("solutionVersionArn", "status", "trainingMode", "creationDateTime", "lastUpdatedDateTime")
            solution["latestSolutionVersion"] = {k: latest[k] for k in (*keys, "failureReason") if k in latest}
        return {"solution": solution}

    def op_ListSolutions(self, params: dict[str, Any]) -> dict[str, Any]:
        group = params.get("datasetGroupArn")
        keys = ("name", "solutionArn", "status", "creationDateTime", "lastUpdatedDateTime", "recipeArn")
        rows = self._summaries("solution", keys, lambda r: group in (None, r.fields["datasetGroupArn"]))
        return self._page(rows, params, "solutions")

    def op_DeleteSolution(self, params: dict[str, Any]) -> dict[str, Any]:
        solution = self._get("solution", params["solutionArn"])
        if any(
            v.fields["solutionArn"] == solution.arn and v.status in IN_FLIGHT for v in self.of_kind("solution-version")
        ):
            raise ServiceError("ResourceInUseException", f"Solution {solution.arn} has a solution version in progress.")
        self._delete(solution)
        return {}

    # ------------------------------------------------------------------ filters and event trackers
    def _active_group(self, params: dict[str, Any]) -> _Resource:
        group = self._get("dataset-group", params["datasetGroupArn"])
        if group.status != ACTIVE:
            raise ServiceError("ResourceInUseException", f"Dataset group {group.arn} is not ACTIVE ({group.status}).")
        return group

    def op_CreateFilter(self, params: dict[str, Any]) -> dict[str, Any]:
        group = self._active_group(params)
        arn = self.arn(f"filter/{params['name']}")
        self._exists(arn, "Filter")
        fields = {
            "name": params["name"],
            "filterArn": arn,
            "datasetGroupArn": group.arn,
            "filterExpression": params["filterExpression"],
        }
        self._new("filter", arn, fields)
        return {"filterArn": arn}

    def op_DescribeFilter(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"filter": self._describe("filter", params["filterArn"])}

    def op_ListFilters(self, params: dict[str, Any]) -> dict[str, Any]:
        group = params.get("datasetGroupArn")
        keys = ("name", "filterArn", "datasetGroupArn", "status", "creationDateTime", "lastUpdatedDateTime")
        rows = self._summaries("filter", keys, lambda r: group in (None, r.fields["datasetGroupArn"]))
        return self._page(rows, params, "Filters")  # sic: the API's only capitalised list key

    def op_DeleteFilter(self, params: dict[str, Any]) -> dict[str, Any]:
        self._delete(self._get("filter", params["filterArn"]))
        return {}

    def op_CreateEventTracker(self, params: dict[str, Any]) -> dict[str, Any]:
        group = self._active_group(params)
        if any(t.fields["datasetGroupArn"] == group.arn for t in self.of_kind("event-tracker")):
            # one event tracker per dataset group
            raise ServiceError(
                "ResourceAlreadyExistsException", f"Dataset group {group.arn} already has an event tracker."
            )
        tracker_id = self._next_id(group.arn)
        arn = self.arn(f"event-tracker/{tracker_id}")
        fields = {
            "name": params["name"],
            "eventTrackerArn": arn,
            "accountId": self.account_id,
            "trackingId": f"{tracker_id}-tracking",
            "datasetGroupArn": group.arn,
        }
        self._new("event-tracker", arn, fields)
        return {"eventTrackerArn": arn, "trackingId": fields["trackingId"]}

    def op_DescribeEventTracker(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"eventTracker": self._describe("event-tracker", params["eventTrackerArn"])}

    def op_ListEventTrackers(self, params: dict[str, Any]) -> dict[str, Any]:
        group = params.get("datasetGroupArn")
        keys = ("name", "eventTrackerArn", "status", "creationDateTime", "lastUpdatedDateTime")
        rows = self._summaries("event-tracker", keys, lambda r: group in (None, r.fields["datasetGroupArn"]))
        return self._page(rows, params, "eventTrackers")

    def op_DeleteEventTracker(self, params: dict[str, Any]) -> dict[str, Any]:
        self._delete(self._get("event-tracker", params["eventTrackerArn"]))
        return {}

    def _recipe(self, recipe_arn: str) -> str:
        name = recipe_arn.rsplit("/", 1)[-1]
        if not recipe_arn.startswith(f"arn:{self.partition}:personalize:::recipe/") or name not in RECIPES:
            raise ServiceError("ResourceNotFoundException", f"Could not find resource with ARN {recipe_arn}.")
        return name

    def op_DescribeRecipe(self, params: dict[str, Any]) -> dict[str, Any]:
        name = self._recipe(params["recipeArn"])
        epoch = dt.datetime(2019, 6, 10, tzinfo=dt.UTC)
        recipe = {
            "name": name,
            "recipeArn": params["recipeArn"],
            "algorithmArn": f"arn:{self.partition}:personalize:::algorithm/{name}",
            "status": ACTIVE,
            "description": f"{name} (emulated)",
            "recipeType": RECIPES[name],
            "creationDateTime": epoch,
            "lastUpdatedDateTime": epoch,
        }
        return {"recipe": recipe}

    # ------------------------------------------------------------------ solution versions
    def op_CreateSolutionVersion(self, params: dict[str, Any]) -> dict[str, Any]:
        solution = self._get("solution", params["solutionArn"])
        mode = params.get("trainingMode", "FULL")
        recipe = solution.fields.get("recipeArn", "").rsplit("/", 1)[-1]
        if mode != "FULL" and recipe in SEGMENT_RECIPES:
            raise ServiceError("InvalidInputException", f"trainingMode {mode} is not supported by recipe {recipe}.")
        if solution.status != ACTIVE:
            raise ServiceError("ResourceInUseException", f"Solution {solution.arn} is not ACTIVE ({solution.status}).")
        group_arn = solution.fields["datasetGroupArn"]
        for job in self.of_kind("dataset-import-job"):
            dataset = self.resources.get(job.fields["datasetArn"])
            if job.status in IN_FLIGHT and dataset is not None and dataset.fields["datasetGroupArn"] == group_arn:
                raise ServiceError("ResourceInUseException", f"Dataset import job {job.arn} is in progress.")
        in_flight = [v for v in self.of_kind("solution-version") if v.status in IN_FLIGHT]
        if any(v.fields["solutionArn"] == solution.arn for v in in_flight):
            raise ServiceError("ResourceInUseException", f"Solution {solution.arn} already has a version in progress.")
        self._limit("solution_versions_in_progress", len(in_flight), "Solution versions in progress")
        arn = f"{solution.arn}/{self._next_id(solution.arn)}"
        fields: dict[str, Any] = {
            "solutionVersionArn": arn,
            "solutionArn": solution.arn,
            "datasetGroupArn": group_arn,
            "performHPO": solution.fields["performHPO"],
            "performAutoML": solution.fields["performAutoML"],
            "trainingMode": mode,
            "trainingType": "MANUAL",
        }
        if "name" in params:
            fields["name"] = params["name"]
        if "recipeArn" in solution.fields:
            fields["recipeArn"] = solution.fields["recipeArn"]
        self._new("solution-version", arn, fields)
        return {"solutionVersionArn": arn}

    def op_DescribeSolutionVersion(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"solutionVersion": self._describe("solution-version", params["solutionVersionArn"])}

    def op_ListSolutionVersions(self, params: dict[str, Any]) -> dict[str, Any]:
        solution = params.get("solutionArn")
        if solution is not None:
            self._get("solution", solution)
        keys = (
            "solutionVersionArn",
            "status",
            "trainingMode",
            "trainingType",
            "creationDateTime",
            "lastUpdatedDateTime",
            "failureReason",
        )
        rows = self._summaries("solution-version", keys, lambda r: solution in (None, r.fields["solutionArn"]))
        return self._page(rows, params, "solutionVersions")

    def _finish_solution_version(self, version: _Resource) -> str | None:
        group_arn = version.fields["datasetGroupArn"]
        interactions = self._dataset_data(group_arn, "INTERACTIONS")
        items = self._dataset_data(group_arn, "ITEMS")
        if interactions is None:
            return "Interactions dataset has no imported data."
        recipe = version.fields.get("recipeArn", "").rsplit("/", 1)[-1]
        if items is None and recipe == "aws-item-attribute-affinity":
            return "The aws-item-attribute-affinity recipe requires an items dataset with imported data."
        dataset: Any = None
        interaction_rows: list[dict[str, str]] = []
        if self.fit_dataset is not None:
            from contextual_targeting.model.data import load_dataset

            dataset = load_dataset(interactions.folder.parent)  # <group>/interactions/ and <group>/items/ parts
            count = len(dataset.interactions)
            active_users = int((np.bincount(dataset.interactions.user) >= 2).sum()) if count else 0
        else:
            interaction_rows = list(interactions.rows())
            user_column = next((k for k in interaction_rows[0] if k.strip().upper() == "USER_ID"), "USER_ID")
            per_user = Counter(row.get(user_column, "") for row in interaction_rows)
            count = len(interaction_rows)
            active_users = sum(1 for n in per_user.values() if n >= 2)
        if count < self.limits["min_interactions"]:
            return (
                f"There should be at least {self.limits['min_interactions']} interactions in the dataset group "
                f"to train; found {count}."
            )
        if active_users < self.limits["min_users_with_two_interactions"]:
            return (
                f"There should be at least {self.limits['min_users_with_two_interactions']} users with 2 or more "
                f"interactions to train; found {active_users}."
            )
        if dataset is not None and self.fit_dataset is not None:
            self.models[version.arn] = self.fit_dataset(dataset)
        else:
            self.models[version.arn] = self.fit(interaction_rows, list(items.rows()) if items else [])
        version.fields["trainingHours"] = 0.1
        return None

    # ------------------------------------------------------------------ batch segment jobs
    def op_CreateBatchSegmentJob(self, params: dict[str, Any]) -> dict[str, Any]:
        version = self._get("solution-version", params["solutionVersionArn"])
        arn = self.arn(f"batch-segment-job/{params['jobName']}")
        self._exists(arn, "Batch segment job")
        recipe = version.fields.get("recipeArn", "").rsplit("/", 1)[-1]
        if recipe not in SEGMENT_RECIPES:
            raise ServiceError(
                "InvalidInputException", f"Batch segment jobs need a USER_SEGMENTATION recipe, not {recipe}."
            )
        num_results = params.get("numResults", 25)
        if not 1 <= num_results <= MAX_BATCH_SEGMENT_RESULTS:
            raise ServiceError(
                "InvalidInputException", f"numResults must be between 1 and {MAX_BATCH_SEGMENT_RESULTS}."
            )
        if version.status != ACTIVE:
            raise ServiceError(
                "ResourceInUseException", f"Solution version {version.arn} is not ACTIVE ({version.status})."
            )
        in_flight = [r for r in self.of_kind("batch-segment-job") if r.status in IN_FLIGHT]
        self._limit("batch_segment_jobs_in_progress", len(in_flight), "Batch segment jobs in progress")
        fields: dict[str, Any] = {
            "jobName": params["jobName"],
            "batchSegmentJobArn": arn,
            "solutionVersionArn": version.arn,
            "numResults": num_results,
            "jobInput": params["jobInput"],
            "jobOutput": params["jobOutput"],
            "roleArn": params["roleArn"],
        }
        if "filterArn" in params:
            fields["filterArn"] = params["filterArn"]
        self._new("batch-segment-job", arn, fields)
        return {"batchSegmentJobArn": arn}

    def op_DescribeBatchSegmentJob(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"batchSegmentJob": self._describe("batch-segment-job", params["batchSegmentJobArn"])}

    def op_ListBatchSegmentJobs(self, params: dict[str, Any]) -> dict[str, Any]:
        version = params.get("solutionVersionArn")
        keys = (
            "batchSegmentJobArn",
            "jobName",
            "status",
            "creationDateTime",
            "lastUpdatedDateTime",
            "failureReason",
            "solutionVersionArn",
        )
        rows = self._summaries("batch-segment-job", keys, lambda r: version in (None, r.fields["solutionVersionArn"]))
        return self._page(rows, params, "batchSegmentJobs")

    def _finish_batch_segment_job(self, job: _Resource) -> str | None:
        model = self.models.get(job.fields["solutionVersionArn"])
        if model is None:
            return "The solution version has no trained model."
        source = job.fields["jobInput"]["s3DataSource"]["path"]
        destination = job.fields["jobOutput"]["s3DataDestination"]["path"]
        match = re.match(r"^s3://([^/]+)/(.*)$", destination)
        if match is None:
            return f"Invalid output path {destination}."
        out_bucket, out_prefix = match.groups()
        if out_prefix and not out_prefix.endswith("/"):
            out_prefix += "/"
        try:
            objects = self._objects(source)
        except _ImportError as exc:
            return str(exc)
        num_results = int(job.fields["numResults"])
        s3 = self.s3()
        for bucket, key in objects:
            text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
            lines: list[dict[str, Any]] = []
            for number, raw in enumerate(text.splitlines(), start=1):
                if not raw.strip():
                    continue
                try:
                    query = json.loads(raw)
                except json.JSONDecodeError as exc:
                    return f"Input s3://{bucket}/{key} line {number} is not valid JSON: {exc}"
                if not isinstance(query, dict) or not isinstance(query.get("itemAttributes"), str):
                    return f"Input s3://{bucket}/{key} line {number} has no itemAttributes string."
                try:
                    users = model.segment(query["itemAttributes"], num_results)
                    lines.append({"input": query, "output": {"usersList": users}, "error": None})
                except scoring.ExpressionError as exc:
                    lines.append({"input": query, "output": None, "error": str(exc)})
            body = "".join(json.dumps(line) + "\n" for line in lines)
            out_key = f"{out_prefix}{key.rsplit('/', 1)[-1]}.out"
            s3.put_object(Bucket=out_bucket, Key=out_key, Body=body.encode("utf-8"))
        return None


class _ImportError(Exception):
    """A data problem that ends an import job (or a job reading its input) CREATE FAILED."""


def _parse_schema(text: str) -> list[dict[str, Any]]:
    """The fields of an Avro record schema, or InvalidInputException as CreateSchema answers."""
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ServiceError("InvalidInputException", f"The schema is not valid JSON: {exc}") from None
    if not isinstance(schema, dict) or schema.get("type") != "record" or not isinstance(schema.get("fields"), list):
        raise ServiceError("InvalidInputException", 'The schema must be an Avro record with a "fields" list.')
    fields = schema["fields"]
    seen = set()
    for f in fields:
        if not isinstance(f, dict) or not isinstance(f.get("name"), str) or "type" not in f:
            raise ServiceError("InvalidInputException", "Every schema field needs a name and a type.")
        types = f["type"] if isinstance(f["type"], list) else [f["type"]]
        allowed = {"null", "string", "int", "long", "float", "double", "boolean"}
        # one primitive, alone, as a union of one (["float"]) or with "null": what Personalize's schemas take
        non_null = [t for t in types if t != "null"]
        if not all(isinstance(t, str) and t in allowed for t in types) or len(non_null) != 1 or len(types) > 2:
            raise ServiceError("InvalidInputException", f"Field {f['name']} has an unsupported type {f['type']}.")
        if f["name"].upper() in seen:
            raise ServiceError("InvalidInputException", f"Field {f['name']} appears twice.")
        seen.add(f["name"].upper())
    return fields


def _types(schema_field: Mapping[str, Any]) -> list[Any]:
    types = schema_field["type"]
    return types if isinstance(types, list) else [types]


def _nullable(schema_field: Mapping[str, Any]) -> bool:
    types = schema_field["type"]
    return isinstance(types, list) and "null" in types


def _checker(schema_field: Mapping[str, Any]) -> Callable[[str], str | None]:
    """A check of one CSV value against its schema field (built once per column)."""
    types = schema_field["type"] if isinstance(schema_field["type"], list) else [schema_field["type"]]
    nullable = "null" in types
    kind = next((t for t in types if t != "null"), "null")
    if schema_field.get("textual"):
        limit = TEXTUAL_MAX_LENGTH
    elif schema_field.get("categorical"):
        limit = CATEGORICAL_MAX_LENGTH
    elif _is_id(schema_field):
        limit = ID_MAX_LENGTH
    else:
        limit = TEXTUAL_MAX_LENGTH
    parse: Callable[[str], object] | None = {"int": int, "long": int, "float": float, "double": float}.get(kind)

    def check(value: str) -> str | None:
        if value == "":
            return None if nullable else "value is required"
        if parse is not None:
            try:
                parse(value)
            except ValueError:
                return f"{value!r} is not of type {kind}"
        elif kind == "boolean":
            if value.lower() not in ("true", "false"):
                return f"{value!r} is not of type boolean"
        elif len(value) > limit:
            return f"value is longer than {limit} characters"
        return None

    return check


def _describe(schema_field: Mapping[str, Any]) -> tuple[str, bool, int]:
    """(Avro type, nullable, length limit) of a field, as ``_checker`` applies them."""
    types = schema_field["type"] if isinstance(schema_field["type"], list) else [schema_field["type"]]
    kind = next((t for t in types if t != "null"), "null")
    if schema_field.get("textual"):
        limit = TEXTUAL_MAX_LENGTH
    elif schema_field.get("categorical"):
        limit = CATEGORICAL_MAX_LENGTH
    elif _is_id(schema_field):
        limit = ID_MAX_LENGTH
    else:
        limit = TEXTUAL_MAX_LENGTH
    return kind, "null" in types, limit


def _is_id(schema_field: Mapping[str, Any]) -> bool:
    return str(schema_field["name"]).upper() in ("USER_ID", "ITEM_ID")
