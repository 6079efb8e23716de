"""Amazon SES (v2) list management emulator: the contact list, its topics, contacts and contact import jobs.

Serves ``CreateContactList``, ``GetContactList``, ``UpdateContactList``, ``DeleteContactList``, ``ListContactLists``,
``CreateContact``, ``GetContact``, ``UpdateContact``, ``DeleteContact``, ``ListContacts`` (with the topic/status
filter), ``CreateImportJob`` and ``GetImportJob`` through ``emulation.emulate(SesV2Emulator())``. Requests are
validated against botocore's ``sesv2`` model first (a malformed request from Step Functions answers
``BadRequestException``, as SES does). What SES documents and this emulator enforces:

- **one contact list per account**: ``CreateContactList`` answers ``AlreadyExistsException`` for the name that
  exists and ``LimitExceededException`` for any other name;
- **at most 20 topics per list** (``LimitExceededException`` on create, ``BadRequestException`` on update), topic
  names unique in the list;
- a missing list or contact is ``NotFoundException`` (404); an import job for a missing list too (SES checks the
  list when the job is created);
- **contact import** (``CreateImportJob`` with ``ContactListDestination``): the S3 object is really read from (moto)
  S3, in SES's documented format — CSV with a header line ``emailAddress,unsubscribeAll,attributesData,
  topicPreferences.<TopicName>…`` (one column per topic, values ``OPT_IN``/``OPT_OUT``, blank = no preference), or
  newline-delimited JSON objects ``{"emailAddress", "unsubscribeAll", "attributesData", "topicPreferences":
  [{"topicName", "subscriptionStatus"}]}``; at most 1,000,000 records per job. ``PUT`` **replaces** an existing
  contact with the record ("If the record already exists, it will override it with the new value":
  https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ContactListDestination.html): a topic the record
  leaves out or leaves blank has no preference afterwards (its default applies), ``unsubscribeAll`` false or blank
  clears an unsubscribe-all; ``DELETE`` removes the listed contacts. Addresses are compared case-insensitively (one
  contact per address); two records of one file for the same address are applied in file order (the last wins).
  A record SES would reject (bad address, unknown topic, bad status, attributes that are not a JSON object) is
  counted in ``FailedRecordsCount`` and the job still completes; an unreadable object, a header without
  ``emailAddress`` or a list deleted meanwhile fails the job (``FailureInfo.ErrorMessage``).
- ``UpdateContact`` replaces the contact's topic preferences with the request's (the API reference: "otherwise, all
  your existing preferences will be removed"); ``UnsubscribeAll`` and ``AttributesData`` change when given.
- A job's status advances on each ``GetImportJob`` (``polls_per_status`` calls per step): ``CREATED`` →
  ``PROCESSING`` → ``COMPLETED``/``FAILED``; the records are applied on the step out of ``PROCESSING``.

Inspection helpers for tests and the local runtime (``inspection``): ``contact_list()``, ``topics()``,
``subscribers(topic)``, ``subscriber_counts()``, ``topic_summary()``, ``contacts()``, ``import_jobs()``,
``failed_records(job_id)``, ``finish_import_jobs()``, ``fail_imports(reason)``.

Layout (the same for every emulator package): ``exceptions`` (one class per error code), ``models`` (state and the
service's rules), ``imports`` (the contact import engine), ``inspection`` (helpers for tests and the local runtime),
``responses`` (the operations, thin adapters onto the models).
"""

from contextual_targeting.local.emulators.ses.models import MAX_TOPICS
from contextual_targeting.local.emulators.ses.responses import SesV2Emulator

__all__ = ["MAX_TOPICS", "SesV2Emulator"]
