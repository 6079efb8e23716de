"""An in-memory Amazon Pinpoint (``pinpoint``) for tests and the local runtime.

Serves apps, endpoints, import jobs and segments through ``emulation.emulate(PinpointEmulator())``: direct boto3
calls and Step Functions ``arn:aws:states:::aws-sdk:pinpoint:<action>`` tasks alike. Requests are validated
against botocore's service model by the emulation layer (a malformed request from a Step Functions task gets
``BadRequestException``, as Pinpoint answers); errors carry Pinpoint's codes and statuses:

- ``NotFoundException`` (404, ``Resource not found``) for an unknown app, endpoint, segment, job — and for
  ``GetUserEndpoints`` of a user without endpoints, as Pinpoint answers rather than an empty list;
- ``BadRequestException`` (400) for invalid values (page tokens, S3 URLs, role ARNs, e-mail addresses …);
- ``TooManyRequestsException`` (429) on demand: ``throttle("GetUserEndpoints", times=3)``.

Import jobs really read the objects from (moto) S3 with a boto3 S3 client, create or update endpoints and define
the segment (or a new version of an existing one). A job's status advances on each ``GetImportJob`` call
(``polls_per_status`` calls per step): ``CREATED`` → ``PROCESSING`` → ``COMPLETED``/``FAILED``; the work is done
on the step out of ``PROCESSING``, so endpoints and the segment appear when the job completes, as in Pinpoint.
``finish_import_jobs()`` completes every pending job at once.

Helpers for tests and the local runtime (not part of the API): ``create_app(name, app_id)``,
``add_endpoint(app_id, endpoint_id, user_id, channel="EMAIL", address=None, opt_out="NONE", status=...,
attributes=..., user_attributes=...)``, ``add_segment(app_id, name, endpoint_ids)``, ``throttle(operation, times)``,
``endpoints(app_id)``, ``endpoints_of_user(app_id, user_id)``, ``segments(app_id)``, ``segment_by_name(app_id, name)``,
``segment_members(app_id, segment_id, version=None)``, ``import_jobs(app_id)``, ``finish_import_jobs()``, and
``calls`` / ``call_count(operation)`` from ``ServiceEmulator``.

Import semantics (as documented for Pinpoint imports):
- ``S3Url`` names one object or a folder; for a folder every object under it whose extension matches the job's
  ``Format`` (``.csv``/``.json``) is read. Each object is one *piece*.
- CSV: a header of endpoint attribute paths (``Id``, ``ChannelType``, ``Address``, ``User.UserId``,
  ``User.UserAttributes.<name>``, ``Attributes.<name>``, ``Demographic.<field>``, ``Location.<field>``,
  ``Metrics.<name>``, ``OptOut``, ``EndpointStatus``, ``EffectiveDate``). JSON: one endpoint object per line.
- A row without ``Id`` is a new endpoint with a generated id (26 lowercase alphanumerics, like Pinpoint's) and
  needs ``ChannelType`` and ``Address``. A row with only ``Id`` (a segment file) must name an existing endpoint.
- A row that cannot be accepted (unknown endpoint, malformed address, bad value) is a failure: the job counts it
  in ``TotalFailures``, lists it in ``Failures`` (first 100) and counts its piece in ``FailedPieces``; the other
  rows are imported. A job that imports nothing (no files, unreadable files, every row failed) is ``FAILED``.
"""

from __future__ import annotations

import base64
import copy
import csv
import io
import json
import os
import pickle
import re
import string
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import botocore.session
from botocore.validate import ParamValidator

from contextual_targeting.local.emulation import ServiceEmulator, ServiceError

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"
MAX_ENDPOINTS_PER_USER = 15  # Pinpoint quota: endpoints per user id
MAX_BATCH_ITEMS = 100  # UpdateEndpointsBatch limit
MAX_LISTED_FAILURES = 100  # ImportJobResponse.Failures holds the first 100
DEFAULT_PAGE_SIZE = 100
MAX_ATTRIBUTE_NAME = 50  # Pinpoint limits on custom attributes
MAX_ATTRIBUTE_VALUE = 100
_MODEL = botocore.session.get_session().get_service_model("pinpoint")
CHANNEL_TYPES = frozenset(_MODEL.shape_for("ChannelType").enum)  # type: ignore[attr-defined]
_ENDPOINT_ITEM_SHAPE = _MODEL.shape_for("EndpointBatchItem")
_ID_ALPHABET = string.ascii_lowercase + string.digits
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_S3_URL = re.compile(r"^s3://([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])/(.*)$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")
_SIMPLE_FIELDS = ("Address", "ChannelType", "EffectiveDate", "EndpointStatus", "OptOut", "RequestId", "CohortId")
_STRUCT_FIELDS = {"Demographic", "Location"}
_NUMERIC_LOCATION = {"Latitude", "Longitude"}


# 252 byte values onto the 36 characters (7 each); 252-255 are dropped, so every character is equally likely
_ID_TABLE = bytes(ord(_ID_ALPHABET[b % 36]) for b in range(256))
_ID_DROP = bytes(range(252, 256))


def generate_endpoint_id() -> str:
    """A Pinpoint-style generated endpoint id: 26 random lowercase letters and digits.

    One ``os.urandom`` call and a ``bytes.translate`` per id instead of 26 ``secrets.choice`` calls (those were
    6 % of a 200,000-endpoint import's time)."""
    while True:
        raw = os.urandom(32).translate(_ID_TABLE, _ID_DROP)
        if len(raw) >= 26:
            return raw[:26].decode("ascii")


def _not_found() -> ServiceError:
    return ServiceError("NotFoundException", "Resource not found", 404)


def _bad_request(message: str) -> ServiceError:
    return ServiceError("BadRequestException", message, 400)


@dataclass
class _Segment:
    id: str
    name: str
    creation_date: str
    versions: list[dict[str, Any]] = field(default_factory=list)  # SegmentResponse per version
    members: list[frozenset[str]] = field(default_factory=list)  # endpoint ids per version


@dataclass
class _ImportJob:
    response: dict[str, Any]
    polls: int = 0
    segment_id: str | None = None
    # progress of the import while it runs (``import_progress``): pieces read, rows processed, when it started
    pieces_done: int = 0
    pieces_total: int = 0
    rows_done: int = 0
    started: float | None = None


class _EndpointStore(MutableMapping[str, dict[str, Any]]):
    """Endpoint id -> endpoint, each kept pickled (~430 bytes instead of ~1,850 for the dict with its nested
    dicts, lists and strings: 1.4 GB less for a million endpoints). Every read unpickles a fresh copy, so no
    caller can change a stored endpoint in place; insertion order is kept (a replaced endpoint keeps its place)."""

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def __getitem__(self, endpoint_id: str) -> dict[str, Any]:
        return pickle.loads(self._data[endpoint_id])  # type: ignore[no-any-return]

    def __setitem__(self, endpoint_id: str, endpoint: dict[str, Any]) -> None:
        self._data[endpoint_id] = pickle.dumps(endpoint, protocol=pickle.HIGHEST_PROTOCOL)

    def __delitem__(self, endpoint_id: str) -> None:
        del self._data[endpoint_id]

    def __contains__(self, endpoint_id: object) -> bool:
        return endpoint_id in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def raw(self, endpoint_id: str) -> bytes | None:
        """The stored form (for undoing a change: ``restore``)."""
        return self._data.get(endpoint_id)

    def restore(self, endpoint_id: str, raw: bytes | None) -> None:
        if raw is None:
            self._data.pop(endpoint_id, None)
        else:
            self._data[endpoint_id] = raw


@dataclass
class _App:
    id: str
    name: str
    arn: str
    creation_date: str
    tags: dict[str, str] = field(default_factory=dict)
    endpoints: _EndpointStore = field(default_factory=_EndpointStore)
    segments: dict[str, _Segment] = field(default_factory=dict)
    jobs: dict[str, _ImportJob] = field(default_factory=dict)
    # user id -> its endpoint ids in insertion order: GetUserEndpoints and the 15-per-user quota without a scan
    # of every endpoint (which made a 200,000-endpoint import quadratic); a tuple (48 bytes for one id) rather
    # than a dict per user (232 bytes), since a user has at most 15 endpoints
    by_user: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def store(self, endpoint: dict[str, Any]) -> None:
        """Create or replace an endpoint (a replaced one keeps its place), keeping ``by_user`` in step."""
        endpoint_id = endpoint["Id"]
        old = self.endpoints.get(endpoint_id)
        old_user = (old.get("User") or {}).get("UserId") if old else None
        user_id = (endpoint.get("User") or {}).get("UserId")
        if old_user is not None and old_user != user_id:
            self._unindex(old_user, endpoint_id)
        self.endpoints[endpoint_id] = endpoint
        if user_id is not None:
            ids = self.by_user.get(user_id, ())
            if endpoint_id not in ids:
                self.by_user[user_id] = (*ids, endpoint_id)

    def remove(self, endpoint_id: str) -> None:
        old = self.endpoints.pop(endpoint_id, None)
        user_id = (old.get("User") or {}).get("UserId") if old else None
        if user_id is not None:
            self._unindex(user_id, endpoint_id)

    def _unindex(self, user_id: str, endpoint_id: str) -> None:
        ids = tuple(i for i in self.by_user.get(user_id, ()) if i != endpoint_id)
        if ids:
            self.by_user[user_id] = ids
        else:
            self.by_user.pop(user_id, None)


class RowError(ValueError):
    """A row of an import file that Pinpoint would not accept."""


class PinpointEmulator(ServiceEmulator):
    service_name = "pinpoint"
    validation_error_code = "BadRequestException"

    def __init__(
        self,
        app_ids: Iterable[str] = (),
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        polls_per_status: int = 1,
        s3_client: Any = None,
    ) -> None:
        super().__init__()
        self.region = region
        self.account_id = account_id
        self.polls_per_status = max(1, polls_per_status)
        self._s3 = s3_client
        self.apps: dict[str, _App] = {}
        self._throttles: dict[str, int] = defaultdict(int)
        for app_id in app_ids:
            self.create_app(app_id=app_id)

    # ------------------------------------------------------------------ helpers for tests and the local runtime
    def create_app(self, name: str = "local", app_id: str | None = None, tags: dict[str, str] | None = None) -> str:
        """Register an app (a given id is accepted as is, e.g. one Terraform would know); returns its id."""
        with self.lock:
            app_id = app_id or uuid.uuid4().hex
            if app_id not in self.apps:
                self.apps[app_id] = _App(
                    id=app_id,
                    name=name,
                    arn=f"arn:aws:mobiletargeting:{self.region}:{self.account_id}:apps/{app_id}",
                    creation_date=self._timestamp(),
                    tags=dict(tags or {}),
                )
            return app_id

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
            job = _ImportJob(
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

    # ------------------------------------------------------------------ dispatch
    def handle(self, operation: Any, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self._throttles.get(operation.name, 0) > 0:
                self._throttles[operation.name] -= 1
                self.calls.append((operation.name, params))
                raise ServiceError("TooManyRequestsException", "Too many requests", 429)
        return copy.deepcopy(super().handle(operation, params))  # callers never share the emulator's state

    # ------------------------------------------------------------------ apps
    def op_CreateApp(self, params: dict[str, Any]) -> dict[str, Any]:
        request = params["CreateApplicationRequest"]
        app_id = self.create_app(name=request["Name"], tags=request.get("tags"))
        return {"ApplicationResponse": self._app_response(self.apps[app_id])}

    def op_GetApp(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ApplicationResponse": self._app_response(self._app(params["ApplicationId"]))}

    def op_GetApps(self, params: dict[str, Any]) -> dict[str, Any]:
        items, token = self._page([self._app_response(a) for a in self.apps.values()], params)
        return {"ApplicationsResponse": {"Item": items, **token}}

    # ------------------------------------------------------------------ endpoints
    def op_GetEndpoint(self, params: dict[str, Any]) -> dict[str, Any]:
        endpoint = self._app(params["ApplicationId"]).endpoints.get(params["EndpointId"])
        if endpoint is None:
            raise _not_found()
        return {"EndpointResponse": dict(endpoint)}

    def op_GetUserEndpoints(self, params: dict[str, Any]) -> dict[str, Any]:
        found = self._user_endpoints(self._app(params["ApplicationId"]), params["UserId"])
        if not found:
            raise _not_found()
        return {"EndpointsResponse": {"Item": [dict(e) for e in found]}}

    def op_UpdateEndpoint(self, params: dict[str, Any]) -> dict[str, Any]:
        app = self._app(params["ApplicationId"])
        try:
            self._upsert_endpoint(app, params["EndpointId"], params["EndpointRequest"])
        except RowError as error:
            raise _bad_request(str(error)) from None
        return {"MessageBody": {"Message": "Accepted", "RequestID": str(uuid.uuid4())}}

    def op_UpdateEndpointsBatch(self, params: dict[str, Any]) -> dict[str, Any]:
        app = self._app(params["ApplicationId"])
        items = params["EndpointBatchRequest"]["Item"]
        if len(items) > MAX_BATCH_ITEMS:
            raise _bad_request(f"Batch size exceeds the maximum of {MAX_BATCH_ITEMS} endpoints")
        merged: dict[str, dict[str, Any]] = {}
        for index, item in enumerate(items):  # check every item first: the batch is accepted or rejected whole
            if not item.get("Id"):
                raise _bad_request(f"Item[{index}]: Id is required")
            body = {k: v for k, v in item.items() if k != "Id"}
            try:
                merged[item["Id"]] = self._merged_endpoint(app, item["Id"], body)
            except RowError as error:
                raise _bad_request(f"Item[{index}]: {error}") from None
        for endpoint in merged.values():
            app.store(endpoint)
        return {"MessageBody": {"Message": "Accepted", "RequestID": str(uuid.uuid4())}}

    # ------------------------------------------------------------------ import jobs
    def op_CreateImportJob(self, params: dict[str, Any]) -> dict[str, Any]:
        app = self._app(params["ApplicationId"])
        request = dict(params["ImportJobRequest"])
        if not _S3_URL.match(request["S3Url"]):
            raise _bad_request(f"Invalid S3Url: {request['S3Url']}")
        if not _ROLE_ARN.match(request["RoleArn"]):
            raise _bad_request(f"Invalid RoleArn: {request['RoleArn']}")
        segment_id = request.get("SegmentId")
        if segment_id:
            if segment_id not in app.segments:
                raise _not_found()
        elif request.get("DefineSegment"):
            segment_id = uuid.uuid4().hex
        definition = {k: v for k, v in request.items() if v is not None}
        definition.setdefault("ExternalId", uuid.uuid4().hex[:8])
        if segment_id:
            definition["SegmentId"] = segment_id
        job_id = uuid.uuid4().hex
        response = {
            "ApplicationId": app.id,
            "CreationDate": self._timestamp(),
            "Definition": definition,
            "Id": job_id,
            "JobStatus": "CREATED",
            "Type": "IMPORT",
            "CompletedPieces": 0,
            "FailedPieces": 0,
            "TotalFailures": 0,
            "TotalPieces": 0,
            "TotalProcessed": 0,
        }
        app.jobs[job_id] = _ImportJob(response=response, segment_id=segment_id)
        return {"ImportJobResponse": response}

    def op_GetImportJob(self, params: dict[str, Any]) -> dict[str, Any]:
        app = self._app(params["ApplicationId"])
        job = app.jobs.get(params["JobId"])
        if job is None:
            raise _not_found()
        status = job.response["JobStatus"]
        if status not in ("COMPLETED", "FAILED"):
            job.polls += 1
            if job.polls >= self.polls_per_status:
                job.polls = 0
                if status == "CREATED":
                    job.response["JobStatus"] = "PROCESSING"
                else:
                    self._run_import(app, job)
        return {"ImportJobResponse": job.response}

    def op_GetImportJobs(self, params: dict[str, Any]) -> dict[str, Any]:
        jobs = sorted(self._app(params["ApplicationId"]).jobs.values(), key=lambda j: j.response["CreationDate"])
        items, token = self._page([j.response for j in reversed(jobs)], params)
        return {"ImportJobsResponse": {"Item": items, **token}}

    # ------------------------------------------------------------------ segments
    def op_GetSegments(self, params: dict[str, Any]) -> dict[str, Any]:
        items, token = self._page(self.segments(params["ApplicationId"]), params)
        return {"SegmentsResponse": {"Item": items, **token}}

    def op_GetSegment(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"SegmentResponse": self._segment(params).versions[-1]}

    def op_GetSegmentVersions(self, params: dict[str, Any]) -> dict[str, Any]:
        items, token = self._page(list(reversed(self._segment(params).versions)), params)
        return {"SegmentsResponse": {"Item": items, **token}}

    def op_GetSegmentVersion(self, params: dict[str, Any]) -> dict[str, Any]:
        segment = self._segment(params)
        try:
            version = int(params["Version"])
        except ValueError:
            raise _bad_request(f"Invalid version: {params['Version']}") from None
        if not 1 <= version <= len(segment.versions):
            raise _not_found()
        return {"SegmentResponse": segment.versions[version - 1]}

    # ------------------------------------------------------------------ internals
    _last_stamp: tuple[int, str] = (-1, "")

    @classmethod
    def _timestamp(cls) -> str:
        # formatted once per millisecond: an import of many endpoints in the same millisecond shares the string
        millis = time.time_ns() // 1_000_000
        if cls._last_stamp[0] != millis:
            cls._last_stamp = (millis, ServiceEmulator.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
        return cls._last_stamp[1]

    def _app(self, app_id: str) -> _App:
        app = self.apps.get(app_id)
        if app is None:
            raise _not_found()
        return app

    def _segment(self, params: dict[str, Any]) -> _Segment:
        segment = self._app(params["ApplicationId"]).segments.get(params["SegmentId"])
        if segment is None:
            raise _not_found()
        return segment

    @staticmethod
    def _app_response(app: _App) -> dict[str, Any]:
        return {
            "Arn": app.arn,
            "Id": app.id,
            "Name": app.name,
            "tags": dict(app.tags),
            "CreationDate": app.creation_date,
        }

    @staticmethod
    def _user_endpoints(app: _App, user_id: str) -> list[dict[str, Any]]:
        return [app.endpoints[i] for i in app.by_user.get(user_id, ())]

    @staticmethod
    def _page(items: list[dict[str, Any]], params: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        try:
            size = int(params.get("PageSize") or DEFAULT_PAGE_SIZE)
            start = int(base64.urlsafe_b64decode(params["Token"]).decode()) if params.get("Token") else 0
        except ValueError:
            raise _bad_request("Invalid PageSize or Token") from None
        if size < 1 or start < 0:
            raise _bad_request("Invalid PageSize or Token")
        end = start + size
        token = {"NextToken": base64.urlsafe_b64encode(str(end).encode()).decode()} if end < len(items) else {}
        return items[start:end], token

    @staticmethod
    def _check_endpoint_values(item: dict[str, Any]) -> None:
        channel = item.get("ChannelType")
        if channel is not None and channel not in CHANNEL_TYPES:
            raise RowError(f"Invalid ChannelType: {channel}")
        if channel == "EMAIL" and item.get("Address") is not None and not _EMAIL.match(item["Address"]):
            raise RowError(f"Invalid email address: {item['Address']}")
        if item.get("OptOut") not in (None, "ALL", "NONE"):
            raise RowError(f"Invalid OptOut value: {item['OptOut']}")
        if item.get("EndpointStatus") not in (None, "ACTIVE", "INACTIVE"):
            raise RowError(f"Invalid EndpointStatus value: {item['EndpointStatus']}")
        attribute_maps = [item.get("Attributes") or {}, (item.get("User") or {}).get("UserAttributes") or {}]
        for attributes in attribute_maps:
            for name, values in attributes.items():
                if len(name) > MAX_ATTRIBUTE_NAME:
                    raise RowError(f"Attribute name exceeds {MAX_ATTRIBUTE_NAME} characters: {name[:60]}")
                if any(len(value) > MAX_ATTRIBUTE_VALUE for value in values):
                    raise RowError(f"A value of attribute {name} exceeds {MAX_ATTRIBUTE_VALUE} characters")

    def _upsert_endpoint(self, app: _App, endpoint_id: str, request: dict[str, Any]) -> dict[str, Any]:
        endpoint = self._merged_endpoint(app, endpoint_id, request)
        app.store(endpoint)
        return dict(endpoint)

    def _merged_endpoint(
        self, app: _App, endpoint_id: str, request: dict[str, Any], request_id: str | None = None
    ) -> dict[str, Any]:
        """The endpoint after applying ``request`` to it (or a new one), checked; nothing is stored."""
        existing = app.endpoints.get(endpoint_id)
        now = self._timestamp()
        endpoint: dict[str, Any] = (
            dict(existing)
            if existing
            else {
                "ApplicationId": app.id,
                "Id": endpoint_id,
                "CreationDate": now,
                "EndpointStatus": "ACTIVE",
                "OptOut": "NONE",
                "Attributes": {},
                "Metrics": {},
                "Demographic": {},
                "Location": {},
                "User": {},
            }
        )
        for key in _SIMPLE_FIELDS:
            if request.get(key) is not None:
                endpoint[key] = request[key]
        for key in ("Attributes", "Metrics", "Demographic", "Location"):
            if request.get(key):
                endpoint[key] = {**endpoint.get(key, {}), **request[key]}
        if request.get("User"):
            user = dict(endpoint.get("User") or {})
            if request["User"].get("UserId") is not None:
                user["UserId"] = request["User"]["UserId"]
            if request["User"].get("UserAttributes"):
                user["UserAttributes"] = {**user.get("UserAttributes", {}), **request["User"]["UserAttributes"]}
            endpoint["User"] = user
        self._check_endpoint_values(endpoint)
        user_id = (endpoint.get("User") or {}).get("UserId")
        previous_user_id = (existing.get("User") or {}).get("UserId") if existing else None
        others = [e for e in self._user_endpoints(app, user_id) if e["Id"] != endpoint_id] if user_id else []
        if (existing is None or user_id != previous_user_id) and len(others) >= MAX_ENDPOINTS_PER_USER:
            raise RowError(f"Exceeded maximum endpoint per user count {MAX_ENDPOINTS_PER_USER}")
        endpoint["EffectiveDate"] = request.get("EffectiveDate") or now
        endpoint["RequestId"] = request_id or str(uuid.uuid4())
        return endpoint

    # ------------------------------------------------------------------ the import itself
    def _s3_client(self) -> Any:
        if self._s3 is None:
            import boto3

            self._s3 = boto3.client("s3", region_name=self.region)
        return self._s3

    def _objects(self, s3_url: str, file_format: str) -> list[tuple[str, str]]:
        match = _S3_URL.match(s3_url)
        assert match is not None  # checked at CreateImportJob
        bucket, key = match.group(1), match.group(2)
        s3 = self._s3_client()
        if key and not key.endswith("/"):
            try:
                s3.head_object(Bucket=bucket, Key=key)
                return [(bucket, key)]
            except s3.exceptions.ClientError:
                key += "/"
        suffix = "." + file_format.lower()
        keys: list[tuple[str, str]] = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
            keys += [(bucket, o["Key"]) for o in page.get("Contents", []) if o["Key"].lower().endswith(suffix)]
        return sorted(keys)

    def _run_import(self, app: _App, job: _ImportJob) -> None:
        response = job.response
        definition = response["Definition"]
        failures: list[str] = []
        total_failures = 0
        processed = 0
        failed_pieces = 0
        imported: list[str] = []
        channel_counts: dict[str, int] = defaultdict(int)
        try:
            objects = self._objects(definition["S3Url"], definition["Format"])
        except Exception as error:  # any S3 error fails the job, as Pinpoint reports it
            objects = []
            failures.append(f"Unable to access {definition['S3Url']}: {error}")
        if not objects and not failures:
            failures.append(f"No {definition['Format']} files found at {definition['S3Url']}")
        job.pieces_total, job.started = len(objects), time.monotonic()
        request_id = str(uuid.uuid4())  # the import is one request: every endpoint it writes carries its id
        for bucket, key in objects:
            # rows are read and imported one at a time (a piece's rows are never all held: ~0.6 KB each); a piece
            # that turns out unreadable part way fails as a whole, as before: what it changed is undone
            undo: list[tuple[str, bytes | None]] = []
            piece_ids: list[str] = []
            piece_counts: dict[str, int] = defaultdict(int)
            piece_processed = piece_failures = 0
            piece_messages: list[str] = []
            piece_failed = False
            rows = self._read_rows(bucket, key, definition["Format"])
            while True:
                try:
                    line, row = next(rows)
                except StopIteration:
                    break
                except Exception as error:  # an unreadable piece fails as a whole
                    for endpoint_id, raw in reversed(undo):
                        self._restore_endpoint(app, endpoint_id, raw)
                    piece_ids, piece_counts, piece_processed, piece_failures = [], defaultdict(int), 0, 1
                    piece_messages = [f"s3://{bucket}/{key}: {error}"]
                    piece_failed = True
                    break
                piece_processed += 1
                job.rows_done = processed + piece_processed
                try:
                    if isinstance(row, RowError):
                        raise row
                    endpoint_id = row.get("Id") or ""
                    before = app.endpoints.raw(endpoint_id) if endpoint_id else None
                    endpoint = self._import_row(app, row, request_id)
                except RowError as error:
                    piece_failed = True
                    piece_failures += 1
                    if len(failures) + len(piece_messages) < MAX_LISTED_FAILURES:
                        piece_messages.append(f"s3://{bucket}/{key} line {line}: {error}")
                    continue
                undo.append((endpoint["Id"], before))
                piece_ids.append(endpoint["Id"])
                piece_counts[endpoint.get("ChannelType", "UNKNOWN")] += 1
            processed += piece_processed
            job.rows_done = processed
            total_failures += piece_failures
            failures += piece_messages
            imported += piece_ids
            for channel, count in piece_counts.items():
                channel_counts[channel] += count
            failed_pieces += piece_failed
            job.pieces_done += 1
        succeeded = bool(imported)
        response.update(
            {
                "JobStatus": "COMPLETED" if succeeded else "FAILED",
                "CompletionDate": self._timestamp(),
                "TotalPieces": len(objects),
                "CompletedPieces": len(objects) - failed_pieces,
                "FailedPieces": failed_pieces,
                "TotalFailures": total_failures or (0 if succeeded else 1),
                "TotalProcessed": processed,
                "Failures": failures[:MAX_LISTED_FAILURES],
            }
        )
        if succeeded and job.segment_id:
            self._define_segment(app, job, list(dict.fromkeys(imported)), dict(channel_counts))

    def _define_segment(self, app: _App, job: _ImportJob, members: list[str], channel_counts: dict[str, int]) -> None:
        definition = job.response["Definition"]
        assert job.segment_id is not None
        segment = app.segments.get(job.segment_id)
        now = self._timestamp()
        if segment is None:
            name = definition.get("SegmentName") or definition["S3Url"].rstrip("/").rsplit("/", 1)[-1]
            segment = _Segment(id=job.segment_id, name=name, creation_date=now)
            app.segments[segment.id] = segment
        elif definition.get("SegmentName"):
            segment.name = definition["SegmentName"]
        segment.members.append(frozenset(members))
        segment.versions.append(
            {
                "ApplicationId": app.id,
                "Arn": f"{app.arn}/segments/{segment.id}",
                "CreationDate": segment.creation_date,
                "LastModifiedDate": now,
                "Id": segment.id,
                "Name": segment.name,
                "SegmentType": "IMPORT",
                "Version": len(segment.versions) + 1,
                "ImportDefinition": {
                    "ChannelCounts": channel_counts,
                    "ExternalId": definition["ExternalId"],
                    "Format": definition["Format"],
                    "RoleArn": definition["RoleArn"],
                    "S3Url": definition["S3Url"],
                    "Size": len(members),
                },
            }
        )

    def _read_rows(self, bucket: str, key: str, file_format: str) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
        body = self._s3_client().get_object(Bucket=bucket, Key=key)["Body"]
        text = io.TextIOWrapper(body, encoding="utf-8-sig", newline="")
        if file_format == "CSV":
            reader = csv.reader(text)
            header = next(reader, None)
            if not header:
                raise ValueError("empty file: a header row is required")
            header = [h.strip() for h in header]
            unknown = [h for h in header if not _known_column(h)]
            if unknown:
                raise ValueError(f"unrecognized columns: {', '.join(unknown)}")
            plan = _csv_plan(header)
            for line, values in enumerate(reader, start=2):
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    yield line, RowError(f"expected {len(header)} values, found {len(values)}")
                    continue
                try:
                    yield line, _row_from_csv(header, values, plan)
                except RowError as error:
                    yield line, error
        else:
            validator = ParamValidator()
            for line, raw in enumerate(text, start=1):
                if not raw.strip():
                    continue
                try:
                    row = json.loads(raw)
                except json.JSONDecodeError as error:
                    yield line, RowError(f"malformed JSON: {error.msg}")
                    continue
                if not isinstance(row, dict):
                    yield line, RowError("an endpoint definition must be a JSON object")
                    continue
                report = validator.validate(row, _ENDPOINT_ITEM_SHAPE)
                if report.has_errors():
                    yield line, RowError(report.generate_report().replace("\n", " "))
                    continue
                yield line, row

    @staticmethod
    def _restore_endpoint(app: _App, endpoint_id: str, raw: bytes | None) -> None:
        """Put an endpoint back as it was before an import changed it (``raw``: its stored form, None: absent);
        a restored endpoint keeps its place."""
        current = app.endpoints.get(endpoint_id)
        user_id = (current.get("User") or {}).get("UserId") if current else None
        if user_id is not None:
            app._unindex(user_id, endpoint_id)
        app.endpoints.restore(endpoint_id, raw)
        old_user = (pickle.loads(raw).get("User") or {}).get("UserId") if raw is not None else None
        if old_user is not None and endpoint_id not in app.by_user.get(old_user, ()):
            app.by_user[old_user] = (*app.by_user.get(old_user, ()), endpoint_id)

    def _import_row(self, app: _App, row: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
        endpoint_id = row.get("Id")
        body = {k: v for k, v in row.items() if k != "Id" and v not in (None, "", {}, [])}
        if endpoint_id:
            if endpoint_id not in app.endpoints and not (body.get("ChannelType") and body.get("Address")):
                raise RowError(f"Endpoint {endpoint_id} not found")
        else:
            if not body.get("ChannelType") or not body.get("Address"):
                raise RowError("ChannelType and Address are required for a new endpoint")
            endpoint_id = generate_endpoint_id()
        endpoint = self._merged_endpoint(app, endpoint_id, body, request_id)
        app.store(endpoint)
        return endpoint


def _known_column(column: str) -> bool:
    head, _, rest = column.partition(".")
    if not rest:
        return column in ("Id", *_SIMPLE_FIELDS)
    if head == "User":
        return rest == "UserId" or (rest.startswith("UserAttributes.") and len(rest) > len("UserAttributes."))
    return head in ("Attributes", "Metrics", *_STRUCT_FIELDS)


def _csv_plan(header: list[str]) -> list[tuple[str, str, str]]:
    """Per column of a CSV import file: (where the value goes, its name there, the column) — worked out once per
    file instead of once per value."""
    plan = []
    for column in header:
        head, _, rest = column.partition(".")
        if not rest:
            plan.append(("top", head, column))
        elif head == "User":
            plan.append(("user_id", "", column) if rest == "UserId" else ("user_attr", rest.partition(".")[2], column))
        elif head == "Attributes":
            plan.append(("attr", rest, column))
        elif head == "Metrics":
            plan.append(("metric", rest, column))
        elif head == "Location" and rest in _NUMERIC_LOCATION:
            plan.append(("location_number", rest, column))
        else:
            plan.append((head, rest, column))  # Demographic.<field>, Location.<field>: a nested string
    return plan


def _row_from_csv(
    header: list[str], values: list[str], plan: list[tuple[str, str, str]] | None = None
) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for (kind, name, column), raw in zip(plan or _csv_plan(header), values, strict=True):
        value = raw.strip()
        if value == "":
            continue
        if kind == "top":
            row[name] = value
        elif kind == "user_id":
            row.setdefault("User", {})["UserId"] = value
        elif kind == "user_attr":
            row.setdefault("User", {}).setdefault("UserAttributes", {})[name] = [value]
        elif kind == "attr":
            row.setdefault("Attributes", {})[name] = [value]
        elif kind == "metric":
            try:
                row.setdefault("Metrics", {})[name] = float(value)
            except ValueError:
                raise RowError(f"{column} must be a number: {value}") from None
        elif kind == "location_number":
            try:
                row.setdefault("Location", {})[name] = float(value)
            except ValueError:
                raise RowError(f"{column} must be a number: {value}") from None
        else:
            row.setdefault(kind, {})[name] = value
    return row
