"""Pinpoint emulator helpers for tests and the local runtime: endpoints and segments put in directly, throttling,
what an app holds, the progress of running imports. Not Pinpoint operations; nothing here is reachable through
boto3."""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Iterable
from typing import Any

from contextual_targeting.local.emulators.pinpoint.imports import PinpointImports
from contextual_targeting.local.emulators.pinpoint.models import ImportJob


class PinpointInspection(PinpointImports):
    def add_endpoint(
        self,
        app_id: str,
        endpoint_id: str,
        user_id: str | None,
        channel: str = "EMAIL",
        address: str | None = None,
        opt_out: str = "NONE",
        *,
        status: str = "ACTIVE",
        attributes: dict[str, list[str]] | None = None,
        user_attributes: dict[str, list[str]] | None = None,
    ) -> dict[str, Any]:
        """Create or replace an endpoint directly (the app is registered if unknown); returns it."""
        with self.lock:
            app = self.apps.get(app_id) or self.apps[self.create_app(app_id=app_id)]
            item: dict[str, Any] = {
                "ChannelType": channel,
                "Address": address if address is not None else f"user-{user_id or endpoint_id}@example.com",
                "OptOut": opt_out,
                "EndpointStatus": status,
                "Attributes": dict(attributes or {}),
            }
            if user_id is not None or user_attributes:
                item["User"] = {"UserId": user_id} if user_id is not None else {}
                if user_attributes:
                    item["User"]["UserAttributes"] = dict(user_attributes)
            app.remove(endpoint_id)
            return self._upsert_endpoint(app, endpoint_id, item)

    def add_segment(
        self, app_id: str, name: str, endpoint_ids: Iterable[str] = (), *, segment_id: str | None = None
    ) -> dict[str, Any]:
        """Create an IMPORT segment directly (as if an import had defined it); returns its SegmentResponse."""
        with self.lock:
            app = self.apps.get(app_id) or self.apps[self.create_app(app_id=app_id)]
            members = list(endpoint_ids)
            job = ImportJob(
                response={
                    "Definition": {
                        "ExternalId": uuid.uuid4().hex[:8],
                        "Format": "CSV",
                        "RoleArn": f"arn:aws:iam::{self.account_id}:role/local",
                        "S3Url": f"s3://local/{name}/",
                        "SegmentName": name,
                    }
                },
                segment_id=segment_id or uuid.uuid4().hex,
            )
            self._define_segment(app, job, members, {"EMAIL": len(members)} if members else {})
            return copy.deepcopy(app.segments[job.segment_id].versions[-1])  # type: ignore[index]

    def throttle(self, operation: str, times: int = 1) -> None:
        """Make the next ``times`` calls of ``operation`` fail with ``TooManyRequestsException`` (429)."""
        with self.lock:
            self._throttles[operation] += times

    def endpoints(self, app_id: str) -> list[dict[str, Any]]:
        return [dict(e) for e in self._app(app_id).endpoints.values()]

    def endpoints_of_user(self, app_id: str, user_id: str) -> list[dict[str, Any]]:
        return [dict(e) for e in self._user_endpoints(self._app(app_id), user_id)]

    def segments(self, app_id: str) -> list[dict[str, Any]]:
        """Latest version of every segment of the app."""
        return [segment.versions[-1] for segment in self._app(app_id).segments.values()]

    def segment_by_name(self, app_id: str, name: str) -> list[dict[str, Any]]:
        """Every segment with this name (latest versions): a list, since Pinpoint allows duplicate names."""
        return [s for s in self.segments(app_id) if s.get("Name") == name]

    def segment_members(self, app_id: str, segment_id: str, version: int | None = None) -> frozenset[str]:
        """Endpoint ids in a segment version (the latest by default)."""
        segment = self._app(app_id).segments.get(segment_id)
        if segment is None:
            raise KeyError(segment_id)
        return segment.members[(version or len(segment.members)) - 1]

    def import_jobs(self, app_id: str) -> list[dict[str, Any]]:
        return [job.response for job in self._app(app_id).jobs.values()]

    def import_progress(self) -> list[dict[str, Any]]:
        """Import jobs being run now: segment name, pieces done/total, rows processed, seconds since they started.

        Read without the emulator's lock (the running import holds it), so a caller on another thread can show
        progress; the figures are ints updated in place by the import."""
        found = []
        for app in list(self.apps.values()):
            for job in list(app.jobs.values()):
                if job.started is not None and job.response["JobStatus"] == "PROCESSING":
                    found.append(
                        {
                            "segment": job.response["Definition"].get("SegmentName") or job.response["Id"],
                            "pieces_done": job.pieces_done,
                            "pieces_total": job.pieces_total,
                            "rows": job.rows_done,
                            "seconds": time.monotonic() - job.started,
                        }
                    )
        return found

    def finish_import_jobs(self) -> None:
        """Run every job that is not finished yet to its terminal status."""
        with self.lock:
            for app in self.apps.values():
                for job in app.jobs.values():
                    if job.response["JobStatus"] not in ("COMPLETED", "FAILED"):
                        self._run_import(app, job)
