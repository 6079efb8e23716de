"""Adapter: the affinity model behind the Personalize emulator's scorer interface.

``contextual_targeting.model.segment_model`` defines the interface the emulator calls when a solution version
finishes training and when a batch segment job runs:

- ``fit(interactions_rows, items_rows) -> SegmentModel`` (rows: ``{column: value}`` mappings from the imported CSVs);
- ``model.segment(item_attributes, num_results) -> list[str]`` raising ``segment_model.ExpressionError`` for a query
  Personalize would reject.

Use it with ``PersonalizeEmulator(fit=contextual_targeting.model.scorer.fit)``. Queries are validated like the
emulator's own scorer (syntax, at most ``MAX_CLAUSES`` conditions, fields that exist in the items dataset);
a valid query whose values match no item gives an empty segment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from contextual_targeting.model.affinity import AffinityModel, ModelParams
from contextual_targeting.model.data import Dataset, dataset_from_rows
from contextual_targeting.model.query import QueryError, parse_query
from contextual_targeting.model.segment_model import MAX_CLAUSES, ExpressionError


class AffinitySegmentModel:
    """``segment_model.SegmentModel`` backed by ``AffinityModel``."""

    def __init__(self, model: AffinityModel) -> None:
        self.model = model

    def segment(self, item_attributes: str, num_results: int) -> list[str]:
        try:
            conditions = parse_query(item_attributes)
        except QueryError as error:
            raise ExpressionError(str(error)) from None
        if len(conditions) > MAX_CLAUSES:
            raise ExpressionError(f"itemAttributes has {len(conditions)} conditions, at most {MAX_CLAUSES} are allowed")
        assert self.model.dataset is not None
        fields = self.model.dataset.attributes.fields
        for condition in conditions:
            if condition.field not in fields:
                raise ExpressionError(f"ITEMS.{condition.field.upper()} is not a field of the items dataset")
        return self.model.segment(item_attributes, num_results)


def fit(
    interactions_rows: Iterable[Mapping[str, str]],
    items_rows: Iterable[Mapping[str, str]],
    params: ModelParams | None = None,
) -> AffinitySegmentModel:
    """Train the affinity model on the emulator's imported rows."""
    return AffinitySegmentModel(AffinityModel(params).fit(dataset_from_rows(interactions_rows, items_rows)))


def fit_dataset(dataset: Dataset, params: ModelParams | None = None) -> AffinitySegmentModel:
    """Train on a ``Dataset`` already read (the emulator reads its imported parts with ``model.data``): the
    large-data path, with no per-row Python objects."""
    return AffinitySegmentModel(AffinityModel(params).fit(dataset))
