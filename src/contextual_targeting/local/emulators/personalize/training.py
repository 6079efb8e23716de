"""Personalize solutions, solution versions, batch segment jobs, filters, event trackers and recipes: what each
accepts or refuses, and the jobs' work — a solution version checks the minimum data and fits the scorer, a batch
segment job scores its JSON-lines queries and writes ``<output path><input file name>.out``."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from typing import Any

import numpy as np

from contextual_targeting.local.emulators.common import copy_present
from contextual_targeting.local.emulators.personalize import scoring
from contextual_targeting.local.emulators.personalize.datasets import PersonalizeDatasets
from contextual_targeting.local.emulators.personalize.exceptions import (
    InvalidInputException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from contextual_targeting.local.emulators.personalize.models import (
    ACTIVE,
    IN_FLIGHT,
    MAX_BATCH_SEGMENT_RESULTS,
    RECIPES,
    SEGMENT_RECIPES,
    InputError,
    Resource,
)


class PersonalizeTraining(PersonalizeDatasets):
    """Training on a dataset group and the jobs that use what it trained."""

    # ------------------------------------------------------------------ solutions
    def create_solution(self, params: dict[str, Any]) -> dict[str, Any]:
        group = self._get("dataset-group", params["datasetGroupArn"])
        arn = self.arn(f"solution/{params['name']}")
        self._exists(arn, "Solution")
        recipe_arn = params.get("recipeArn")
        if recipe_arn is None and not params.get("performAutoML"):
            raise InvalidInputException("recipeArn is required unless performAutoML is true.")
        if recipe_arn is not None:
            self._recipe(recipe_arn)
        if group.status != ACTIVE:
            raise ResourceInUseException(f"Dataset group {group.arn} is not ACTIVE ({group.status}).")
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

    def describe_solution(self, params: dict[str, Any]) -> dict[str, Any]:
        solution = self._describe("solution", params["solutionArn"])
        versions = [v for v in self.of_kind("solution-version") if v.fields["solutionArn"] == params["solutionArn"]]
        if versions:
            latest = versions[-1].fields
            keys = ("solutionVersionArn", "status", "trainingMode", "creationDateTime", "lastUpdatedDateTime")
            solution["latestSolutionVersion"] = {k: latest[k] for k in (*keys, "failureReason") if k in latest}
        return {"solution": solution}

    def delete_solution(self, params: dict[str, Any]) -> dict[str, Any]:
        solution = self._get("solution", params["solutionArn"])
        if self._in_flight("solution-version", solutionArn=solution.arn):
            raise ResourceInUseException(f"Solution {solution.arn} has a solution version in progress.")
        self._delete(solution)
        return {}

    # ------------------------------------------------------------------ filters and event trackers
    def _active_group(self, params: dict[str, Any]) -> Resource:
        group = self._get("dataset-group", params["datasetGroupArn"])
        if group.status != ACTIVE:
            raise ResourceInUseException(f"Dataset group {group.arn} is not ACTIVE ({group.status}).")
        return group

    def create_filter(self, params: dict[str, Any]) -> dict[str, Any]:
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

    def delete_filter(self, params: dict[str, Any]) -> dict[str, Any]:
        self._delete(self._get("filter", params["filterArn"]))
        return {}

    def create_event_tracker(self, params: dict[str, Any]) -> dict[str, Any]:
        group = self._active_group(params)
        if any(t.fields["datasetGroupArn"] == group.arn for t in self.of_kind("event-tracker")):
            # one event tracker per dataset group
            raise ResourceAlreadyExistsException(f"Dataset group {group.arn} already has an event tracker.")
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

    def delete_event_tracker(self, params: dict[str, Any]) -> dict[str, Any]:
        self._delete(self._get("event-tracker", params["eventTrackerArn"]))
        return {}

    def _recipe(self, recipe_arn: str) -> str:
        name = recipe_arn.rsplit("/", 1)[-1]
        if not recipe_arn.startswith(f"arn:{self.partition}:personalize:::recipe/") or name not in RECIPES:
            raise ResourceNotFoundException(f"Could not find resource with ARN {recipe_arn}.")
        return name

    def describe_recipe(self, params: dict[str, Any]) -> dict[str, Any]:
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
    def create_solution_version(self, params: dict[str, Any]) -> dict[str, Any]:
        solution = self._get("solution", params["solutionArn"])
        mode = params.get("trainingMode", "FULL")
        recipe = solution.fields.get("recipeArn", "").rsplit("/", 1)[-1]
        if mode != "FULL" and recipe in SEGMENT_RECIPES:
            raise InvalidInputException(f"trainingMode {mode} is not supported by recipe {recipe}.")
        if solution.status != ACTIVE:
            raise ResourceInUseException(f"Solution {solution.arn} is not ACTIVE ({solution.status}).")
        group_arn = solution.fields["datasetGroupArn"]
        for job in self.of_kind("dataset-import-job"):
            dataset = self.resources.get(job.fields["datasetArn"])
            if job.status in IN_FLIGHT and dataset is not None and dataset.fields["datasetGroupArn"] == group_arn:
                raise ResourceInUseException(f"Dataset import job {job.arn} is in progress.")
        in_flight = self._in_flight("solution-version")
        if any(v.fields["solutionArn"] == solution.arn for v in in_flight):
            raise ResourceInUseException(f"Solution {solution.arn} already has a version in progress.")
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

    def _finish_solution_version(self, version: Resource) -> str | None:
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
    def create_batch_segment_job(self, params: dict[str, Any]) -> dict[str, Any]:
        version = self._get("solution-version", params["solutionVersionArn"])
        arn = self.arn(f"batch-segment-job/{params['jobName']}")
        self._exists(arn, "Batch segment job")
        recipe = version.fields.get("recipeArn", "").rsplit("/", 1)[-1]
        if recipe not in SEGMENT_RECIPES:
            raise InvalidInputException(f"Batch segment jobs need a USER_SEGMENTATION recipe, not {recipe}.")
        num_results = params.get("numResults", 25)
        if not 1 <= num_results <= MAX_BATCH_SEGMENT_RESULTS:
            raise InvalidInputException(f"numResults must be between 1 and {MAX_BATCH_SEGMENT_RESULTS}.")
        if version.status != ACTIVE:
            raise ResourceInUseException(f"Solution version {version.arn} is not ACTIVE ({version.status}).")
        in_flight = self._in_flight("batch-segment-job")
        self._limit("batch_segment_jobs_in_progress", len(in_flight), "Batch segment jobs in progress")
        fields = {"jobName": params["jobName"], "batchSegmentJobArn": arn, "solutionVersionArn": version.arn}
        fields["numResults"] = num_results
        # jobInput, jobOutput and roleArn are required members (botocore has checked them), filterArn optional
        copy_present(fields, params, "jobInput", "jobOutput", "roleArn", "filterArn")
        self._new("batch-segment-job", arn, fields)
        return {"batchSegmentJobArn": arn}

    def _finish_batch_segment_job(self, job: Resource) -> str | None:
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
        except InputError as exc:
            return str(exc)
        num_results = int(job.fields["numResults"])
        s3 = self._s3_client()
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
