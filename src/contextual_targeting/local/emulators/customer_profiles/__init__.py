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

Failure injection and inspection for tests and the local runtime (``inspection``): ``fail_next_upload_jobs(n)``,
``profiles()``, ``profile_ids_by(target)``, ``members(definition)``, ``segment_definitions()``, ``upload_jobs()``,
``advance_clock(days)``, ``close()``.

Layout (as every emulator package): ``exceptions``, ``models`` (domains, upload jobs, profiles and their rules),
``segments`` (segment evaluation), ``imports`` (the upload engine and its pre-signed URL), ``inspection``,
``responses`` (the operations).
"""

from contextual_targeting.local.emulators.customer_profiles.responses import CustomerProfilesEmulator

__all__ = ["CustomerProfilesEmulator"]
