"""A tiny JSON Schema subset validator, so the Lambda zips need no ``jsonschema`` (and stay small).

Supported keywords — the only ones the committed schemas use: ``type`` (one or a list), ``properties``,
``required``, ``additionalProperties`` (false or a schema), ``items``, ``minItems``, ``maxItems``, ``minLength``,
``maxLength``, ``pattern``, ``enum``, ``minimum``, ``maximum``, ``$ref`` (local ``#/$defs/...`` only), and the
non-standard ``errorMessage`` (a friendlier text for a failing keyword; ``jsonschema`` ignores unknown keywords).
The tests validate the sample and every broken fixture with the real ``jsonschema`` package as well, so the two
cannot drift apart. Every error is collected; none stops the walk.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


@dataclass(frozen=True)
class SchemaError:
    path: str  # "solutions[0].serviceConfig.recipeArn" ("" for the document)
    message: str
    keyword: str

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: {self.message}"


@lru_cache(maxsize=8)
def load_schema(name: str) -> dict[str, Any]:
    """A schema bundled under ``contextual_targeting/core/schemas/`` (works from a zip too)."""
    text = resources.files("contextual_targeting.core").joinpath("schemas", name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _ecma(pattern: str) -> str:
    """A final ``$`` matches only at the very end, as in ECMA-262 (Python's also matches before a final newline)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + r"\Z"
    return pattern


def _is_type(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    if name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES[name])


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def validate(instance: Any, schema: dict[str, Any]) -> list[SchemaError]:
    errors: list[SchemaError] = []
    _walk(instance, schema, schema, "", errors)
    return errors


def _walk(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str, errors: list[SchemaError]) -> None:
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported: {ref}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        _walk(value, target, root, path, errors)
        return

    def fail(keyword: str, message: str) -> None:
        custom = schema.get("errorMessage")
        errors.append(SchemaError(path, custom if isinstance(custom, str) else message, keyword))

    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, n) for n in names):
            fail("type", f"must be {' or '.join(names)}, found {_short(value)}")
            return
    if "enum" in schema and value not in schema["enum"]:
        fail("enum", f"{_short(value)} is not one of {', '.join(_short(v) for v in schema['enum'])}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            fail("minLength", f"{_short(value)} is shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            fail("maxLength", f"{_short(value)} is longer than {schema['maxLength']} characters ({len(value)})")
        if "pattern" in schema and not re.search(_ecma(schema["pattern"]), value):
            fail("pattern", f"{_short(value)} does not match {schema['pattern']}")
    if _is_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            fail("minimum", f"{value} is less than the minimum {schema['minimum']:,}")
        if "maximum" in schema and value > schema["maximum"]:
            fail("maximum", f"{value:,} is more than the maximum {schema['maximum']:,}")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            fail("minItems", f"needs at least {schema['minItems']} item(s), found {len(value)}")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            fail("maxItems", f"allows at most {schema['maxItems']} item(s), found {len(value)}")
        if "items" in schema:
            for index, item in enumerate(value):
                _walk(item, schema["items"], root, _join(path, index), errors)
    if isinstance(value, dict):
        properties: dict[str, Any] = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                fail("required", f"required section/field '{key}' is missing")
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                _walk(item, properties[key], root, _join(path, key), errors)
            elif extra is False:
                supported = ", ".join(properties) or "nothing"
                errors.append(
                    SchemaError(
                        _join(path, key),
                        f"'{key}' is not supported by this solution, which acts only on: {supported}"
                        " (remove it: it would be silently ignored)",
                        "additionalProperties",
                    )
                )
            elif isinstance(extra, dict):
                _walk(item, extra, root, _join(path, key), errors)
