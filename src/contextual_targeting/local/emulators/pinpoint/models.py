"""Pinpoint state and rules: apps, their endpoints (kept pickled, indexed by user), segments and import jobs; what
an endpoint may hold and the per-user quota."""

from __future__ import annotations

import base64
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

from contextual_targeting.local.emulation import ServiceEmulator
from contextual_targeting.local.emulators.common import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, JobsBackend
from contextual_targeting.local.emulators.pinpoint.exceptions import BadRequestException, NotFoundException

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


@dataclass
class Segment:
    id: str
    name: str
    creation_date: str
    versions: list[dict[str, Any]] = field(default_factory=list)  # SegmentResponse per version
    members: list[frozenset[str]] = field(default_factory=list)  # endpoint ids per version


@dataclass
class ImportJob:
    response: dict[str, Any]
    polls: int = 0
    segment_id: str | None = None
    # progress of the import while it runs (``import_progress``): pieces read, rows processed, when it started
    pieces_done: int = 0
    pieces_total: int = 0
    rows_done: int = 0
    started: float | None = None


class EndpointStore(MutableMapping[str, dict[str, Any]]):
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
class App:
    id: str
    name: str
    arn: str
    creation_date: str
    tags: dict[str, str] = field(default_factory=dict)
    endpoints: EndpointStore = field(default_factory=EndpointStore)
    segments: dict[str, Segment] = field(default_factory=dict)
    jobs: dict[str, ImportJob] = field(default_factory=dict)
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


class PinpointBackend(JobsBackend):
    """The account's apps with their endpoints, segments and import jobs."""

    def __init__(
        self,
        app_ids: Iterable[str] = (),
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        polls_per_status: int = 1,
        s3_client: Any = None,
    ) -> None:
        super().__init__(region=region, account_id=account_id, polls_per_status=polls_per_status, s3_client=s3_client)
        self.apps: dict[str, App] = {}
        self._throttles: dict[str, int] = defaultdict(int)
        for app_id in app_ids:
            self.create_app(app_id=app_id)

    def create_app(self, name: str = "local", app_id: str | None = None, tags: dict[str, str] | None = None) -> str:
        """Register an app (a given id is accepted as is, e.g. one Terraform would know); returns its id."""
        with self.lock:
            app_id = app_id or uuid.uuid4().hex
            if app_id not in self.apps:
                self.apps[app_id] = App(
                    id=app_id,
                    name=name,
                    arn=f"arn:aws:mobiletargeting:{self.region}:{self.account_id}:apps/{app_id}",
                    creation_date=self._timestamp(),
                    tags=dict(tags or {}),
                )
            return app_id

    def create_import_job(self, params: dict[str, Any]) -> dict[str, Any]:
        app = self._app(params["ApplicationId"])
        request = dict(params["ImportJobRequest"])
        if not _S3_URL.match(request["S3Url"]):
            raise BadRequestException(f"Invalid S3Url: {request['S3Url']}")
        if not _ROLE_ARN.match(request["RoleArn"]):
            raise BadRequestException(f"Invalid RoleArn: {request['RoleArn']}")
        segment_id = request.get("SegmentId")
        if segment_id:
            if segment_id not in app.segments:
                raise NotFoundException("Resource not found")
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
        app.jobs[job_id] = ImportJob(response=response, segment_id=segment_id)
        return response

    def update_endpoints_batch(self, app: App, items: list[dict[str, Any]]) -> None:
        if len(items) > MAX_BATCH_ITEMS:
            raise BadRequestException(f"Batch size exceeds the maximum of {MAX_BATCH_ITEMS} endpoints")
        merged: dict[str, dict[str, Any]] = {}
        for index, item in enumerate(items):  # check every item first: the batch is accepted or rejected whole
            if not item.get("Id"):
                raise BadRequestException(f"Item[{index}]: Id is required")
            body = {k: v for k, v in item.items() if k != "Id"}
            try:
                merged[item["Id"]] = self._merged_endpoint(app, item["Id"], body)
            except RowError as error:
                raise BadRequestException(f"Item[{index}]: {error}") from None
        for endpoint in merged.values():
            app.store(endpoint)

    # ------------------------------------------------------------------ internals
    _last_stamp: tuple[int, str] = (-1, "")

    @classmethod
    def _timestamp(cls) -> str:
        # formatted once per millisecond: an import of many endpoints in the same millisecond shares the string
        millis = time.time_ns() // 1_000_000
        if cls._last_stamp[0] != millis:
            cls._last_stamp = (millis, ServiceEmulator.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
        return cls._last_stamp[1]

    def _app(self, app_id: str) -> App:
        app = self.apps.get(app_id)
        if app is None:
            raise NotFoundException("Resource not found")
        return app

    def _segment(self, params: dict[str, Any]) -> Segment:
        segment = self._app(params["ApplicationId"]).segments.get(params["SegmentId"])
        if segment is None:
            raise NotFoundException("Resource not found")
        return segment

    def segment_version(self, params: dict[str, Any]) -> dict[str, Any]:
        """The ``SegmentResponse`` of the version a request names (``Version``: 1 is the first)."""
        segment = self._segment(params)
        try:
            version = int(params["Version"])
        except ValueError:
            raise BadRequestException(f"Invalid version: {params['Version']}") from None
        if not 1 <= version <= len(segment.versions):
            raise NotFoundException("Resource not found")
        return segment.versions[version - 1]

    def import_job(self, params: dict[str, Any]) -> tuple[App, ImportJob]:
        """The app and import job a request names (``ApplicationId``, ``JobId``)."""
        app = self._app(params["ApplicationId"])
        job = app.jobs.get(params["JobId"])
        if job is None:
            raise NotFoundException("Resource not found")
        return app, job

    @staticmethod
    def _app_response(app: App) -> dict[str, Any]:
        return {
            "Arn": app.arn,
            "Id": app.id,
            "Name": app.name,
            "tags": dict(app.tags),
            "CreationDate": app.creation_date,
        }

    @staticmethod
    def _user_endpoints(app: App, user_id: str) -> list[dict[str, Any]]:
        return [app.endpoints[i] for i in app.by_user.get(user_id, ())]

    @staticmethod
    def _page(items: list[dict[str, Any]], params: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        try:
            size = int(params.get("PageSize") or DEFAULT_PAGE_SIZE)
            start = int(base64.urlsafe_b64decode(params["Token"]).decode()) if params.get("Token") else 0
        except ValueError:
            raise BadRequestException("Invalid PageSize or Token") from None
        if size < 1 or start < 0:
            raise BadRequestException("Invalid PageSize or Token")
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

    def _upsert_endpoint(self, app: App, endpoint_id: str, request: dict[str, Any]) -> dict[str, Any]:
        endpoint = self._merged_endpoint(app, endpoint_id, request)
        app.store(endpoint)
        return dict(endpoint)

    def _merged_endpoint(
        self, app: App, endpoint_id: str, request: dict[str, Any], request_id: str | None = None
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
