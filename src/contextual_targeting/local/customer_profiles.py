"""Amazon Connect Customer Profiles emulator: domains, profile upload jobs and segment definitions.

Serves ``CreateDomain``, ``GetDomain``, ``CreateUploadJob``, ``GetUploadJobPath``, ``StartUploadJob``,
``GetUploadJob``, ``StopUploadJob``, ``ListUploadJobs``, ``CreateSegmentDefinition``, ``GetSegmentDefinition``,
``DeleteSegmentDefinition``, ``ListSegmentDefinitions``, ``GetSegmentMembership``, ``CreateSegmentEstimate`` and
``GetSegmentEstimate`` through ``emulation.emulate(CustomerProfilesEmulator())``. Every request is validated against
botocore's ``customer-profiles`` model first (a malformed request from Step Functions answers
``BadRequestException``, as the service does). What the emulator enforces, from the API reference
(https://docs.aws.amazon.com/customerprofiles/latest/APIReference/API_CreateUploadJob.html and the pages of the
other operations) and "Create segments from imported files in Amazon Connect"
(https://docs.aws.amazon.com/connect/latest/adminguide/customer-segments-imported-files.html):

- a missing domain, upload job or segment definition is ``ResourceNotFoundException`` (404);
- **upload jobs**: ``CreateUploadJob`` (``Fields``: CSV column → ``{Source, Target, ContentType}``, ``UniqueKey``: a
  column of ``Fields``, ``DataExpiry`` days, default 14) → ``CREATED``; ``GetUploadJobPath`` answers a pre-signed URL
  and a ``ClientToken`` (the plaintext data key): the file must be PUT there with the three
  ``x-amz-server-side-encryption-customer-*`` headers (key = token, MD5 of the key, ``AES256``), as the API documents.
  The URL is served by a small HTTP server on 127.0.0.1 so the real upload code path (an HTTP PUT) is exercised.
  ``StartUploadJob`` without an uploaded file is ``BadRequestException``; it moves the job to ``IN_PROGRESS``; the
  next ``GetUploadJob`` processes the file: over 1 GB, not UTF-8, no header row, or a ``Fields`` column missing from
  the header → ``FAILED`` (``VALIDATION_FAILURE``); rows with an empty unique key or a value the content type rejects
  (``EMAIL_ADDRESS``, ``PHONE_NUMBER``) count as ``FailedRecords`` (→ ``PARTIALLY_SUCCEEDED``); every other row
  creates or updates the profile whose unique-key target holds that value (``CreatedRecords``/``UpdatedRecords``).
  An empty cell leaves the profile's field as it was (the documentation does not say; assumed).
- **expiry**: a profile written by an upload job expires ``DataExpiry`` days after its last write; expired profiles
  are gone from every answer (``advance_clock`` moves the emulator's clock).
- **segment definitions**: names unique per domain (``BadRequestException`` when taken); ``SegmentGroups`` are
  evaluated on the profiles: groups combined by ``Include`` (ALL/ANY), each group's dimensions by ``Type``
  (ALL/ANY/NONE), ``SourceSegments`` by ``SourceType``; string dimensions (``INCLUSIVE``, ``EXCLUSIVE``,
  ``CONTAINS``, ``BEGINS_WITH``, ``ENDS_WITH``) on standard fields and ``Attributes``. Other dimension types and
  ``SegmentSqlQuery`` are refused with ``BadRequestException`` naming the emulator's limit (it never pretends).
- ``GetSegmentMembership`` (1-100 profile ids) answers ``PRESENT``/``ABSENT`` per profile from the current profiles,
  unknown ids under ``Failures`` (status 404); ``CreateSegmentEstimate`` + ``GetSegmentEstimate`` count the profiles
  the query selects.

Failure injection and inspection for tests and the local runtime: ``fail_next_upload_jobs(n)``, ``profiles()``,
``profile_ids_by(target)``, ``members(definition)``, ``segment_definitions()``, ``upload_jobs()``, ``close()``.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import http.server
import io
import re
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contextual_targeting.local.emulation import ServiceEmulator, ServiceError

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_DATA_EXPIRY_DAYS = 14
MAX_UPLOAD_BYTES = 1 << 30
URL_VALID_SECONDS = 3600
STRING_DIMENSIONS = ("INCLUSIVE", "EXCLUSIVE", "CONTAINS", "BEGINS_WITH", "ENDS_WITH")
STANDARD_FIELDS = (
    "AccountNumber",
    "AdditionalInformation",
    "FirstName",
    "MiddleName",
    "LastName",
    "BusinessName",
    "BirthDate",
    "GenderString",
    "PartyTypeString",
    "PhoneNumber",
    "MobilePhoneNumber",
    "HomePhoneNumber",
    "BusinessPhoneNumber",
    "EmailAddress",
    "PersonalEmailAddress",
    "BusinessEmailAddress",
)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{3,30}$")


def _not_found(message: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", message, 404)


def _bad_request(message: str) -> ServiceError:
    return ServiceError("BadRequestException", message, 400)


@dataclass
class _UploadJob:
    job_id: str
    domain: str
    display_name: str
    fields: dict[str, dict[str, str]]
    unique_key: str
    data_expiry: int
    created: dt.datetime
    status: str = "CREATED"
    status_reason: str | None = None
    completed: dt.datetime | None = None
    token: str | None = None
    file: Path | None = None
    results: dict[str, int] = field(
        default_factory=lambda: {"CreatedRecords": 0, "UpdatedRecords": 0, "FailedRecords": 0}
    )
    fail: bool = False

    def response(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "JobId": self.job_id,
            "DisplayName": self.display_name,
            "Status": self.status,
            "CreatedAt": self.created,
            "Fields": {k: dict(v) for k, v in self.fields.items()},
            "UniqueKey": self.unique_key,
            "DataExpiry": self.data_expiry,
        }
        if self.status_reason:
            out["StatusReason"] = self.status_reason
        if self.completed:
            out["CompletedAt"] = self.completed
            out["ResultsSummary"] = dict(self.results)
        return out


@dataclass
class _Domain:
    name: str
    arn: str
    created: dt.datetime
    expiration_days: int
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)  # profile id → profile (+ "_expires")
    segments: dict[str, dict[str, Any]] = field(default_factory=dict)
    estimates: dict[str, dict[str, Any]] = field(default_factory=dict)


class CustomerProfilesEmulator(ServiceEmulator):
    service_name = "customer-profiles"
    validation_error_code = "BadRequestException"

    def __init__(
        self,
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        domains: tuple[str, ...] = (),
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
    ) -> None:
        super().__init__()
        self.region = region
        self.account_id = account_id
        self.max_upload_bytes = max_upload_bytes
        self.domains: dict[str, _Domain] = {}
        self.jobs: dict[str, _UploadJob] = {}
        self._clock_offset = dt.timedelta()
        self._fail_next = 0
        self._fail_after = 0
        self._server: http.server.ThreadingHTTPServer | None = None
        self._files = tempfile.TemporaryDirectory(prefix="customer-profiles-uploads-")
        for name in domains:
            self._create_domain(name, DEFAULT_DATA_EXPIRY_DAYS)

    def handle(self, operation: Any, params: dict[str, Any]) -> dict[str, Any]:
        # botocore checks required members, types and minimums; the service also enforces maximums and patterns
        problems = _constraint_problems(operation.input_shape, params, "")
        if problems:
            raise _bad_request("; ".join(problems))
        return super().handle(operation, params)

    # ------------------------------------------------------------------ helpers for tests and the local runtime
    def now(self) -> dt.datetime:  # type: ignore[override]
        return dt.datetime.now(dt.UTC) + self._clock_offset

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

    # ------------------------------------------------------------------ domains
    def _create_domain(self, name: str, expiration_days: int) -> _Domain:
        arn = f"arn:aws:profile:{self.region}:{self.account_id}:domains/{name}"
        domain = _Domain(name, arn, self.now(), expiration_days)
        self.domains[name] = domain
        return domain

    def _domain(self, name: str) -> _Domain:
        if name not in self.domains:
            raise _not_found(f"Domain {name} does not exist.")
        return self.domains[name]

    def op_CreateDomain(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["DomainName"]
        if name in self.domains:
            raise _bad_request(f"Domain {name} already exists.")
        domain = self._create_domain(name, params["DefaultExpirationDays"])
        return {
            "DomainName": name,
            "DefaultExpirationDays": domain.expiration_days,
            "CreatedAt": domain.created,
            "LastUpdatedAt": domain.created,
        }

    def op_GetDomain(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain(params["DomainName"])
        return {
            "DomainName": domain.name,
            "DefaultExpirationDays": domain.expiration_days,
            "Stats": {"ProfileCount": len(self._live_profiles(domain))},
            "CreatedAt": domain.created,
            "LastUpdatedAt": domain.created,
        }

    # ------------------------------------------------------------------ upload jobs
    def op_CreateUploadJob(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain(params["DomainName"])
        fields = params["Fields"]
        if not fields:
            raise _bad_request("Fields must map at least one CSV column.")
        for column, spec in fields.items():
            target = spec.get("Target", "")
            if not target.startswith("_profile."):
                raise _bad_request(f"Field {column}: Target must name a standard profile field (_profile.<Field>).")
            _check_target(column, target[len("_profile.") :])
        if params["UniqueKey"] not in fields:
            raise _bad_request(f"UniqueKey {params['UniqueKey']} must be one of the mapped columns.")
        job_id = uuid.uuid4().hex
        job = _UploadJob(
            job_id=job_id,
            domain=domain.name,
            display_name=params["DisplayName"],
            fields={k: dict(v) for k, v in fields.items()},
            unique_key=params["UniqueKey"],
            data_expiry=params.get("DataExpiry", DEFAULT_DATA_EXPIRY_DAYS),
            created=self.now(),
        )
        if self._fail_after:
            self._fail_after -= 1
        elif self._fail_next:
            self._fail_next -= 1
            job.fail = True
        self.jobs[job_id] = job
        return {"JobId": job_id}

    def _job(self, params: dict[str, Any]) -> _UploadJob:
        self._domain(params["DomainName"])
        job = self.jobs.get(params["JobId"])
        if job is None or job.domain != params["DomainName"]:
            raise _not_found(f"Upload job {params['JobId']} does not exist.")
        return job

    def op_GetUploadJobPath(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self._job(params)
        if job.status != "CREATED":
            raise _bad_request(
                f"Upload job {job.job_id} is {job.status}: the file can only be uploaded before it starts."
            )
        job.token = base64.b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode()
        port = self._serve()
        return {
            "Url": f"http://127.0.0.1:{port}/upload/{job.domain}/{job.job_id}?X-Amz-Expires={URL_VALID_SECONDS}",
            "ClientToken": job.token,
            "ValidUntil": self.now() + dt.timedelta(seconds=URL_VALID_SECONDS),
        }

    def op_StartUploadJob(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self._job(params)
        if job.status != "CREATED":
            raise _bad_request(f"Upload job {job.job_id} is {job.status}, not CREATED.")
        if job.file is None:
            raise _bad_request(
                f"No file was uploaded for upload job {job.job_id} (GetUploadJobPath, then PUT the file)."
            )
        job.status = "IN_PROGRESS"
        return {}

    def op_StopUploadJob(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self._job(params)
        if job.status in ("CREATED", "IN_PROGRESS"):
            job.status, job.completed = "STOPPED", self.now()
        return {}

    def op_GetUploadJob(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self._job(params)
        if job.status == "IN_PROGRESS":
            self._process(job)
        return job.response()

    def op_ListUploadJobs(self, params: dict[str, Any]) -> dict[str, Any]:
        self._domain(params["DomainName"])
        items = [
            {
                k: v
                for k, v in j.response().items()
                if k in ("JobId", "DisplayName", "Status", "StatusReason", "CreatedAt", "CompletedAt", "DataExpiry")
            }
            for j in self.jobs.values()
            if j.domain == params["DomainName"]
        ]
        return {"Items": items}

    def _finish(self, job: _UploadJob, status: str, reason: str | None = None) -> None:
        job.status, job.status_reason, job.completed = status, reason, self.now()

    def _process(self, job: _UploadJob) -> None:
        if job.fail:
            return self._finish(job, "FAILED", "INTERNAL_FAILURE")
        assert job.file is not None
        if job.file.stat().st_size > self.max_upload_bytes:
            return self._finish(job, "FAILED", "VALIDATION_FAILURE")
        domain = self._domain(job.domain)
        try:
            rows = self._read_rows(job)
        except (UnicodeDecodeError, csv.Error, ValueError):
            return self._finish(job, "FAILED", "VALIDATION_FAILURE")
        unique_target = job.fields[job.unique_key]["Target"][len("_profile.") :]
        index = {
            _get_target(p, unique_target): pid
            for pid, p in self._live_profiles(domain).items()
            if _get_target(p, unique_target)
        }
        expires = self.now() + dt.timedelta(days=job.data_expiry)
        for row in rows:
            key = row.get(job.unique_key, "")
            if not key or not all(_valid(job.fields[c].get("ContentType"), v) for c, v in row.items() if v):
                job.results["FailedRecords"] += 1
                continue
            profile_id = index.get(key)
            if profile_id is None:
                profile_id = uuid.uuid4().hex
                domain.profiles[profile_id] = {"ProfileId": profile_id}
                index[key] = profile_id
                job.results["CreatedRecords"] += 1
            else:
                job.results["UpdatedRecords"] += 1
            profile = domain.profiles[profile_id]
            for column, value in row.items():
                if value:
                    _set_target(profile, job.fields[column]["Target"][len("_profile.") :], value)
            profile["_expires"] = expires
        self._finish(job, "PARTIALLY_SUCCEEDED" if job.results["FailedRecords"] else "SUCCEEDED")
        return None

    def _read_rows(self, job: _UploadJob) -> list[dict[str, str]]:
        assert job.file is not None
        text = job.file.read_bytes().decode("utf-8")
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if not header:
            raise ValueError("no header row")
        missing = [c for c in job.fields if c not in header]
        if missing:
            raise ValueError(f"columns {missing} are not in the header")
        at = {c: header.index(c) for c in job.fields}
        return [{c: (row[i] if i < len(row) else "") for c, i in at.items()} for row in reader if row]

    # ------------------------------------------------------------------ the pre-signed URL
    def _serve(self) -> int:
        if self._server is None:
            emulator = self

            class Handler(http.server.BaseHTTPRequestHandler):
                def do_PUT(self) -> None:
                    status, message = emulator._receive(self)
                    body = message.encode()
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

                def log_message(self, format: str, *args: Any) -> None:
                    return

            self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            threading.Thread(target=self._server.serve_forever, daemon=True, name="customer-profiles-uploads").start()
        return int(self._server.server_address[1])

    def _receive(self, request: http.server.BaseHTTPRequestHandler) -> tuple[int, str]:
        """An S3-like answer to the PUT on a pre-signed URL: 403 without the SSE-C headers of the job's token."""
        parts = request.path.split("?", 1)[0].strip("/").split("/")
        length = int(request.headers.get("Content-Length") or 0)
        with self.lock:
            job = self.jobs.get(parts[-1]) if len(parts) == 3 and parts[0] == "upload" else None
            if job is None or job.token is None or job.status != "CREATED":
                return 403, "AccessDenied: the pre-signed URL is not valid"
            key = request.headers.get("x-amz-server-side-encryption-customer-key")
            md5 = request.headers.get("x-amz-server-side-encryption-customer-key-MD5")
            algorithm = request.headers.get("x-amz-server-side-encryption-customer-algorithm")
            expected_md5 = base64.b64encode(hashlib.md5(base64.b64decode(job.token)).digest()).decode()
            if algorithm != "AES256" or key != job.token or md5 != expected_md5:
                return 400, "InvalidRequest: the SSE-C headers do not match the upload job's client token"
            path = Path(self._files.name) / f"{job.job_id}.csv"
        with path.open("wb") as out:
            remaining = length
            while remaining > 0:
                chunk = request.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                out.write(chunk)
                remaining -= len(chunk)
        if remaining:
            return 400, "IncompleteBody"
        with self.lock:
            job.file = path
        return 200, ""

    # ------------------------------------------------------------------ segments
    def op_CreateSegmentDefinition(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain(params["DomainName"])
        name = params["SegmentDefinitionName"]
        if name in domain.segments:
            raise _bad_request(f"Segment definition {name} already exists.")
        if "SegmentSqlQuery" in params:
            raise _bad_request("the emulator does not evaluate SegmentSqlQuery; use SegmentGroups")
        if "SegmentGroups" not in params:
            raise _bad_request("SegmentGroups or SegmentSqlQuery is required.")
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
        return {k: v for k, v in definition.items() if k not in ("SegmentGroups", "SegmentType")}

    def op_GetSegmentDefinition(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain(params["DomainName"])
        name = params["SegmentDefinitionName"]
        if name not in domain.segments:
            raise _not_found(f"Segment definition {name} does not exist.")
        return dict(domain.segments[name])

    def op_DeleteSegmentDefinition(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain(params["DomainName"])
        name = params["SegmentDefinitionName"]
        if domain.segments.pop(name, None) is None:
            raise _not_found(f"Segment definition {name} does not exist.")
        return {"Message": f"Segment definition {name} deleted"}

    def op_ListSegmentDefinitions(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain(params["DomainName"])
        items = [
            {
                k: v
                for k, v in s.items()
                if k in ("SegmentDefinitionName", "DisplayName", "Description", "SegmentDefinitionArn", "CreatedAt")
            }
            for s in domain.segments.values()
        ]
        return {"Items": items}

    def op_GetSegmentMembership(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain(params["DomainName"])
        name = params["SegmentDefinitionName"]
        if name not in domain.segments:
            raise _not_found(f"Segment definition {name} does not exist.")
        live = self._live_profiles(domain)
        members = self._evaluate(domain, domain.segments[name]["SegmentGroups"])
        profiles, failures = [], []
        for profile_id in params["ProfileIds"]:
            if profile_id not in live:
                failures.append({"ProfileId": profile_id, "Message": "Profile not found", "Status": 404})
            elif profile_id in members:
                profiles.append(
                    {"ProfileId": profile_id, "QueryResult": "PRESENT", "Profile": self._public(live[profile_id])}
                )
            else:
                profiles.append({"ProfileId": profile_id, "QueryResult": "ABSENT"})
        return {"SegmentDefinitionName": name, "Profiles": profiles, "Failures": failures, "LastComputedAt": self.now()}

    def op_CreateSegmentEstimate(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain(params["DomainName"])
        if "SegmentSqlQuery" in params or "SegmentQuery" not in params:
            raise _bad_request("the emulator estimates SegmentQuery only")
        estimate_id = uuid.uuid4().hex
        domain.estimates[estimate_id] = {"count": len(self._evaluate(domain, params["SegmentQuery"]))}
        return {"DomainName": domain.name, "EstimateId": estimate_id, "StatusCode": 201}

    def op_GetSegmentEstimate(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain(params["DomainName"])
        estimate = domain.estimates.get(params["EstimateId"])
        if estimate is None:
            raise _not_found(f"Estimate {params['EstimateId']} does not exist.")
        return {
            "DomainName": domain.name,
            "EstimateId": params["EstimateId"],
            "Status": "SUCCEEDED",
            "Estimate": f"{estimate['count']} profiles",
            "StatusCode": 200,
        }

    def _evaluate(self, domain: _Domain, groups: dict[str, Any]) -> set[str]:
        live = self._live_profiles(domain)
        sets = [self._group(domain, live, group) for group in groups.get("Groups", [])]
        if not sets:
            return set(live)
        if groups.get("Include", "ALL") == "ANY":
            return set().union(*sets)
        if groups.get("Include") == "NONE":
            return set(live) - set().union(*sets)
        return set.intersection(*sets)

    def _group(self, domain: _Domain, live: dict[str, dict[str, Any]], group: dict[str, Any]) -> set[str]:
        base = set(live)
        sources = [s["SegmentDefinitionName"] for s in group.get("SourceSegments", [])]
        if sources:
            source_sets = []
            for name in sources:
                if name not in domain.segments:
                    raise _not_found(f"Source segment {name} does not exist.")
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

    # ------------------------------------------------------------------ profiles
    def _live_profiles(self, domain: _Domain) -> dict[str, dict[str, Any]]:
        now = self.now()
        for profile_id in [pid for pid, p in domain.profiles.items() if p.get("_expires") and p["_expires"] <= now]:
            del domain.profiles[profile_id]
        return domain.profiles

    @staticmethod
    def _public(profile: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in profile.items() if not k.startswith("_")}
        if "Attributes" in out:
            out["Attributes"] = dict(out["Attributes"])
        return out


def _constraint_problems(shape: Any, value: Any, path: str) -> list[str]:
    """``max`` and ``pattern`` of the model's shapes (botocore's own validation checks ``min`` only)."""
    if shape is None or value is None:
        return []
    problems: list[str] = []
    limits = shape.metadata
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            if isinstance(value, dict) and name in value:
                problems += _constraint_problems(member, value[name], f"{path}.{name}".lstrip("."))
    elif shape.type_name == "list":
        if "max" in limits and len(value) > limits["max"]:
            problems.append(f"{path}: at most {limits['max']} items")
        for index, item in enumerate(value):
            problems += _constraint_problems(shape.member, item, f"{path}[{index}]")
    elif shape.type_name == "map":
        if "max" in limits and len(value) > limits["max"]:
            problems.append(f"{path}: at most {limits['max']} entries")
        for key, item in value.items():
            problems += _constraint_problems(shape.key, key, f"{path} key")
            problems += _constraint_problems(shape.value, item, f"{path}.{key}")
    elif shape.type_name == "string":
        if "max" in limits and len(value) > limits["max"]:
            problems.append(f"{path}: at most {limits['max']} characters")
        if "pattern" in limits and not re.search(limits["pattern"], value):
            problems.append(f"{path}: must match {limits['pattern']}")
        if shape.enum and value not in shape.enum:
            problems.append(f"{path}: must be one of {', '.join(shape.enum)}")
    elif shape.type_name in ("integer", "long") and "max" in limits and value > limits["max"]:
        problems.append(f"{path}: at most {limits['max']}")
    return problems


def _check_target(column: str, target: str) -> None:
    if target.startswith("Attributes."):
        if not 1 <= len(target) - len("Attributes.") <= 255:
            raise _bad_request(f"Field {column}: custom attribute names are 1-255 characters.")
        return
    if target not in STANDARD_FIELDS:
        raise _bad_request(f"Field {column}: {target} is not a standard profile field the emulator knows.")


def _get_target(profile: dict[str, Any], target: str) -> str | None:
    if target.startswith("Attributes."):
        return profile.get("Attributes", {}).get(target[len("Attributes.") :])  # type: ignore[no-any-return]
    return profile.get(target)


def _set_target(profile: dict[str, Any], target: str, value: str) -> None:
    if target.startswith("Attributes."):
        profile.setdefault("Attributes", {})[target[len("Attributes.") :]] = value
    else:
        profile[target] = value


def _valid(content_type: str | None, value: str) -> bool:
    if content_type == "EMAIL_ADDRESS":
        return len(value) <= 255 and bool(_EMAIL.match(value))
    if content_type == "PHONE_NUMBER":
        return bool(_PHONE.match(value))
    return len(value) <= 255


def _conditions(dimension: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    if "CalculatedAttributes" in dimension:
        raise _bad_request("the emulator does not evaluate CalculatedAttributes dimensions")
    found: list[tuple[str, dict[str, Any]]] = []
    for name, condition in dimension.get("ProfileAttributes", {}).items():
        if name == "Attributes":
            found.extend((f"Attributes.{key}", c) for key, c in condition.items())
        elif name in STANDARD_FIELDS:
            found.append((name, condition))
        else:
            raise _bad_request(f"the emulator does not evaluate {name} dimensions")
    for _, condition in found:
        if condition["DimensionType"] not in STRING_DIMENSIONS:
            raise _bad_request(f"the emulator evaluates string dimensions only, not {condition['DimensionType']}")
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
