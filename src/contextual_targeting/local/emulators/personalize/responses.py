"""The Personalize operations the emulator serves, each a thin adapter onto the models.

Describe and List operations are alike for every resource: the tables below say which resource kind each reads and
how it answers. Create and Delete operations (and the few with more to say) are served by the models' rule of the
same name in snake case (``CreateDataset`` → ``create_dataset(params)``)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from botocore import xform_name

from contextual_targeting.local.emulators.personalize.exceptions import InvalidInputException
from contextual_targeting.local.emulators.personalize.inspection import PersonalizeInspection
from contextual_targeting.local.emulators.personalize.models import _NAME, MAX_NAME_LENGTH

Operation = Callable[[Any, dict[str, Any]], dict[str, Any]]

# Describe<Resource>: (resource kind, request member holding its ARN, answer member)
DESCRIBE = {
    "DescribeDatasetGroup": ("dataset-group", "datasetGroupArn", "datasetGroup"),
    "DescribeSchema": ("schema", "schemaArn", "schema"),
    "DescribeDataset": ("dataset", "datasetArn", "dataset"),
    "DescribeDatasetImportJob": ("dataset-import-job", "datasetImportJobArn", "datasetImportJob"),
    "DescribeFilter": ("filter", "filterArn", "filter"),
    "DescribeEventTracker": ("event-tracker", "eventTrackerArn", "eventTracker"),
    "DescribeSolutionVersion": ("solution-version", "solutionVersionArn", "solutionVersion"),
    "DescribeBatchSegmentJob": ("batch-segment-job", "batchSegmentJobArn", "batchSegmentJob"),
}

_TIMES = ("creationDateTime", "lastUpdatedDateTime")
_STATUS = ("status", *_TIMES)
# List<Resources>: (resource kind, answer member, summary members, request member narrowing the list or None)
LIST = {
    "ListDatasetGroups": (
        "dataset-group",
        "datasetGroups",
        ("name", "datasetGroupArn", *_STATUS, "failureReason"),
        None,
    ),
    "ListSchemas": ("schema", "schemas", ("name", "schemaArn", *_TIMES, "domain"), None),
    "ListDatasets": ("dataset", "datasets", ("name", "datasetArn", "datasetType", *_STATUS), "datasetGroupArn"),
    "ListDatasetImportJobs": (
        "dataset-import-job",
        "datasetImportJobs",
        ("datasetImportJobArn", "jobName", *_STATUS, "failureReason", "importMode"),
        "datasetArn",
    ),
    "ListSolutions": ("solution", "solutions", ("name", "solutionArn", *_STATUS, "recipeArn"), "datasetGroupArn"),
    # sic: the API's only capitalised list key
    "ListFilters": ("filter", "Filters", ("name", "filterArn", "datasetGroupArn", *_STATUS), "datasetGroupArn"),
    "ListEventTrackers": ("event-tracker", "eventTrackers", ("name", "eventTrackerArn", *_STATUS), "datasetGroupArn"),
    "ListSolutionVersions": (
        "solution-version",
        "solutionVersions",
        ("solutionVersionArn", "status", "trainingMode", "trainingType", *_TIMES, "failureReason"),
        "solutionArn",
    ),
    "ListBatchSegmentJobs": (
        "batch-segment-job",
        "batchSegmentJobs",
        ("batchSegmentJobArn", "jobName", *_STATUS, "failureReason", "solutionVersionArn"),
        "solutionVersionArn",
    ),
}

# served by the models' rule of the same name
RULES = (
    "CreateDatasetGroup",
    "DeleteDatasetGroup",
    "CreateSchema",
    "DeleteSchema",
    "CreateDataset",
    "DeleteDataset",
    "CreateDatasetImportJob",
    "CreateSolution",
    "DescribeSolution",
    "DeleteSolution",
    "CreateFilter",
    "DeleteFilter",
    "CreateEventTracker",
    "DeleteEventTracker",
    "DescribeRecipe",
    "CreateSolutionVersion",
    "CreateBatchSegmentJob",
)


class PersonalizeEmulator(PersonalizeInspection):
    """Served through ``emulation.emulate(PersonalizeEmulator())``; a malformed request from Step Functions answers
    ``InvalidInputException``, as Personalize does."""

    service_name = "personalize"
    validation_error_code = "InvalidInputException"

    def handle(self, operation: Any, params: dict[str, Any]) -> dict[str, Any]:
        # botocore checks lengths and types; the service also checks name patterns
        for key in ("name", "jobName"):
            value = params.get(key)
            if isinstance(value, str) and (len(value) > MAX_NAME_LENGTH or not _NAME.match(value)):
                raise InvalidInputException(
                    f"1 validation error detected: Value '{value}' at '{key}' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {MAX_NAME_LENGTH} and satisfy regular expression "
                    f"pattern: {_NAME.pattern}",
                )
        # answers are copies: callers (moto's Step Functions normaliser) rewrite nested members in place
        return copy.deepcopy(super().handle(operation, params))

    def op_ListSolutionVersions(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("solutionArn") is not None:
            self._get("solution", params["solutionArn"])
        return _lister(*LIST["ListSolutionVersions"])(self, params)


def _describer(kind: str, member: str, answer: str) -> Operation:
    def describe(self: PersonalizeEmulator, params: dict[str, Any]) -> dict[str, Any]:
        return {answer: self._describe(kind, params[member])}

    return describe


def _lister(kind: str, answer: str, keys: tuple[str, ...], narrowed_by: str | None) -> Operation:
    def list_(self: PersonalizeEmulator, params: dict[str, Any]) -> dict[str, Any]:
        wanted = params.get(narrowed_by) if narrowed_by else None
        rows = self._summaries(kind, keys, lambda r: wanted is None or r.fields[narrowed_by or ""] == wanted)
        return self._page(rows, params, answer)

    return list_


def _rule(operation: str) -> Operation:
    rule = xform_name(operation)

    def serve(self: PersonalizeEmulator, params: dict[str, Any]) -> dict[str, Any]:
        return getattr(self, rule)(params)  # type: ignore[no-any-return]

    return serve


for _operation, _spec in DESCRIBE.items():
    setattr(PersonalizeEmulator, f"op_{_operation}", _describer(*_spec))
for _operation, _list_spec in LIST.items():
    if not hasattr(PersonalizeEmulator, f"op_{_operation}"):
        setattr(PersonalizeEmulator, f"op_{_operation}", _lister(*_list_spec))
for _operation in RULES:
    setattr(PersonalizeEmulator, f"op_{_operation}", _rule(_operation))
