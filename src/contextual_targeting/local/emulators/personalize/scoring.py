"""The emulator's fallback scorer for Item-Attribute-Affinity solution versions (the local runtime uses the model).

The interface (``fit``, ``SegmentModel``, ``ExpressionError``, ``MAX_CLAUSES``) is defined by
``contextual_targeting.model.segment_model`` and re-exported here for the emulator; ``contextual_targeting.model``
implements it with the learned affinity model and imports nothing from ``local``.

This implementation is deliberately simple and deterministic: a user's affinity to a query is the number of their
interactions with items matching *every* ``ITEMS.<field> = "<value>"`` clause (field names case-insensitive, as
Personalize accepts ``ITEMS.genres`` for ``GENRES``; categorical values split on ``|`` and compared
case-insensitively). Users with no such interaction are left out; ties are broken by user id.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

from contextual_targeting.model.segment_model import MAX_CLAUSES, ExpressionError, Fit, SegmentModel

__all__ = ["MAX_CLAUSES", "ExpressionError", "Fit", "InteractionCountModel", "SegmentModel", "fit"]

_CLAUSE = re.compile(r'^\s*ITEMS\.([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$')
_AND = re.compile(r"\s+AND\s+", re.IGNORECASE)


def parse_item_attributes(expression: str) -> list[tuple[str, str]]:
    """``ITEMS.a = "x" AND ITEMS.b = "y"`` → ``[("A", "x"), ("B", "y")]`` (field names upper-cased)."""
    if not expression or not expression.strip():
        raise ExpressionError("itemAttributes is empty")
    clauses = _AND.split(expression.strip())
    if len(clauses) > MAX_CLAUSES:
        raise ExpressionError(f"itemAttributes has {len(clauses)} conditions, at most {MAX_CLAUSES} are allowed")
    parsed = []
    for clause in clauses:
        match = _CLAUSE.match(clause)
        if match is None:
            raise ExpressionError(f'invalid itemAttributes condition {clause!r}: expected ITEMS.<field> = "<value>"')
        parsed.append((match.group(1).upper(), match.group(2).replace('\\"', '"')))
    return parsed


def _user_sort_key(user_id: str) -> tuple[int, int, str]:
    return (0, int(user_id), "") if user_id.isdigit() else (1, 0, user_id)


class InteractionCountModel:
    """Affinity = count of a user's interactions with matching items."""

    def __init__(self, item_values: dict[str, dict[str, frozenset[str]]], user_items: dict[str, Counter[str]]):
        self._item_values = item_values  # item id -> FIELD -> lower-cased values
        self._user_items = user_items  # user id -> item id -> interaction count

    @property
    def fields(self) -> set[str]:
        return {field for values in self._item_values.values() for field in values}

    def matching_items(self, clauses: list[tuple[str, str]]) -> set[str]:
        fields = self.fields
        for field, _ in clauses:
            if field not in fields:
                raise ExpressionError(f"ITEMS.{field} is not a field of the items dataset")
        return {
            item
            for item, values in self._item_values.items()
            if all(value.lower() in values.get(field, frozenset()) for field, value in clauses)
        }

    def segment(self, item_attributes: str, num_results: int) -> list[str]:
        items = self.matching_items(parse_item_attributes(item_attributes))
        scores = {
            user: sum(count for item, count in counts.items() if item in items)
            for user, counts in self._user_items.items()
        }
        ranked = sorted((user for user, score in scores.items() if score > 0), key=_user_sort_key)
        ranked.sort(key=lambda user: -scores[user])  # stable: ties stay in user-id order
        return ranked[:num_results]


def _key(row: Mapping[str, str], name: str) -> str | None:
    """The row's column called ``name`` in any letter case (CSV headers are matched case-insensitively)."""
    return name if name in row else next((key for key in row if key.upper() == name), None)


def fit(interactions_rows: Iterable[Mapping[str, str]], items_rows: Iterable[Mapping[str, str]]) -> SegmentModel:
    """Build the model from the imported interactions and items."""
    item_values: dict[str, dict[str, frozenset[str]]] = {}
    for row in items_rows:
        item_key = _key(row, "ITEM_ID")
        if item_key is None:
            continue
        item_values[row[item_key]] = {
            key.upper(): frozenset(part.strip().lower() for part in (value or "").split("|") if part.strip())
            for key, value in row.items()
            if key != item_key
        }
    user_items: dict[str, Counter[str]] = {}
    user_key = item_key = None
    for row in interactions_rows:
        if user_key is None or item_key is None:
            user_key, item_key = _key(row, "USER_ID"), _key(row, "ITEM_ID")
            if user_key is None or item_key is None:
                continue
        user_id, item_id = row.get(user_key), row.get(item_key)
        if user_id and item_id:
            user_items.setdefault(user_id, Counter())[item_id] += 1
    return InteractionCountModel(item_values, user_items)
