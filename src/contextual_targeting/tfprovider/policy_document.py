"""``data "aws_iam_policy_document"`` rendered as hashicorp/aws renders it, so plans carry the real policy JSON.

The rules, read from the provider's source (``internal/service/iam/policy_document_data_source.go`` and
``policy_model.go`` in hashicorp/terraform-provider-aws) and written here in our own code:

* statements keep their configuration order; ``Sid`` and ``Effect`` are left out when empty (``effect`` defaults
  to ``Allow``); keys come in the order ``Sid, Effect, Action, NotAction, Resource, NotResource, Principal,
  NotPrincipal, Condition``;
* ``actions``, ``resources`` and principal ``identifiers`` are sets: one element is written as a string, several
  as a list sorted in **reverse** order; ``&{…}`` becomes ``${…}`` in resources, identifiers and condition values
  (an error with version ``2008-10-17``);
* principals: one ``{"*": ["*"]}`` principal is written ``"*"``; otherwise an object keyed by type (sorted), the
  identifiers of blocks with the same type appended;
* conditions: ``{test: {variable: values}}`` (keys sorted), values in configuration order, blocks with the same
  test and variable appended, a single value written as a string;
* ``source_policy_documents`` are merged first (a ``Sid`` repeated across them is an error), then this document's
  statements, then ``override_policy_documents``, each in order: a statement whose ``Sid`` already exists replaces
  it in place, others are appended; ``Id`` is taken from the last document that has one, ``Version`` is the
  highest;
* ``json`` is Go's ``json.MarshalIndent(doc, "", "  ")`` (two-space indent, ``<``, ``>``, ``&`` escaped as
  ``\\u003c`` … like Go's encoder), ``minified_json`` Go's ``json.Marshal``; ``id`` is the CRC-32 of ``json``.

What the provider leaves to Go's set ordering — the order in which two principal blocks of the same type, or two
condition blocks with the same test and variable, are appended — follows the configuration order here.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

STATEMENT_KEYS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal")


class PolicyDocumentError(ValueError):
    """The provider's own error for this document (shown by Terraform as the data source's diagnostic)."""


def _go_json(value: Any, indent: bool) -> str:
    text = json.dumps(
        value, ensure_ascii=False, indent=2 if indent else None, separators=None if indent else (",", ":")
    )
    # Go's encoder escapes these inside strings (json.Marshal's HTML-safe default); they occur nowhere else in JSON
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def _set_strings(values: list[str] | None) -> Any:
    """A set of strings as the provider writes it: one element as a string, else the list in reverse order."""
    distinct = sorted(set(values or []), reverse=True)
    return distinct[0] if len(distinct) == 1 else distinct


def _replace_vars(value: Any, version: str) -> Any:
    items = [value] if isinstance(value, str) else value
    for item in items:
        if version == "2008-10-17" and "&{" in item:
            raise PolicyDocumentError(
                f"found &{{ sequence in ({item}), which is not supported in document version 2008-10-17"
            )
    replaced = [item.replace("&{", "${") for item in items]
    return replaced[0] if isinstance(value, str) else replaced


def _distinct_blocks(blocks: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for block in blocks or []:
        if block not in out:  # nested blocks are sets in the provider's schema
            out.append(block)
    return out


# ------------------------------------------------------------------------------------------- principals, conditions
def _marshal_principals(principals: list[tuple[str, Any]]) -> Any:
    if len(principals) == 1 and principals[0][0] == "*" and principals[0][1] in ("*", ["*"]):
        return "*"
    raw: dict[str, Any] = {}
    for kind, identifiers in principals:
        current = raw.get(kind)
        if isinstance(identifiers, list):
            if current is None:
                raw[kind] = []
            elif isinstance(current, str):
                raw[kind] = [current]
            raw[kind] = raw[kind] + sorted(identifiers, reverse=True)
        elif current is None:
            raw[kind] = identifiers
        elif isinstance(current, str):
            raw[kind] = [current, identifiers]
        else:
            current.append(identifiers)
    return {kind: raw[kind] for kind in sorted(raw)}


def _marshal_conditions(conditions: list[tuple[str, str, Any]]) -> dict[str, Any]:
    raw: dict[str, dict[str, list[str]]] = {}
    for test, variable, values in conditions:
        entry = raw.setdefault(test, {}).setdefault(variable, [])
        entry.extend(values if isinstance(values, list) else [values])
    return {
        test: {var: (vals[0] if len(vals) == 1 else vals) for var, vals in sorted(raw[test].items())}
        for test in sorted(raw)
    }


# ------------------------------------------------------------------------------------------- statements
class Statement:
    """One statement: its JSON fields (values as the provider holds them) and its parsed principals/conditions."""

    def __init__(self, fields: dict[str, Any], principals: dict[str, list[tuple[str, Any]]], conditions: list[Any]):
        self.fields = fields  # Sid, Effect, Action, NotAction, Resource, NotResource
        self.principals = principals  # "Principal" / "NotPrincipal" -> [(type, identifiers)]
        self.conditions = conditions

    @property
    def sid(self) -> str:
        return str(self.fields.get("Sid") or "")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in STATEMENT_KEYS:
            if key in ("Principal", "NotPrincipal"):
                if self.principals.get(key):
                    out[key] = _marshal_principals(self.principals[key])
                continue
            value = self.fields.get(key)
            if key in ("Sid", "Effect"):
                if value:
                    out[key] = value
            elif value is not None:
                out[key] = value
        if self.conditions:
            out["Condition"] = _marshal_conditions(self.conditions)
        return out


def _from_config(stmt: dict[str, Any], version: str) -> Statement:
    fields: dict[str, Any] = {"Sid": stmt.get("sid") or "", "Effect": stmt.get("effect") or "Allow"}
    for key, name, replace in (
        ("Action", "actions", False),
        ("NotAction", "not_actions", False),
        ("Resource", "resources", True),
        ("NotResource", "not_resources", True),
    ):
        values = stmt.get(name) or []
        if values:
            decoded = _set_strings(values)
            fields[key] = _replace_vars(decoded, version) if replace else decoded
    principals: dict[str, list[tuple[str, Any]]] = {}
    for key, name in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
        blocks = _distinct_blocks(stmt.get(name))
        if blocks:
            principals[key] = [
                (block["type"], _replace_vars(_set_strings(block.get("identifiers") or []), version))
                for block in blocks
            ]
    conditions = []
    for block in _distinct_blocks(stmt.get("condition")):
        values = _replace_vars(list(block.get("values") or []), version)
        conditions.append((block["test"], block["variable"], values[0] if len(values) == 1 else values))
    return Statement(fields, principals, conditions)


def _go_field(obj: dict[str, Any], name: str) -> tuple[bool, Any]:
    """Go's json.Unmarshal matches struct fields exactly first, then case-insensitively."""
    if name in obj:
        return True, obj[name]
    for key, value in obj.items():
        if key.lower() == name.lower():
            return True, value
    return False, None


def _string_field(obj: dict[str, Any], name: str, where: str) -> str:
    found, value = _go_field(obj, name)
    if not found or value is None:
        return ""
    if not isinstance(value, str):
        raise PolicyDocumentError(
            f"json: cannot unmarshal {type(value).__name__} into Go struct field {where}.{name} of type string"
        )
    return value


def _principals_from_json(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, str):
        return [("*", ["*"])]
    if not isinstance(value, dict):
        raise PolicyDocumentError(f"Unsupported data type {type(value).__name__} for IAMPolicyStatementPrincipalSet")
    out: list[tuple[str, Any]] = []
    for kind, identifiers in value.items():
        if isinstance(identifiers, str):
            out.append((kind, identifiers))
        elif isinstance(identifiers, list):
            for i, item in enumerate(identifiers):
                if not isinstance(item, str):
                    raise PolicyDocumentError(
                        f"Unsupported element type {type(item).__name__} for "
                        f"IAMPolicyStatementPrincipalSet.Identifiers[{i}] "
                        f"(principal type {json.dumps(kind)}): must be string"
                    )
            out.append((kind, sorted(identifiers)))
        else:
            raise PolicyDocumentError(
                f"Unsupported data type {type(identifiers).__name__} for IAMPolicyStatementPrincipalSet.Identifiers"
            )
    return out


def _conditions_from_json(value: Any) -> list[tuple[str, str, Any]]:
    if not isinstance(value, dict):
        raise PolicyDocumentError("json: cannot unmarshal Condition: want an object of objects")
    out: list[tuple[str, str, Any]] = []
    for test, variables in value.items():
        if not isinstance(variables, dict):
            raise PolicyDocumentError(f"json: cannot unmarshal Condition.{test}: want an object")
        for variable, values in variables.items():
            if isinstance(values, bool):  # before str: the provider writes a boolean as "true"/"false"
                out.append((test, variable, "true" if values else "false"))
            elif isinstance(values, str):
                out.append((test, variable, [values]))
            elif isinstance(values, list):
                out.append((test, variable, [str(v) for v in values]))
            # numbers and other JSON types are dropped, as the provider's decoder drops them
    return out


def _from_json(stmt: Any) -> Statement:
    if not isinstance(stmt, dict):
        raise PolicyDocumentError("json: cannot unmarshal a statement that is not an object")
    fields: dict[str, Any] = {
        "Sid": _string_field(stmt, "Sid", "IAMPolicyStatement"),
        "Effect": _string_field(stmt, "Effect", "IAMPolicyStatement"),
    }
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        found, value = _go_field(stmt, key)
        if found and value is not None:
            fields[key] = value
    principals: dict[str, list[tuple[str, Any]]] = {}
    for key in ("Principal", "NotPrincipal"):
        found, value = _go_field(stmt, key)
        if found and value is not None:
            principals[key] = _principals_from_json(value)
    found, value = _go_field(stmt, "Condition")
    conditions = _conditions_from_json(value) if found and value is not None else []
    return Statement(fields, principals, conditions)


# ------------------------------------------------------------------------------------------- documents
class Document:
    def __init__(self, version: str = "", policy_id: str = "", statements: list[Statement] | None = None) -> None:
        self.version = version
        self.policy_id = policy_id
        self.statements = statements or []

    @classmethod
    def parse(cls, text: str) -> Document:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise PolicyDocumentError(f"invalid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise PolicyDocumentError("json: cannot unmarshal a policy document that is not an object")
        found, statements = _go_field(data, "Statement")
        if found and statements is not None and not isinstance(statements, list):
            raise PolicyDocumentError(
                "json: cannot unmarshal object into Go struct field IAMPolicyDoc.Statement "
                "of type []*iam.IAMPolicyStatement"
            )
        return cls(
            _string_field(data, "Version", "IAMPolicyDoc"),
            _string_field(data, "Id", "IAMPolicyDoc"),
            [_from_json(s) for s in statements or []],
        )

    def merge(self, other: Document) -> None:
        if other.policy_id:
            self.policy_id = other.policy_id
        if other.version > self.version:
            self.version = other.version
        for statement in other.statements:
            if not statement.sid:
                self.statements.append(statement)
                continue
            for i, existing in enumerate(self.statements):
                if existing.sid == statement.sid:
                    self.statements[i] = statement
                    break
            else:
                self.statements.append(statement)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.version:
            out["Version"] = self.version
        if self.policy_id:
            out["Id"] = self.policy_id
        if self.statements:
            out["Statement"] = [s.to_json() for s in self.statements]
        return out


def render(config: dict[str, Any]) -> dict[str, str]:
    """``json``, ``minified_json`` and ``id`` for a data source configuration (attribute names as in the schema)."""
    merged = Document()
    sids: set[str] = set()
    for index, source in enumerate(config.get("source_policy_documents") or []):
        if source is None:
            continue
        try:
            doc = Document.parse(source)
        except PolicyDocumentError as exc:
            raise PolicyDocumentError(f"writing IAM Policy Document: merging source document {index}: {exc}") from None
        for position, statement in enumerate(doc.statements):
            if statement.sid:
                if statement.sid in sids:
                    raise PolicyDocumentError(
                        f"writing IAM Policy Document: merging source document {index}: "
                        f"duplicate Sid ({statement.sid}) in "
                        f"source_policy_documents (statement {position}). Remove the Sid or ensure Sids are unique."
                    )
                sids.add(statement.sid)
        merged.merge(doc)

    version = config.get("version") or "2012-10-17"
    own = Document(version, config.get("policy_id") or "")
    own_sids: set[str] = set()
    for stmt in config.get("statement") or []:
        sid = stmt.get("sid") or ""
        if sid in own_sids:
            raise PolicyDocumentError(
                f"writing IAM Policy Document: duplicate Sid ({sid}). Remove the Sid or ensure the Sid is unique."
            )
        if sid:
            own_sids.add(sid)
        own.statements.append(_from_config(stmt, version))
    merged.merge(own)

    for index, override in enumerate(config.get("override_policy_documents") or []):
        if override is None:
            continue
        try:
            merged.merge(Document.parse(override))
        except PolicyDocumentError as exc:
            raise PolicyDocumentError(
                f"writing IAM Policy Document: merging override document {index}: {exc}"
            ) from None

    document = merged.to_json()
    text = _go_json(document, indent=True)
    return {"json": text, "minified_json": _go_json(document, indent=False), "id": str(zlib.crc32(text.encode()))}
