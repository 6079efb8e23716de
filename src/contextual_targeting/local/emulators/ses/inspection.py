"""SES v2 emulator helpers for tests and the local runtime: what the contact list holds and who would get mail, and
the switches a test turns (``fail_imports``). Not SES operations; nothing here is reachable through boto3."""

from __future__ import annotations

from typing import Any

from contextual_targeting.local.emulators.ses.imports import SesV2Imports


class SesV2Inspection(SesV2Imports):
    def fail_imports(self, reason: Any) -> None:
        """Tests: ``reason(s3_url)`` returns a message for an import job SES is to fail before it applies a record
        (as SES does for an object it cannot read), or None. ``None`` turns failures off."""
        self.import_failure = reason

    def contact_list(self) -> str | None:
        """The account's contact list name (SES allows one), or None."""
        return next(iter(self.lists), None)

    def topics(self, list_name: str | None = None) -> list[dict[str, Any]]:
        """The list's topics in list order (copies)."""
        return [dict(t) for t in self._list(list_name or self.contact_list() or "").topics]

    def contacts(self, list_name: str | None = None) -> dict[str, dict[str, Any]]:
        return {k: dict(v) for k, v in self._list(list_name or self.contact_list() or "").contacts.items()}

    def subscribers(self, topic: str, list_name: str | None = None) -> set[str]:
        """Addresses that would receive mail sent to ``topic`` (explicit or default opt-in, not unsubscribed)."""
        contact_list = self._list(list_name or self.contact_list() or "")
        defaults = self._defaults(contact_list)
        if topic not in defaults:
            return set()
        return {
            email
            for email, contact in contact_list.contacts.items()
            if self._status(contact, topic, defaults, use_default=True) == "OPT_IN"
        }

    def subscriber_counts(self, list_name: str | None = None) -> dict[str, int]:
        """``{topic name: subscribers}`` for every topic of the list, in list order."""
        name = list_name or self.contact_list()
        if name is None:
            return {}
        return {t["TopicName"]: len(self.subscribers(t["TopicName"], name)) for t in self._list(name).topics}

    def topic_summary(self, list_name: str | None = None) -> list[dict[str, Any]]:
        """One row per topic of the list, in list order, for a run summary:
        ``{"topic", "display_name", "subscribers", "opted_out", "ours"}`` (``ours``: created by this solution)."""
        name = list_name or self.contact_list()
        if name is None:
            return []
        contact_list = self._list(name)
        defaults = self._defaults(contact_list)
        rows = []
        for topic in contact_list.topics:
            statuses = [self._status(c, topic["TopicName"], defaults, True) for c in contact_list.contacts.values()]
            rows.append(
                {
                    "topic": topic["TopicName"],
                    "display_name": topic["DisplayName"],
                    "subscribers": statuses.count("OPT_IN"),
                    "opted_out": statuses.count("OPT_OUT"),
                    "ours": str(topic.get("Description", "")).startswith("contextual-targeting segment"),
                }
            )
        return rows

    def import_jobs(self) -> list[dict[str, Any]]:
        return [dict(j.response) for j in self.jobs.values()]

    def failed_records(self, job_id: str) -> list[str]:
        return list(self.jobs[job_id].failed_records)

    def finish_import_jobs(self) -> None:
        """Run every job that is not finished yet to its terminal status."""
        with self.lock:
            for job in self.jobs.values():
                if job.response["JobStatus"] not in ("COMPLETED", "FAILED"):
                    job.response["JobStatus"] = "PROCESSING"
                    self._run_import(job)
