"""Personalize dataset groups, schemas, datasets and dataset import jobs: what each accepts or refuses, and the
import job's work (its CSV objects checked against the schema and copied to disk, see ``imports``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from contextual_targeting.local.emulators.common import copy_present
from contextual_targeting.local.emulators.personalize.exceptions import (
    InvalidInputException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
)
from contextual_targeting.local.emulators.personalize.imports import (
    ImportedData,
    ImportFailure,
    column_checks,
    import_objects,
)
from contextual_targeting.local.emulators.personalize.models import (
    ACTIVE,
    DATASET_TYPES,
    IN_FLIGHT,
    InputError,
    PersonalizeBackend,
    Resource,
)
from contextual_targeting.local.emulators.personalize.schemas import (
    _checker,
    _describe,
    _nullable,
    _parse_schema,
    check_domain,
)


class PersonalizeDatasets(PersonalizeBackend):
    """The data side of a dataset group."""

    # ------------------------------------------------------------------ dataset groups
    def create_dataset_group(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = self.arn(f"dataset-group/{params['name']}")
        self._exists(arn, "Dataset group")
        self._limit("dataset_groups", len(self.of_kind("dataset-group")), "Dataset groups")
        fields = {"name": params["name"], "datasetGroupArn": arn}
        for key in ("roleArn", "kmsKeyArn", "domain"):
            if key in params:
                fields[key] = params[key]
        self._new("dataset-group", arn, fields)
        return {"datasetGroupArn": arn, **({"domain": params["domain"]} if "domain" in params else {})}

    def delete_dataset_group(self, params: dict[str, Any]) -> dict[str, Any]:
        group = self._get("dataset-group", params["datasetGroupArn"])
        children = [
            r
            for r in self.resources.values()
            if r.kind in ("dataset", "solution", "event-tracker") and r.fields["datasetGroupArn"] == group.arn
        ]
        if children:
            raise ResourceInUseException(
                f"Dataset group {group.arn} has {len(children)} datasets, solutions or event trackers;"
                " delete them first.",
            )
        self._delete(group)
        return {}

    # ------------------------------------------------------------------ schemas
    def create_schema(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = self.arn(f"schema/{params['name']}")
        self._exists(arn, "Schema")
        self._limit("schemas", len(self.of_kind("schema")), "Schemas")
        _parse_schema(params["schema"])
        fields = {"name": params["name"], "schemaArn": arn, "schema": params["schema"]}
        if "domain" in params:
            fields["domain"] = params["domain"]
        self._new("schema", arn, fields, asynchronous=False)
        return {"schemaArn": arn}

    def delete_schema(self, params: dict[str, Any]) -> dict[str, Any]:
        schema = self._get("schema", params["schemaArn"])
        if any(r.fields.get("schemaArn") == schema.arn for r in self.of_kind("dataset")):
            raise ResourceInUseException(f"Schema {schema.arn} is used by a dataset.")
        self.resources.pop(schema.arn)  # schemas have no status: deleted at once
        return {}

    # ------------------------------------------------------------------ datasets
    def create_dataset(self, params: dict[str, Any]) -> dict[str, Any]:
        group = self._get("dataset-group", params["datasetGroupArn"])
        schema = self._get("schema", params["schemaArn"])
        dataset_type = params["datasetType"].upper()
        if dataset_type not in DATASET_TYPES:
            raise InvalidInputException(
                f"Dataset type {params['datasetType']} is not supported; use one of {', '.join(DATASET_TYPES)}.",
            )
        fields = {f["name"].upper() for f in _parse_schema(schema.fields["schema"])}
        missing = [f for f in DATASET_TYPES[dataset_type] if f not in fields]
        if missing:
            raise InvalidInputException(
                f"Schema {schema.arn} is not valid for dataset type {dataset_type}: "
                f"missing required field(s) {', '.join(missing)}.",
            )
        check_domain(group, schema, dataset_type)
        arn = self.arn(f"dataset/{group.fields['name']}/{dataset_type}")
        if arn in self.resources:
            raise ResourceAlreadyExistsException(
                f"A dataset of type {dataset_type} already exists in dataset group {group.arn}: {arn}.",
            )
        if group.status != ACTIVE:
            raise ResourceInUseException(f"Dataset group {group.arn} is not ACTIVE ({group.status}).")
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

    def delete_dataset(self, params: dict[str, Any]) -> dict[str, Any]:
        dataset = self._get("dataset", params["datasetArn"])
        if self._in_flight("dataset-import-job", datasetArn=dataset.arn):
            raise ResourceInUseException(f"Dataset {dataset.arn} has an import job in progress.")
        group_arn = dataset.fields["datasetGroupArn"]
        if self._in_flight("solution-version", datasetGroupArn=group_arn):
            raise ResourceInUseException(f"Dataset {dataset.arn}: a solution version is being trained.")
        self._delete(dataset)
        return {}

    # ------------------------------------------------------------------ dataset import jobs
    def create_dataset_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        dataset = self._get("dataset", params["datasetArn"])
        arn = self.arn(f"dataset-import-job/{params['jobName']}")
        self._exists(arn, "Dataset import job")
        if not params["dataSource"].get("dataLocation", "").startswith("s3://"):
            raise InvalidInputException("dataSource.dataLocation must be an s3:// path.")
        if dataset.status != ACTIVE:
            raise ResourceInUseException(f"Dataset {dataset.arn} is not ACTIVE ({dataset.status}).")
        group_arn = dataset.fields["datasetGroupArn"]
        in_flight = [
            r
            for r in self.of_kind("dataset-import-job")
            if r.status in IN_FLIGHT and self.resources[r.fields["datasetArn"]].fields["datasetGroupArn"] == group_arn
        ]
        if any(r.fields["datasetArn"] == dataset.arn for r in in_flight):
            raise ResourceInUseException(f"Dataset {dataset.arn} already has an import job in progress.")
        self._limit("import_jobs_in_progress", len(in_flight), "Dataset import jobs in progress")
        fields = {
            "jobName": params["jobName"],
            "datasetImportJobArn": arn,
            "datasetArn": dataset.arn,
            "dataSource": {"dataLocation": params["dataSource"]["dataLocation"]},
            "importMode": params.get("importMode", "FULL"),
            "publishAttributionMetricsToS3": bool(params.get("publishAttributionMetricsToS3", False)),
        }
        self._new("dataset-import-job", arn, copy_present(fields, params, "roleArn"))
        return {"datasetImportJobArn": arn}

    def _finish_dataset_import_job(self, job: Resource) -> str | None:
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
                self._s3_client(), self._objects(location), columns_for, target, full=job.fields["importMode"] == "FULL"
            )
        except (InputError, ImportFailure) as exc:
            return str(exc)
        if not records:
            return f"Input data at {location} has no records."
        self._imported[dataset.arn] = target
        return None

    def _dataset_data(self, group_arn: str, dataset_type: str) -> ImportedData | None:
        """What the group's dataset of this type imported so far (None: no successful import)."""
        dataset_arn = self.arn(f"dataset/{self.resources[group_arn].fields['name']}/{dataset_type}")
        if dataset_arn not in self.resources:
            return None
        data = self._imported.get(dataset_arn)
        return data if data is not None and data.records else None
