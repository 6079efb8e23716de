"""The original solution's own parameter file, unchanged in what it uses: a Domain dataset group
(``"domain": "VIDEO_ON_DEMAND"`` on the group and on every schema) and single-type Avro unions (``"type": ["float"]``).
Validation accepts it, the training workflow (rendered ASL in moto, handlers from the zips) passes ``domain`` to
CreateDatasetGroup and CreateSchema, the Personalize emulator enforces the domain's rules, and the demo runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from contextual_targeting.local.emulation import ServiceError
from contextual_targeting.local.emulators.personalize import PersonalizeEmulator
from tests.workflows.test_training import ARN, CONFIG_KEY, SAMPLE, Stack, stack  # noqa: F401 (the fixture)

REPO = Path(__file__).resolve().parents[2]


def seed_style(config: dict[str, Any] | None = None, domain: str = "VIDEO_ON_DEMAND") -> dict[str, Any]:
    """The sample config written the way the original solution's is: the domain on the group and on each schema,
    EVENT_VALUE as the union of one ``["float"]``."""
    config = json.loads(json.dumps(config or json.loads((SAMPLE / CONFIG_KEY).read_text())))
    config["datasetGroup"]["serviceConfig"]["domain"] = domain
    for dataset in config["datasets"].values():
        dataset["schema"]["serviceConfig"]["domain"] = domain
    fields = config["datasets"]["interactions"]["schema"]["serviceConfig"]["schema"]["fields"]
    next(f for f in fields if f["name"] == "EVENT_VALUE")["type"] = ["float"]
    return config


def _items_field(config: dict[str, Any], name: str) -> dict[str, Any]:
    fields = config["datasets"]["items"]["schema"]["serviceConfig"]["schema"]["fields"]
    return next(f for f in fields if f["name"] == name)  # type: ignore[no-any-return]


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "contextual_targeting.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    root = tmp_path / "data" / "personalize"
    shutil.copytree(SAMPLE, root)
    return root


def test_the_seed_style_config_validates(data_dir: Path) -> None:
    config = data_dir / CONFIG_KEY
    config.write_text(json.dumps(seed_style(), indent=2))
    result = _validate(config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK training input")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # a VIDEO_ON_DEMAND items schema needs GENRES as a categorical string (here it is spelled GENRE)
        (
            lambda c: _items_field(c, "GENRES").__setitem__("name", "GENRE"),
            'items schema must declare GENRES as a string with "categorical": true (missing',
        ),
        # the schemas must name the group's domain
        (
            lambda c: c["datasets"]["users"]["schema"]["serviceConfig"].pop("domain"),
            "datasets.users.schema.serviceConfig.domain: the dataset group's domain is VIDEO_ON_DEMAND and this "
            "schema's is none",
        ),
        (
            lambda c: c["datasetGroup"]["serviceConfig"].__setitem__("domain", "RETAIL"),
            "domain must be ECOMMERCE or VIDEO_ON_DEMAND",
        ),
        # two non-null members are not a type Personalize takes
        (
            lambda c: next(
                f
                for f in c["datasets"]["interactions"]["schema"]["serviceConfig"]["schema"]["fields"]
                if f["name"] == "EVENT_VALUE"
            ).__setitem__("type", ["float", "string"]),
            'EVENT_VALUE): unsupported type ["float", "string"]',
        ),
    ],
    ids=["vod-items-without-genres", "schema-without-the-domain", "unknown-domain", "two-type-union"],
)
def test_domain_rules_and_unions_are_checked_with_a_clear_message(data_dir: Path, change: Any, expected: str) -> None:
    config = seed_style()
    change(config)
    (data_dir / CONFIG_KEY).write_text(json.dumps(config, indent=2))
    result = _validate(data_dir / CONFIG_KEY)
    assert result.returncode == 1
    assert expected in result.stdout, result.stdout
    assert str(data_dir / CONFIG_KEY) in result.stdout and "Traceback" not in result.stdout + result.stderr


def test_unions_personalize_accepts_validate(data_dir: Path) -> None:
    config = seed_style()
    fields = config["datasets"]["users"]["schema"]["serviceConfig"]["schema"]["fields"]
    gender = next(f for f in fields if f["name"] == "GENDER")
    for union in (["string", "null"], ["null", "string"], ["string"]):
        gender["type"] = union
        (data_dir / CONFIG_KEY).write_text(json.dumps(config, indent=2))
        result = _validate(data_dir / CONFIG_KEY)
        assert result.returncode == 0, (union, result.stdout)


def test_the_workflow_creates_a_domain_dataset_group_and_domain_schemas(stack: Stack) -> None:  # noqa: F811
    execution = stack.run(body=json.dumps(seed_style()).encode())
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    calls = stack.personalize.calls
    group = [params for name, params in calls if name == "CreateDatasetGroup"]
    assert [(g["name"], g["domain"]) for g in group] == [("bingewatch", "VIDEO_ON_DEMAND")]
    schemas = [params for name, params in calls if name == "CreateSchema"]
    assert sorted((s["name"], s["domain"]) for s in schemas) == [
        (f"bingewatch-{kind}-schema", "VIDEO_ON_DEMAND") for kind in ("interactions", "items", "users")
    ]
    interactions = json.loads(next(s["schema"] for s in schemas if s["name"] == "bingewatch-interactions-schema"))
    assert next(f for f in interactions["fields"] if f["name"] == "EVENT_VALUE")["type"] == ["float"]
    assert stack.personalize.of_kind("batch-segment-job")[0].status == "ACTIVE"


def test_a_custom_config_still_creates_a_custom_group(stack: Stack) -> None:  # noqa: F811
    assert stack.run()["status"] == "SUCCEEDED"
    calls = stack.personalize.calls
    assert all("domain" not in params for name, params in calls if name in ("CreateDatasetGroup", "CreateSchema"))


def _emulator_group(personalize: PersonalizeEmulator, domain: str | None) -> str:
    arn = personalize.op_CreateDatasetGroup({"name": "g", **({"domain": domain} if domain else {})})["datasetGroupArn"]
    personalize.resources[arn].fields["status"] = "ACTIVE"
    personalize.resources[arn].steps.clear()
    return arn


def test_the_emulator_refuses_what_personalize_refuses_for_domains() -> None:
    personalize = PersonalizeEmulator(region="us-east-1", account_id="123456789012")
    group = _emulator_group(personalize, "VIDEO_ON_DEMAND")
    items = {
        "type": "record",
        "name": "Items",
        "fields": [
            {"name": "ITEM_ID", "type": "string"},
            {"name": "CREATION_TIMESTAMP", "type": "long"},
            {"name": "GENRES", "type": "string"},  # not categorical
        ],
    }
    bad = personalize.op_CreateSchema({"name": "s1", "domain": "VIDEO_ON_DEMAND", "schema": json.dumps(items)})
    with pytest.raises(ServiceError, match=r"field GENRES \(categorical string\) is required") as caught:
        personalize.op_CreateDataset(
            {"name": "d", "datasetGroupArn": group, "schemaArn": bad["schemaArn"], "datasetType": "Items"}
        )
    assert caught.value.code == "InvalidInputException"
    items["fields"][2]["categorical"] = True
    custom = personalize.op_CreateSchema({"name": "s2", "schema": json.dumps(items)})
    with pytest.raises(ServiceError, match=r"domain none\) cannot be used in dataset group"):
        personalize.op_CreateDataset(
            {"name": "d", "datasetGroupArn": group, "schemaArn": custom["schemaArn"], "datasetType": "Items"}
        )
    good = personalize.op_CreateSchema({"name": "s3", "domain": "VIDEO_ON_DEMAND", "schema": json.dumps(items)})
    created = personalize.op_CreateDataset(
        {"name": "d", "datasetGroupArn": group, "schemaArn": good["schemaArn"], "datasetType": "Items"}
    )
    assert created["datasetArn"] == f"{ARN}:dataset/g/ITEMS"
    two_types = {"type": "record", "name": "U", "fields": [{"name": "USER_ID", "type": ["string", "int"]}]}
    with pytest.raises(ServiceError, match="unsupported type"):
        personalize.op_CreateSchema({"name": "s4", "schema": json.dumps(two_types)})


def test_the_demo_runs_the_seed_style_config_end_to_end(data_dir: Path, tmp_path: Path) -> None:
    (data_dir / CONFIG_KEY).write_text(json.dumps(seed_style(), indent=2))
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "contextual_targeting.cli",
            "demo",
            "--data-dir",
            str(data_dir.parent),
            "--out",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads((out / "demo_summary.json").read_text())
    assert len(summary["segments"]) == 3 and all(s["users"] > 0 for s in summary["segments"])
