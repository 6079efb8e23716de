"""Personalize's Avro schemas: what CreateSchema accepts, what a Domain dataset group requires of a dataset's schema,
and the check of one CSV value against its field (used by the import engine)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from contextual_targeting.local.emulators.personalize.exceptions import InvalidInputException

ID_MAX_LENGTH = 256
TEXTUAL_MAX_LENGTH = 20_000
CATEGORICAL_MAX_LENGTH = 1_000


def check_domain(group: Any, schema: Any, dataset_type: str) -> None:
    """A Domain dataset group takes schemas of its domain with the domain's required fields; a custom group
    takes custom schemas (assumed to be refused by CreateDataset with InvalidInputException: the documentation
    states the requirements, not the error; see DOMAIN_REQUIRED_FIELDS in core.training_validation)."""
    from contextual_targeting.core.training_validation import DATASET_TYPES as KINDS
    from contextual_targeting.core.training_validation import DOMAIN_REQUIRED_FIELDS

    domain, schema_domain = group.fields.get("domain"), schema.fields.get("domain")
    if domain != schema_domain:
        raise InvalidInputException(
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
            raise InvalidInputException(
                f"Schema {schema.arn} is not valid for a {domain} {dataset_type} dataset: field {name} "
                f"({'categorical string' if types == ('categorical',) else ' or '.join(types)}) is required.",
            )


def _parse_schema(text: str) -> list[dict[str, Any]]:
    """The fields of an Avro record schema, or InvalidInputException as CreateSchema answers."""
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputException(f"The schema is not valid JSON: {exc}") from None
    if not isinstance(schema, dict) or schema.get("type") != "record" or not isinstance(schema.get("fields"), list):
        raise InvalidInputException('The schema must be an Avro record with a "fields" list.')
    fields = schema["fields"]
    seen = set()
    for f in fields:
        if not isinstance(f, dict) or not isinstance(f.get("name"), str) or "type" not in f:
            raise InvalidInputException("Every schema field needs a name and a type.")
        types = f["type"] if isinstance(f["type"], list) else [f["type"]]
        allowed = {"null", "string", "int", "long", "float", "double", "boolean"}
        # one primitive, alone, as a union of one (["float"]) or with "null": what Personalize's schemas take
        non_null = [t for t in types if t != "null"]
        if not all(isinstance(t, str) and t in allowed for t in types) or len(non_null) != 1 or len(types) > 2:
            raise InvalidInputException(f"Field {f['name']} has an unsupported type {f['type']}.")
        if f["name"].upper() in seen:
            raise InvalidInputException(f"Field {f['name']} appears twice.")
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
    kind, nullable, limit = _describe(schema_field)
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
    types = _types(schema_field)
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
