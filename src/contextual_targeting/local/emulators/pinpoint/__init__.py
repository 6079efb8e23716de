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

Helpers for tests and the local runtime (``inspection``, not part of the API): ``create_app(name, app_id)``,
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

Layout (as every emulator package): ``exceptions``, ``models`` (apps, endpoints, segments, import jobs and their
rules), ``imports`` (the import engine), ``inspection``, ``responses`` (the operations).
"""

from contextual_targeting.local.emulators.pinpoint.models import generate_endpoint_id
from contextual_targeting.local.emulators.pinpoint.responses import PinpointEmulator

__all__ = ["PinpointEmulator", "generate_endpoint_id"]
