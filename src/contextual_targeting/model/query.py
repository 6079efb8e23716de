"""Item-attribute queries as Personalize's batch segment jobs take them: ``ITEMS.genres = "Action"``.

One or more ``ITEMS.<field> = "<value>"`` conditions joined by ``AND``. Keywords (``ITEMS``, ``AND``) and field names
are case-insensitive (``ITEMS.genres`` addresses the ``GENRES`` column); a value matches exactly, or, if no item has
exactly that value, case-insensitively (as the Personalize emulator's scorer does). Values are
quoted with double (or single) quotes; a backslash escapes the quote character. An item matches a condition when
any of its ``|``-separated values of that field equals the value; it matches the query when it matches every
condition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from contextual_targeting.model.data import ItemAttributes


class QueryError(ValueError):
    """The expression is not ``ITEMS.<field> = "<value>" [AND …]``."""


@dataclass(frozen=True)
class Condition:
    field: str  # lower-cased
    value: str


_CONDITION = re.compile(
    r"""\s*ITEMS\s*\.\s*(?P<field>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*
        (?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^'\\]|\\.)*)')\s*""",
    re.IGNORECASE | re.VERBOSE,
)
_AND = re.compile(r"AND\b", re.IGNORECASE)
_ESCAPE = re.compile(r"\\(.)")


def parse_query(expression: str) -> tuple[Condition, ...]:
    """Conditions of an ``itemAttributes`` expression, in order; raises QueryError on anything else."""
    if not isinstance(expression, str) or not expression.strip():
        raise QueryError("empty item attribute expression")
    conditions: list[Condition] = []
    pos = 0
    while True:
        match = _CONDITION.match(expression, pos)
        if match is None:
            raise QueryError(f'expected ITEMS.<field> = "<value>" at position {pos} of {expression!r}')
        raw = match.group("dq") if match.group("dq") is not None else match.group("sq")
        conditions.append(Condition(match.group("field").lower(), _ESCAPE.sub(r"\1", raw)))
        pos = match.end()
        if pos == len(expression):
            return tuple(conditions)
        joiner = _AND.match(expression, pos)
        if joiner is None:
            raise QueryError(f"expected AND at position {pos} of {expression!r}")
        pos = joiner.end()


def matching_items(attributes: ItemAttributes, conditions: tuple[Condition, ...] | str) -> np.ndarray:
    """Boolean mask over items matching every condition (all False for unknown fields or values)."""
    if isinstance(conditions, str):
        conditions = parse_query(conditions)
    mask = np.ones(attributes.n_items, dtype=bool)
    for condition in conditions:
        entry = attributes.fields.get(condition.field)
        if entry is None:
            return np.zeros(attributes.n_items, dtype=bool)
        vocabulary, matrix = entry
        if condition.value in vocabulary:
            columns = [vocabulary[condition.value]]
        else:
            wanted = condition.value.casefold()
            columns = [column for value, column in vocabulary.items() if value.casefold() == wanted]
        hit = np.zeros(attributes.n_items, dtype=bool)
        for column in columns:
            hit[matrix.indices[matrix.indptr[column] : matrix.indptr[column + 1]]] = True
        mask &= hit
    return mask
