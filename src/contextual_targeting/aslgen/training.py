"""The training workflow (``statemachines/training_workflow.asl.json``), written in the order it runs.

Validate the uploaded config (one Lambda), take the dataset group's lock, then create and poll the dataset group,
schemas, datasets, import jobs, solution, solution version and batch segment jobs in Amazon Personalize; each
resource's Describe/Wait/Choice loop comes from ``states.poll_loop``. SNS on success and failure.

``${name}`` strings are Terraform ``templatefile()`` placeholders, kept as they are in the committed template
(``modules/training_workflow`` passes them; ``tfcheck`` checks every one is passed).
"""

from __future__ import annotations

from typing import Any

from contextual_targeting.aslgen.states import (
    LAMBDA_RETRY,
    PERSONALIZE_CREATE_RETRY,
    PERSONALIZE_THROTTLED,
    S3_RETRY,
    Resource,
    State,
    catch,
    catch_all,
    caught,
    failure,
    inline_map,
    poll_loop,
)

REPORT = "NotifyFailure"
# The poll settings of each kind of resource: ${<kind>_poll_seconds} and ${<kind>_max_polls} in the template
POLL_TUNABLES = ("resource", "import", "training", "batch")

DATASET_GROUP = Resource("DatasetGroup", path="datasetGroup", tunables="resource")
DATASET = Resource("Dataset", path="ds", tunables="resource", failure_reason=False)
IMPORT_JOB = Resource("DatasetImportJob", path="importJob", tunables="import", shown_with="$.dataset.dataLocation")
SOLUTION = Resource("Solution", path="solution", tunables="resource", failure_reason=False)
SOLUTION_VERSION = Resource("SolutionVersion", path="solutionVersion", tunables="training")
BATCH_SEGMENT_JOB = Resource("BatchSegmentJob", path="batchJob", tunables="batch")

ALREADY_EXISTS = ["Personalize.ResourceAlreadyExistsException"]
LOCK_KEY = "States.Format('work/locks/training/{}.json', $.plan.datasetGroup.name)"


def personalize_create(
    name: str,
    parameters: dict[str, Any],
    *,
    result_path: str,
    next_state: str,
    catches: list[dict[str, Any]],
    **more: Any,
) -> State:
    """``Create<name>``, keeping the new ARN (``<name>Arn``) at ``result_path``.arn."""
    return {
        "Type": "Task",
        "Resource": f"arn:aws:states:::aws-sdk:personalize:create{name}",
        "Parameters": parameters,
        "ResultSelector": {"arn.$": f"$.{name}Arn"},
        "ResultPath": result_path,
        "Retry": PERSONALIZE_CREATE_RETRY,
        **({"Catch": catches} if catches else {}),
        "Next": next_state,
        **more,
    }


def exists_catch(next_state: str) -> dict[str, Any]:
    """Already created (by an earlier run): go on with the existing one, which the poll loop then checks."""
    return catch(ALREADY_EXISTS, next_state, result_path=None)


def sns(subject: dict[str, str], message: str, *, next_state: str, **more: Any) -> State:
    """Publish to the notification topic; ``subject`` is ``{"Subject": ...}`` or ``{"Subject.$": ...}``."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::sns:publish",
        "Parameters": {"TopicArn": "${notification_topic_arn}", **subject, "Message.$": message},
        "ResultPath": None,
        "Next": next_state,
        **more,
    }


def s3_lock(api: str, parameters: dict[str, str] | None = None, **fields: Any) -> State:
    """A task on the dataset group's lock object (``work/locks/training/<dataset group>.json``)."""
    return {
        "Type": "Task",
        "Resource": f"arn:aws:states:::aws-sdk:s3:{api}",
        "Parameters": {"Bucket.$": "$.bucket", "Key.$": LOCK_KEY, **(parameters or {})},
        **fields,
    }


def start() -> dict[str, State]:
    config: dict[str, str] = {}
    for kind in POLL_TUNABLES:
        config[f"{kind}PollSeconds.$"] = f"States.StringToJson('${{{kind}_poll_seconds}}')"
        config[f"{kind}MaxPolls.$"] = f"States.StringToJson('${{{kind}_max_polls}}')"
    return {
        "Init": {
            "Type": "Pass",
            "Comment": "Keep only S3 pointers from the S3 event; turn the tunables into numbers.",
            "Parameters": {"bucket.$": "$.detail.bucket.name", "key.$": "$.detail.object.key", "config": config},
            "ResultPath": "$",
            "Next": "Validate",
        },
        "Validate": {
            "Type": "Task",
            "Comment": "Everything is checked before anything that costs money; returns the plan.",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {
                "FunctionName": "${validate_training_input_arn}",
                "Payload": {"bucket.$": "$.bucket", "key.$": "$.key", "run_id.$": "$$.Execution.Name"},
            },
            "ResultSelector": {"plan.$": "$.Payload"},
            "ResultPath": "$.validation",
            "OutputPath": "$",
            "Retry": LAMBDA_RETRY,
            "Catch": [catch(["InputInvalid"], "ReadReport"), catch_all("CaughtValidate")],
            "Next": "KeepPlan",
        },
        "KeepPlan": {
            "Type": "Pass",
            "Parameters": {
                "bucket.$": "$.bucket",
                "key.$": "$.key",
                "config.$": "$.config",
                "plan.$": "$.validation.plan",
                "lockBody": {"owner.$": "$$.Execution.Id"},
            },
            "ResultPath": "$",
            "Next": "TakeLock",
        },
    }


def lock() -> dict[str, State]:
    body = {"Body.$": "$.lockBody", "ContentType": "application/json"}
    return {
        "TakeLock": s3_lock(
            "putObject",
            {**body, "IfNoneMatch": "*"},
            Comment="One training execution per dataset group at a time: create "
            'work/locks/training/<dataset group>.json ({"owner": <this execution>}) only if it does not exist '
            "(S3 conditional write, If-None-Match). A second upload, or the schedule during a running training, "
            "finds it.",
            ResultPath=None,
            Retry=S3_RETRY,
            Catch=[catch_all("ReadLock", result_path="$.lockError")],
            Next="DatasetGroupTags",
        ),
        "ReadLock": s3_lock(
            "getObject",
            Comment="The lock exists: which execution holds it?",
            ResultSelector={"held.$": "States.StringToJson($.Body)", "etag.$": "$.ETag"},
            ResultPath="$.lock",
            Retry=S3_RETRY,
            Catch=[catch_all("CaughtLock")],
            Next="DescribeLockHolder",
        ),
        "DescribeLockHolder": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sfn:describeExecution",
            "Parameters": {"ExecutionArn.$": "$.lock.held.owner"},
            "ResultSelector": {"status.$": "$.Status", "name.$": "$.Name", "arn.$": "$.ExecutionArn"},
            "ResultPath": "$.lock.holder",
            "Catch": [catch_all("TakeOverLock", result_path="$.lockError")],
            "Next": "LockHolderRunning",
        },
        "LockHolderRunning": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.lock.holder.status", "StringEquals": "RUNNING", "Next": "NotifyTrainingRunning"}
            ],
            "Default": "TakeOverLock",
        },
        "TakeOverLock": s3_lock(
            "putObject",
            {**body, "IfMatch.$": "$.lock.etag"},
            Comment="The holder ended without releasing the lock (stopped, timed out): take it over, unless another "
            "execution just did (If-Match on the lock's ETag).",
            ResultPath=None,
            Retry=S3_RETRY,
            Catch=[catch_all("ReadLock", result_path="$.lockError")],
            Next="DatasetGroupTags",
        ),
        "NotifyTrainingRunning": sns(
            {"Subject.$": "States.Format('Training not started: {} still training', $.plan.datasetGroup.name)"},
            "States.Format('Training for dataset group {} was not started, because it is already training in "
            "execution {}. Two trainings of one dataset group at the same time would import into the same datasets "
            "and fail, so this upload of s3://{}/{} changed nothing in Personalize. What to do: wait for the running "
            "training to finish, you will receive its e-mail, then upload the config again if it should train on "
            "newer data.\n\n{}', $.plan.datasetGroup.name, $.lock.holder.name, $.bucket, $.key, "
            "States.JsonToString($.lock))",
            next_state="NotStarted",
            Comment="Refused, not failed: nothing was created or changed.",
        ),
        "NotStarted": {"Type": "Succeed", "Comment": "Another execution is training this dataset group."},
        "CaughtLock": caught("Lock", report=REPORT),
    }


def invalid_input() -> dict[str, State]:
    """The config is invalid (``InputInvalid`` from Validate): say what to fix; nothing was created."""
    return {
        "ReadReport": {
            "Type": "Pass",
            "Parameters": {"error.$": "$.caught.Error", "lambdaError.$": "States.StringToJson($.caught.Cause)"},
            "ResultPath": "$.invalid",
            "Next": "NotifyInvalidInput",
        },
        "NotifyInvalidInput": sns(
            {"Subject": "Personalize training: invalid input, nothing was created"},
            "States.Format('The training input s3://{}/{} is invalid. Nothing was created in Amazon Personalize "
            "(execution {}). What to do next: fix every problem below and upload the config again. {}\n\n{}', "
            "$.bucket, $.key, $$.Execution.Name, $.invalid.lambdaError.errorMessage, "
            "States.JsonToString($.invalid.lambdaError))",
            next_state="InputRejected",
        ),
        "InputRejected": {"Type": "Fail", "Error": "InputInvalid", "CausePath": "$.invalid.lambdaError.errorMessage"},
        "CaughtValidate": caught("Validate", report=REPORT),
    }


def dataset_group() -> dict[str, State]:
    def create(parameters: dict[str, str], **more: Any) -> State:
        return personalize_create(
            "DatasetGroup",
            parameters,
            result_path="$.datasetGroup",
            next_state="StartDatasetGroupPoll",
            catches=[exists_catch("DatasetGroupExists"), catch_all(DATASET_GROUP.caught)],
            **more,
        )

    return {
        "DatasetGroupTags": inline_map(
            Comment="The plan's tags in the PascalCase the SDK integration expects.",
            items_path="$.plan.datasetGroup.tags",
            item_selector={"TagKey.$": "$$.Map.Item.Value.tagKey", "TagValue.$": "$$.Map.Item.Value.tagValue"},
            start_at="Tag",
            states={"Tag": {"Type": "Pass", "End": True}},
            ResultPath="$.tags",
            Next="DatasetGroupDomain",
        ),
        "DatasetGroupDomain": {
            "Type": "Choice",
            "Comment": "Domain is optional in CreateDatasetGroup and Parameters cannot leave a key out: one task with "
            "it, one without.",
            "Choices": [
                {"Variable": "$.plan.datasetGroup.domain", "IsPresent": True, "Next": "CreateDomainDatasetGroup"}
            ],
            "Default": "CreateDatasetGroup",
        },
        "CreateDatasetGroup": create({"Name.$": "$.plan.datasetGroup.name", "Tags.$": "$.tags"}),
        "CreateDomainDatasetGroup": create(
            {"Name.$": "$.plan.datasetGroup.name", "Domain.$": "$.plan.datasetGroup.domain", "Tags.$": "$.tags"},
            Comment="A Domain dataset group (the config names a domain, as the original solution's does): "
            "CreateDatasetGroup with Domain.",
        ),
        "DatasetGroupExists": {
            "Type": "Pass",
            "Comment": "Dataset group ARNs are deterministic: reuse the existing group.",
            "Parameters": {
                "arn.$": "States.Format('arn:${partition}:personalize:${region}:${account_id}:dataset-group/{}', "
                "$.plan.datasetGroup.name)"
            },
            "ResultPath": "$.datasetGroup",
            "Next": "StartDatasetGroupPoll",
        },
        **poll_loop(DATASET_GROUP, on_active="ImportDatasets", report=REPORT),
    }


def schema() -> dict[str, State]:
    """One schema per dataset (reused when one of that name exists with the same definition)."""

    def create(parameters: dict[str, str], **more: Any) -> State:
        return personalize_create(
            "Schema",
            parameters,
            result_path="$.schema",
            next_state="CreateDataset",
            catches=[exists_catch("SchemaExists")],
            **more,
        )

    return {
        "SchemaDomain": {
            "Type": "Choice",
            "Comment": "Domain is optional in CreateSchema: one task with it, one without.",
            "Choices": [{"Variable": "$.dataset.domain", "IsPresent": True, "Next": "CreateDomainSchema"}],
            "Default": "CreateSchema",
        },
        "CreateSchema": create({"Name.$": "$.dataset.schemaName", "Schema.$": "$.dataset.schema"}),
        "CreateDomainSchema": create(
            {"Name.$": "$.dataset.schemaName", "Domain.$": "$.dataset.domain", "Schema.$": "$.dataset.schema"},
            Comment="A schema of the Domain dataset group's domain: CreateSchema with Domain.",
        ),
        "SchemaExists": {
            "Type": "Pass",
            "Parameters": {
                "arn.$": "States.Format('arn:${partition}:personalize:${region}:${account_id}:schema/{}', "
                "$.dataset.schemaName)"
            },
            "ResultPath": "$.schema",
            "Next": "DescribeSchema",
        },
        "DescribeSchema": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:personalize:describeSchema",
            "Parameters": {"SchemaArn.$": "$.schema.arn"},
            "ResultSelector": {"existing.$": "States.JsonToString(States.StringToJson($.Schema.Schema))"},
            "ResultPath": "$.schemaCheck",
            "Retry": [PERSONALIZE_THROTTLED],
            "Next": "NormaliseSchema",
        },
        "NormaliseSchema": {
            "Type": "Pass",
            "Comment": "Compare both schemas re-serialised (whitespace-insensitive).",
            "Parameters": {
                "existing.$": "$.schemaCheck.existing",
                "wanted.$": "States.JsonToString(States.StringToJson($.dataset.schema))",
            },
            "ResultPath": "$.schemaCheck",
            "Next": "SameSchema",
        },
        "SameSchema": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.schemaCheck.existing",
                    "StringEqualsPath": "$.schemaCheck.wanted",
                    "Next": "CreateDataset",
                }
            ],
            "Default": "SchemaDiffers",
        },
        "SchemaDiffers": failure(
            "Schema",
            "SchemaMismatch",
            "States.Format('Schema {} already exists with a different definition than the config. Personalize "
            "schemas cannot be changed: give the schema a new name in the config. Existing: {}', $.schema.arn, "
            "$.schemaCheck.existing)",
            report=None,
        ),
    }


def dataset() -> dict[str, State]:
    return {
        "CreateDataset": personalize_create(
            "Dataset",
            {
                "Name.$": "$.dataset.name",
                "SchemaArn.$": "$.schema.arn",
                "DatasetGroupArn.$": "$.datasetGroupArn",
                "DatasetType.$": "$.dataset.type",
            },
            result_path="$.ds",
            next_state="StartDatasetPoll",
            catches=[exists_catch("DatasetExists")],
        ),
        "DatasetExists": {
            "Type": "Pass",
            "Comment": "One dataset per type per group; its ARN is deterministic.",
            "Parameters": {
                "arn.$": "States.Format('arn:${partition}:personalize:${region}:${account_id}:dataset/{}/{}', "
                "$.datasetGroupName, $.dataset.type)"
            },
            "ResultPath": "$.ds",
            "Next": "StartDatasetPoll",
        },
        **poll_loop(
            DATASET,
            on_active="CreateDatasetImportJob",
            guard={
                "Not": {"Variable": f"{DATASET.described}.SchemaArn", "StringEqualsPath": "$.schema.arn"},
                "Next": "DatasetSchemaDiffers",
            },
            then={
                "DatasetSchemaDiffers": failure(
                    "Dataset",
                    "DatasetSchemaMismatch",
                    "States.Format('Dataset {} exists with schema {}, but the config asks for schema {}', $.ds.arn, "
                    f"{DATASET.described}.SchemaArn, $.schema.arn)",
                    report=None,
                )
            },
        ),
    }


def import_job() -> dict[str, State]:
    return {
        "CreateDatasetImportJob": personalize_create(
            "DatasetImportJob",
            {
                "JobName.$": "$.dataset.importJobName",
                "DatasetArn.$": "$.ds.arn",
                "DataSource": {"DataLocation.$": "$.dataset.dataLocation"},
                "RoleArn": "${personalize_role_arn}",
                "ImportMode": "FULL",
            },
            result_path="$.importJob",
            next_state="StartDatasetImportJobPoll",
            catches=[],
        ),
        **poll_loop(
            IMPORT_JOB,
            on_active="DatasetImported",
            then={
                "DatasetImported": {
                    "Type": "Pass",
                    "Parameters": {
                        "type.$": "$.dataset.type",
                        "datasetArn.$": "$.ds.arn",
                        "schemaArn.$": "$.schema.arn",
                        "importJobArn.$": "$.importJob.arn",
                        "status.$": IMPORT_JOB.status,
                        "dataLocation.$": "$.dataset.dataLocation",
                        "durationSeconds.$": "$.importJob.poll.elapsed",
                    },
                    "End": True,
                }
            },
        ),
    }


def datasets() -> dict[str, State]:
    return {
        "ImportDatasets": inline_map(
            Comment="Schemas, datasets and one import job per dataset of the plan, in parallel.",
            items_path="$.plan.datasets",
            MaxConcurrency=3,
            item_selector={
                "dataset.$": "$$.Map.Item.Value",
                "datasetGroupArn.$": "$.datasetGroup.arn",
                "datasetGroupName.$": "$.plan.datasetGroup.name",
                "config.$": "$.config",
            },
            start_at="SchemaDomain",
            states={**schema(), **dataset(), **import_job()},
            ResultPath="$.datasets",
            Catch=[catch_all("CaughtDatasets")],
            Next="CreateSolution",
        ),
        "CaughtDatasets": caught("ImportDatasets", report=REPORT),
    }


def solution() -> dict[str, State]:
    return {
        "CreateSolution": personalize_create(
            "Solution",
            {
                "Name.$": "$.plan.solution.name",
                "RecipeArn.$": "$.plan.solution.recipeArn",
                "DatasetGroupArn.$": "$.datasetGroup.arn",
                "PerformAutoTraining.$": "$.plan.solution.performAutoTraining",
                "SolutionConfig.$": "$.plan.solution.solutionConfig",
            },
            result_path="$.solution",
            next_state="StartSolutionPoll",
            catches=[exists_catch("SolutionExists"), catch_all(SOLUTION.caught)],
        ),
        "SolutionExists": {
            "Type": "Pass",
            "Comment": "Reuse the solution if its recipe and dataset group match (checked on Describe).",
            "Parameters": {
                "arn.$": "States.Format('arn:${partition}:personalize:${region}:${account_id}:solution/{}', "
                "$.plan.solution.name)"
            },
            "ResultPath": "$.solution",
            "Next": "StartSolutionPoll",
        },
        **poll_loop(
            SOLUTION,
            on_active="CreateSolutionVersion",
            guard={
                "Or": [
                    {
                        "Not": {
                            "Variable": f"{SOLUTION.described}.RecipeArn",
                            "StringEqualsPath": "$.plan.solution.recipeArn",
                        }
                    },
                    {
                        "Not": {
                            "Variable": f"{SOLUTION.described}.DatasetGroupArn",
                            "StringEqualsPath": "$.datasetGroup.arn",
                        }
                    },
                ],
                "Next": "SolutionDiffers",
            },
            then={
                "SolutionDiffers": failure(
                    "Solution",
                    "SolutionMismatch",
                    "States.Format('Solution {} exists with recipe {} in dataset group {}; the config asks for recipe "
                    "{} in {}. Give the solution a new name in the config.', $.solution.arn, "
                    f"{SOLUTION.described}.RecipeArn, {SOLUTION.described}.DatasetGroupArn, $.plan.solution.recipeArn, "
                    "$.datasetGroup.arn)",
                    report=REPORT,
                )
            },
            report=REPORT,
        ),
    }


def solution_version() -> dict[str, State]:
    return {
        "CreateSolutionVersion": personalize_create(
            "SolutionVersion",
            {"SolutionArn.$": "$.solution.arn", "TrainingMode.$": "$.plan.solution.trainingMode"},
            result_path="$.solutionVersion",
            next_state="StartSolutionVersionPoll",
            catches=[catch_all(SOLUTION_VERSION.caught)],
        ),
        **poll_loop(SOLUTION_VERSION, on_active="BatchSegmentJobs", report=REPORT),
    }


def batch_segment_jobs() -> dict[str, State]:
    job_states = {
        "CreateBatchSegmentJob": personalize_create(
            "BatchSegmentJob",
            {
                "JobName.$": "$.job.jobName",
                "SolutionVersionArn.$": "$.solutionVersionArn",
                "NumResults.$": "$.job.numResults",
                "JobInput": {"S3DataSource": {"Path.$": "$.job.input"}},
                "JobOutput": {"S3DataDestination": {"Path.$": "$.job.output"}},
                "RoleArn": "${personalize_role_arn}",
            },
            result_path="$.batchJob",
            next_state="StartBatchSegmentJobPoll",
            catches=[],
        ),
        **poll_loop(
            BATCH_SEGMENT_JOB,
            on_active="BatchSegmentJobDone",
            then={
                "BatchSegmentJobDone": {
                    "Type": "Pass",
                    "Parameters": {
                        "jobName.$": "$.job.jobName",
                        "batchSegmentJobArn.$": "$.batchJob.arn",
                        "status.$": BATCH_SEGMENT_JOB.status,
                        "input.$": "$.job.input",
                        "output.$": "$.job.output",
                        "durationSeconds.$": "$.batchJob.poll.elapsed",
                    },
                    "End": True,
                }
            },
        ),
    }
    return {
        "BatchSegmentJobs": inline_map(
            Comment="One batch segment job per configured job; each ACTIVE event starts post-processing.",
            items_path="$.plan.batchSegmentJobs",
            MaxConcurrency=2,
            item_selector={
                "job.$": "$$.Map.Item.Value",
                "solutionVersionArn.$": "$.solutionVersion.arn",
                "config.$": "$.config",
            },
            start_at="CreateBatchSegmentJob",
            states=job_states,
            ResultPath="$.batchSegmentJobs",
            Catch=[catch_all("CaughtBatchSegmentJobs")],
            Next="Summary",
        ),
        "CaughtBatchSegmentJobs": caught("BatchSegmentJobs", report=REPORT),
    }


def finish() -> dict[str, State]:
    return {
        "Summary": {
            "Type": "Pass",
            "Parameters": {
                "status": "SUCCEEDED",
                "execution.$": "$$.Execution.Name",
                "config.$": "States.Format('s3://{}/{}', $.bucket, $.key)",
                "datasetGroupArn.$": "$.datasetGroup.arn",
                "datasets.$": "$.datasets",
                "solutionArn.$": "$.solution.arn",
                "solutionVersionArn.$": "$.solutionVersion.arn",
                "trainingMode.$": "$.plan.solution.trainingMode",
                "trainingDurationSeconds.$": "$.solutionVersion.poll.elapsed",
                "batchSegmentJobs.$": "$.batchSegmentJobs",
            },
            "ResultPath": "$.summary",
            "Next": "ReleaseLock",
        },
        "ReleaseLock": s3_lock(
            "deleteObject",
            Comment="Let the next upload of this dataset group train. A failure here does not fail the training: the "
            "next execution takes over a lock whose holder has ended.",
            ResultPath=None,
            Retry=S3_RETRY,
            Catch=[catch_all("NotifySuccess", result_path=None)],
            Next="NotifySuccess",
        ),
        "NotifySuccess": sns(
            {"Subject": "Personalize training succeeded"},
            "States.Format('Training for dataset group {} succeeded: solution version {} is ACTIVE and {} batch "
            "segment job(s) wrote their output. What to do next: nothing, the segments are exported next and you "
            "will receive a Segments ready message per job.\n\n{}', $.plan.datasetGroup.name, $.solutionVersion.arn, "
            "States.ArrayLength($.batchSegmentJobs), States.JsonToString($.summary))",
            next_state="Done",
            OutputPath="$.summary",
        ),
        "Done": {"Type": "Succeed"},
    }


def failed() -> dict[str, State]:
    """Every failure ends here: notify, release the lock if this execution holds it, fail."""
    return {
        REPORT: sns(
            {"Subject": "Personalize training failed"},
            "States.Format('Training workflow {} for s3://{}/{} failed in state {}. Error: {}. Cause: {} What to do "
            "next: fix the cause, then upload the config again; what the workflow already created in Personalize is "
            "reused, not created twice.\n\n{}', $$.Execution.Name, $.bucket, $.key, $.failure.state, $.failure.error, "
            "$.failure.cause, States.JsonToString($.failure))",
            next_state="LockTakenBeforeFailure",
        ),
        "LockTakenBeforeFailure": {
            "Type": "Choice",
            "Comment": "Failures before the plan exist hold no lock.",
            "Choices": [{"Variable": "$.plan.datasetGroup.name", "IsPresent": True, "Next": "ReadLockOnFailure"}],
            "Default": "TrainingFailed",
        },
        "ReadLockOnFailure": s3_lock(
            "getObject",
            ResultSelector={"held.$": "States.StringToJson($.Body)"},
            ResultPath="$.lockOnFailure",
            Catch=[catch_all("TrainingFailed", result_path=None)],
            Next="LockHeldByThisExecution",
        ),
        "LockHeldByThisExecution": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.lockOnFailure.held.owner",
                    "StringEqualsPath": "$.lockBody.owner",
                    "Next": "ReleaseLockOnFailure",
                }
            ],
            "Default": "TrainingFailed",
        },
        "ReleaseLockOnFailure": s3_lock(
            "deleteObject",
            ResultPath=None,
            Catch=[catch_all("TrainingFailed", result_path=None)],
            Next="TrainingFailed",
        ),
        "TrainingFailed": {
            "Type": "Fail",
            "Error": "TrainingFailed",
            "CausePath": "States.Format('{} failed with {}: {}', $.failure.state, $.failure.error, $.failure.cause)",
        },
    }


def definition() -> dict[str, Any]:
    return {
        "Comment": "Training workflow: validate the uploaded config, then dataset group, schemas, datasets, import "
        "jobs, solution, solution version and batch segment jobs in Amazon Personalize; state-change events on the "
        "custom bus; SNS on success and failure.",
        "StartAt": "Init",
        "States": {
            **start(),
            **lock(),
            **invalid_input(),
            **dataset_group(),
            **datasets(),
            **solution(),
            **solution_version(),
            **batch_segment_jobs(),
            **finish(),
            **failed(),
        },
    }
