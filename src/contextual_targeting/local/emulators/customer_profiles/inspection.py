"""Customer Profiles emulator helpers for tests and the local runtime: the clock, failure injection, what the
domains hold. Not service operations; nothing here is reachable through boto3."""

from __future__ import annotations

import datetime as dt
from typing import Any

from contextual_targeting.local.emulators.customer_profiles.imports import CustomerProfilesImports
from contextual_targeting.local.emulators.customer_profiles.models import _get_target


class CustomerProfilesInspection(CustomerProfilesImports):
    def advance_clock(self, days: float) -> None:
        self._clock_offset += dt.timedelta(days=days)

    def fail_next_upload_jobs(self, count: int = 1, after: int = 0) -> None:
        """After ``after`` more upload jobs, the next ``count`` created end ``FAILED`` (``INTERNAL_FAILURE``)."""
        self._fail_after, self._fail_next = after, count

    def profiles(self, domain: str) -> list[dict[str, Any]]:
        return [self._public(p) for p in self._live_profiles(self._domain(domain)).values()]

    def profile_ids_by(self, domain: str, target: str) -> dict[str, str]:
        """``{value of the standard field or "Attributes.<key>": profile id}`` over the domain's live profiles."""
        found: dict[str, str] = {}
        for profile_id, profile in self._live_profiles(self._domain(domain)).items():
            value = _get_target(profile, target)
            if value is not None:
                found[value] = profile_id
        return found

    def members(self, domain: str, definition: str) -> set[str]:
        """Profile ids the segment definition selects now."""
        d = self._domain(domain)
        if definition not in d.segments:
            raise KeyError(definition)
        return self._evaluate(d, d.segments[definition]["SegmentGroups"])

    def segment_definitions(self, domain: str) -> dict[str, dict[str, Any]]:
        return {k: dict(v) for k, v in self._domain(domain).segments.items()}

    def upload_jobs(self) -> list[dict[str, Any]]:
        return [j.response() for j in self.jobs.values()]

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._files.cleanup()
