"""The Pinpoint import engine: an import job reads its S3 objects (CSV or JSON lines), creates or updates the
endpoints row by row (an unreadable piece is undone whole) and defines the segment or its next version."""

from __future__ import annotations

import csv
import io
import pickle
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from botocore.validate import ParamValidator

from contextual_targeting.local.emulators.common import data_rows, json_lines
from contextual_targeting.local.emulators.pinpoint.models import (
    _ENDPOINT_ITEM_SHAPE,
    _NUMERIC_LOCATION,
    _S3_URL,
    _SIMPLE_FIELDS,
    _STRUCT_FIELDS,
    MAX_LISTED_FAILURES,
    App,
    ImportJob,
    PinpointBackend,
    RowError,
    Segment,
    generate_endpoint_id,
)


class PinpointImports(PinpointBackend):
    """Import jobs run: the work is done on the step out of ``PROCESSING``."""

    def advance(self, app: App, job: ImportJob) -> None:
        """One ``GetImportJob`` poll."""
        self.advance_job(job, lambda: self._run_import(app, job))

    # ------------------------------------------------------------------ the import itself
    def _objects(self, s3_url: str, file_format: str) -> list[tuple[str, str]]:
        match = _S3_URL.match(s3_url)
        assert match is not None  # checked at CreateImportJob
        bucket, key = match.group(1), match.group(2)
        s3 = self._s3_client()
        if key and not key.endswith("/"):
            try:
                s3.head_object(Bucket=bucket, Key=key)
                return [(bucket, key)]
            except s3.exceptions.ClientError:
                key += "/"
        suffix = "." + file_format.lower()
        keys: list[tuple[str, str]] = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
            keys += [(bucket, o["Key"]) for o in page.get("Contents", []) if o["Key"].lower().endswith(suffix)]
        return sorted(keys)

    def _run_import(self, app: App, job: ImportJob) -> None:
        response = job.response
        definition = response["Definition"]
        failures: list[str] = []
        total_failures = 0
        processed = 0
        failed_pieces = 0
        imported: list[str] = []
        channel_counts: dict[str, int] = defaultdict(int)
        try:
            objects = self._objects(definition["S3Url"], definition["Format"])
        except Exception as error:  # any S3 error fails the job, as Pinpoint reports it
            objects = []
            failures.append(f"Unable to access {definition['S3Url']}: {error}")
        if not objects and not failures:
            failures.append(f"No {definition['Format']} files found at {definition['S3Url']}")
        job.pieces_total, job.started = len(objects), time.monotonic()
        request_id = str(uuid.uuid4())  # the import is one request: every endpoint it writes carries its id
        for bucket, key in objects:
            # rows are read and imported one at a time (a piece's rows are never all held: ~0.6 KB each); a piece
            # that turns out unreadable part way fails as a whole, as before: what it changed is undone
            undo: list[tuple[str, bytes | None]] = []
            piece_ids: list[str] = []
            piece_counts: dict[str, int] = defaultdict(int)
            piece_processed = piece_failures = 0
            piece_messages: list[str] = []
            piece_failed = False
            rows = self._read_rows(bucket, key, definition["Format"])
            while True:
                try:
                    line, row = next(rows)
                except StopIteration:
                    break
                except Exception as error:  # an unreadable piece fails as a whole
                    for endpoint_id, raw in reversed(undo):
                        self._restore_endpoint(app, endpoint_id, raw)
                    piece_ids, piece_counts, piece_processed, piece_failures = [], defaultdict(int), 0, 1
                    piece_messages = [f"s3://{bucket}/{key}: {error}"]
                    piece_failed = True
                    break
                piece_processed += 1
                job.rows_done = processed + piece_processed
                try:
                    if isinstance(row, RowError):
                        raise row
                    endpoint_id = row.get("Id") or ""
                    before = app.endpoints.raw(endpoint_id) if endpoint_id else None
                    endpoint = self._import_row(app, row, request_id)
                except RowError as error:
                    piece_failed = True
                    piece_failures += 1
                    if len(failures) + len(piece_messages) < MAX_LISTED_FAILURES:
                        piece_messages.append(f"s3://{bucket}/{key} line {line}: {error}")
                    continue
                undo.append((endpoint["Id"], before))
                piece_ids.append(endpoint["Id"])
                piece_counts[endpoint.get("ChannelType", "UNKNOWN")] += 1
            processed += piece_processed
            job.rows_done = processed
            total_failures += piece_failures
            failures += piece_messages
            imported += piece_ids
            for channel, count in piece_counts.items():
                channel_counts[channel] += count
            failed_pieces += piece_failed
            job.pieces_done += 1
        succeeded = bool(imported)
        response.update(
            {
                "JobStatus": "COMPLETED" if succeeded else "FAILED",
                "CompletionDate": self._timestamp(),
                "TotalPieces": len(objects),
                "CompletedPieces": len(objects) - failed_pieces,
                "FailedPieces": failed_pieces,
                "TotalFailures": total_failures or (0 if succeeded else 1),
                "TotalProcessed": processed,
                "Failures": failures[:MAX_LISTED_FAILURES],
            }
        )
        if succeeded and job.segment_id:
            self._define_segment(app, job, list(dict.fromkeys(imported)), dict(channel_counts))

    def _define_segment(self, app: App, job: ImportJob, members: list[str], channel_counts: dict[str, int]) -> None:
        definition = job.response["Definition"]
        assert job.segment_id is not None
        segment = app.segments.get(job.segment_id)
        now = self._timestamp()
        if segment is None:
            name = definition.get("SegmentName") or definition["S3Url"].rstrip("/").rsplit("/", 1)[-1]
            segment = Segment(id=job.segment_id, name=name, creation_date=now)
            app.segments[segment.id] = segment
        elif definition.get("SegmentName"):
            segment.name = definition["SegmentName"]
        segment.members.append(frozenset(members))
        segment.versions.append(
            {
                "ApplicationId": app.id,
                "Arn": f"{app.arn}/segments/{segment.id}",
                "CreationDate": segment.creation_date,
                "LastModifiedDate": now,
                "Id": segment.id,
                "Name": segment.name,
                "SegmentType": "IMPORT",
                "Version": len(segment.versions) + 1,
                "ImportDefinition": {
                    "ChannelCounts": channel_counts,
                    "ExternalId": definition["ExternalId"],
                    "Format": definition["Format"],
                    "RoleArn": definition["RoleArn"],
                    "S3Url": definition["S3Url"],
                    "Size": len(members),
                },
            }
        )

    def _read_rows(self, bucket: str, key: str, file_format: str) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
        body = self._s3_client().get_object(Bucket=bucket, Key=key)["Body"]
        text = io.TextIOWrapper(body, encoding="utf-8-sig", newline="")
        if file_format == "CSV":
            reader = csv.reader(text)
            header = next(reader, None)
            if not header:
                raise ValueError("empty file: a header row is required")
            header = [h.strip() for h in header]
            unknown = [h for h in header if not _known_column(h)]
            if unknown:
                raise ValueError(f"unrecognized columns: {', '.join(unknown)}")
            plan = _csv_plan(header)
            for line, values in data_rows(reader):
                if len(values) != len(header):
                    yield line, RowError(f"expected {len(header)} values, found {len(values)}")
                    continue
                try:
                    yield line, _row_from_csv(header, values, plan)
                except RowError as error:
                    yield line, error
        else:
            validator = ParamValidator()
            for line, row, problem in json_lines(text):
                if problem is not None:
                    yield line, RowError(f"malformed JSON: {problem.msg}")
                elif not isinstance(row, dict):
                    yield line, RowError("an endpoint definition must be a JSON object")
                elif (report := validator.validate(row, _ENDPOINT_ITEM_SHAPE)).has_errors():
                    yield line, RowError(report.generate_report().replace("\n", " "))
                else:
                    yield line, row

    @staticmethod
    def _restore_endpoint(app: App, endpoint_id: str, raw: bytes | None) -> None:
        """Put an endpoint back as it was before an import changed it (``raw``: its stored form, None: absent);
        a restored endpoint keeps its place."""
        current = app.endpoints.get(endpoint_id)
        user_id = (current.get("User") or {}).get("UserId") if current else None
        if user_id is not None:
            app._unindex(user_id, endpoint_id)
        app.endpoints.restore(endpoint_id, raw)
        old_user = (pickle.loads(raw).get("User") or {}).get("UserId") if raw is not None else None
        if old_user is not None and endpoint_id not in app.by_user.get(old_user, ()):
            app.by_user[old_user] = (*app.by_user.get(old_user, ()), endpoint_id)

    def _import_row(self, app: App, row: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
        endpoint_id = row.get("Id")
        body = {k: v for k, v in row.items() if k != "Id" and v not in (None, "", {}, [])}
        if endpoint_id:
            if endpoint_id not in app.endpoints and not (body.get("ChannelType") and body.get("Address")):
                raise RowError(f"Endpoint {endpoint_id} not found")
        else:
            if not body.get("ChannelType") or not body.get("Address"):
                raise RowError("ChannelType and Address are required for a new endpoint")
            endpoint_id = generate_endpoint_id()
        endpoint = self._merged_endpoint(app, endpoint_id, body, request_id)
        app.store(endpoint)
        return endpoint


def _known_column(column: str) -> bool:
    head, _, rest = column.partition(".")
    if not rest:
        return column in ("Id", *_SIMPLE_FIELDS)
    if head == "User":
        return rest == "UserId" or (rest.startswith("UserAttributes.") and len(rest) > len("UserAttributes."))
    return head in ("Attributes", "Metrics", *_STRUCT_FIELDS)


def _csv_plan(header: list[str]) -> list[tuple[str, str, str]]:
    """Per column of a CSV import file: (where the value goes, its name there, the column) — worked out once per
    file instead of once per value."""
    plan = []
    for column in header:
        head, _, rest = column.partition(".")
        if not rest:
            plan.append(("top", head, column))
        elif head == "User":
            plan.append(("user_id", "", column) if rest == "UserId" else ("user_attr", rest.partition(".")[2], column))
        elif head == "Attributes":
            plan.append(("attr", rest, column))
        elif head == "Metrics":
            plan.append(("metric", rest, column))
        elif head == "Location" and rest in _NUMERIC_LOCATION:
            plan.append(("location_number", rest, column))
        else:
            plan.append((head, rest, column))  # Demographic.<field>, Location.<field>: a nested string
    return plan


def _row_from_csv(
    header: list[str], values: list[str], plan: list[tuple[str, str, str]] | None = None
) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for (kind, name, column), raw in zip(plan or _csv_plan(header), values, strict=True):
        value = raw.strip()
        if value == "":
            continue
        if kind == "top":
            row[name] = value
        elif kind == "user_id":
            row.setdefault("User", {})["UserId"] = value
        elif kind == "user_attr":
            row.setdefault("User", {}).setdefault("UserAttributes", {})[name] = [value]
        elif kind == "attr":
            row.setdefault("Attributes", {})[name] = [value]
        elif kind == "metric":
            try:
                row.setdefault("Metrics", {})[name] = float(value)
            except ValueError:
                raise RowError(f"{column} must be a number: {value}") from None
        elif kind == "location_number":
            try:
                row.setdefault("Location", {})[name] = float(value)
            except ValueError:
                raise RowError(f"{column} must be a number: {value}") from None
        else:
            row.setdefault(kind, {})[name] = value
    return row
