"""Validation of training input (config + CSVs + batch job config): core, Lambda (from its zip, moto S3), CLI."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import boto3
import jsonschema
import pytest
from moto import mock_aws

from contextual_targeting.build import MAX_ZIP_BYTES
from contextual_targeting.cli import main
from contextual_targeting.core import schema_lite
from contextual_targeting.core.training_sources import LocalSource, S3Source
from contextual_targeting.core.training_validation import (
    CONFIG_SCHEMA,
    MAX_NAME_LENGTH,
    NAME_PATTERN,
    InputInvalid,
    Options,
    build_plan,
    check_dataset,
    parse_query,
    report_for_error,
    validate_training_input,
)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "training"
VALID = FIXTURES / "valid"
CONFIG = "train/bingewatch/config.json"
COMMITTED_SAMPLE = REPO / "data" / "personalize" / CONFIG
BUCKET = "ct-data-123456789012-us-east-1"


def config_of(case: str) -> Path:
    return FIXTURES / case / CONFIG


def validate_local(config: Path, **kwargs):
    return validate_training_input(LocalSource(), config.as_posix(), **kwargs)


def valid_copy(tmp_path: Path) -> Path:
    """A writable copy of the valid fixture (symlinks resolved); returns its root."""
    root = tmp_path / "upload"
    shutil.copytree(VALID, root)
    return root


def edit_config(root: Path, edit) -> Path:
    path = root / CONFIG
    config = json.loads(path.read_text())
    edit(config)
    path.write_text(json.dumps(config))
    return path


# (case, [(where-regex, message-regex), ...]) — every broken fixture and what its report must say
BROKEN = [
    ("malformed_json", [(r"config\.json:\d+$", r"malformed JSON")]),
    ("unknown_recipe", [(r"solutions\[0\]\.serviceConfig\.recipeArn$", r"unknown or unsupported recipe")]),
    (
        "unsupported_section",
        [
            (r"config\.json: solutions\[0\]\.campaigns$", r"'campaigns' is not supported"),
            (r"config\.json: eventTracker$", r"'eventTracker' is not supported"),
        ],
    ),
    ("too_many_queries", [(r"job_config\.json$", r"11 queries: .* at most 10")]),
    ("non_categorical_query", [(r"job_config\.json:2$", r"ITEMS\.title: field TITLE is not categorical")]),
    ("value_absent", [(r"job_config\.json:2$", r'value "Western" of GENRES occurs in no item')]),
    (
        "wrong_header",
        [
            (r"items\.csv:1$", r'column "GENRE" is not a field'),
            (r"items\.csv:1$", r"header lacks the schema field\(s\) GENRES"),
        ],
    ),
    ("ms_timestamps", [(r"interactions\.csv:2$", r"TIMESTAMP 964982703000 looks like epoch milliseconds")]),
    ("too_few_users", [(r"interactions\.csv$", r"\b1\d user\(s\) with at least 2 interactions.*at least 25")]),
    ("missing_required_value", [(r"interactions\.csv:4$", r"missing value for required .* field ITEM_ID")]),
    ("bad_avro_value", [(r"items\.csv:3$", r'RELEASE_YEAR: "nineteen" is not an Avro int')]),
    (
        "num_results_too_large",
        [(r"solutions\[0\]\.batchSegmentJobs\[0\]\.serviceConfig\.numResults$", r"6,000,000 is more than .*5,000,000")],
    ),
    (
        "bad_name",
        [
            (r"datasets\.interactions\.dataset\.serviceConfig\.name$", r"does not match"),
            (r"datasets\.items\.schema\.serviceConfig\.name$", r"longer than 63"),
        ],
    ),
]


def assert_reported(problems, expected) -> None:
    for where, message in expected:
        assert any(re.search(where, p.where) and re.search(message, p.message) for p in problems), (
            f"no problem at {where!r} saying {message!r} in:\n" + "\n".join(map(str, problems))
        )


# ---------------------------------------------------------------------------------------------------------------
# core


def test_valid_fixture_passes_and_plans_names_within_limits() -> None:
    result = validate_local(config_of("valid"))
    assert result.valid, result.text()
    assert [d.kind for d in result.datasets] == ["interactions", "items", "users"]
    assert result.datasets[0].rows == 1020
    assert result.active_users >= 25
    assert [q.terms for q in result.queries] == [
        [("GENRES", "Action")],
        [("GENRES", "Comedy")],
        [("GENRES", "Horror"), ("GENRES", "Thriller")],
    ]
    plan = build_plan(result, "config.json-0123456789abcdef")
    assert plan["valid"] is True
    assert plan["solution"] == {
        "name": "bingewatch-affinity",
        "recipeArn": "arn:aws:personalize:::recipe/aws-item-attribute-affinity",
        "trainingMode": "FULL",
        # CreateSolution's own default is true (retraining every 7 days outside the workflow): sent as false
        "performAutoTraining": False,
        "solutionConfig": {},
    }
    for name in [d["importJobName"] for d in plan["datasets"]] + [j["jobName"] for j in plan["batchSegmentJobs"]]:
        assert len(name) <= MAX_NAME_LENGTH and NAME_PATTERN.match(name)
    again = build_plan(validate_local(config_of("valid")), "config.json-0123456789abcdef")
    other = build_plan(validate_local(config_of("valid")), "config.json-fedcba9876543210")
    assert again == plan  # a retry of the same execution plans the same names
    assert other["batchSegmentJobs"][0]["jobName"] != plan["batchSegmentJobs"][0]["jobName"]


@pytest.mark.skipif(not COMMITTED_SAMPLE.exists(), reason="data/personalize sample not committed yet")
def test_committed_sample_passes() -> None:
    result = validate_local(COMMITTED_SAMPLE)
    assert result.valid, result.text()
    assert result.job_config_key is not None and Path(result.job_config_key).is_file()


@pytest.mark.parametrize(("case", "expected"), BROKEN, ids=[case for case, _ in BROKEN])
def test_each_broken_fixture_is_reported_with_file_line_or_field(case: str, expected) -> None:
    result = validate_local(config_of(case))
    assert not result.valid
    assert_reported(result.report.problems, expected)
    with pytest.raises(InputInvalid):
        build_plan(result, "run")


# ---------------------------------------------------------------------------------------------------------------
# Lambda (loaded from build/validate_training_input.zip) over moto S3


def upload(s3, case_dir: Path) -> None:
    for path in sorted(case_dir.rglob("*")):
        if path.is_file():
            s3.put_object(Bucket=BUCKET, Key=path.relative_to(case_dir).as_posix(), Body=path.read_bytes())


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_lambda_returns_the_plan_for_the_valid_upload(lambda_handler, s3) -> None:
    upload(s3, VALID)
    handler = lambda_handler("validate_training_input")
    plan = handler({"bucket": BUCKET, "key": CONFIG, "run_id": "config.json-0123456789abcdef"}, None)
    json.dumps(plan)  # plain JSON for Step Functions
    assert plan["valid"] is True
    assert plan["datasetGroup"] == {"name": "bingewatch", "tags": []}
    assert [d["type"] for d in plan["datasets"]] == ["INTERACTIONS", "ITEMS", "USERS"]
    interactions = plan["datasets"][0]
    assert interactions["name"] == "bingewatch-interactions"
    assert interactions["schemaName"] == "bingewatch-interactions-schema"
    assert json.loads(interactions["schema"])["fields"][0] == {"name": "USER_ID", "type": "string"}
    assert interactions["dataLocation"] == f"s3://{BUCKET}/train/bingewatch/interactions.csv"
    assert interactions["importJobName"].startswith("bingewatch-interactions-")
    [job] = plan["batchSegmentJobs"]
    assert job["numResults"] == 100
    assert job["jobName"].startswith("bingewatch-affinity-")
    assert job["input"] == f"s3://{BUCKET}/batch/bingewatch/bingewatch-affinity/job_config.json"
    assert job["output"] == f"s3://{BUCKET}/batch-output/bingewatch/bingewatch-affinity/1/{job['jobName']}/"
    assert plan["report"] == {"problems": [], "notes": []}


def test_lambda_raises_input_invalid_with_the_whole_report(lambda_handler, s3) -> None:
    upload(s3, FIXTURES / "several_problems")
    handler = lambda_handler("validate_training_input")
    with pytest.raises(Exception) as caught:
        handler({"bucket": BUCKET, "key": CONFIG, "run_id": "r"}, None)
    assert type(caught.value).__name__ == "InputInvalid"  # the Step Functions error name
    report = str(caught.value)
    assert report.startswith(f"INVALID training input s3://{BUCKET}/{CONFIG}")
    for text in (
        "solutions[0].serviceConfig.recipeArn: unknown or unsupported recipe",
        "numResults: 6,000,000 is more than the maximum 5,000,000",
        f's3://{BUCKET}/train/bingewatch/items.csv:1: column "GENRE" is not a field',
        f"s3://{BUCKET}/train/bingewatch/interactions.csv:2: TIMESTAMP",
        f"s3://{BUCKET}/train/bingewatch/interactions.csv:4: missing value for required",
        f"s3://{BUCKET}/batch/bingewatch/bingewatch-affinity/job_config.json:2: query",
    ):
        assert text in report, report


def test_lambda_reads_dataset_folders_of_parts(lambda_handler, s3) -> None:
    upload(s3, VALID)
    lines = (VALID / "train/bingewatch/interactions.csv").read_text().splitlines(True)
    s3.delete_object(Bucket=BUCKET, Key="train/bingewatch/interactions.csv")
    for number, chunk in enumerate((lines[1:500], lines[500:])):
        body = lines[0] + "".join(chunk)
        s3.put_object(Bucket=BUCKET, Key=f"train/bingewatch/interactions/part-{number:05d}.csv", Body=body)
    plan = lambda_handler("validate_training_input")({"bucket": BUCKET, "key": CONFIG, "run_id": "r"}, None)
    assert plan["datasets"][0]["dataLocation"] == f"s3://{BUCKET}/train/bingewatch/interactions/"


def test_several_problems_are_all_reported_in_one_report() -> None:
    result = validate_local(config_of("several_problems"))
    assert_reported(
        result.report.problems,
        [
            (r"recipeArn$", r"unknown or unsupported recipe"),
            (r"numResults$", r"5,000,000"),
            (r"job_config\.json:2$", r"terms joined by AND"),
            (r"interactions\.csv:2$", r"epoch milliseconds"),
            (r"interactions\.csv:4$", r"missing value for required .* ITEM_ID"),
            (r"interactions\.csv$", r"1,015 more line\(s\) with the same problem: TIMESTAMP in milliseconds"),
            (r"items\.csv:1$", r'column "GENRE" is not a field'),
        ],
    )
    # capped: 5 example lines for the millisecond timestamps, then a count
    assert sum("epoch milliseconds" in p.message for p in result.report.problems) == 5
    # the items file has no GENRES column, so "value absent" would only repeat the header problem
    assert not any("Western" in p.message for p in result.report.problems)
    text = result.text()
    assert text.startswith("INVALID training input") and f"{len(result.report.problems)} problem(s)" in text


@pytest.mark.parametrize(
    ("edit", "where", "message"),
    [
        (
            lambda c: c["datasets"]["items"]["schema"]["serviceConfig"]["schema"]["fields"].__setitem__(
                4, {"name": "GENRES", "type": ["null", "string"]}
            ),
            r"datasets\.items\.schema\.serviceConfig\.schema$",
            r"at least one categorical items field",
        ),
        (
            lambda c: c["datasets"]["interactions"]["schema"]["serviceConfig"]["schema"]["fields"].pop(),
            r"datasets\.interactions\.schema\.serviceConfig\.schema$",
            r"must declare the field TIMESTAMP \(long\)",
        ),
        (
            lambda c: c["datasets"]["users"]["schema"]["serviceConfig"]["schema"]["fields"].__setitem__(
                3, {"name": "AGE", "type": "int", "categorical": True}
            ),
            r"fields\[3\] \(AGE\)$",
            r'"categorical": true needs a string field',
        ),
        (
            lambda c: c["datasets"]["users"]["schema"]["serviceConfig"]["schema"]["fields"].__setitem__(
                3, {"name": "AGE", "type": "date"}
            ),
            r"fields\[3\] \(AGE\)$",
            r'unsupported type "date"',
        ),
        (
            lambda c: c["datasets"]["interactions"]["schema"]["serviceConfig"]["schema"]["fields"].__setitem__(
                0, {"name": "USER_ID", "type": ["null", "string"]}
            ),
            r"\(USER_ID\)$",
            r"USER_ID must be string and not nullable",
        ),
        (lambda c: c.pop("datasetGroup"), r"config\.json: \(document\)$", r"'datasetGroup' is missing"),
        (lambda c: c["datasets"].pop("items"), r"config\.json: datasets$", r"'items' is missing"),
        (
            lambda c: c["solutions"].append(c["solutions"][0]),
            r"config\.json: solutions$",
            r"at most 1 item",
        ),
        (
            lambda c: c["solutions"][0]["solutionVersion"]["serviceConfig"].update(trainingMode="UPDATE"),
            r"trainingMode$",
            r"trainingMode must be FULL",
        ),
        (
            lambda c: c["solutions"][0]["serviceConfig"].update(
                performAutoTraining=True,
                solutionConfig={"autoTrainingConfig": {"schedulingExpression": "rate(45 days)"}},
            ),
            r"schedulingExpression$",
            r"rate\(N days\) with N from 1 to 30",
        ),
        (
            lambda c: c["datasets"]["users"]["schema"]["serviceConfig"].update(name="bingewatch-items-schema"),
            r"config\.json: datasets\.users$",
            r'schema name "bingewatch-items-schema" is also used by datasets\.items',
        ),
    ],
)
def test_config_and_avro_schema_problems(tmp_path: Path, edit, where: str, message: str) -> None:
    config = edit_config(valid_copy(tmp_path), edit)
    result = validate_local(config)
    assert_reported(result.report.problems, [(where, message)])


def test_automatic_training_is_sent_only_when_the_config_asks_for_it(tmp_path: Path) -> None:
    schedule = {"autoTrainingConfig": {"schedulingExpression": "rate(14 days)"}}
    config = edit_config(
        valid_copy(tmp_path),
        lambda c: c["solutions"][0]["serviceConfig"].update(performAutoTraining=True, solutionConfig=schedule),
    )
    plan = build_plan(validate_local(config), "config.json-0123456789abcdef")
    assert plan["solution"]["performAutoTraining"] is True
    assert plan["solution"]["solutionConfig"] == schedule
    # a schedule without performAutoTraining: true is not sent (Personalize uses it only with auto training on)
    config = edit_config(
        valid_copy(tmp_path / "off"), lambda c: c["solutions"][0]["serviceConfig"].update(solutionConfig=schedule)
    )
    plan = build_plan(validate_local(config), "config.json-0123456789abcdef")
    assert plan["solution"]["performAutoTraining"] is False and plan["solution"]["solutionConfig"] == {}


def test_data_layout_problems(tmp_path: Path) -> None:
    root = valid_copy(tmp_path)
    data = root / "train" / "bingewatch"
    (data / "users.csv").unlink()
    (data / "items").mkdir()
    shutil.copy(data / "items.csv", data / "items" / "part-00000.csv")
    (root / "batch" / "bingewatch" / "bingewatch-affinity" / "job_config.json").unlink()
    result = validate_local(data / "config.json")
    assert_reported(
        result.report.problems,
        [
            (r"users\.csv$", r"no data for the users dataset"),
            (r"bingewatch/items/$", r"both items\.csv and a items/ folder exist"),
            (r"job_config\.json$", r"not found: the configured batch segment job"),
        ],
    )


def test_header_and_value_details(tmp_path: Path) -> None:
    root = valid_copy(tmp_path)
    items = root / CONFIG.replace("config.json", "items.csv")
    lines = items.read_text().splitlines(True)
    lines = [line.rstrip("\n") + ",x\n" for line in lines]
    lines[0] = lines[0].replace("TITLE", "title").replace(",x", ",EXTRA")
    lines[2] = lines[2].rstrip("\n") + ",too\n"
    items.write_text("".join(lines).replace("Action", "action"))
    result = validate_local(root / CONFIG)
    assert_reported(
        result.report.problems,
        [
            (r"items\.csv:1$", r'column "title" differs in case from the schema field "TITLE"'),
            (r"items\.csv:1$", r'column "EXTRA" is not a field of the items schema'),
            (r"items\.csv:3$", r"7 column\(s\), the header has 6"),
            (r"job_config\.json:1$", r'value "Action" of GENRES occurs in no item .*found "action"'),
        ],
    )


def test_query_parsing() -> None:
    assert parse_query('ITEMS.genres = "Action"') == [("genres", "Action")]
    assert parse_query('ITEMS.genres="Horror" AND  ITEMS.GENRES = "Sci-Fi"') == [
        ("genres", "Horror"),
        ("GENRES", "Sci-Fi"),
    ]
    assert parse_query(r'ITEMS.title = "The \"Big\" One"') == [("title", 'The "Big" One')]
    for bad in (
        'ITEMS.genres = "Action" OR ITEMS.genres = "Drama"',
        "ITEMS.genres = Action",
        'ITEMS.genres = "Action" and ITEMS.genres = "Drama"',
        'USERS.GENDER = "Female"',
        'ITEMS.RELEASE_YEAR > "1990"',
        "",
    ):
        assert parse_query(bad) is None, bad


def test_large_files_are_checked_on_header_and_a_sample(tmp_path: Path) -> None:
    root = valid_copy(tmp_path)
    interactions = root / CONFIG.replace("config.json", "interactions.csv")
    lines = interactions.read_text().splitlines(True)
    lines[-1] = lines[-1].replace("Watch", "Watch,extra")  # beyond the sample: not seen
    interactions.write_text("".join(lines))
    options = Options(full_check_max_bytes=10_000, sample_bytes=4_000)
    result = validate_local(root / CONFIG, options=options)
    assert result.valid, result.text()
    sampled = [n for n in result.report.notes if "checked its header and first" in n]
    assert any("interactions.csv" in n for n in sampled)
    assert any("in the sampled part" in n and "interaction(s)" in n for n in result.report.notes)
    interactions_input = result.datasets[0]
    assert interactions_input.sampled and 0 < interactions_input.rows < 200  # a partial last line is dropped

    full = validate_local(root / CONFIG)
    assert_reported(full.report.problems, [(rf"interactions\.csv:{len(lines)}$", r"6 column\(s\), the header has 5")])


def test_s3_source_streams_ranges_and_lists_folders(s3) -> None:
    body = b"a,b\r\n1,2\n3,4\n5,6"
    s3.put_object(Bucket=BUCKET, Key="train/x/items/part-1.csv", Body=body)
    s3.put_object(Bucket=BUCKET, Key="train/x/items/", Body=b"")  # console folder marker
    source = S3Source(s3, BUCKET)
    assert source.list_files("train/x/") == {"train/x/items/part-1.csv": len(body)}
    assert list(source.iter_lines("train/x/items/part-1.csv")) == [b"a,b", b"1,2", b"3,4", b"5,6"]
    assert list(source.iter_lines("train/x/items/part-1.csv", limit=8)) == [b"a,b", b"1,2"]
    assert source.size("train/x/items/part-1.csv") == len(body)
    assert source.size("train/x/items/part") is None


def test_report_is_cut_to_fit_a_step_functions_cause() -> None:
    text = "INVALID\n" + "\n".join(f'  {i}. value "x" in "y"' for i in range(10_000))
    cut = report_for_error(text)
    cause = json.dumps({"errorMessage": cut, "errorType": "InputInvalid", "stackTrace": ["  File x\n"] * 20})
    assert len(cause) < 32_768 and json.loads(cause)["errorMessage"] == cut
    assert cut.startswith("INVALID\n  0. value") and cut.endswith("for all of it)")
    assert text.startswith(cut.rsplit("\n", 1)[0])  # cut at a line boundary
    assert report_for_error("short") == "short"


# ---------------------------------------------------------------------------------------------------------------
# the JSON Schema document and the bundled mini validator agree


def config_variants():
    sample = json.loads((VALID / CONFIG).read_text())
    yield "valid", sample
    for case in sorted(p.name for p in FIXTURES.iterdir() if (p / CONFIG).is_file()):
        try:
            yield case, json.loads((FIXTURES / case / CONFIG).read_text())
        except json.JSONDecodeError:
            continue
    edits = {
        "no-datasetGroup": lambda c: c.pop("datasetGroup"),
        "tags": lambda c: c.update(tags=[{"tagKey": "team", "tagValue": "growth"}]),
        "bad-tag": lambda c: c.update(tags=[{"tagKey": "", "tagValue": 1}]),
        "numResults-string": lambda c: c["solutions"][0]["batchSegmentJobs"][0]["serviceConfig"].update(numResults="9"),
        "numResults-zero": lambda c: c["solutions"][0]["batchSegmentJobs"][0]["serviceConfig"].update(numResults=0),
        "numResults-bool": lambda c: c["solutions"][0]["batchSegmentJobs"][0]["serviceConfig"].update(numResults=True),
        "no-solutions": lambda c: c.update(solutions=[]),
        "schema-as-string": lambda c: c["datasets"]["users"]["schema"]["serviceConfig"].update(schema="{}"),
        "schema-number": lambda c: c["datasets"]["users"]["schema"]["serviceConfig"].update(schema=3),
        "name-empty": lambda c: c["datasetGroup"]["serviceConfig"].update(name=""),
        "workflowConfig": lambda c: c["datasetGroup"].update(workflowConfig={"maxAge": "1 day"}),
        "filters": lambda c: c.update(filters=[]),
        "recommenders": lambda c: c.update(recommenders=[]),
        "batchInferenceJobs": lambda c: c["solutions"][0].update(batchInferenceJobs=[]),
        "not-an-object": lambda c: c["datasets"].update(users=[]),
    }
    for name, edit in edits.items():
        config = json.loads(json.dumps(sample))
        edit(config)
        yield name, config


@pytest.mark.parametrize(("case", "config"), list(config_variants()), ids=[c for c, _ in config_variants()])
def test_mini_validator_agrees_with_jsonschema(case: str, config) -> None:
    schema = schema_lite.load_schema(CONFIG_SCHEMA)
    jsonschema.Draft202012Validator.check_schema(schema)
    reference = jsonschema.Draft202012Validator(schema)

    def dotted(path) -> str:
        out = ""
        for part in path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out

    expected = set()
    for error in reference.iter_errors(config):
        path = dotted(error.absolute_path)
        if error.validator == "additionalProperties":  # reported on the offending key
            extra = set(error.instance) - set(error.schema.get("properties", {}))
            expected |= {dotted([*error.absolute_path, key]) for key in extra}
        else:
            expected.add(path)
    ours = {e.path for e in schema_lite.validate(config, schema)}
    assert ours == expected, (case, ours, expected)
    for name in ("campaigns", "eventTracker", "workflowConfig", "filters", "recommenders", "batchInferenceJobs"):
        if name in json.dumps(config):
            assert any(p.endswith(name) for p in ours)


# ---------------------------------------------------------------------------------------------------------------
# CLI


def test_cli_exit_codes_and_output(capsys) -> None:
    assert main(["validate", config_of("valid").as_posix()]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK training input") and "interactions: 1,020 row(s)" in out

    assert main(["validate", config_of("several_problems").as_posix()]) == 1
    out = capsys.readouterr().out
    result = validate_local(config_of("several_problems"))
    for problem in result.report.problems:  # every problem is printed
        assert str(problem) in out

    assert main(["validate", config_of("valid").as_posix(), "--json", "--run-id", "r1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is True and data["problems"] == []
    assert data["plan"]["batchSegmentJobs"][0]["jobName"].startswith("bingewatch-affinity-")

    assert main(["validate", config_of("unknown_recipe").as_posix(), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is False and any("recipeArn" in p for p in data["problems"])


@pytest.mark.parametrize("case", [case for case, _ in BROKEN] + ["several_problems"])
def test_cli_fails_on_every_broken_fixture_printing_every_problem(case: str, capsys) -> None:
    assert main(["validate", config_of(case).as_posix()]) == 1
    out = capsys.readouterr().out
    problems = validate_local(config_of(case)).report.problems
    assert problems and all(str(p) in out for p in problems)


def test_cli_data_dir_and_job_config_flags(tmp_path: Path, capsys) -> None:
    config = tmp_path / "config.json"
    shutil.copy(VALID / CONFIG, config)
    job = tmp_path / "queries.jsonl"
    job.write_text('{"itemAttributes": "ITEMS.GENRES = \\"Drama\\""}\n')
    data_dir = (VALID / CONFIG).parent
    assert main(["validate", str(config), "--data-dir", str(data_dir), "--job-config", str(job)]) == 0
    assert "1 query(ies)" in capsys.readouterr().out
    assert main(["validate", str(config)]) == 1  # no CSVs next to it
    assert "no data for the interactions dataset" in capsys.readouterr().out


def test_installed_console_script() -> None:
    script = REPO / ".venv" / "bin" / "contextual-targeting"
    bad = subprocess.run([str(script), "validate", str(config_of("ms_timestamps"))], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "looks like epoch milliseconds" in bad.stdout


@pytest.mark.skipif(not COMMITTED_SAMPLE.exists(), reason="data/personalize sample not committed yet")
def test_cli_on_the_committed_sample() -> None:
    assert main(["validate", str(COMMITTED_SAMPLE)]) == 0


def test_zip_stays_small(built_zips: Path) -> None:
    path = built_zips / "validate_training_input.zip"
    assert path.stat().st_size < MAX_ZIP_BYTES
    names = zipfile.ZipFile(path).namelist()
    assert "contextual_targeting/core/schemas/training_config.schema.json" in names
    assert not any(n.startswith("jsonschema/") for n in names)


def test_quoted_header_is_reported(tmp_path: Path) -> None:
    root = valid_copy(tmp_path)
    users = root / CONFIG.replace("config.json", "users.csv")
    lines = users.read_text().splitlines(True)
    users.write_text('"USER_ID","GENDER","E_MAIL","AGE"\n' + "".join(lines[1:]))
    result = validate_local(root / CONFIG)
    assert [str(p).rsplit("/", 1)[1] for p in result.report.problems] == [
        "users.csv:1: header has quotation marks: Personalize needs unquoted column names"
    ]


def test_data_without_a_dataset_in_the_config_is_noted(tmp_path: Path) -> None:
    root = valid_copy(tmp_path)
    edit_config(root, lambda c: c["datasets"].pop("users"))
    result = validate_local(root / CONFIG)
    assert result.valid, result.text()
    assert any("users(.csv|/) is present but the config has no datasets.users" in n for n in result.report.notes)
    assert [d["type"] for d in build_plan(result, "r")["datasets"]] == ["INTERACTIONS", "ITEMS"]


def test_lambda_samples_large_objects_with_ranged_reads(lambda_handler, s3, monkeypatch) -> None:
    upload(s3, VALID)
    monkeypatch.setenv("FULL_CHECK_MAX_MB", str(10_000 / 1024**2))
    monkeypatch.setenv("SAMPLE_MB", str(4_000 / 1024**2))
    plan = lambda_handler("validate_training_input")({"bucket": BUCKET, "key": CONFIG, "run_id": "r"}, None)
    notes = plan["report"]["notes"]
    assert any(n.startswith(f"s3://{BUCKET}/train/bingewatch/interactions.csv is 0 MB") for n in notes), notes
    assert any("checked its header and first 0 MB only" in n for n in notes)


def test_user_tracking_memory_is_dropped_once_the_minimum_is_met(tmp_path: Path, monkeypatch) -> None:
    """20,000 one-off users after the first 25 active ones: the seen-once set is dropped, not kept growing."""
    import tracemalloc

    from contextual_targeting.core import training_validation

    root = valid_copy(tmp_path)
    interactions = root / CONFIG.replace("config.json", "interactions.csv")
    rows = ["USER_ID,ITEM_ID,EVENT_VALUE,EVENT_TYPE,TIMESTAMP\n"]
    rows += [f"{u},1,4.0,Watch,964982703\n" for u in range(25) for _ in range(2)]
    rows += [f"user-{n:08d},2,4.0,Watch,964982703\n" for n in range(20_000)]
    interactions.write_text("".join(rows))

    def peak_bytes() -> tuple[bool, int]:
        tracemalloc.start()
        try:
            valid = validate_local(root / CONFIG).valid
            return valid, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    valid, bounded = peak_bytes()
    assert valid
    monkeypatch.setattr(training_validation, "MIN_ACTIVE_USERS", 10**9)  # never met: ids are kept to the end
    _, growing = peak_bytes()
    assert bounded + 1024**2 < growing, (bounded, growing)


def test_encoding_line_endings_and_records_spanning_lines(tmp_path: Path) -> None:
    root = valid_copy(tmp_path)
    users = root / CONFIG.replace("config.json", "users.csv")
    lines = users.read_bytes().split(b"\n")
    users.write_bytes(b"\r\n".join(lines))  # CRLF is fine
    assert validate_local(root / CONFIG).valid

    lines[3] = lines[3].replace(b"Female", b"F\xe9male").replace(b"Male", b"M\xe4le").replace(b"Agender", b"Ag\xe9nder")
    lines[5] = lines[5].replace(b"success+", b'"success+\nsplit')
    lines[5] = lines[5].replace(b".com", b'.com"')
    users.write_bytes(b"\n".join(lines))
    result = validate_local(root / CONFIG)
    assert_reported(
        result.report.problems,
        [(r"users\.csv:4$", r"not UTF-8"), (r"users\.csv:7$", r"record spans several lines")],
    )


def test_check_dataset_alone_for_import_jobs(s3) -> None:
    upload(s3, FIXTURES / "missing_required_value")
    config = json.loads((VALID / CONFIG).read_text())
    source = S3Source(s3, BUCKET)
    schema = config["datasets"]["interactions"]["schema"]["serviceConfig"]["schema"]
    report, dataset = check_dataset(source, "INTERACTIONS", json.dumps(schema), "train/bingewatch/interactions.csv")
    assert dataset is not None and dataset.rows == 1020
    assert [str(p) for p in report.problems] == [
        f"s3://{BUCKET}/train/bingewatch/interactions.csv:4: missing value for required (non-nullable) field ITEM_ID"
    ]
    items_schema = config["datasets"]["items"]["schema"]["serviceConfig"]["schema"]
    lines = (VALID / "train/bingewatch/items.csv").read_text().splitlines(True)
    s3.put_object(Bucket=BUCKET, Key="imports/items/part-0.csv", Body="".join(lines[:30]))
    s3.put_object(Bucket=BUCKET, Key="imports/items/part-1.csv", Body=lines[0] + "".join(lines[30:]))
    report, dataset = check_dataset(source, "ITEMS", items_schema, "imports/items/")
    assert report.valid and dataset is not None and dataset.rows == 60
    report, _ = check_dataset(source, "USERS", {"type": "record"}, "train/bingewatch/users.csv")
    assert not report.valid


@pytest.mark.skipif(not COMMITTED_SAMPLE.exists(), reason="data/personalize sample not committed yet")
def test_lambda_plans_the_committed_sample(lambda_handler, s3) -> None:
    upload(s3, REPO / "data" / "personalize")
    plan = lambda_handler("validate_training_input")({"bucket": BUCKET, "key": CONFIG, "run_id": "sample-run"}, None)
    assert plan["valid"] is True and plan["report"]["problems"] == []
    assert [d["dataLocation"] for d in plan["datasets"]] == [
        f"s3://{BUCKET}/train/bingewatch/{name}.csv" for name in ("interactions", "items", "users")
    ]
    assert plan["batchSegmentJobs"][0]["input"] == f"s3://{BUCKET}/batch/bingewatch/bingewatch-affinity/job_config.json"


def test_cli_finds_data_and_queries_from_relative_paths(monkeypatch, capsys) -> None:
    monkeypatch.chdir(config_of("valid").parent)
    assert main(["validate", "config.json"]) == 0
    assert "../../batch/bingewatch/bingewatch-affinity/job_config.json" in capsys.readouterr().out
    monkeypatch.chdir(config_of("value_absent").parent.parent)
    assert main(["validate", "./bingewatch/config.json"]) == 1
    assert '../batch/bingewatch/bingewatch-affinity/job_config.json:2: value "Western"' in capsys.readouterr().out


def test_names_with_a_trailing_newline_are_rejected(tmp_path: Path) -> None:
    config = edit_config(valid_copy(tmp_path), lambda c: c["datasetGroup"]["serviceConfig"].update(name="bingewatch\n"))
    assert_reported(
        validate_local(config).report.problems, [(r"datasetGroup\.serviceConfig\.name$", r"does not match")]
    )


def test_numbers_are_ascii_digits_and_ids_within_personalize_limits(tmp_path: Path) -> None:
    """Issue 12: main accepted a fullwidth TIMESTAMP and ids over 256 characters or with control characters."""
    root = valid_copy(tmp_path)
    interactions = root / CONFIG.replace("config.json", "interactions.csv")
    lines = interactions.read_text().splitlines(True)
    lines[1] = "14,9,5.0,Watch,１７１７０６０７６８\n"  # fullwidth digits
    lines[2] = "9,41,４.0,Watch,964982740\n"
    lines[3] = f"{'u' * 257},41,4.0,Watch,964982740\n"
    lines[4] = "nul\x00id,41,4.0,Watch,964982740\n"
    lines[5] = "9,bell\x07item,4.0,Watch,964982740\n"
    lines[6] = f"{'日' * 256},41,4.0,Watch,964982740\n"  # 256 characters of printable Unicode: fine
    interactions.write_text("".join(lines), encoding="utf-8")
    result = validate_local(root / CONFIG)
    assert_reported(
        result.report.problems,
        [
            (r"interactions\.csv:2$", r'TIMESTAMP: "１７１７０６０７６８" is not an Avro long'),
            (r"interactions\.csv:3$", r'EVENT_VALUE: "４.0" is not an Avro float'),
            (r"interactions\.csv:4$", r"USER_ID has 257 characters: Personalize ids have at most 256"),
            (r"interactions\.csv:5$", r"USER_ID 'nul\\x00id' holds a control character"),
            (r"interactions\.csv:6$", r"ITEM_ID 'bell\\x07item' holds a control character"),
        ],
    )
    assert not [p for p in result.report.problems if p.where.endswith(":7")]


def test_dataset_group_name_must_equal_its_folder(tmp_path: Path) -> None:
    """Issue 12: a copied folder whose config still names another group joined that group's users file."""
    root = valid_copy(tmp_path)
    copy = root / "train" / "bingewatch-staging"
    shutil.copytree(root / "train" / "bingewatch", copy)
    result = validate_local(copy / "config.json")
    assert_reported(
        result.report.problems,
        [
            (
                r"config\.json: datasetGroup\.serviceConfig\.name$",
                r'"bingewatch" differs from its folder train/bingewatch-staging/: .* rename the folder to '
                r'train/bingewatch/ or set the name to "bingewatch-staging"',
            )
        ],
    )
    assert validate_local(root / CONFIG).valid
