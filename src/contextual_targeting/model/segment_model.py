"""The scoring interface between a segment model and the Personalize emulator's batch segment jobs.

The model package owns it (``local`` depends on ``model``, never the other way round):

- ``Fit``: ``fit(interactions_rows, items_rows) -> SegmentModel`` — rows are ``{column: value}`` mappings as read
  from the imported CSVs (column names as in the files' headers; values are strings). The emulator calls it when a
  solution version finishes training;
- ``SegmentModel.segment(item_attributes, num_results) -> list[str]`` — user ids, best first, for one batch segment
  job query such as ``ITEMS.genres = "Action" AND ITEMS.genres = "Thriller"``; raises ``ExpressionError`` for a
  query Personalize would reject (at most ``MAX_CLAUSES`` conditions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

MAX_CLAUSES = 10


class ExpressionError(ValueError):
    """An item-attributes query the service would refuse."""


class SegmentModel(Protocol):
    def segment(self, item_attributes: str, num_results: int) -> list[str]: ...


Fit = Callable[[Iterable[Mapping[str, str]], Iterable[Mapping[str, str]]], SegmentModel]
