"""The Personalize emulator: lifecycle, S3-backed imports and batch segment jobs, error shapes, Step Functions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from moto import mock_aws

from contextual_targeting.local.emulation import emulate
from contextual_targeting.local.emulators.personalize import PersonalizeEmulator, scoring

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "personalize"
BUCKET = "data-bucket"
ACCOUNT, REGION = "123456789012", "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/personalize"
RECIPE = "arn:aws:personalize:::recipe/aws-item-attribute-affinity"
CONFIG = json.loads((SAMPLE / "train" / "bingewatch" / "config.json").read_text())


def schema_of(dataset: str) -> str:
    return json.dumps(CONFIG["datasets"][dataset]["schema"]["serviceConfig"]["schema"])


@pytest.fixture
def aws() -> Iterator[PersonalizeEmulator]:
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        for path in SAMPLE.rglob("*"):
            if path.is_file():
                s3.upload_file(str(path), BUCKET, path.relative_to(SAMPLE).as_posix())
        emulator = PersonalizeEmulator(describes_per_step=1)
        with emulate(emulator):
            yield emulator


def wait(describe, key: str, **params) -> dict:
    """Describe until terminal; returns the resource and the statuses seen."""
    seen = []
    for _ in range(20):
        resource = describe(**params)[key]
        seen.append(resource["status"])
        if resource["status"] in ("ACTIVE", "CREATE FAILED"):
            resource["seen"] = seen
            return resource
    raise AssertionError(f"{key} never finished: {seen}")


def dataset_group(p) -> str:
    arn = p.create_dataset_group(name="bingewatch")["datasetGroupArn"]
    wait(p.describe_dataset_group, "datasetGroup", datasetGroupArn=arn)
    return arn


def dataset(p, group: str, kind: str) -> str:
    schema = p.create_schema(name=f"bingewatch-{kind}-schema", schema=schema_of(kind))["schemaArn"]
    arn = p.create_dataset(
        name=f"bingewatch-{kind}", schemaArn=schema, datasetGroupArn=group, datasetType=kind.upper()
    )["datasetArn"]
    wait(p.describe_dataset, "dataset", datasetArn=arn)
    return arn


def import_job(p, dataset_arn: str, name: str, location: str) -> dict:
    arn = p.create_dataset_import_job(
        jobName=name, datasetArn=dataset_arn, dataSource={"dataLocation": location}, roleArn=ROLE
    )["datasetImportJobArn"]
    return wait(p.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=arn)


def trained(p) -> tuple[str, str]:
    group = dataset_group(p)
    for kind in ("interactions", "items"):
        job = import_job(p, dataset(p, group, kind), f"{kind}-1", f"s3://{BUCKET}/train/bingewatch/{kind}.csv")
        assert job["status"] == "ACTIVE", job
    solution = p.create_solution(name="bingewatch-affinity", recipeArn=RECIPE, datasetGroupArn=group)["solutionArn"]
    wait(p.describe_solution, "solution", solutionArn=solution)
    version = p.create_solution_version(solutionArn=solution, trainingMode="FULL")["solutionVersionArn"]
    described = wait(p.describe_solution_version, "solutionVersion", solutionVersionArn=version)
    assert described["status"] == "ACTIVE", described
    return solution, version


def test_statuses_progress_per_describe_and_arns_have_the_real_format(aws) -> None:
    p = boto3.client("personalize", region_name=REGION)
    arn = p.create_dataset_group(name="bingewatch")["datasetGroupArn"]
    assert arn == f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset-group/bingewatch"
    group = wait(p.describe_dataset_group, "datasetGroup", datasetGroupArn=arn)
    assert group["seen"] == ["CREATE IN_PROGRESS", "ACTIVE"]
    assert p.list_dataset_groups()["datasetGroups"][0]["status"] == "ACTIVE"
    ds = dataset(p, arn, "interactions")
    assert ds == f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset/bingewatch/INTERACTIONS"
    schema = p.describe_schema(
        schemaArn=f"arn:aws:personalize:{REGION}:{ACCOUNT}:schema/bingewatch-interactions-schema"
    )
    assert schema["schema"]["schema"] == schema_of("interactions")
    assert [s["name"] for s in p.list_schemas()["schemas"]] == ["bingewatch-interactions-schema"]
    assert p.list_datasets(datasetGroupArn=arn)["datasets"][0]["datasetType"] == "INTERACTIONS"


def test_slower_progressions_are_configurable(aws) -> None:
    aws.describes_per_step = 3
    p = boto3.client("personalize", region_name=REGION)
    arn = p.create_dataset_group(name="slow")["datasetGroupArn"]
    group = wait(p.describe_dataset_group, "datasetGroup", datasetGroupArn=arn)
    assert group["seen"] == ["CREATE PENDING"] * 2 + ["CREATE IN_PROGRESS"] * 3 + ["ACTIVE"]


def test_training_and_batch_segment_job_write_the_real_output_shape(aws) -> None:
    p = boto3.client("personalize", region_name=REGION)
    solution, version = trained(p)
    assert version.startswith(solution + "/")
    latest = p.describe_solution(solutionArn=solution)["solution"]["latestSolutionVersion"]
    assert latest["solutionVersionArn"] == version and latest["status"] == "ACTIVE"
    output = f"s3://{BUCKET}/batch/bingewatch/bingewatch-affinity/job-1/"
    arn = p.create_batch_segment_job(
        jobName="job-1",
        solutionVersionArn=version,
        numResults=10,
        jobInput={"s3DataSource": {"path": f"s3://{BUCKET}/batch/bingewatch/bingewatch-affinity/job_config.json"}},
        jobOutput={"s3DataDestination": {"path": output}},
        roleArn=ROLE,
    )["batchSegmentJobArn"]
    assert arn == f"arn:aws:personalize:{REGION}:{ACCOUNT}:batch-segment-job/job-1"
    job = wait(p.describe_batch_segment_job, "batchSegmentJob", batchSegmentJobArn=arn)
    assert job["status"] == "ACTIVE", job
    assert p.list_batch_segment_jobs(solutionVersionArn=version)["batchSegmentJobs"][0]["jobName"] == "job-1"
    body = boto3.client("s3", region_name=REGION).get_object(
        Bucket=BUCKET, Key="batch/bingewatch/bingewatch-affinity/job-1/job_config.json.out"
    )["Body"]
    lines = [json.loads(line) for line in body.read().decode().splitlines()]
    assert [line["input"]["itemAttributes"] for line in lines] == [
        'ITEMS.genres = "Action"',
        'ITEMS.genres = "Comedy"',
        'ITEMS.genres = "Horror" AND ITEMS.genres = "Thriller"',
    ]
    for line in lines:
        assert set(line) == {"input", "output", "error"} and line["error"] is None
        users = line["output"]["usersList"]
        assert 0 < len(users) <= 10 and len(set(users)) == len(users)
        assert all(isinstance(user, str) for user in users)


def test_a_new_solution_version_is_trained_on_the_latest_import(aws) -> None:
    p = boto3.client("personalize", region_name=REGION)
    solution, first = trained(p)
    second = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    assert second != first
    assert wait(p.describe_solution_version, "solutionVersion", solutionVersionArn=second)["status"] == "ACTIVE"
    versions = p.list_solution_versions(solutionArn=solution)["solutionVersions"]
    assert [v["solutionVersionArn"] for v in versions] == [second, first]


def test_imports_check_the_csv_against_the_schema(aws) -> None:
    p = boto3.client("personalize", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    group = dataset_group(p)
    interactions = dataset(p, group, "interactions")
    cases = {
        "header": ("USER_ID,ITEM_ID,EVENT_VALUE,EVENT_KIND,TIMESTAMP\n1,2,4.0,Watch,964982703\n", "EVENT_KIND"),
        "missing": ("USER_ID,ITEM_ID,EVENT_VALUE\n1,2,4.0\n", "missing the following columns: [EVENT_TYPE, TIMESTAMP]"),
        "type": (
            "USER_ID,ITEM_ID,EVENT_VALUE,EVENT_TYPE,TIMESTAMP\n1,2,4.0,Watch,yesterday\n",
            "line 2, column TIMESTAMP",
        ),
        "width": ("USER_ID,ITEM_ID,EVENT_VALUE,EVENT_TYPE,TIMESTAMP\n1,2,4.0,Watch\n", "line 2: expected 5 values"),
        "required": ("USER_ID,ITEM_ID,EVENT_VALUE,EVENT_TYPE,TIMESTAMP\n,2,4.0,Watch,964982703\n", "column USER_ID"),
    }
    for name, (body, reason) in cases.items():
        s3.put_object(Bucket=BUCKET, Key=f"bad/{name}.csv", Body=body.encode())
        job = import_job(p, interactions, f"bad-{name}", f"s3://{BUCKET}/bad/{name}.csv")
        assert job["status"] == "CREATE FAILED"
        assert reason in job["failureReason"], (name, job["failureReason"])
    missing = import_job(p, interactions, "absent", f"s3://{BUCKET}/nothing/here.csv")
    assert missing["status"] == "CREATE FAILED" and "nothing/here.csv" in missing["failureReason"]
    # a folder of parts is read as one dataset
    s3.copy_object(Bucket=BUCKET, Key="parts/a.csv", CopySource=f"{BUCKET}/train/bingewatch/interactions.csv")
    assert import_job(p, interactions, "folder", f"s3://{BUCKET}/parts/")["status"] == "ACTIVE"


def test_training_fails_without_enough_data(aws) -> None:
    p = boto3.client("personalize", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    group = dataset_group(p)
    s3.put_object(
        Bucket=BUCKET,
        Key="small.csv",
        Body=b"USER_ID,ITEM_ID,EVENT_VALUE,EVENT_TYPE,TIMESTAMP\n1,1,4.0,Watch,964982703\n",
    )
    import_job(p, dataset(p, group, "interactions"), "small", f"s3://{BUCKET}/small.csv")
    import_job(p, dataset(p, group, "items"), "items", f"s3://{BUCKET}/train/bingewatch/items.csv")
    solution = p.create_solution(name="s", recipeArn=RECIPE, datasetGroupArn=group)["solutionArn"]
    wait(p.describe_solution, "solution", solutionArn=solution)
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    failed = wait(p.describe_solution_version, "solutionVersion", solutionVersionArn=version)
    assert failed["status"] == "CREATE FAILED" and "at least 1000 interactions" in failed["failureReason"]


def test_error_shapes(aws) -> None:
    p = boto3.client("personalize", region_name=REGION)
    arn = p.create_dataset_group(name="dg")["datasetGroupArn"]
    with pytest.raises(p.exceptions.ResourceAlreadyExistsException):
        p.create_dataset_group(name="dg")
    with pytest.raises(p.exceptions.ResourceNotFoundException):
        p.describe_dataset_group(datasetGroupArn=arn + "x")
    schema = p.create_schema(name="s", schema=schema_of("interactions"))["schemaArn"]
    with pytest.raises(p.exceptions.ResourceInUseException):  # the group is still CREATE PENDING
        p.create_dataset(name="d", schemaArn=schema, datasetGroupArn=arn, datasetType="INTERACTIONS")
    items_schema = p.create_schema(name="items", schema=schema_of("items"))["schemaArn"]
    with pytest.raises(p.exceptions.InvalidInputException, match=r"INTERACTIONS: missing required field\(s\) USER_ID"):
        p.create_dataset(name="d", schemaArn=items_schema, datasetGroupArn=arn, datasetType="INTERACTIONS")
    with pytest.raises(p.exceptions.InvalidInputException):
        p.create_schema(name="broken", schema="{not json")
    with pytest.raises(p.exceptions.ResourceNotFoundException):
        p.create_solution(name="x", recipeArn="arn:aws:personalize:::recipe/aws-nope", datasetGroupArn=arn)
    with pytest.raises(ParamValidationError):  # botocore's model check (types, minimum lengths)
        p.create_dataset_group(name="")
    with pytest.raises(p.exceptions.InvalidInputException):  # the service's own checks: maximum lengths
        p.create_dataset_group(name="x" * 64)
    with pytest.raises(p.exceptions.InvalidInputException, match="bad name!"):  # patterns: the service's check
        p.create_dataset_group(name="bad name!")
    aws.limits["dataset_groups"] = 1
    with pytest.raises(p.exceptions.LimitExceededException):
        p.create_dataset_group(name="another")
    wait(p.describe_dataset_group, "datasetGroup", datasetGroupArn=arn)
    p.create_dataset(name="d", schemaArn=schema, datasetGroupArn=arn, datasetType="INTERACTIONS")
    with pytest.raises(p.exceptions.ResourceAlreadyExistsException):
        p.create_dataset(name="d2", schemaArn=schema, datasetGroupArn=arn, datasetType="Interactions")
    with pytest.raises(p.exceptions.ResourceInUseException):
        p.delete_schema(schemaArn=schema)
    with pytest.raises(p.exceptions.ResourceInUseException):
        p.delete_dataset_group(datasetGroupArn=arn)
    try:
        p.describe_solution(solutionArn=f"arn:aws:personalize:{REGION}:{ACCOUNT}:solution/none")
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "ResourceNotFoundException"
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_batch_segment_job_rejects_bad_requests_and_reports_bad_queries(aws) -> None:
    p = boto3.client("personalize", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    _, version = trained(p)
    s3.put_object(Bucket=BUCKET, Key="q/bad.json", Body=b'{"itemAttributes": "ITEMS.nope = \\"x\\""}\n')
    request = {
        "solutionVersionArn": version,
        "jobInput": {"s3DataSource": {"path": f"s3://{BUCKET}/q/bad.json"}},
        "jobOutput": {"s3DataDestination": {"path": f"s3://{BUCKET}/q/out/"}},
        "roleArn": ROLE,
    }
    with pytest.raises(p.exceptions.InvalidInputException):
        p.create_batch_segment_job(jobName="too-many", numResults=5_000_001, **request)
    arn = p.create_batch_segment_job(jobName="bad-query", numResults=5, **request)["batchSegmentJobArn"]
    assert wait(p.describe_batch_segment_job, "batchSegmentJob", batchSegmentJobArn=arn)["status"] == "ACTIVE"
    line = json.loads(s3.get_object(Bucket=BUCKET, Key="q/out/bad.json.out")["Body"].read())
    assert line["output"] is None and "ITEMS.NOPE" in line["error"]
    with pytest.raises(p.exceptions.ResourceAlreadyExistsException):
        p.create_batch_segment_job(jobName="bad-query", numResults=5, **request)


def test_injected_failure(aws) -> None:
    p = boto3.client("personalize", region_name=REGION)
    aws.inject_failure("dataset-group", "KMS key not accessible")
    arn = p.create_dataset_group(name="dg")["datasetGroupArn"]
    group = wait(p.describe_dataset_group, "datasetGroup", datasetGroupArn=arn)
    assert (group["status"], group["failureReason"]) == ("CREATE FAILED", "KMS key not accessible")


def test_step_functions_aws_sdk_tasks_see_pascal_case_and_typed_errors(aws) -> None:
    definition = {
        "StartAt": "Create",
        "States": {
            "Create": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:personalize:createDatasetGroup",
                "Parameters": {"Name": "from-sfn"},
                "ResultSelector": {"arn.$": "$.DatasetGroupArn"},
                "Catch": [
                    {
                        "ErrorEquals": ["Personalize.ResourceAlreadyExistsException"],
                        "ResultPath": "$.error",
                        "Next": "Exists",
                    }
                ],
                "End": True,
            },
            "Exists": {"Type": "Pass", "End": True},
        },
    }
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name=REGION)
        sm = sfn.create_state_machine(name="sm", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
        outputs = []
        for name in ("first", "second"):
            execution = sfn.start_execution(stateMachineArn=sm, name=name, input="{}")["executionArn"]
            while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
                pass
            outputs.append(json.loads(described["output"]))
    assert outputs[0] == {"arn": f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset-group/from-sfn"}
    assert outputs[1]["error"]["Error"] == "Personalize.ResourceAlreadyExistsException"
    assert aws.call_count("CreateDatasetGroup") == 2


def test_scorer_ranks_by_matching_interactions_with_ties_by_user_id() -> None:
    items = [
        {"ITEM_ID": "1", "GENRES": "Action|Thriller"},
        {"ITEM_ID": "2", "GENRES": "Comedy"},
        {"ITEM_ID": "3", "GENRES": "Action"},
    ]
    interactions = [
        {"USER_ID": u, "ITEM_ID": i}
        for u, i in [("10", "1"), ("10", "3"), ("9", "1"), ("2", "3"), ("2", "2"), ("7", "2")]
    ]
    model = scoring.fit(interactions, items)
    assert model.segment('ITEMS.genres = "Action"', 10) == ["10", "2", "9"]
    assert model.segment('ITEMS.GENRES = "action" AND ITEMS.genres = "Thriller"', 10) == ["9", "10"]
    assert model.segment('ITEMS.genres = "Action"', 1) == ["10"]
    assert model.segment('ITEMS.genres = "Horror"', 10) == []
    for bad in ("", 'ITEMS.genres == "x"', 'ITEMS.genres = "x" OR ITEMS.genres = "y"', 'ITEMS.title = "x"'):
        with pytest.raises(scoring.ExpressionError):
            model.segment(bad, 10)
