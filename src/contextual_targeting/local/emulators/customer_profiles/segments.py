"""Customer Profiles segment evaluation: which live profiles a segment definition's ``SegmentGroups`` select."""

from __future__ import annotations

from typing import Any

from contextual_targeting.local.emulators.customer_profiles.exceptions import (
    BadRequestException,
    ResourceNotFoundException,
)
from contextual_targeting.local.emulators.customer_profiles.models import (
    STANDARD_FIELDS,
    STRING_DIMENSIONS,
    CustomerProfilesBackend,
    Domain,
    _get_target,
)


class CustomerProfilesSegments(CustomerProfilesBackend):
    """Segment definitions: created only when the emulator can evaluate them, evaluated on every question."""

    def create_segment_definition(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain(params["DomainName"])
        name = params["SegmentDefinitionName"]
        if name in domain.segments:
            raise BadRequestException(f"Segment definition {name} already exists.")
        if "SegmentSqlQuery" in params:
            raise BadRequestException("the emulator does not evaluate SegmentSqlQuery; use SegmentGroups")
        if "SegmentGroups" not in params:
            raise BadRequestException("SegmentGroups or SegmentSqlQuery is required.")
        self._evaluate(domain, params["SegmentGroups"])  # refuses what the emulator cannot evaluate, up front
        arn = f"{domain.arn}/segment-definitions/{name}"
        definition = {
            "SegmentDefinitionName": name,
            "DisplayName": params["DisplayName"],
            "SegmentGroups": params["SegmentGroups"],
            "SegmentDefinitionArn": arn,
            "CreatedAt": self.now(),
            "SegmentType": "CLASSIC",
        }
        for optional in ("Description", "Tags"):
            if optional in params:
                definition[optional] = params[optional]
        domain.segments[name] = definition
        return definition

    def segment_definition(self, params: dict[str, Any]) -> dict[str, Any]:
        """The definition a request names (``DomainName``, ``SegmentDefinitionName``)."""
        domain = self._domain(params["DomainName"])
        name = params["SegmentDefinitionName"]
        if name not in domain.segments:
            raise ResourceNotFoundException(f"Segment definition {name} does not exist.")
        return domain.segments[name]

    def membership(
        self, params: dict[str, Any], profile_ids: list[str]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """``GetSegmentMembership``: ``PRESENT`` (with the profile) or ``ABSENT`` per live profile id, unknown ids
        as failures (status 404)."""
        definition = self.segment_definition(params)
        domain = self._domain(params["DomainName"])
        live = self._live_profiles(domain)
        members = self._evaluate(domain, definition["SegmentGroups"])
        profiles, failures = [], []
        for profile_id in profile_ids:
            if profile_id not in live:
                failures.append({"ProfileId": profile_id, "Message": "Profile not found", "Status": 404})
            elif profile_id in members:
                profiles.append(
                    {"ProfileId": profile_id, "QueryResult": "PRESENT", "Profile": self._public(live[profile_id])}
                )
            else:
                profiles.append({"ProfileId": profile_id, "QueryResult": "ABSENT"})
        return profiles, failures

    def _evaluate(self, domain: Domain, groups: dict[str, Any]) -> set[str]:
        live = self._live_profiles(domain)
        sets = [self._group(domain, live, group) for group in groups.get("Groups", [])]
        if not sets:
            return set(live)
        if groups.get("Include", "ALL") == "ANY":
            return set().union(*sets)
        if groups.get("Include") == "NONE":
            return set(live) - set().union(*sets)
        return set.intersection(*sets)

    def _group(self, domain: Domain, live: dict[str, dict[str, Any]], group: dict[str, Any]) -> set[str]:
        base = set(live)
        sources = [s["SegmentDefinitionName"] for s in group.get("SourceSegments", [])]
        if sources:
            source_sets = []
            for name in sources:
                if name not in domain.segments:
                    raise ResourceNotFoundException(f"Source segment {name} does not exist.")
                source_sets.append(self._evaluate(domain, domain.segments[name]["SegmentGroups"]))
            kind = group.get("SourceType", "ALL")
            if kind == "ANY":
                base = set().union(*source_sets)
            elif kind == "NONE":
                base = base - set().union(*source_sets)
            else:
                base = set.intersection(*source_sets)
        conditions = [_conditions(d) for d in group.get("Dimensions", [])]
        if not conditions:
            return base
        kind = group.get("Type", "ALL")
        selected = set()
        for profile_id in base:
            results = [all(_matches(live[profile_id], t, c) for t, c in dim) for dim in conditions]
            if (
                (kind == "ANY" and any(results))
                or (kind == "NONE" and not any(results))
                or (kind == "ALL" and all(results))
            ):
                selected.add(profile_id)
        return selected


def _conditions(dimension: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    if "CalculatedAttributes" in dimension:
        raise BadRequestException("the emulator does not evaluate CalculatedAttributes dimensions")
    found: list[tuple[str, dict[str, Any]]] = []
    for name, condition in dimension.get("ProfileAttributes", {}).items():
        if name == "Attributes":
            found.extend((f"Attributes.{key}", c) for key, c in condition.items())
        elif name in STANDARD_FIELDS:
            found.append((name, condition))
        else:
            raise BadRequestException(f"the emulator does not evaluate {name} dimensions")
    for _, condition in found:
        if condition["DimensionType"] not in STRING_DIMENSIONS:
            raise BadRequestException(
                f"the emulator evaluates string dimensions only, not {condition['DimensionType']}"
            )
    return found


def _matches(profile: dict[str, Any], target: str, condition: dict[str, Any]) -> bool:
    value = _get_target(profile, target)
    values = condition["Values"]
    kind = condition["DimensionType"]
    if kind == "EXCLUSIVE":
        return value not in values
    if value is None:
        return False
    if kind == "INCLUSIVE":
        return value in values
    if kind == "CONTAINS":
        return any(v in value for v in values)
    if kind == "BEGINS_WITH":
        return any(value.startswith(v) for v in values)
    return any(value.endswith(v) for v in values)
