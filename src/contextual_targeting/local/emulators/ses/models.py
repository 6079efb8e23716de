"""SES v2 list management state and rules: the contact list and its topics, contacts, import jobs."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from contextual_targeting.local.emulators.common import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, JobsBackend
from contextual_targeting.local.emulators.ses.exceptions import (
    AlreadyExistsException,
    BadRequestException,
    LimitExceededException,
    NotFoundException,
)

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


@dataclass
class ContactList:
    name: str
    description: str | None
    topics: list[dict[str, Any]]
    tags: list[dict[str, str]]
    created: dt.datetime
    updated: dt.datetime
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class ImportJob:
    response: dict[str, Any]
    polls: int = 0
    failed_records: list[str] = field(default_factory=list)


class SesV2Backend(JobsBackend):
    """The account's contact lists and import jobs, and the rules SES applies to them."""

    def __init__(
        self,
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        polls_per_status: int = 1,
        max_import_records: int = MAX_IMPORT_RECORDS,
        s3_client: Any = None,
    ) -> None:
        super().__init__(region=region, account_id=account_id, polls_per_status=polls_per_status, s3_client=s3_client)
        self.max_import_records = max_import_records
        self.lists: dict[str, ContactList] = {}
        self.jobs: dict[str, ImportJob] = {}
        self.import_failure: Any = None  # tests: S3 URL -> error message (or None) for a job that SES fails

    # ------------------------------------------------------------------ contact lists
    def create_contact_list(self, params: dict[str, Any]) -> None:
        name = params["ContactListName"]
        if name in self.lists:
            raise AlreadyExistsException(f"List with name: {name} already exists.")
        if self.lists:
            existing = next(iter(self.lists))
            raise LimitExceededException(
                f"Maximum number of contact lists (1) reached: the account already has {existing}."
            )
        topics = self._checked_topics(params.get("Topics", []), LimitExceededException)
        now = self.now()
        self.lists[name] = ContactList(name, params.get("Description"), topics, params.get("Tags", []), now, now)

    def update_contact_list(self, params: dict[str, Any]) -> None:
        contact_list = self._list(params["ContactListName"])
        if "Topics" in params:
            contact_list.topics = self._checked_topics(params["Topics"], BadRequestException)
        if "Description" in params:
            contact_list.description = params["Description"]
        contact_list.updated = self.now()

    # ------------------------------------------------------------------ contacts
    def add_contact(self, params: dict[str, Any]) -> None:
        contact_list = self._list(params["ContactListName"])
        email = params["EmailAddress"]
        if email.lower() in {e.lower() for e in contact_list.contacts}:
            raise AlreadyExistsException(f"Contact already exists in list {contact_list.name}")
        contact_list.contacts[email] = self._contact(contact_list, params)

    def update_contact(self, params: dict[str, Any]) -> None:
        contact_list, contact = self._addressed_contact(params)
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

    def filtered_contacts(self, contact_list: ContactList, wanted: dict[str, Any]) -> list[dict[str, Any]]:
        # Filter (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListContactsFilter.html): FilteredStatus
        # with a TopicFilter matches the contact's status for that topic — its explicit preference, or the topic's
        # default when UseDefaultIfPreferenceUnavailable is true (an unsubscribed-from-all contact is OPT_OUT for
        # every topic); without a TopicFilter, OPT_OUT lists the contacts with UnsubscribeAll (the list-management
        # guide: "contacts unsubscribed from all topics in the list" — assumed to be this filter). The response
        # shape is the Contact of https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Contact.html.
        defaults = self._defaults(contact_list)
        status = wanted.get("FilteredStatus")
        topic_filter = wanted.get("TopicFilter")
        if topic_filter and topic_filter.get("TopicName") and topic_filter["TopicName"] not in defaults:
            raise BadRequestException(f"Topic {topic_filter['TopicName']} does not exist in list {contact_list.name}")
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
        return selected

    @staticmethod
    def _defaults(contact_list: ContactList) -> dict[str, str]:
        """``{topic name: its DefaultSubscriptionStatus}`` in list order."""
        return {t["TopicName"]: t["DefaultSubscriptionStatus"] for t in contact_list.topics}

    # ------------------------------------------------------------------ import jobs
    def create_import_job(self, params: dict[str, Any]) -> str:
        destination = params["ImportDestination"]
        source = params["ImportDataSource"]
        if "ContactListDestination" not in destination:
            raise BadRequestException("the emulator imports into contact lists only (ContactListDestination)")
        if "SuppressionListDestination" in destination:
            raise BadRequestException("An import job has exactly one destination")
        action = destination["ContactListDestination"]["ContactListImportAction"]
        if action not in ("PUT", "DELETE"):
            raise BadRequestException(
                f"ContactListImportAction must satisfy enum value set: [DELETE, PUT], got {action}"
            )
        if source["DataFormat"] not in ("CSV", "JSON"):
            raise BadRequestException(
                f"DataFormat must satisfy enum value set: [CSV, JSON], got {source['DataFormat']}"
            )
        list_name = destination["ContactListDestination"]["ContactListName"]
        if list_name not in self.lists:
            raise NotFoundException(f"ContactList <{list_name}> doesn't exist")
        if not _S3_URL.match(source["S3Url"]):
            raise BadRequestException(f"Invalid S3 URL: {source['S3Url']}")
        job_id = str(uuid.uuid4())
        self.jobs[job_id] = ImportJob(
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
        return job_id

    def import_job(self, job_id: str) -> ImportJob:
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFoundException(f"Import job {job_id} does not exist.")
        return job

    # ------------------------------------------------------------------ internals
    def _list(self, name: str) -> ContactList:
        contact_list = self.lists.get(name)
        if contact_list is None:
            raise NotFoundException(f"List with name: {name} doesn't exist.")
        return contact_list

    @staticmethod
    def _checked_topics(
        topics: list[dict[str, Any]], limit: type[LimitExceededException | BadRequestException]
    ) -> list[dict[str, Any]]:
        if len(topics) > MAX_TOPICS:
            raise limit(f"A contact list can have at most {MAX_TOPICS} topics, got {len(topics)}.")
        names = [t["TopicName"] for t in topics]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise BadRequestException(f"Duplicate topic names: {', '.join(duplicates)}")
        for name in names:
            if not name:
                raise BadRequestException("TopicName must not be empty")
        return [dict(t) for t in topics]

    def _addressed_contact(self, params: dict[str, Any]) -> tuple[ContactList, dict[str, Any]]:
        """The list and contact a request names (``ContactListName``, ``EmailAddress``)."""
        contact_list = self._list(params["ContactListName"])
        return contact_list, self._find_contact(contact_list, params["EmailAddress"])

    @staticmethod
    def _find_contact(contact_list: ContactList, email: str) -> dict[str, Any]:
        for key, contact in contact_list.contacts.items():
            if key.lower() == email.lower():
                return contact
        raise NotFoundException(f"Contact {email} doesn't exist in list {contact_list.name}.")

    @staticmethod
    def _check_attributes(value: str | None) -> None:
        if value in (None, ""):
            return
        try:
            parsed = json.loads(value)  # type: ignore[arg-type]
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            raise BadRequestException("AttributesData must be a JSON object")

    @staticmethod
    def _preferences(contact_list: ContactList, preferences: list[dict[str, str]]) -> dict[str, str]:
        known = {t["TopicName"] for t in contact_list.topics}
        result: dict[str, str] = {}
        for preference in preferences:
            if preference["TopicName"] not in known:
                raise BadRequestException(f"Topic {preference['TopicName']} does not exist in list {contact_list.name}")
            result[preference["TopicName"]] = preference["SubscriptionStatus"]
        return result

    def _contact(self, contact_list: ContactList, params: dict[str, Any]) -> dict[str, Any]:
        email = params["EmailAddress"]
        if not _EMAIL.match(email) or len(email) > 320:
            raise BadRequestException(f"Invalid email address: {email}")
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
            raise BadRequestException(f"PageSize must be between 1 and {MAX_PAGE_SIZE}")
        token = params.get("NextToken")
        try:
            start = int(token) if token else 0
        except ValueError:
            raise BadRequestException("Invalid NextToken") from None
        page = items[start : start + size]
        return page, ({"NextToken": str(start + size)} if start + size < len(items) else {})
