"""The Pinpoint operations the emulator serves: each reads its request and answers from the models."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from contextual_targeting.local.emulators.pinpoint.exceptions import (
    BadRequestException,
    NotFoundException,
    TooManyRequestsException,
)
from contextual_targeting.local.emulators.pinpoint.inspection import PinpointInspection
from contextual_targeting.local.emulators.pinpoint.models import RowError


def _accepted() -> dict[str, Any]:
    return {"MessageBody": {"Message": "Accepted", "RequestID": str(uuid.uuid4())}}


class PinpointEmulator(PinpointInspection):
    """Served through ``emulation.emulate(PinpointEmulator())``; a malformed request from Step Functions answers
    ``BadRequestException``, as Pinpoint does."""

    service_name = "pinpoint"
    validation_error_code = "BadRequestException"

    def handle(self, operation: Any, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self._throttles.get(operation.name, 0) > 0:
                self._throttles[operation.name] -= 1
                self.calls.append((operation.name, params))
                raise TooManyRequestsException("Too many requests")
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
            raise NotFoundException("Resource not found")
        return {"EndpointResponse": dict(endpoint)}

    def op_GetUserEndpoints(self, params: dict[str, Any]) -> dict[str, Any]:
        found = self._user_endpoints(self._app(params["ApplicationId"]), params["UserId"])
        if not found:
            raise NotFoundException("Resource not found")
        return {"EndpointsResponse": {"Item": [dict(e) for e in found]}}

    def op_UpdateEndpoint(self, params: dict[str, Any]) -> dict[str, Any]:
        app = self._app(params["ApplicationId"])
        try:
            self._upsert_endpoint(app, params["EndpointId"], params["EndpointRequest"])
        except RowError as error:
            raise BadRequestException(str(error)) from None
        return _accepted()

    def op_UpdateEndpointsBatch(self, params: dict[str, Any]) -> dict[str, Any]:
        app = self._app(params["ApplicationId"])
        self.update_endpoints_batch(app, params["EndpointBatchRequest"]["Item"])
        return _accepted()

    # ------------------------------------------------------------------ import jobs
    def op_CreateImportJob(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ImportJobResponse": self.create_import_job(params)}

    def op_GetImportJob(self, params: dict[str, Any]) -> dict[str, Any]:
        app, job = self.import_job(params)
        self.advance(app, job)
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
        return {"SegmentResponse": self.segment_version(params)}
