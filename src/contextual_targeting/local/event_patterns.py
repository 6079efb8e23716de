"""EventBridge event-pattern matching, for the local event router and for tests of the deployed rules' patterns.

Implements the content filters the project's rules use, with EventBridge's semantics: a pattern object's keys
are ANDed, the values in a leaf array are ORed, a leaf matches when the event value (or any element of an event
array) matches one of them. Supported: exact values (strings, numbers, booleans, null), ``prefix``, ``suffix``,
``wildcard`` (``*`` matches any run of characters, slashes included), ``equals-ignore-case``, ``anything-but``
(a value, a list, or ``{"prefix"|"suffix"|"wildcard": …}``), ``exists``, ``numeric`` and ``$or``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_MISSING = object()


class PatternError(ValueError):
    """The pattern uses something this matcher does not implement (so a test cannot silently pass)."""


def _wildcard(pattern: str) -> re.Pattern[str]:
    parts = [re.escape(part) for part in pattern.split("*")]
    return re.compile("^" + ".*".join(parts) + "$", re.DOTALL)


def _numeric(spec: list[Any], value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    ops = {"<": float.__lt__, "<=": float.__le__, "=": float.__eq__, ">": float.__gt__, ">=": float.__ge__}
    for op, bound in zip(spec[::2], spec[1::2], strict=True):
        if op not in ops:
            raise PatternError(f"unsupported numeric operator {op!r}")
        if not ops[op](float(value), float(bound)):
            return False
    return True


def _leaf_matches(condition: Any, value: Any) -> bool:
    if not isinstance(condition, Mapping):
        return value is not _MISSING and value == condition
    if len(condition) != 1:
        raise PatternError(f"a content filter has exactly one operator: {condition}")
    ((op, arg),) = condition.items()
    if op == "exists":
        return (value is not _MISSING) == bool(arg)
    if value is _MISSING:
        return False
    if op == "prefix":
        return isinstance(value, str) and value.startswith(arg)
    if op == "suffix":
        return isinstance(value, str) and value.endswith(arg)
    if op == "wildcard":
        return isinstance(value, str) and bool(_wildcard(arg).match(value))
    if op == "equals-ignore-case":
        return isinstance(value, str) and value.lower() == str(arg).lower()
    if op == "numeric":
        return _numeric(arg, value)
    if op == "anything-but":
        if isinstance(arg, Mapping):
            return not _leaf_matches(arg, value)
        values = arg if isinstance(arg, list) else [arg]
        return value not in values
    raise PatternError(f"unsupported content filter {op!r}")


def _values(event_value: Any) -> list[Any]:
    return event_value if isinstance(event_value, list) else [event_value]


def matches(pattern: Mapping[str, Any], event: Any) -> bool:
    """True when ``event`` (a dict) matches ``pattern`` (a dict, as in an EventBridge rule)."""
    for key, condition in pattern.items():
        if key == "$or":
            if not any(matches(branch, event) for branch in condition):
                return False
            continue
        value = event.get(key, _MISSING) if isinstance(event, Mapping) else _MISSING
        if isinstance(condition, Mapping):
            if value is _MISSING or not isinstance(value, Mapping):
                return False
            if not matches(condition, value):
                return False
        elif isinstance(condition, list):
            if not condition:
                raise PatternError(f"empty match list for {key!r}")
            if value is _MISSING:
                if not any(isinstance(c, Mapping) and c.get("exists") is False for c in condition):
                    return False
                continue
            if not any(_leaf_matches(c, v) for c in condition for v in _values(value)):
                return False
        else:
            raise PatternError(f"pattern values must be objects or arrays, got {condition!r} for {key!r}")
    return True
