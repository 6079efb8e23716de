"""The affinity model behind the Personalize emulator: a batch segment job answers with the model's ranking."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from contextual_targeting.local.emulation import emulate
from contextual_targeting.local.emulators.personalize import PersonalizeEmulator, scoring
from contextual_targeting.model import scorer

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "personalize"
BUCKET, REGION = "data-bucket", "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/personalize"
RECIPE = "arn:aws:personalize:::recipe/aws-item-attribute-affinity"
CONFIG = json.loads((SAMPLE / "train" / "bingewatch" / "config.json").read_text())


def rows(name: str) -> list[dict[str, str]]:
    with open(SAMPLE / "train" / "bingewatch" / f"{name}.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def wait(describe, key: str, **params) -> dict:
    for _ in range(20):
        resource = describe(**params)[key]
        if resource["status"] in ("ACTIVE", "CREATE FAILED"):
            return resource
    raise AssertionError(f"{key} never finished")


def test_batch_segment_job_uses_the_affinity_model():
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        for path in SAMPLE.rglob("*"):
            if path.is_file():
                s3.upload_file(str(path), BUCKET, path.relative_to(SAMPLE).as_posix())
        with emulate(PersonalizeEmulator(describes_per_step=0, fit=scorer.fit)):
            p = boto3.client("personalize", region_name=REGION)
            group = p.create_dataset_group(name="bingewatch")["datasetGroupArn"]
            for kind in ("interactions", "items"):
                schema = json.dumps(CONFIG["datasets"][kind]["schema"]["serviceConfig"]["schema"])
                schema_arn = p.create_schema(name=f"{kind}-schema", schema=schema)["schemaArn"]
                dataset = p.create_dataset(
                    name=kind, schemaArn=schema_arn, datasetGroupArn=group, datasetType=kind.upper()
                )["datasetArn"]
                job = p.create_dataset_import_job(
                    jobName=f"{kind}-1",
                    datasetArn=dataset,
                    dataSource={"dataLocation": f"s3://{BUCKET}/train/bingewatch/{kind}.csv"},
                    roleArn=ROLE,
                )["datasetImportJobArn"]
                assert wait(p.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=job)["status"] == (
                    "ACTIVE"
                )
            solution = p.create_solution(name="affinity", recipeArn=RECIPE, datasetGroupArn=group)["solutionArn"]
            version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
            assert wait(p.describe_solution_version, "solutionVersion", solutionVersionArn=version)["status"] == (
                "ACTIVE"
            )
            s3.put_object(
                Bucket=BUCKET,
                Key="batch/queries.json",
                Body=(
                    json.dumps({"itemAttributes": 'ITEMS.genres = "Action"'})
                    + "\n"
                    + json.dumps({"itemAttributes": 'ITEMS.mood = "happy"'})
                    + "\n"
                ).encode(),
            )
            job = p.create_batch_segment_job(
                jobName="job-1",
                solutionVersionArn=version,
                numResults=25,
                jobInput={"s3DataSource": {"path": f"s3://{BUCKET}/batch/queries.json"}},
                jobOutput={"s3DataDestination": {"path": f"s3://{BUCKET}/out/"}},
                roleArn=ROLE,
            )["batchSegmentJobArn"]
            assert wait(p.describe_batch_segment_job, "batchSegmentJob", batchSegmentJobArn=job)["status"] == "ACTIVE"
            body = s3.get_object(Bucket=BUCKET, Key="out/queries.json.out")["Body"].read().decode()
    action, unknown_field = (json.loads(line) for line in body.splitlines())
    # the same model fitted directly on the same rows gives the same ranking: the emulator used it
    expected = scorer.fit(rows("interactions"), rows("items")).segment('ITEMS.genres = "Action"', 25)
    assert action["output"]["usersList"] == expected and len(expected) == 25
    assert action["error"] is None
    assert unknown_field["output"] is None and "MOOD" in unknown_field["error"]


def test_adapter_rejects_what_personalize_rejects():
    model = scorer.fit(
        [{"USER_ID": "a", "ITEM_ID": "x", "TIMESTAMP": "1"}, {"USER_ID": "b", "ITEM_ID": "y", "TIMESTAMP": "2"}],
        [{"ITEM_ID": "x", "GENRES": "Action"}, {"ITEM_ID": "y", "GENRES": "Drama|Action"}],
    )
    with pytest.raises(scoring.ExpressionError):
        model.segment('genres = "Action"', 5)
    with pytest.raises(scoring.ExpressionError):
        model.segment(" AND ".join(['ITEMS.genres = "Action"'] * 11), 5)
    assert model.segment('ITEMS.genres = "Western"', 5) == []
    assert sorted(model.segment('items.GENRES = "action"', 5)) == ["a", "b"]
    assert model.segment('ITEMS.genres = "Drama"', 1) == ["b"]
