"""Customer Profiles state and rules: domains, upload jobs, profiles (with their expiry), the model's constraints."""

from __future__ import annotations

import datetime as dt
import http.server
import re
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contextual_targeting.local.emulators.common import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, AccountBackend
from contextual_targeting.local.emulators.customer_profiles.exceptions import (
    BadRequestException,
    ResourceNotFoundException,
)

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


@dataclass
class UploadJob:
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
class Domain:
    name: str
    arn: str
    created: dt.datetime
    expiration_days: int
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)  # profile id → profile (+ "_expires")
    segments: dict[str, dict[str, Any]] = field(default_factory=dict)
    estimates: dict[str, dict[str, Any]] = field(default_factory=dict)


class CustomerProfilesBackend(AccountBackend):
    """The account's domains (with their profiles and segment definitions) and upload jobs."""

    def __init__(
        self,
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        domains: tuple[str, ...] = (),
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
    ) -> None:
        super().__init__(region=region, account_id=account_id)
        self.max_upload_bytes = max_upload_bytes
        self.domains: dict[str, Domain] = {}
        self.jobs: dict[str, UploadJob] = {}
        self._clock_offset = dt.timedelta()
        self._fail_next = 0
        self._fail_after = 0
        self._server: http.server.ThreadingHTTPServer | None = None
        self._files = tempfile.TemporaryDirectory(prefix="customer-profiles-uploads-")
        for name in domains:
            self._create_domain(name, DEFAULT_DATA_EXPIRY_DAYS)

    def now(self) -> dt.datetime:  # type: ignore[override]
        return dt.datetime.now(dt.UTC) + self._clock_offset

    # ------------------------------------------------------------------ domains
    def _create_domain(self, name: str, expiration_days: int) -> Domain:
        arn = f"arn:aws:profile:{self.region}:{self.account_id}:domains/{name}"
        domain = Domain(name, arn, self.now(), expiration_days)
        self.domains[name] = domain
        return domain

    def _domain(self, name: str) -> Domain:
        if name not in self.domains:
            raise ResourceNotFoundException(f"Domain {name} does not exist.")
        return self.domains[name]

    def create_domain(self, params: dict[str, Any]) -> Domain:
        name = params["DomainName"]
        if name in self.domains:
            raise BadRequestException(f"Domain {name} already exists.")
        return self._create_domain(name, params["DefaultExpirationDays"])

    # ------------------------------------------------------------------ upload jobs
    def create_upload_job(self, params: dict[str, Any]) -> str:
        domain = self._domain(params["DomainName"])
        fields = params["Fields"]
        if not fields:
            raise BadRequestException("Fields must map at least one CSV column.")
        for column, spec in fields.items():
            target = spec.get("Target", "")
            if not target.startswith("_profile."):
                raise BadRequestException(
                    f"Field {column}: Target must name a standard profile field (_profile.<Field>)."
                )
            _check_target(column, target[len("_profile.") :])
        if params["UniqueKey"] not in fields:
            raise BadRequestException(f"UniqueKey {params['UniqueKey']} must be one of the mapped columns.")
        job_id = uuid.uuid4().hex
        job = UploadJob(
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
        return job_id

    def _job(self, params: dict[str, Any]) -> UploadJob:
        self._domain(params["DomainName"])
        job = self.jobs.get(params["JobId"])
        if job is None or job.domain != params["DomainName"]:
            raise ResourceNotFoundException(f"Upload job {params['JobId']} does not exist.")
        return job

    # ------------------------------------------------------------------ profiles
    def _live_profiles(self, domain: Domain) -> dict[str, dict[str, Any]]:
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
            raise BadRequestException(f"Field {column}: custom attribute names are 1-255 characters.")
        return
    if target not in STANDARD_FIELDS:
        raise BadRequestException(f"Field {column}: {target} is not a standard profile field the emulator knows.")


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
