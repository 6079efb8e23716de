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

Inspection helpers for tests and the local runtime: ``contact_list()``, ``topics()``, ``subscribers(topic)``,
``subscriber_counts()``, ``topic_summary()``, ``contacts()``, ``import_jobs()``, ``failed_records(job_id)``,
``finish_import_jobs()``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from contextual_targeting.local.emulation import ServiceEmulator, ServiceError

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"
MAX_TOPICS = 20
MAX_IMPORT_RECORDS = 1_000_000
MAX_PAGE_SIZE = 1000
STATUSES = ("OPT_IN", "OPT_OUT")
TOPIC_COLUMN = "topicPreferences."
KNOWN_COLUMNS = ("emailAddress", "unsubscribeAll", "attributesData")
_S3_URL = re.compile(r"^s3://([^/]+)/(.*?([^/]+)/?)$")
# Close to what SES accepts: one @, no spaces, a dotted domain, at most 320 characters.
_EMAIL = re.compile(
    r"^[^@\s\"(),:;<>\[\\\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def _not_found(message: str) -> ServiceError:
    return ServiceError("NotFoundException", message, 404)


def _bad_request(message: str) -> ServiceError:
    return ServiceError("BadRequestException", message, 400)


class RecordError(ValueError):
    """A record of an import file that SES would not accept."""


@dataclass
class _ContactList:
    name: str
    description: str | None
    topics: list[dict[str, Any]]
    tags: list[dict[str, str]]
    created: dt.datetime
    updated: dt.datetime
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _ImportJob:
    response: dict[str, Any]
    polls: int = 0
    failed_records: list[str] = field(default_factory=list)


class SesV2Emulator(ServiceEmulator):
    service_name = "sesv2"
    validation_error_code = "BadRequestException"

    def __init__(
        self,
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        polls_per_status: int = 1,
        max_import_records: int = MAX_IMPORT_RECORDS,
        s3_client: Any = None,
    ) -> None:
        super().__init__()
        self.region = region
        self.account_id = account_id
        self.polls_per_status = max(1, polls_per_status)
        self.max_import_records = max_import_records
        self._s3 = s3_client
        self.lists: dict[str, _ContactList] = {}
        self.jobs: dict[str, _ImportJob] = {}
        self.import_failure: Any = None  # tests: S3 URL -> error message (or None) for a job that SES fails

    def fail_imports(self, reason: Any) -> None:
        """Tests: ``reason(s3_url)`` returns a message for an import job SES is to fail before it applies a record
        (as SES does for an object it cannot read), or None. ``None`` turns failures off."""
        self.import_failure = reason

    # ------------------------------------------------------------------ helpers for tests and the local runtime
    def contact_list(self) -> str | None:
        """The account's contact list name (SES allows one), or None."""
        return next(iter(self.lists), None)

    def topics(self, list_name: str | None = None) -> list[dict[str, Any]]:
        """The list's topics in list order (copies)."""
        return [dict(t) for t in self._list(list_name or self.contact_list() or "").topics]

    def contacts(self, list_name: str | None = None) -> dict[str, dict[str, Any]]:
        return {k: dict(v) for k, v in self._list(list_name or self.contact_list() or "").contacts.items()}

    def subscribers(self, topic: str, list_name: str | None = None) -> set[str]:
        """Addresses that would receive mail sent to ``topic`` (explicit or default opt-in, not unsubscribed)."""
        contact_list = self._list(list_name or self.contact_list() or "")
        defaults = {t["TopicName"]: t["DefaultSubscriptionStatus"] for t in contact_list.topics}
        if topic not in defaults:
            return set()
        return {
            email
            for email, contact in contact_list.contacts.items()
            if self._status(contact, topic, defaults, use_default=True) == "OPT_IN"
        }

    def subscriber_counts(self, list_name: str | None = None) -> dict[str, int]:
        """``{topic name: subscribers}`` for every topic of the list, in list order."""
        name = list_name or self.contact_list()
        if name is None:
            return {}
        return {t["TopicName"]: len(self.subscribers(t["TopicName"], name)) for t in self._list(name).topics}

    def topic_summary(self, list_name: str | None = None) -> list[dict[str, Any]]:
        """One row per topic of the list, in list order, for a run summary:
        ``{"topic", "display_name", "subscribers", "opted_out", "ours"}`` (``ours``: created by this solution)."""
        name = list_name or self.contact_list()
        if name is None:
            return []
        contact_list = self._list(name)
        defaults = {t["TopicName"]: t["DefaultSubscriptionStatus"] for t in contact_list.topics}
        rows = []
        for topic in contact_list.topics:
            statuses = [self._status(c, topic["TopicName"], defaults, True) for c in contact_list.contacts.values()]
            rows.append(
                {
                    "topic": topic["TopicName"],
                    "display_name": topic["DisplayName"],
                    "subscribers": statuses.count("OPT_IN"),
                    "opted_out": statuses.count("OPT_OUT"),
                    "ours": str(topic.get("Description", "")).startswith("contextual-targeting segment"),
                }
            )
        return rows

    def import_jobs(self) -> list[dict[str, Any]]:
        return [dict(j.response) for j in self.jobs.values()]

    def failed_records(self, job_id: str) -> list[str]:
        return list(self.jobs[job_id].failed_records)

    def finish_import_jobs(self) -> None:
        """Run every job that is not finished yet to its terminal status."""
        with self.lock:
            for job in self.jobs.values():
                if job.response["JobStatus"] not in ("COMPLETED", "FAILED"):
                    job.response["JobStatus"] = "PROCESSING"
                    self._run_import(job)

    # ------------------------------------------------------------------ contact lists
    def op_CreateContactList(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ContactListName"]
        if name in self.lists:
            raise ServiceError("AlreadyExistsException", f"List with name: {name} already exists.", 400)
        if self.lists:
            raise ServiceError(
                "LimitExceededException",
                f"Maximum number of contact lists (1) reached: the account already has {self.contact_list()}.",
                400,
            )
        topics = self._checked_topics(params.get("Topics", []), "LimitExceededException")
        now = self.now()
        self.lists[name] = _ContactList(name, params.get("Description"), topics, params.get("Tags", []), now, now)
        return {}

    def op_GetContactList(self, params: dict[str, Any]) -> dict[str, Any]:
        contact_list = self._list(params["ContactListName"])
        result: dict[str, Any] = {
            "ContactListName": contact_list.name,
            "Topics": [dict(t) for t in contact_list.topics],
            "CreatedTimestamp": contact_list.created,
            "LastUpdatedTimestamp": contact_list.updated,
            "Tags": [dict(t) for t in contact_list.tags],
        }
        if contact_list.description is not None:
            result["Description"] = contact_list.description
        return result

    def op_UpdateContactList(self, params: dict[str, Any]) -> dict[str, Any]:
        contact_list = self._list(params["ContactListName"])
        if "Topics" in params:
            contact_list.topics = self._checked_topics(params["Topics"], "BadRequestException")
        if "Description" in params:
            contact_list.description = params["Description"]
        contact_list.updated = self.now()
        return {}

    def op_DeleteContactList(self, params: dict[str, Any]) -> dict[str, Any]:
        self._list(params["ContactListName"])
        del self.lists[params["ContactListName"]]
        return {}

    def op_ListContactLists(self, params: dict[str, Any]) -> dict[str, Any]:
        items = [{"ContactListName": c.name, "LastUpdatedTimestamp": c.updated} for c in self.lists.values()]
        page, token = self._page(items, params)
        return {"ContactLists": page, **token}

    # ------------------------------------------------------------------ contacts
    def op_CreateContact(self, params: dict[str, Any]) -> dict[str, Any]:
        contact_list = self._list(params["ContactListName"])
        email = params["EmailAddress"]
        if email.lower() in {e.lower() for e in contact_list.contacts}:
            raise ServiceError("AlreadyExistsException", f"Contact already exists in list {contact_list.name}", 400)
        contact_list.contacts[email] = self._contact(contact_list, params)
        return {}

    def op_GetContact(self, params: dict[str, Any]) -> dict[str, Any]:
        contact_list = self._list(params["ContactListName"])
        contact = self._find_contact(contact_list, params["EmailAddress"])
        defaults = {t["TopicName"]: t["DefaultSubscriptionStatus"] for t in contact_list.topics}
        return {"ContactListName": contact_list.name, **self._contact_response(contact, defaults, full=True)}

    def op_UpdateContact(self, params: dict[str, Any]) -> dict[str, Any]:
        contact_list = self._list(params["ContactListName"])
        contact = self._find_contact(contact_list, params["EmailAddress"])
        merged = dict(contact)
        # "You must specify all existing topic preferences in the TopicPreferences object, not just the ones that
        # need updating; otherwise, all your existing preferences will be removed."
        # (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_UpdateContact.html): the list replaces them.
        merged["TopicPreferences"] = self._preferences(contact_list, params.get("TopicPreferences", []))
        for key in ("UnsubscribeAll", "AttributesData"):
            if key in params:
                merged[key] = params[key]
        if "AttributesData" in params:
            self._check_attributes(params["AttributesData"])
        merged["LastUpdatedTimestamp"] = self.now()
        contact_list.contacts[contact["EmailAddress"]] = merged
        return {}

    def op_DeleteContact(self, params: dict[str, Any]) -> dict[str, Any]:
        contact_list = self._list(params["ContactListName"])
        contact = self._find_contact(contact_list, params["EmailAddress"])
        del contact_list.contacts[contact["EmailAddress"]]
        return {}

    def op_ListContacts(self, params: dict[str, Any]) -> dict[str, Any]:
        # Filter (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListContactsFilter.html): FilteredStatus
        # with a TopicFilter matches the contact's status for that topic — its explicit preference, or the topic's
        # default when UseDefaultIfPreferenceUnavailable is true (an unsubscribed-from-all contact is OPT_OUT for
        # every topic); without a TopicFilter, OPT_OUT lists the contacts with UnsubscribeAll (the list-management
        # guide: "contacts unsubscribed from all topics in the list" — assumed to be this filter). The response
        # shape is the Contact of https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Contact.html.
        contact_list = self._list(params["ContactListName"])
        defaults = {t["TopicName"]: t["DefaultSubscriptionStatus"] for t in contact_list.topics}
        wanted = params.get("Filter", {})
        status = wanted.get("FilteredStatus")
        topic_filter = wanted.get("TopicFilter")
        if topic_filter and topic_filter.get("TopicName") and topic_filter["TopicName"] not in defaults:
            raise _bad_request(f"Topic {topic_filter['TopicName']} does not exist in list {contact_list.name}")
        selected = []
        for contact in contact_list.contacts.values():
            if status is not None:
                if topic_filter and topic_filter.get("TopicName"):
                    use_default = bool(topic_filter.get("UseDefaultIfPreferenceUnavailable", False))
                    if self._status(contact, topic_filter["TopicName"], defaults, use_default) != status:
                        continue
                elif (status == "OPT_OUT") != bool(contact.get("UnsubscribeAll")):
                    continue
            selected.append(self._contact_response(contact, defaults, full=False))
        page, token = self._page(selected, params)
        return {"Contacts": page, **token}

    # ------------------------------------------------------------------ import jobs
    def op_CreateImportJob(self, params: dict[str, Any]) -> dict[str, Any]:
        destination = params["ImportDestination"]
        source = params["ImportDataSource"]
        if "ContactListDestination" not in destination:
            raise _bad_request("the emulator imports into contact lists only (ContactListDestination)")
        if "SuppressionListDestination" in destination:
            raise _bad_request("An import job has exactly one destination")
        action = destination["ContactListDestination"]["ContactListImportAction"]
        if action not in ("PUT", "DELETE"):
            raise _bad_request(f"ContactListImportAction must satisfy enum value set: [DELETE, PUT], got {action}")
        if source["DataFormat"] not in ("CSV", "JSON"):
            raise _bad_request(f"DataFormat must satisfy enum value set: [CSV, JSON], got {source['DataFormat']}")
        list_name = destination["ContactListDestination"]["ContactListName"]
        if list_name not in self.lists:
            raise _not_found(f"ContactList <{list_name}> doesn't exist")
        if not _S3_URL.match(source["S3Url"]):
            raise _bad_request(f"Invalid S3 URL: {source['S3Url']}")
        job_id = str(uuid.uuid4())
        self.jobs[job_id] = _ImportJob(
            response={
                "JobId": job_id,
                "ImportDestination": {"ContactListDestination": dict(destination["ContactListDestination"])},
                "ImportDataSource": dict(source),
                "JobStatus": "CREATED",
                "CreatedTimestamp": self.now(),
                "ProcessedRecordsCount": 0,
                "FailedRecordsCount": 0,
            }
        )
        return {"JobId": job_id}

    def op_GetImportJob(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self.jobs.get(params["JobId"])
        if job is None:
            raise _not_found(f"Import job {params['JobId']} does not exist.")
        status = job.response["JobStatus"]
        if status not in ("COMPLETED", "FAILED"):
            job.polls += 1
            if job.polls >= self.polls_per_status:
                job.polls = 0
                if status == "CREATED":
                    job.response["JobStatus"] = "PROCESSING"
                else:
                    self._run_import(job)
        return dict(job.response)

    # ------------------------------------------------------------------ internals
    def _list(self, name: str) -> _ContactList:
        contact_list = self.lists.get(name)
        if contact_list is None:
            raise _not_found(f"List with name: {name} doesn't exist.")
        return contact_list

    @staticmethod
    def _checked_topics(topics: list[dict[str, Any]], limit_code: str) -> list[dict[str, Any]]:
        if len(topics) > MAX_TOPICS:
            raise ServiceError(limit_code, f"A contact list can have at most {MAX_TOPICS} topics, got {len(topics)}.")
        names = [t["TopicName"] for t in topics]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise _bad_request(f"Duplicate topic names: {', '.join(duplicates)}")
        for name in names:
            if not name:
                raise _bad_request("TopicName must not be empty")
        return [dict(t) for t in topics]

    @staticmethod
    def _find_contact(contact_list: _ContactList, email: str) -> dict[str, Any]:
        for key, contact in contact_list.contacts.items():
            if key.lower() == email.lower():
                return contact
        raise _not_found(f"Contact {email} doesn't exist in list {contact_list.name}.")

    @staticmethod
    def _check_attributes(value: str | None) -> None:
        if value in (None, ""):
            return
        try:
            parsed = json.loads(value)  # type: ignore[arg-type]
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            raise _bad_request("AttributesData must be a JSON object")

    @staticmethod
    def _preferences(contact_list: _ContactList, preferences: list[dict[str, str]]) -> dict[str, str]:
        known = {t["TopicName"] for t in contact_list.topics}
        result: dict[str, str] = {}
        for preference in preferences:
            if preference["TopicName"] not in known:
                raise _bad_request(f"Topic {preference['TopicName']} does not exist in list {contact_list.name}")
            result[preference["TopicName"]] = preference["SubscriptionStatus"]
        return result

    def _contact(self, contact_list: _ContactList, params: dict[str, Any]) -> dict[str, Any]:
        email = params["EmailAddress"]
        if not _EMAIL.match(email) or len(email) > 320:
            raise _bad_request(f"Invalid email address: {email}")
        self._check_attributes(params.get("AttributesData"))
        now = self.now()
        return {
            "EmailAddress": email,
            "TopicPreferences": self._preferences(contact_list, params.get("TopicPreferences", [])),
            "UnsubscribeAll": bool(params.get("UnsubscribeAll", False)),
            "AttributesData": params.get("AttributesData"),
            "CreatedTimestamp": now,
            "LastUpdatedTimestamp": now,
        }

    @staticmethod
    def _status(contact: dict[str, Any], topic: str, defaults: dict[str, str], use_default: bool) -> str | None:
        if contact.get("UnsubscribeAll"):
            return "OPT_OUT"
        explicit = contact["TopicPreferences"].get(topic)
        if explicit is not None:
            return explicit  # type: ignore[no-any-return]
        return defaults.get(topic) if use_default else None

    @staticmethod
    def _contact_response(contact: dict[str, Any], defaults: dict[str, str], *, full: bool) -> dict[str, Any]:
        explicit = contact["TopicPreferences"]
        result: dict[str, Any] = {
            "EmailAddress": contact["EmailAddress"],
            "TopicPreferences": [{"TopicName": t, "SubscriptionStatus": s} for t, s in explicit.items()],
            "TopicDefaultPreferences": [
                {"TopicName": t, "SubscriptionStatus": s} for t, s in defaults.items() if t not in explicit
            ],
            "UnsubscribeAll": contact["UnsubscribeAll"],
            "LastUpdatedTimestamp": contact["LastUpdatedTimestamp"],
        }
        if full:
            result["CreatedTimestamp"] = contact["CreatedTimestamp"]
            if contact.get("AttributesData") is not None:
                result["AttributesData"] = contact["AttributesData"]
        return result

    @staticmethod
    def _page(items: list[dict[str, Any]], params: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        size = params.get("PageSize") or MAX_PAGE_SIZE
        if size < 1 or size > MAX_PAGE_SIZE:
            raise _bad_request(f"PageSize must be between 1 and {MAX_PAGE_SIZE}")
        token = params.get("NextToken")
        try:
            start = int(token) if token else 0
        except ValueError:
            raise _bad_request("Invalid NextToken") from None
        page = items[start : start + size]
        return page, ({"NextToken": str(start + size)} if start + size < len(items) else {})

    # ------------------------------------------------------------------ the import itself
    def _s3_client(self) -> Any:
        if self._s3 is None:
            import boto3

            self._s3 = boto3.client("s3", region_name=self.region)
        return self._s3

    def _run_import(self, job: _ImportJob) -> None:
        response = job.response
        destination = response["ImportDestination"]["ContactListDestination"]
        source = response["ImportDataSource"]
        processed = failed = 0
        try:
            contact_list = self._list(destination["ContactListName"])
            failure = self.import_failure(source["S3Url"]) if self.import_failure else None
            if failure:
                raise RecordError(failure)
            match = _S3_URL.match(source["S3Url"])
            assert match is not None  # checked at CreateImportJob
            s3 = self._s3_client()
            try:
                body = s3.get_object(Bucket=match.group(1), Key=match.group(2))["Body"]
            except s3.exceptions.ClientError as error:
                raise RecordError(f"Unable to read {source['S3Url']}: {error}") from None
            lines = io.TextIOWrapper(body, encoding="utf-8-sig", newline="")
            records = self._csv_records(lines) if source["DataFormat"] == "CSV" else self._json_records(lines)
            for number, record in records:
                processed += 1
                if processed > self.max_import_records:
                    raise RecordError(f"An import job accepts at most {self.max_import_records} records")
                try:
                    if isinstance(record, RecordError):
                        raise record
                    self._apply(contact_list, destination["ContactListImportAction"], record)
                except (RecordError, ServiceError) as error:
                    failed += 1
                    job.failed_records.append(f"record {number}: {getattr(error, 'message', error)}")
        except (RecordError, ServiceError) as error:
            response["JobStatus"] = "FAILED"
            response["FailureInfo"] = {"ErrorMessage": str(getattr(error, "message", error))}
        else:
            response["JobStatus"] = "COMPLETED"
            if failed:
                response["FailureInfo"] = {
                    "ErrorMessage": f"{failed} record(s) failed; first: {job.failed_records[0]}",
                    "FailedRecordsS3Url": f"s3://ses-import-failures-{self.region}/{response['JobId']}.csv",
                }
        response["ProcessedRecordsCount"] = min(processed, self.max_import_records)
        response["FailedRecordsCount"] = failed
        response["CompletedTimestamp"] = self.now()

    @staticmethod
    def _csv_records(lines: io.TextIOWrapper) -> Iterator[tuple[int, dict[str, Any] | RecordError]]:
        reader = csv.reader(lines)
        header = next(reader, None)
        if header is None:
            raise RecordError("The import file is empty: a header line is required")
        header = [h.strip() for h in header]
        for column in header:
            if column not in KNOWN_COLUMNS and not (
                column.startswith(TOPIC_COLUMN) and len(column) > len(TOPIC_COLUMN)
            ):
                raise RecordError(f"Invalid header: unknown column {column!r}")
        if "emailAddress" not in header:
            raise RecordError("Invalid header: emailAddress is required")
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                yield number, RecordError(f"expected {len(header)} fields, got {len(row)}")
                continue
            values = dict(zip(header, row, strict=True))
            preferences = []
            for column, value in values.items():
                if column.startswith(TOPIC_COLUMN) and value.strip():
                    preferences.append({"topicName": column[len(TOPIC_COLUMN) :], "subscriptionStatus": value.strip()})
            unsubscribe = values.get("unsubscribeAll", "").strip().lower()
            record: dict[str, Any] = {
                "emailAddress": values["emailAddress"].strip(),
                "topicPreferences": preferences,
                "attributesData": values.get("attributesData") or None,
            }
            if unsubscribe:
                if unsubscribe not in ("true", "false"):
                    yield number, RecordError(f"unsubscribeAll must be true or false, got {unsubscribe!r}")
                    continue
                record["unsubscribeAll"] = unsubscribe == "true"
            yield number, record

    @staticmethod
    def _json_records(lines: io.TextIOWrapper) -> Iterator[tuple[int, dict[str, Any] | RecordError]]:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                yield number, RecordError(f"not JSON: {error}")
                continue
            if not isinstance(record, dict) or not isinstance(record.get("emailAddress"), str):
                yield number, RecordError("a record must be an object with an emailAddress")
                continue
            yield number, record

    def _apply(self, contact_list: _ContactList, action: str, record: dict[str, Any]) -> None:
        email = record["emailAddress"]
        if not _EMAIL.match(email) or len(email) > 320:
            raise RecordError(f"Invalid email address: {email!r}")
        existing = next((k for k in contact_list.contacts if k.lower() == email.lower()), None)
        if action == "DELETE":
            if existing is None:
                raise RecordError(f"Contact {email} doesn't exist")
            del contact_list.contacts[existing]
            return
        preferences = []
        for preference in record.get("topicPreferences") or []:
            status = preference.get("subscriptionStatus")
            if status not in STATUSES:
                raise RecordError(f"subscriptionStatus must be OPT_IN or OPT_OUT, got {status!r}")
            preferences.append({"TopicName": preference.get("topicName"), "SubscriptionStatus": status})
        unsubscribe = record.get("unsubscribeAll", False)
        if not isinstance(unsubscribe, bool):
            raise RecordError("unsubscribeAll must be a boolean")
        attributes = record.get("attributesData")
        if attributes is not None and not isinstance(attributes, str):
            attributes = json.dumps(attributes)
        params = {"EmailAddress": email, "TopicPreferences": preferences, "UnsubscribeAll": unsubscribe}
        if attributes:
            params["AttributesData"] = attributes
        try:
            contact = self._contact(contact_list, params)
        except ServiceError as error:
            raise RecordError(error.message) from None
        if existing is not None:
            # PUT replaces the contact with the record (preferences the record leaves out are gone)
            contact["CreatedTimestamp"] = contact_list.contacts[existing]["CreatedTimestamp"]
            del contact_list.contacts[existing]
        contact_list.contacts[email] = contact
