"""Validation of a training upload (MPE-style ``config.json`` + CSVs + batch ``job_config.json``) before anything
that costs money, and the "plan" the training workflow executes when it is valid.

One function, :func:`validate_training_input`, backs both the Lambda ``validate_training_input`` (S3) and the CLI
``contextual-targeting validate`` (local files): the data source is injected (:mod:`.training_sources`).
Every problem is collected, each naming the file and line, or the config field, into one readable report.

What is checked (see README "Validating training input"):

- the config against ``schemas/training_config.schema.json`` (sections this solution acts on; anything else is an
  error naming it; recipe = Item-Attribute-Affinity; Personalize name rules; ``numResults`` ≤ 5,000,000);
- every Avro schema (record, supported types, nullable unions, reserved fields and their types, categorical and
  textual only on strings, an items schema with a categorical field);
- the data next to the config (``<dataset>.csv`` or a ``<dataset>/`` folder of parts): header = schema fields
  (any order, no missing, no extra, no duplicates); non-nullable values present; values parse as their Avro type;
  ``TIMESTAMP``/``CREATION_TIMESTAMP`` in epoch seconds (millisecond values flagged); ≥ 1,000 interactions and
  ≥ 25 users with ≥ 2 interactions;
- ``batch/<dataset group>/<solution>/job_config.json``: JSON lines ``{"itemAttributes": "ITEMS.<field> = \\"v\\"
  [AND ...]"}``, ≤ 10 queries, each field categorical in the items schema (case-insensitive), each value present in
  the items data.

Memory stays bounded: files are streamed line by line; the only per-entity state is the set of user ids seen once,
kept only until 25 users with two interactions have been found (then dropped); the items scan only looks for the
(at most a few dozen) values the job config queries. Files above ``Options.full_check_max_bytes`` are checked on
their header and first ``Options.sample_bytes`` only, and the report says so.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from contextual_targeting.core import schema_lite
from contextual_targeting.core.training_sources import DataSource

RECIPE_ARN = "arn:aws:personalize:::recipe/aws-item-attribute-affinity"
OUTPUT_PREFIX = "batch-output/"  # batch segment job output: batch-output/<dataset group>/<solution>/<job>/
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$")  # Personalize Name shape (botocore: max 63)
MAX_NAME_LENGTH = 63
MAX_NUM_RESULTS = 5_000_000
MAX_QUERIES = 10
MIN_INTERACTIONS = 1_000
MIN_ACTIVE_USERS = 25  # users with at least MIN_USER_INTERACTIONS interactions
MIN_USER_INTERACTIONS = 2
MAX_SCHEMA_CHARS = 20_000  # CreateSchema.schema max length
MAX_CATEGORICAL_VALUE = 1_000
TIMESTAMP_FIELDS = ("TIMESTAMP", "CREATION_TIMESTAMP")
# Epoch seconds stay below 1e10 until the year 2286; epoch milliseconds have been above 1e12 since 2001.
MILLISECONDS_THRESHOLD = 10_000_000_000
MILLISECONDS_DIGITS = len(str(MILLISECONDS_THRESHOLD))  # a shorter (non-negative) value is below the threshold
CONFIG_SCHEMA = "training_config.schema.json"
UNSCANNED = "\0unscanned"  # key in the found-values map: queried fields some items file has no column for

DATASET_ORDER = ("interactions", "items", "users")
DATASET_TYPES = {"interactions": "INTERACTIONS", "items": "ITEMS", "users": "USERS"}
# reserved fields every schema of the type must declare, with their (non-null) Avro type
REQUIRED_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "interactions": {"USER_ID": ("string",), "ITEM_ID": ("string",), "TIMESTAMP": ("long",)},
    "items": {"ITEM_ID": ("string",)},
    "users": {"USER_ID": ("string",)},
}
# reserved fields that, when declared, must have these types
RESERVED_TYPES: dict[str, dict[str, tuple[str, ...]]] = {
    "interactions": {"EVENT_TYPE": ("string",), "EVENT_VALUE": ("float", "double")},
    "items": {"CREATION_TIMESTAMP": ("long",)},
    "users": {},
}
# A Domain dataset group's schemas must declare the domain's required fields (besides the ones above), with these
# types ("categorical" = a string with "categorical": true). Item-Attribute-Affinity is a custom recipe; Domain
# dataset groups take custom resources too, so the original solution's VIDEO_ON_DEMAND group trains it as it is.
# https://docs.aws.amazon.com/personalize/latest/dg/VIDEO-ON-DEMAND-datasets-and-schemas.html
# https://docs.aws.amazon.com/personalize/latest/dg/ECOMMERCE-datasets-and-schemas.html
# https://docs.aws.amazon.com/personalize/latest/dg/domain-dataset-groups.html ("add custom resources")
DOMAIN_REQUIRED_FIELDS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "VIDEO_ON_DEMAND": {
        "interactions": {"EVENT_TYPE": ("string",)},
        "items": {"GENRES": ("categorical",), "CREATION_TIMESTAMP": ("long",)},
        "users": {},
    },
    "ECOMMERCE": {
        "interactions": {"EVENT_TYPE": ("string",)},
        "items": {"PRICE": ("float",), "CATEGORY_L1": ("categorical",)},
        "users": {},
    },
}
AVRO_PRIMITIVES = ("string", "int", "long", "float", "double", "boolean")
AVRO_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# ASCII digits only: ``\d`` (and Python's int()/float()) also take other scripts' digits, e.g. fullwidth "１７１７"
INT_RE = re.compile(r"^[+-]?[0-9]+$")
FLOAT_RE = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
# USER_ID / ITEM_ID: 1-256 characters (Personalize API User.userId / Item.itemId "Length Constraints: Minimum length
# of 1. Maximum length of 256", https://docs.aws.amazon.com/personalize/latest/dg/API_UBS_User.html; "User ID ...
# (max length 256 characters)", https://docs.aws.amazon.com/personalize/latest/dg/user-dataset-requirements.html).
# Control characters (NUL, C0, DEL, C1) are refused: assumed — the docs name no character set, and such an id
# cannot be typed, shown or matched reliably by the destinations.
ID_FIELDS = ("USER_ID", "ITEM_ID")
MAX_ID_LENGTH = 256
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
INT_RANGES = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
QUERY_TERM = re.compile(r'\s*ITEMS\.([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*')
QUERY_AND = re.compile(r"AND(?=\s)")


class InputInvalid(Exception):
    """The training input is invalid; the message is the whole readable report (Step Functions error name)."""


@dataclass
class Options:
    full_check_max_bytes: int = 1024**3  # files above this are checked on header + sample only
    sample_bytes: int = 64 * 1024**2
    max_examples: int = 5  # lines reported per kind of problem per file; the rest are counted


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Report:
    max_examples: int = 5
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _seen: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def add_line(self, file: str, line: int, kind: str, message: str) -> None:
        """A line-level problem; after ``max_examples`` of one kind in one file, only count them."""
        count = self._seen.get((file, kind), 0) + 1
        self._seen[(file, kind)] = count
        if count <= self.max_examples:
            self.add(f"{file}:{line}", message)

    def close_file(self, file: str) -> None:
        for (seen_file, kind), count in sorted(self._seen.items()):
            if seen_file == file and count > self.max_examples:
                self.add(file, f"{count - self.max_examples:,} more line(s) with the same problem: {kind}")
                self._seen[(seen_file, kind)] = self.max_examples

    @property
    def valid(self) -> bool:
        return not self.problems

    def text(self, subject: str) -> str:
        lines = []
        if self.problems:
            lines.append(f"INVALID training input {subject}: {len(self.problems)} problem(s)")
            lines += [f"  {i}. {p}" for i, p in enumerate(self.problems, 1)]
        else:
            lines.append(f"OK training input {subject}")
        if self.notes:
            lines.append("Notes:")
            lines += [f"  - {note}" for note in self.notes]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, list[str]]:
        return {"problems": [str(p) for p in self.problems], "notes": list(self.notes)}


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Avro primitive
    nullable: bool
    categorical: bool = False
    textual: bool = False


@dataclass
class DatasetInput:
    kind: str  # interactions | items | users
    name: str
    schema_name: str
    schema_json: str
    fields: list[Field]
    domain: str | None = None  # the schema's domain (CreateSchema Domain), None for a custom schema
    location: str | None = None  # key of the file, or folder prefix ending in "/"
    files: list[tuple[str, int]] = field(default_factory=list)
    rows: int = 0
    sampled: bool = False


@dataclass
class Query:
    line: int
    text: str
    terms: list[tuple[str, str]]  # (items field as in the schema, value)


@dataclass
class ValidationResult:
    report: Report
    config_key: str
    config_display: str
    config: dict[str, Any] | None = None
    datasets: list[DatasetInput] = field(default_factory=list)
    batch_root: str = ""  # prefix holding batch/ (the folder above train/)
    job_config_key: str | None = None
    queries: list[Query] = field(default_factory=list)
    active_users: int = 0
    url_of: Any = None  # DataSource.url

    @property
    def valid(self) -> bool:
        return self.report.valid

    def text(self) -> str:
        return self.report.text(self.config_display)

    def summary(self) -> str:
        parts = [f"{d.kind}: {d.rows:,} row(s){' (sampled)' if d.sampled else ''}" for d in self.datasets]
        jobs = len(_solution(self.config or {}).get("batchSegmentJobs") or [])
        return (
            f"{'; '.join(parts)}; {self.active_users}+ users with >= {MIN_USER_INTERACTIONS} interactions; "
            f"{jobs} batch segment job(s), {len(self.queries)} query(ies)"
        )


# --------------------------------------------------------------------------------------------------------------
# entry point


def validate_training_input(
    source: DataSource,
    config_key: str,
    *,
    data_prefix: str | None = None,
    job_config_key: str | None = None,
    batch_root: str | None = None,
    options: Options | None = None,
) -> ValidationResult:
    """Check everything; never raises for bad input (S3/IO errors propagate).

    ``data_prefix``: folder of the CSVs (default: the config's folder). ``batch_root``: folder holding ``batch/``
    (default: the folder above ``train/`` in ``data_prefix``). ``job_config_key``: overrides
    ``<batch_root>/batch/<dataset group>/<solution>/job_config.json``.
    """
    options = options or Options()
    report = Report(max_examples=options.max_examples)
    config_display = source.display(config_key)
    result = ValidationResult(report, config_key, config_display, url_of=source.url)

    config = _load_config(source, config_key, config_display, report)
    if config is None:
        return result
    result.config = config
    for error in schema_lite.validate(config, schema_lite.load_schema(CONFIG_SCHEMA)):
        report.add(f"{config_display}: {error.path or '(document)'}", error.message)

    if data_prefix is None:
        data_prefix = posixpath.dirname(config_key)
    data_prefix = data_prefix.rstrip("/") + "/" if data_prefix else ""
    result.batch_root = _batch_root(data_prefix) if batch_root is None else batch_root

    datasets_config: dict[str, Any] = config["datasets"] if isinstance(config.get("datasets"), dict) else {}
    for kind in DATASET_ORDER:
        if isinstance(datasets_config.get(kind), dict):
            dataset = _check_dataset_config(kind, datasets_config[kind], config_display, report)
            if dataset is not None:
                result.datasets.append(dataset)
    _check_unique_names(result, config_display, report)
    _check_domain(config, result, config_display, report)

    listing = source.list_files(data_prefix) if data_prefix else {}
    for dataset in result.datasets:
        _locate(dataset, data_prefix, listing, source, report)
    for kind in DATASET_ORDER:
        if kind not in datasets_config and any(
            key == f"{data_prefix}{kind}.csv" or key.startswith(f"{data_prefix}{kind}/") for key in listing
        ):
            report.notes.append(
                f"{source.display(data_prefix + kind)}(.csv|/) is present but the config has no datasets.{kind}: "
                "it is not imported"
            )

    _check_folder_name(config, config_key, config_display, report)
    items = next((d for d in result.datasets if d.kind == "items"), None)
    solution = _solution(config)
    jobs = solution.get("batchSegmentJobs") or []
    dg_name = _get(config, "datasetGroup", "serviceConfig", "name")
    solution_name = _get(solution, "serviceConfig", "name")
    if job_config_key is None and isinstance(dg_name, str) and isinstance(solution_name, str):
        job_config_key = posixpath.join(result.batch_root, "batch", dg_name, solution_name, "job_config.json")
    result.job_config_key = job_config_key
    if job_config_key is not None:
        job_size = source.size(job_config_key)
        if job_size is None:
            if jobs:
                report.add(
                    source.display(job_config_key),
                    "not found: the configured batch segment job(s) read their queries from it "
                    "(MPE layout: batch/<dataset group>/<solution>/job_config.json)",
                )
        else:
            result.queries = _check_job_config(source, job_config_key, items, report)
            if not jobs:
                report.notes.append(
                    f"{source.display(job_config_key)} exists but the config has no batchSegmentJobs: it is not used"
                )

    wanted: dict[str, dict[str, list[int]]] = {}  # field -> value -> job_config lines asking for it
    for query in result.queries:
        for name, value in query.terms:
            wanted.setdefault(name, {}).setdefault(value, []).append(query.line)
    found: dict[str, set[str]] = {name: set() for name in wanted}
    near: dict[str, dict[str, str]] = {name: {} for name in wanted}

    for dataset in result.datasets:
        if dataset.files:
            active = _check_data(source, dataset, options, report, wanted, found, near)
            if dataset.kind == "interactions":
                result.active_users = active
                _check_minimums(source, dataset, active, report)

    if items is not None and items.files and job_config_key is not None:
        job_display = source.display(job_config_key)
        for name, values in wanted.items():
            if name in found.get(UNSCANNED, set()):
                continue
            for value, lines in values.items():
                if value in found[name]:
                    continue
                hint = f' (found "{near[name][value]}", which differs in case)' if value in near[name] else ""
                message = f'value "{value}" of {name} occurs in no item of the items data{hint}'
                if items.sampled:
                    report.notes.append(f"{job_display}:{lines[0]}: {message} — in the sampled part only")
                else:
                    for line in lines:
                        report.add(f"{job_display}:{line}", message)
    return result


# --------------------------------------------------------------------------------------------------------------
# config


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _solution(config: dict[str, Any]) -> dict[str, Any]:
    solutions = config.get("solutions")
    if isinstance(solutions, list) and solutions and isinstance(solutions[0], dict):
        return solutions[0]
    return {}


def _load_config(source: DataSource, key: str, display: str, report: Report) -> dict[str, Any] | None:
    if source.size(key) is None:
        report.add(display, "config file not found")
        return None
    try:
        raw = source.read_small(key)
    except ValueError as exc:
        report.add(display, str(exc))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report.add(display, f"not UTF-8 ({exc.reason} at byte {exc.start})")
        return None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        report.add(f"{display}:{exc.lineno}", f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
        return None
    if not isinstance(config, dict):
        report.add(display, f"must be a JSON object, found {type(config).__name__}")
        return None
    return config


def _check_folder_name(config: dict[str, Any], config_key: str, display: str, report: Report) -> None:
    """``train/<folder>/config.json``: the dataset group must be named ``<folder>``.

    The destinations read ``train/<dataset group>/users.csv``: a copied folder whose config still names another
    group would train on this folder's data and then join the other group's users file (wrong addresses).
    """
    name = _get(config, "datasetGroup", "serviceConfig", "name")
    parts = [p for p in config_key.split("/") if p]
    if not isinstance(name, str) or len(parts) < 3 or parts[-3] != "train":
        return
    folder = parts[-2]
    if folder != name:
        report.add(
            f"{display}: datasetGroup.serviceConfig.name",
            f'"{name}" differs from its folder train/{folder}/: the workflows read train/<dataset group>/ '
            f'(users for the destinations), so rename the folder to train/{name}/ or set the name to "{folder}"',
        )


def _batch_root(data_prefix: str) -> str:
    """The folder holding ``train/`` (and ``batch/``): MPE layout ``<root>/train/<dataset group>/``."""
    parts = [p for p in data_prefix.split("/") if p]
    if "train" in parts:
        index = len(parts) - 1 - parts[::-1].index("train")
        root_parts = parts[:index]
    else:
        root_parts = parts[:-1]
    root = "/".join(root_parts)
    if data_prefix.startswith("/"):
        root = "/" + root
    return root


def _parse_avro(
    kind: str, raw: Any, where: str, report: Report
) -> tuple[list[Field], str] | None:  # (fields, compact JSON)
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            report.add(where, f"schema string is not valid JSON: {exc.msg}")
            return None
    if not isinstance(raw, dict):
        return None  # reported by the config schema
    ok = True
    if raw.get("type") != "record":
        report.add(where, f'Avro schema "type" must be "record", found {json.dumps(raw.get("type"))}')
        ok = False
    if not isinstance(raw.get("name"), str) or not AVRO_NAME.match(raw.get("name", "")):
        report.add(where, 'Avro schema needs a "name" (letters, digits, _)')
        ok = False
    raw_fields = raw.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        report.add(where, 'Avro schema needs a non-empty "fields" list')
        return None
    fields: list[Field] = []
    seen: dict[str, str] = {}
    for index, raw_field in enumerate(raw_fields):
        at = f"{where}.fields[{index}]"
        if not isinstance(raw_field, dict) or not isinstance(raw_field.get("name"), str):
            report.add(at, 'each field must be an object with a "name"')
            ok = False
            continue
        name = raw_field["name"]
        at = f"{at} ({name})"
        if not AVRO_NAME.match(name):
            report.add(
                at, f'field name "{name}" is not a valid Avro name (letters, digits, _; not starting with a digit)'
            )
            ok = False
        if name.upper() in seen:
            report.add(at, f'duplicate field name "{name}" (field names are compared case-insensitively)')
            ok = False
        seen[name.upper()] = name
        parsed = _avro_type(raw_field.get("type"))
        if parsed is None:
            report.add(
                at,
                f"unsupported type {json.dumps(raw_field.get('type'))}: use one of {', '.join(AVRO_PRIMITIVES)}"
                ' (alone or as a union of one, like ["float"]) or a nullable union like ["null", "string"]',
            )
            ok = False
            continue
        base, nullable = parsed
        categorical = raw_field.get("categorical") is True
        textual = raw_field.get("textual") is True
        if categorical and base != "string":
            report.add(at, f'"categorical": true needs a string field, found {base}')
            ok = False
        if textual and (base != "string" or kind != "items"):
            report.add(at, '"textual": true is only allowed on string fields of the items dataset')
            ok = False
        if categorical and textual:
            report.add(at, "a field cannot be both categorical and textual")
            ok = False
        fields.append(Field(name, base, nullable, categorical, textual))
    by_name = {f.name: f for f in fields}
    for name, types in REQUIRED_FIELDS[kind].items():
        declared = by_name.get(name)
        if declared is None:
            report.add(where, f"the {kind} schema must declare the field {name} ({' or '.join(types)})")
            ok = False
        elif declared.type not in types or declared.nullable:
            report.add(f"{where} ({name})", f"{name} must be {' or '.join(types)} and not nullable")
            ok = False
    for name, types in RESERVED_TYPES[kind].items():
        declared = by_name.get(name)
        if declared is not None and declared.type not in types:
            report.add(f"{where} ({name})", f"{name} must be {' or '.join(types)}, found {declared.type}")
            ok = False
    if kind == "items" and not any(f.categorical for f in fields):
        report.add(
            where,
            'Item-Attribute-Affinity needs at least one categorical items field (a string with "categorical": true)',
        )
        ok = False
    if kind in ("items", "users") and len(fields) < 2:
        report.add(where, f"the {kind} schema needs at least one metadata field besides its id")
        ok = False
    compact = json.dumps(raw, separators=(",", ":"), ensure_ascii=False)
    if len(compact) > MAX_SCHEMA_CHARS:
        report.add(where, f"schema is {len(compact):,} characters; Personalize accepts at most {MAX_SCHEMA_CHARS:,}")
        ok = False
    return (fields, compact) if ok else None


def _avro_type(raw: Any) -> tuple[str, bool] | None:
    """``(primitive, nullable)`` of a field type Personalize accepts: a primitive, a one-member union of one
    (``["float"]``, valid Avro and used by the original solution's config), or a primitive with ``"null"`` in either
    order; anything else (two non-null members, nested types) is None."""
    if isinstance(raw, str) and raw in AVRO_PRIMITIVES:
        return raw, False
    if isinstance(raw, list) and len(raw) == 1 and isinstance(raw[0], str) and raw[0] in AVRO_PRIMITIVES:
        return raw[0], False
    if isinstance(raw, list) and len(raw) == 2 and raw.count("null") == 1:
        other = raw[0] if raw[1] == "null" else raw[1]
        if isinstance(other, str) and other in AVRO_PRIMITIVES:
            return other, True
    return None


def _check_dataset_config(kind: str, config: dict[str, Any], display: str, report: Report) -> DatasetInput | None:
    name = _get(config, "dataset", "serviceConfig", "name")
    schema_name = _get(config, "schema", "serviceConfig", "name")
    raw_schema = _get(config, "schema", "serviceConfig", "schema")
    where = f"{display}: datasets.{kind}.schema.serviceConfig.schema"
    parsed = _parse_avro(kind, raw_schema, where, report) if raw_schema is not None else None
    if parsed is None or not isinstance(name, str) or not isinstance(schema_name, str):
        return None
    fields, compact = parsed
    domain = _get(config, "schema", "serviceConfig", "domain")
    return DatasetInput(kind, name, schema_name, compact, fields, domain if isinstance(domain, str) else None)


def _check_domain(config: dict[str, Any], result: ValidationResult, display: str, report: Report) -> None:
    """A Domain dataset group takes schemas of its own domain only, each with the domain's required fields; a
    custom dataset group takes custom schemas only (CreateDataset refuses a schema of another domain)."""
    domain = _get(config, "datasetGroup", "serviceConfig", "domain")
    domain = domain if domain in DOMAIN_REQUIRED_FIELDS else None
    for dataset in result.datasets:
        where = f"{display}: datasets.{dataset.kind}.schema.serviceConfig"
        if dataset.domain != domain:
            found = f'"{dataset.domain}"' if dataset.domain else "none"
            wanted = f'"domain": "{domain}"' if domain else 'no "domain"'
            report.add(
                f"{where}.domain",
                f"the dataset group's domain is {domain or 'none (a custom dataset group)'} and this schema's is "
                f"{found}: Personalize needs the same on both, so give this schema {wanted}",
            )
            continue
        if domain is None:
            continue
        by_name = {f.name: f for f in dataset.fields}
        for name, types in DOMAIN_REQUIRED_FIELDS[domain][dataset.kind].items():
            declared = by_name.get(name)
            if types == ("categorical",):
                ok = declared is not None and declared.type == "string" and declared.categorical
                want = 'a string with "categorical": true'
            else:
                ok = declared is not None and declared.type in types
                want = " or ".join(types)
            if not ok:
                report.add(
                    f"{where}.schema",
                    f"a {domain} dataset group's {dataset.kind} schema must declare {name} as {want} "
                    f"({'found ' + declared.type if declared else 'missing'}; Personalize's {domain} schema "
                    "requirements)",
                )


def _check_unique_names(result: ValidationResult, display: str, report: Report) -> None:
    for attribute, label in (("name", "dataset"), ("schema_name", "schema")):
        seen: dict[str, str] = {}
        for dataset in result.datasets:
            value = getattr(dataset, attribute)
            if value in seen:
                report.add(
                    f"{display}: datasets.{dataset.kind}",
                    f'{label} name "{value}" is also used by datasets.{seen[value]}: names must be unique',
                )
            seen[value] = dataset.kind


# --------------------------------------------------------------------------------------------------------------
# data files


def _locate(dataset: DatasetInput, prefix: str, listing: dict[str, int], source: DataSource, report: Report) -> None:
    file_key = f"{prefix}{dataset.kind}.csv"
    folder = f"{prefix}{dataset.kind}/"
    parts = sorted(
        (key, size)
        for key, size in listing.items()
        if key.startswith(folder) and not posixpath.basename(key).startswith((".", "_"))
    )
    if file_key in listing and parts:
        report.add(
            source.display(folder),
            f"both {dataset.kind}.csv and a {dataset.kind}/ folder exist: keep one (Personalize would import only one)",
        )
        return
    if file_key in listing:
        dataset.location = file_key
        dataset.files = [(file_key, listing[file_key])]
    elif parts:
        dataset.location = folder
        dataset.files = parts
    else:
        report.add(
            source.display(file_key),
            f"no data for the {dataset.kind} dataset: expected {dataset.kind}.csv or a {dataset.kind}/ folder of "
            "CSV parts next to the config",
        )


def _decoded(lines: Iterable[bytes], display: str, report: Report, counter: list[int]) -> Iterator[str]:
    for number, raw in enumerate(lines, 1):
        counter[0] = number
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
            report.notes.append(f"{display} starts with a UTF-8 byte-order mark (ignored here; better removed)")
        try:
            text = raw.decode("utf-8")
            if number == 1 and '"' in text:
                report.add(f"{display}:1", "header has quotation marks: Personalize needs unquoted column names")
            yield text
        except UnicodeDecodeError as exc:
            report.add_line(display, number, "not UTF-8", f"not UTF-8 ({exc.reason} at byte {exc.start} of the line)")
            yield raw.decode("utf-8", errors="replace")


def _drop_last(lines: Iterator[bytes]) -> Iterator[bytes]:
    """All lines but the last (a sampled read usually ends in the middle of a line)."""
    previous = None
    for line in lines:
        if previous is not None:
            yield previous
        previous = line


def _check_value(value: str, spec: Field) -> str | None:
    """An error text, or None when ``value`` is a valid CSV value for ``spec``."""
    if value == "":
        return None if spec.nullable else f"missing value for required (non-nullable) field {spec.name}"
    kind = spec.type
    if kind == "string" and not spec.categorical:
        return None
    if kind in INT_RANGES:
        if not INT_RE.match(value):
            return f'{spec.name}: "{_clip(value)}" is not an Avro {kind}'
        low, high = INT_RANGES[kind]
        if not low <= int(value) <= high:
            return f"{spec.name}: {value} is out of range for an Avro {kind}"
    elif kind in ("float", "double"):
        if not FLOAT_RE.match(value) or not math.isfinite(float(value)):
            return f'{spec.name}: "{_clip(value)}" is not an Avro {kind}'
    elif kind == "boolean":
        if value.lower() not in ("true", "false"):
            return f'{spec.name}: "{_clip(value)}" is not an Avro boolean (true/false)'
    elif spec.categorical and any(len(v) > MAX_CATEGORICAL_VALUE for v in value.split("|")):
        return f"{spec.name}: a categorical value is longer than {MAX_CATEGORICAL_VALUE} characters"
    return None


def _fast_check(spec: Field) -> Callable[[str], bool]:
    """A cheap test that accepts most valid values; a False sends the value to the full ``_check_value``."""
    if spec.type in INT_RANGES:
        digits = 9 if spec.type == "int" else 18  # shorter digit strings are always in range

        def integer(value: str) -> bool:
            return value.isascii() and value.isdigit() and len(value) <= digits

        return integer
    if spec.type in ("float", "double"):

        def decimal(value: str) -> bool:
            return value.isascii() and value.replace(".", "", 1).isdigit()

        return decimal
    return _never


def _never(value: str) -> bool:
    return False


def _clip(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _check_data(
    source: DataSource,
    dataset: DatasetInput,
    options: Options,
    report: Report,
    wanted: dict[str, dict[str, list[int]]],
    found: dict[str, set[str]],
    near: dict[str, dict[str, str]],
) -> int:
    """Stream every file of the dataset; return the users with >= 2 interactions found (capped, interactions)."""
    by_name = {f.name: f for f in dataset.fields}
    by_upper = {f.name.upper(): f for f in dataset.fields}
    seen_once: set[str] | None = set()  # users seen once so far; dropped once the minimum is reached
    active: set[str] = set()  # users seen at least twice (at most MIN_ACTIVE_USERS entries)
    unscanned = found.setdefault(UNSCANNED, set())
    wanted_lower = {name: {v.lower(): v for v in values} for name, values in wanted.items()}
    for key, size in dataset.files:
        display = source.display(key)
        sampled = size > options.full_check_max_bytes
        if sampled:
            dataset.sampled = True
            report.notes.append(
                f"{display} is {size / 1024**2:,.0f} MB (above {options.full_check_max_bytes / 1024**2:,.0f} MB): "
                f"checked its header and first {options.sample_bytes / 1024**2:,.0f} MB only"
            )
            raw_lines: Iterator[bytes] = _drop_last(source.iter_lines(key, options.sample_bytes))
        else:
            raw_lines = source.iter_lines(key)
        counter = [0]
        reader = csv.reader(_decoded(raw_lines, display, report, counter), strict=True)
        try:
            header = next(reader)
        except StopIteration:
            report.add(display, "file is empty: the first line must be the header")
            continue
        except csv.Error as exc:
            report.add(f"{display}:1", f"header is not valid CSV: {exc}")
            continue
        columns = _check_header(header, dataset, by_name, by_upper, display, report)
        width = len(header)
        # columns whose values need a look (a nullable, non-categorical string accepts anything)
        # plain non-nullable strings only need a value; typed and categorical columns get a fast-path check;
        # nullable plain strings accept anything
        required_strings = [
            (i, c) for i, c in enumerate(columns) if c is not None and c.type == "string" and not c.nullable
        ]
        checked = [
            (i, c, _fast_check(c))
            for i, c in enumerate(columns)
            if c is not None and (c.type != "string" or c.categorical)
        ]
        user_column = next((i for i, c in enumerate(columns) if c is not None and c.name == "USER_ID"), None)
        id_columns = [(i, c.name) for i, c in enumerate(columns) if c is not None and c.name in ID_FIELDS]
        categorical_checks = [
            (i, c.name) for i, c in enumerate(columns) if c is not None and c.categorical and c.name in wanted
        ]
        for name in wanted if dataset.kind == "items" else ():
            if name not in {c for _, c in categorical_checks}:
                unscanned.add(name)  # no such column in this file: already reported on the header
        last_line = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                report.add_line(display, counter[0], "malformed CSV", f"malformed CSV: {exc}")
                last_line = counter[0]
                continue
            line = counter[0]
            if line - last_line > 1 and row:
                report.add_line(
                    display,
                    line,
                    "record spans lines",
                    "record spans several lines (quoted line break): Personalize needs one record per line",
                )
            last_line = line
            if not row or row == [""]:
                continue
            dataset.rows += 1
            if len(row) != width:
                report.add_line(
                    display, line, "wrong number of columns", f"{len(row)} column(s), the header has {width}"
                )
                continue
            for index, spec in required_strings:
                if not row[index]:
                    report.add_line(display, line, "missing required value", _check_value("", spec) or "")
            for index, name in id_columns:
                value = row[index]
                if len(value) > MAX_ID_LENGTH:
                    report.add_line(
                        display,
                        line,
                        f"{name} too long",
                        f"{name} has {len(value)} characters: Personalize ids have at most {MAX_ID_LENGTH}",
                    )
                elif not value.isprintable() and _CONTROL.search(value):
                    report.add_line(
                        display,
                        line,
                        f"control character in {name}",
                        f"{name} {_clip(ascii(value))} holds a control character (NUL, tab, CR, LF …): remove it",
                    )
            for index, spec, fast in checked:
                value = row[index]
                if fast(value):
                    error = None
                else:
                    error = _check_value(value, spec)
                    if error is not None:
                        kind = "missing required value" if value == "" else f"bad {spec.type} value in {spec.name}"
                        report.add_line(display, line, kind, error)
                        continue
                if (
                    len(value) >= MILLISECONDS_DIGITS
                    and spec.name in TIMESTAMP_FIELDS
                    and int(value) >= MILLISECONDS_THRESHOLD
                ):
                    report.add_line(
                        display,
                        line,
                        f"{spec.name} in milliseconds",
                        f"{spec.name} {value} looks like epoch milliseconds: Personalize needs epoch seconds",
                    )
            for index, name in categorical_checks:
                for value in row[index].split("|"):
                    if value in wanted[name]:
                        found[name].add(value)
                    elif value.lower() in wanted_lower[name]:
                        near[name].setdefault(wanted_lower[name][value.lower()], value)
            if user_column is not None and seen_once is not None:
                user = row[user_column]
                if user in seen_once:
                    seen_once.discard(user)
                    active.add(user)
                    if len(active) >= MIN_ACTIVE_USERS:
                        seen_once = None  # minimum reached: stop tracking user ids
                elif user not in active:
                    seen_once.add(user)
        report.close_file(display)
    return len(active)


def _check_header(
    header: list[str],
    dataset: DatasetInput,
    by_name: dict[str, Field],
    by_upper: dict[str, Field],
    display: str,
    report: Report,
) -> list[Field | None]:
    columns: list[Field | None] = []
    where = f"{display}:1"
    seen: set[str] = set()
    for column in header:
        name = column.strip()
        if name != column:
            report.add(where, f'column "{column}" has surrounding spaces')
        spec = by_name.get(name)
        if spec is None and name.upper() in by_upper:
            spec = by_upper[name.upper()]
            report.add(where, f'column "{name}" differs in case from the schema field "{spec.name}"')
        elif spec is None:
            report.add(where, f'column "{name}" is not a field of the {dataset.kind} schema ({dataset.schema_name})')
        if spec is not None and spec.name in seen:
            report.add(where, f'column "{name}" appears twice')
            spec = None
        if spec is not None:
            seen.add(spec.name)
        columns.append(spec)
    missing = [f.name for f in dataset.fields if f.name not in seen]
    if missing:
        report.add(
            where,
            f"header lacks the schema field(s) {', '.join(missing)}; found {','.join(header)}, expected the columns "
            f"{','.join(f.name for f in dataset.fields)} (any order)",
        )
    return columns


def _check_minimums(source: DataSource, dataset: DatasetInput, active_users: int, report: Report) -> None:
    where = source.display(dataset.location or "")
    if dataset.rows < MIN_INTERACTIONS:
        message = f"{dataset.rows:,} interaction(s): Personalize needs at least {MIN_INTERACTIONS:,} to train"
        if dataset.sampled:
            report.notes.append(f"{where}: in the sampled part, {message}")
        else:
            report.add(where, message)
    if active_users < MIN_ACTIVE_USERS:
        message = (
            f"{active_users} user(s) with at least {MIN_USER_INTERACTIONS} interactions: Personalize needs at least "
            f"{MIN_ACTIVE_USERS}"
        )
        if dataset.sampled:
            report.notes.append(f"{where}: in the sampled part, {message}")
        else:
            report.add(where, message)


def check_dataset(
    source: DataSource, kind: str, schema: dict[str, Any] | str, location: str, options: Options | None = None
) -> tuple[Report, DatasetInput | None]:
    """Check one dataset's data alone: its Avro schema, then the CSV file or folder of parts at ``location``.

    For callers that import data outside a full upload (the Personalize emulator's import jobs, for instance).
    ``kind`` is ``interactions``/``items``/``users`` or the Personalize type (``INTERACTIONS``…); ``location`` is a
    file key, or a folder prefix ending in ``/``. Minimums are checked for interactions.
    """
    options = options or Options()
    kind = kind.lower()
    report = Report(max_examples=options.max_examples)
    parsed = _parse_avro(kind, schema, f"{kind} schema", report)
    if parsed is None:
        if report.valid:
            report.add(f"{kind} schema", "not an Avro record schema")
        return report, None
    dataset = DatasetInput(kind, kind, kind, parsed[1], parsed[0])
    if location.endswith("/"):
        files = sorted(
            (key, size)
            for key, size in source.list_files(location).items()
            if not posixpath.basename(key).startswith((".", "_"))
        )
    else:
        size = source.size(location)
        files = [] if size is None else [(location, size)]
    if not files:
        report.add(source.display(location), "no data found")
        return report, dataset
    dataset.location, dataset.files = location, files
    active = _check_data(source, dataset, options, report, {}, {}, {})
    if kind == "interactions":
        _check_minimums(source, dataset, active, report)
    return report, dataset


# --------------------------------------------------------------------------------------------------------------
# batch job config


def parse_query(text: str) -> list[tuple[str, str]] | None:
    """``ITEMS.a = "x" AND ITEMS.b = "y"`` → [("a", "x"), ("b", "y")]; None when it is not of that form."""
    terms: list[tuple[str, str]] = []
    position = 0
    while True:
        match = QUERY_TERM.match(text, position)
        if match is None:
            return None
        terms.append((match.group(1), re.sub(r"\\(.)", r"\1", match.group(2))))
        position = match.end()
        if position == len(text):
            return terms
        conjunction = QUERY_AND.match(text, position)
        if conjunction is None:
            return None
        position = conjunction.end()


def _check_job_config(source: DataSource, key: str, items: DatasetInput | None, report: Report) -> list[Query]:
    display = source.display(key)
    queries: list[Query] = []
    categorical = {f.name.upper(): f for f in items.fields} if items else {}
    try:
        raw = source.read_small(key)
    except ValueError as exc:
        report.add(display, str(exc))
        return []
    count = 0
    for number, raw_line in enumerate(raw.split(b"\n"), 1):
        try:
            line = raw_line.decode("utf-8").strip()
        except UnicodeDecodeError:
            report.add(f"{display}:{number}", "not UTF-8")
            continue
        if not line:
            continue
        count += 1
        where = f"{display}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            report.add(where, f"not a JSON object on one line: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("itemAttributes"), str):
            report.add(where, 'each line must be an object {"itemAttributes": "ITEMS.<field> = \\"<value>\\""}')
            continue
        extra = sorted(set(obj) - {"itemAttributes"})
        if extra:
            report.add(where, f"unsupported key(s) {', '.join(extra)}: only itemAttributes is used")
        text = obj["itemAttributes"]
        terms = parse_query(text)
        if terms is None:
            report.add(
                where,
                f'query "{_clip(text, 80)}" must be ITEMS.<field> = "<value>" terms joined by AND '
                "(no OR, no ranges, values in double quotes)",
            )
            continue
        resolved: list[tuple[str, str]] = []
        for name, value in terms:
            spec = categorical.get(name.upper())
            if items is None:
                break
            if spec is None:
                report.add(where, f"ITEMS.{name}: no such field in the items schema ({items.schema_name})")
            elif not spec.categorical:
                report.add(
                    where,
                    f"ITEMS.{name}: field {spec.name} is not categorical in the items schema"
                    ' (needs "categorical": true)',
                )
            elif value == "":
                report.add(where, f"ITEMS.{name}: empty value")
            else:
                resolved.append((spec.name, value))
        queries.append(Query(number, text, resolved))
    if count == 0:
        report.add(display, "no queries: one JSON object per line is expected")
    if count > MAX_QUERIES:
        report.add(display, f"{count} queries: a batch segment job accepts at most {MAX_QUERIES}")
    return queries


# --------------------------------------------------------------------------------------------------------------
# plan


def run_suffix(run_id: str) -> str:
    """A short deterministic suffix for per-run names (a retry of the same execution gets the same names)."""
    return hashlib.sha256(run_id.encode("utf-8")).hexdigest()[:10]


def job_entry_key(job: dict[str, Any], position: int) -> str:
    """A ``batchSegmentJobs`` entry's part of the segment identity: its ``jobName``, else its 1-based position."""
    name = _get(job, "serviceConfig", "jobName")
    return name if isinstance(name, str) and name else str(position)


def _bounded(base: str, tail: str) -> str:
    return f"{base[: MAX_NAME_LENGTH - len(tail) - 1]}-{tail}"


def build_plan(result: ValidationResult, run_id: str) -> dict[str, Any]:
    """The small JSON the training state machine executes (contract: DEVELOPERS/training plan)."""
    if not result.valid or result.config is None:
        raise InputInvalid(result.text())
    config = result.config
    url = result.url_of
    suffix = run_suffix(run_id)
    tags = list(_get(config, "datasetGroup", "serviceConfig", "tags") or []) + list(config.get("tags") or [])
    dg_name = config["datasetGroup"]["serviceConfig"]["name"]
    solution = _solution(config)
    solution_name = solution["serviceConfig"]["name"]
    training_mode = _get(solution, "solutionVersion", "serviceConfig", "trainingMode") or "FULL"
    # CreateSolution's performAutoTraining defaults to true: the solution would then train a new version every
    # 7 days on its own, billed outside this workflow, and clash with its CreateSolutionVersion
    # (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateSolution.html). Off unless the config asks.
    auto_training = _get(solution, "serviceConfig", "performAutoTraining") is True
    auto_training_config = _get(solution, "serviceConfig", "solutionConfig", "autoTrainingConfig")
    solution_config = {"autoTrainingConfig": auto_training_config} if auto_training and auto_training_config else {}
    batch_prefix = posixpath.join(result.batch_root, "batch", dg_name, solution_name)
    job_input = result.job_config_key or posixpath.join(batch_prefix, "job_config.json")
    # Job output goes under its own prefix, not next to the user's job_config.json under batch/: S3 lifecycle filters
    # match key prefixes only, so outputs can expire without ever touching the users' inputs (modules/storage).
    output_prefix = posixpath.join(result.batch_root, OUTPUT_PREFIX.rstrip("/"), dg_name, solution_name)
    jobs = solution.get("batchSegmentJobs") or []
    plan_jobs = []
    for number, job in enumerate(jobs, 1):
        tail = suffix if len(jobs) == 1 else f"{suffix}-{number}"
        job_name = _bounded(solution_name, tail)
        entry = job_entry_key(job, number)
        plan_jobs.append(
            {
                "jobName": job_name,
                "entry": entry,
                "numResults": job["serviceConfig"]["numResults"],
                "input": url(job_input),
                # the entry's folder carries the segment identity to post-processing (naming.job_context)
                "output": url(posixpath.join(output_prefix, entry, job_name)) + "/",
            }
        )
    datasets = [
        {
            "type": DATASET_TYPES[d.kind],
            "name": d.name,
            "schemaName": d.schema_name,
            "schema": d.schema_json,
            "dataLocation": url(d.location or ""),
            "importJobName": _bounded(d.name, suffix),
            **({"domain": d.domain} if d.domain else {}),
        }
        for d in result.datasets
    ]
    domain = _get(config, "datasetGroup", "serviceConfig", "domain")
    plan = {
        "valid": True,
        "datasetGroup": {"name": dg_name, "tags": tags, **({"domain": domain} if domain else {})},
        "datasets": datasets,
        "solution": {
            "name": solution_name,
            "recipeArn": RECIPE_ARN,
            "trainingMode": training_mode,
            "performAutoTraining": auto_training,
            "solutionConfig": solution_config,
        },
        "batchSegmentJobs": plan_jobs,
        "report": result.report.as_dict(),
    }
    for name in [j["jobName"] for j in plan_jobs] + [d["importJobName"] for d in datasets]:
        assert len(name) <= MAX_NAME_LENGTH and NAME_PATTERN.match(name), name
    return plan


def report_for_error(text: str, limit: int = 24_000) -> str:
    """The report, cut at a line so that its JSON-escaped form stays under ``limit`` characters.

    Step Functions keeps at most 32,768 characters of an error cause, and the Lambda integration's cause is the JSON
    ``{"errorMessage", "errorType", "stackTrace"}``: a cut cause would no longer parse (``States.StringToJson``).
    """
    if len(json.dumps(text)) <= limit:
        return text
    tail = "\n  ... (report truncated; run `contextual-targeting validate` for all of it)"
    kept: list[str] = []
    size = len(json.dumps(tail))
    for line in text.split("\n"):
        size += len(json.dumps(line))  # its escaped length + 2, the 2 paying for the escaped line break
        if size > limit:
            break
        kept.append(line)
    return "\n".join(kept) + tail
