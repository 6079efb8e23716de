"""The Customer Profiles operations the emulator serves: each reads its request and answers from the models."""

from __future__ import annotations

import uuid
from typing import Any

from contextual_targeting.local.emulators.customer_profiles.exceptions import (
    BadRequestException,
    ResourceNotFoundException,
)
from contextual_targeting.local.emulators.customer_profiles.inspection import CustomerProfilesInspection
from contextual_targeting.local.emulators.customer_profiles.models import _constraint_problems

_UPLOAD_JOB_SUMMARY = ("JobId", "DisplayName", "Status", "StatusReason", "CreatedAt", "CompletedAt", "DataExpiry")
_DEFINITION_SUMMARY = ("SegmentDefinitionName", "DisplayName", "Description", "SegmentDefinitionArn", "CreatedAt")


class CustomerProfilesEmulator(CustomerProfilesInspection):
    """Served through ``emulation.emulate(CustomerProfilesEmulator())``; a malformed request from Step Functions
    answers ``BadRequestException``, as the service does."""

    service_name = "customer-profiles"
    validation_error_code = "BadRequestException"

    def handle(self, operation: Any, params: dict[str, Any]) -> dict[str, Any]:
        # botocore checks required members, types and minimums; the service also enforces maximums and patterns
        problems = _constraint_problems(operation.input_shape, params, "")
        if problems:
            raise BadRequestException("; ".join(problems))
        return super().handle(operation, params)

    # ------------------------------------------------------------------ domains
    def op_CreateDomain(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self.create_domain(params)
        return {
            "DomainName": domain.name,
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
        return {"JobId": self.create_upload_job(params)}

    def op_GetUploadJobPath(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self._job(params)
        url, valid_until = self.upload_url(job)
        return {"Url": url, "ClientToken": job.token, "ValidUntil": valid_until}

    def op_StartUploadJob(self, params: dict[str, Any]) -> dict[str, Any]:
        self.start(self._job(params))
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
        jobs = [j.response() for j in self.jobs.values() if j.domain == params["DomainName"]]
        return {"Items": [_only(job, _UPLOAD_JOB_SUMMARY) for job in jobs]}

    # ------------------------------------------------------------------ segments
    def op_CreateSegmentDefinition(self, params: dict[str, Any]) -> dict[str, Any]:
        definition = self.create_segment_definition(params)
        return {k: v for k, v in definition.items() if k not in ("SegmentGroups", "SegmentType")}

    def op_GetSegmentDefinition(self, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self.segment_definition(params))

    def op_DeleteSegmentDefinition(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain(params["DomainName"])
        name = params["SegmentDefinitionName"]
        if domain.segments.pop(name, None) is None:
            raise ResourceNotFoundException(f"Segment definition {name} does not exist.")
        return {"Message": f"Segment definition {name} deleted"}

    def op_ListSegmentDefinitions(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain(params["DomainName"])
        return {"Items": [_only(s, _DEFINITION_SUMMARY) for s in domain.segments.values()]}

    def op_GetSegmentMembership(self, params: dict[str, Any]) -> dict[str, Any]:
        profiles, failures = self.membership(params, params["ProfileIds"])
        name = params["SegmentDefinitionName"]
        return {"SegmentDefinitionName": name, "Profiles": profiles, "Failures": failures, "LastComputedAt": self.now()}

    def op_CreateSegmentEstimate(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain(params["DomainName"])
        if "SegmentSqlQuery" in params or "SegmentQuery" not in params:
            raise BadRequestException("the emulator estimates SegmentQuery only")
        estimate_id = uuid.uuid4().hex
        domain.estimates[estimate_id] = {"count": len(self._evaluate(domain, params["SegmentQuery"]))}
        return {"DomainName": domain.name, "EstimateId": estimate_id, "StatusCode": 201}

    def op_GetSegmentEstimate(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain(params["DomainName"])
        estimate = domain.estimates.get(params["EstimateId"])
        if estimate is None:
            raise ResourceNotFoundException(f"Estimate {params['EstimateId']} does not exist.")
        return {
            "DomainName": domain.name,
            "EstimateId": params["EstimateId"],
            "Status": "SUCCEEDED",
            "Estimate": f"{estimate['count']} profiles",
            "StatusCode": 200,
        }


def _only(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The members of a summary (``ListUploadJobs``, ``ListSegmentDefinitions`` items)."""
    return {k: v for k, v in item.items() if k in keys}
