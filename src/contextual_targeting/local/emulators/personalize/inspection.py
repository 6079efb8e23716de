"""Personalize emulator helpers for tests: failure injection. (``of_kind(kind)`` and ``resources`` — the account's
resources by ARN — are the models' own.) Not Personalize operations; nothing here is reachable through boto3."""

from __future__ import annotations

from contextual_targeting.local.emulators.personalize.training import PersonalizeTraining


class PersonalizeInspection(PersonalizeTraining):
    def inject_failure(self, kind: str, reason: str) -> None:
        """Make the next resource of ``kind`` (e.g. ``solution-version``) end ``CREATE FAILED`` with ``reason``."""
        self._injected_failures.setdefault(kind, []).append(reason)
