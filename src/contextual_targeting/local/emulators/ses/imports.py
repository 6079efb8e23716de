"""The SES v2 contact import engine: an import job reads its S3 object (CSV or newline-delimited JSON, SES's
documented format) and applies each record to the contact list (``PUT`` replaces a contact, ``DELETE`` removes it)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from contextual_targeting.local.emulation import ServiceError
from contextual_targeting.local.emulators.common import data_rows, json_lines
from contextual_targeting.local.emulators.ses.models import (
    _EMAIL,
    _S3_URL,
    KNOWN_COLUMNS,
    STATUSES,
    TOPIC_COLUMN,
    ContactList,
    ImportJob,
    SesV2Backend,
)


class RecordError(ValueError):
    """A record of an import file that SES would not accept."""


class SesV2Imports(SesV2Backend):
    """Import jobs run: a job's status advances on each poll and its records are applied on the step out of
    ``PROCESSING``."""

    def advance(self, job: ImportJob) -> None:
        """One ``GetImportJob`` poll."""
        self.advance_job(job, lambda: self._run_import(job))

    def _run_import(self, job: ImportJob) -> None:
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
        for number, row in data_rows(reader):
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
        for number, record, error in json_lines(lines):
            if error is not None:
                yield number, RecordError(f"not JSON: {error}")
            elif not isinstance(record, dict) or not isinstance(record.get("emailAddress"), str):
                yield number, RecordError("a record must be an object with an emailAddress")
            else:
                yield number, record

    def _apply(self, contact_list: ContactList, action: str, record: dict[str, Any]) -> None:
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
