"""Segments as Amazon Connect Customer Profiles segment definitions (the Pinpoint successor for outbound campaigns).

One execution per segment export ``segments/<dataset group>/<job name>/<segment>.csv`` (header ``USER_ID``):

1. ``prepare`` — the segment's definition name (``definition_name``: the segment name ``core.naming`` derives from
   the segment's identity, ``[A-Za-z0-9_-]``, at most 64 characters), a per-segment lock (one execution at a time per
   definition), and the **membership slot** to write. Membership lives in a custom profile attribute, in one of two
   slots per segment (``ct_<definition>_a`` / ``_b``), holding a version token (a hash of the export's key, ETag and
   the field mapping). The live definition selects ``<current slot> = <current token>``; a new version writes the
   *other* slot for its members and, only once every upload job has succeeded, the definition is replaced by one
   selecting ``<new slot> = <new token>``. So people who left the segment are no longer selected (their new slot
   holds an older token or nothing), a failed upload leaves the previous definition exactly as it was, and the
   definition keeps its name and ARN (campaigns keep their source). Customer Profiles has no UpdateSegmentDefinition:
   the replacement is DeleteSegmentDefinition + CreateSegmentDefinition under the same name.
   An export whose token the live definition already selects is ``unchanged`` (identical re-delivery is a no-op).
2. ``build_profiles`` — a streaming join of the export with the users dataset (``train/<dataset group>/users.csv``
   or ``users/`` parts) writes the upload CSVs: ``USER_ID``, the mapped columns (``connect_field_mapping``) and
   ``CT_SEGMENT_VERSION`` (the token), in parts below the 1 GB upload limit, UTF-8, each with a header row
   (https://docs.aws.amazon.com/connect/latest/adminguide/customer-segments-imported-files.html). Users without a
   value in any mapped contact field (e-mail or phone) are counted and left out, never imported as empty profiles.

Memory: the segment's user ids (and the ids already written, to drop duplicate rows of the users dataset) are held as
64-bit hashes in ``ses_contacts.CompactIdSet`` (~8.5 bytes per id); the users dataset is streamed row by row.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from contextual_targeting.core import layout, ses_contacts
from contextual_targeting.core.ses_contacts import CompactIdSet, ExportObject, parse_export_key
from contextual_targeting.core.storage import Storage
from contextual_targeting.core.text_errors import not_utf8

__all__ = ["ExportObject", "parse_export_key"]

MAX_NAME = 64
# The upload limit is "under 1GB"; parts stay below 1,000,000,000 bytes (a few rows of margin under 1 GiB too).
MAX_UPLOAD_BYTES = 1_000_000_000
VERSION_COLUMN = "CT_SEGMENT_VERSION"
USER_ID_COLUMN = "USER_ID"
DESCRIPTION_PREFIX = "contextual-targeting segment"
DEFAULT_FIELD_MAPPING = {"E_MAIL": "EmailAddress", "GENDER": "GenderString", "AGE": "Attributes.AGE"}
CONTACT_FIELDS = {
    "EmailAddress": "EMAIL_ADDRESS",
    "PersonalEmailAddress": "EMAIL_ADDRESS",
    "BusinessEmailAddress": "EMAIL_ADDRESS",
    "PhoneNumber": "PHONE_NUMBER",
    "MobilePhoneNumber": "PHONE_NUMBER",
    "HomePhoneNumber": "PHONE_NUMBER",
    "BusinessPhoneNumber": "PHONE_NUMBER",
}
NAME_FIELDS = ("FirstName", "MiddleName", "LastName", "BusinessName")
STANDARD_FIELDS = (
    *CONTACT_FIELDS,
    *NAME_FIELDS,
    "AccountNumber",
    "AdditionalInformation",
    "BirthDate",
    "GenderString",
    "PartyTypeString",
)
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_COLUMN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_EXPORTED = re.compile(r"exported (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\)")


class InputInvalid(Exception):
    """The export or the users dataset cannot be used as it is."""


class MappingInvalid(Exception):
    """The field mapping (connect_field_mapping) names no contact field or an unknown target."""


class SegmentBusy(Exception):
    """Another execution is updating this segment definition; Step Functions retries with backoff."""


# ------------------------------------------------------------------------------------------------ names
def identity_name(parts: Iterable[str], max_len: int = MAX_NAME) -> str:
    """A name from a segment's identity parts: ``[A-Za-z0-9_-]``, at most ``max_len`` characters.

    The readable form joins the parts with ``-``; when it had to be changed (characters outside the set) or cut, an
    8-hex digest of the exact parts keeps distinct identities distinct.
    """
    parts = list(parts)
    exact = "-".join(parts)
    readable = _UNSAFE.sub("-", exact).strip("-_") or "segment"
    if readable == exact and len(readable) <= max_len and readable[0].isalnum():
        return readable
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:8]
    return f"{readable[: max_len - 9].rstrip('-_')}-{digest}"


def definition_name(export: ExportObject) -> str:
    """The segment definition's name: the export's segment name, which ``core.naming`` builds from the segment's
    identity (dataset group, solution, job entry, query + hash) within Customer Profiles' rules
    (``^[a-zA-Z0-9_-]+$``, at most 64). An export named otherwise (written by hand) gets ``identity_name`` of its
    dataset group and name, so two dataset groups never share a definition."""
    name = export.segment_name
    if _NAME.fullmatch(name) and name[0].isalnum():
        return name
    return identity_name([export.dataset_group, export.segment_name])


def slot_attribute(definition: str, slot: str) -> str:
    return f"ct_{definition}_{slot}"


def lock_key(prefix: str, definition: str) -> str:
    return f"{prefix}locks/{definition}.json"


def upload_part_key(prefix: str, definition: str, token: str, index: int) -> str:
    return f"{prefix}uploads/{definition}/{token}/part-{index:05d}.csv"


# ------------------------------------------------------------------------------------------------ the mapping
@dataclass(frozen=True)
class FieldMapping:
    """users.csv columns → Customer Profiles standard fields (``EmailAddress``…) or ``Attributes.<name>``."""

    columns: dict[str, str]
    user_id_target: str = "AccountNumber"

    @classmethod
    def parse(cls, text: str | None, user_id_target: str = "AccountNumber") -> FieldMapping:
        mapping = json.loads(text) if text else dict(DEFAULT_FIELD_MAPPING)
        if not isinstance(mapping, dict) or not mapping:
            raise MappingInvalid("the field mapping must be a JSON object of users.csv column → profile field")
        columns = {str(k).strip().upper(): str(v) for k, v in mapping.items()}
        for column, target in [*columns.items(), (USER_ID_COLUMN, user_id_target)]:
            if not _COLUMN.match(column) or column == VERSION_COLUMN:
                raise MappingInvalid(f"column {column!r}: 1-64 letters, digits, '_', '.', '-' (not {VERSION_COLUMN})")
            if target not in STANDARD_FIELDS and not re.match(r"^Attributes\.[A-Za-z0-9_-]{1,255}$", target):
                raise MappingInvalid(
                    f"column {column}: {target!r} is neither a standard profile field ({', '.join(STANDARD_FIELDS)}) "
                    "nor Attributes.<name>"
                )
        if USER_ID_COLUMN in columns:
            raise MappingInvalid("USER_ID is the unique key (connect_user_id_field): do not map it again")
        if not any(t in CONTACT_FIELDS for t in columns.values()):
            raise MappingInvalid(
                f"the field mapping names no contact field ({', '.join(CONTACT_FIELDS)}): campaigns could reach nobody"
            )
        return cls(columns, user_id_target)

    def contact_columns(self) -> list[str]:
        return [c for c, t in self.columns.items() if t in CONTACT_FIELDS]

    def upload_fields(self, slot_attr: str) -> dict[str, dict[str, str]]:
        """``Fields`` of CreateUploadJob: every upload column → ``{Source, Target, ContentType}``."""

        def field(column: str, target: str) -> dict[str, str]:
            kind = CONTACT_FIELDS.get(target, "NAME" if target in NAME_FIELDS else "STRING")
            return {"Source": f"_source.{column}", "Target": f"_profile.{target}", "ContentType": kind}

        fields = {USER_ID_COLUMN: field(USER_ID_COLUMN, self.user_id_target)}
        fields.update({c: field(c, t) for c, t in self.columns.items()})
        fields[VERSION_COLUMN] = field(VERSION_COLUMN, f"Attributes.{slot_attr}")
        return fields

    def fingerprint(self) -> str:
        return json.dumps([self.user_id_target, sorted(self.columns.items())])


# ------------------------------------------------------------------------------------------------ prepare
def version_token(export: ExportObject, etag: str, mapping: FieldMapping) -> str:
    text = f"{export.key}\n{etag.strip(chr(34))}\n{mapping.fingerprint()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def current_selection(definition: dict[str, Any], name: str) -> tuple[str, str] | None:
    """``(slot, token)`` the live definition selects, if it is one of ours."""
    for group in definition.get("SegmentGroups", {}).get("Groups", []):
        for dimension in group.get("Dimensions", []):
            for attr, condition in dimension.get("ProfileAttributes", {}).get("Attributes", {}).items():
                for slot in ("a", "b"):
                    if attr == slot_attribute(name, slot) and condition.get("Values"):
                        return slot, str(condition["Values"][0])
    return None


def segment_groups(slot_attr: str, token: str) -> dict[str, Any]:
    return {
        "Include": "ALL",
        "Groups": [
            {
                "Type": "ALL",
                "Dimensions": [
                    {
                        "ProfileAttributes": {
                            "Attributes": {slot_attr: {"DimensionType": "INCLUSIVE", "Values": [token]}}
                        }
                    }
                ],
            }
        ],
    }


def prepare(
    profiles: Any,
    domain: str,
    export: ExportObject,
    etag: str,
    mapping: FieldMapping,
    *,
    region: str,
    account: str,
    partition: str = "aws",
    exported_at: str = "",
) -> dict[str, Any]:
    """What this execution does for the export (see the module docstring); no user data in the answer.

    ``exported_at`` (the export's S3 LastModified, ISO 8601 UTC) is recorded in the definition's description; an
    export older than the one the live definition stands for is ``superseded`` (two runs' exports waiting for the
    lock may be served out of order: the older one never replaces the newer)."""
    name = definition_name(export)
    token = version_token(export, etag, mapping)
    try:
        live = profiles.get_segment_definition(DomainName=domain, SegmentDefinitionName=name)
    except profiles.exceptions.ResourceNotFoundException:
        live = None
    selected = current_selection(live, name) if live else None
    if live is not None and selected is None:
        raise InputInvalid(
            f"segment definition {name} exists in domain {domain} and was not created by this solution: rename or "
            "delete it"
        )
    live_exported = _EXPORTED.search(str(live.get("Description", ""))) if live else None
    action = "unchanged" if selected and selected[1] == token else "import"
    if action == "import" and live_exported and exported_at and exported_at < live_exported.group(1):
        action = "superseded"
    slot = "b" if selected and selected[0] == "a" else "a"
    if action != "import":
        slot = selected[0]  # type: ignore[index]
    attr = slot_attribute(name, slot)
    return {
        "action": action,
        "definition_name": name,
        "definition_arn": f"arn:{partition}:profile:{region}:{account}:domains/{domain}/segment-definitions/{name}",
        "definition_exists": live is not None,
        "display_name": export.segment_name[:255],
        "description": (
            f"{DESCRIPTION_PREFIX} {export.segment_name} (dataset group {export.dataset_group}, job "
            f"{export.job_name}, version {token}, exported {exported_at or 'unknown'})"
        )[:4000],
        "slot": slot,
        "slot_attribute": attr,
        "token": token,
        "previous_token": selected[1] if selected else None,
        "segment_groups": segment_groups(attr, token),
        "fields": mapping.upload_fields(attr),
        "unique_key": USER_ID_COLUMN,
    }


def acquire(s3: Any, bucket: str, prefix: str, definition: str, owner: str, ttl_seconds: int) -> None:
    try:
        ses_contacts.acquire_lock(s3, bucket, lock_key(prefix, definition), owner, ttl_seconds)
    except ses_contacts.ListBusy as busy:
        raise SegmentBusy(str(busy).replace("contact list", f"segment {definition}")) from None


def release(s3: Any, bucket: str, prefix: str, definition: str, owner: str) -> bool:
    return ses_contacts.release_lock(s3, bucket, lock_key(prefix, definition), owner)


# ------------------------------------------------------------------------------------------------ the join
def _text_lines(stream: Any) -> io.TextIOWrapper:
    return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")


def iter_users(storage: Storage, keys: Iterable[str], columns: list[str]) -> Iterator[tuple[str, list[str]]]:
    """``(USER_ID, [values of columns])`` of every row of the users dataset, streamed; clear errors, no tracebacks."""
    for key in keys:
        with _text_lines(storage.open_read(key)) as lines:
            reader = csv.reader(lines)
            try:
                header = [h.strip().upper() for h in next(reader, [])]
                missing = [c for c in [USER_ID_COLUMN, *columns] if c not in header]
                if missing:
                    raise InputInvalid(
                        f"users dataset {storage.url(key)} line 1: no column {', '.join(missing)} (header {header}); "
                        "add it or change connect_field_mapping"
                    )
                id_at = header.index(USER_ID_COLUMN)
                at = [header.index(c) for c in columns]
                width = max([id_at, *at])
                for row in reader:
                    if len(row) > width:
                        yield row[id_at], [row[i].strip() for i in at]  # the id exactly as Personalize has it
            except UnicodeDecodeError:  # the decoder reads ahead: find the line itself
                raise InputInvalid(not_utf8(f"users dataset {storage.url(key)}", storage.open_read(key))) from None
            except csv.Error as error:
                raise InputInvalid(
                    f"users dataset {storage.url(key)} line {reader.line_num + 1}: not a CSV file ({error})"
                ) from None


class _Seen:
    """Which members were met already: one bit per member of a frozen ``CompactIdSet`` (5M members: 625 kB)."""

    def __init__(self, members: CompactIdSet) -> None:
        self._buckets = members._buckets  # sorted arrays of the frozen set
        self._offsets = list(itertools.accumulate((len(b) for b in self._buckets), initial=0))
        self._bits = bytearray((self._offsets[-1] + 7) // 8)

    def mark(self, user_id: str) -> bool:
        """True the first time a member is met, False after."""
        h = hash(user_id)
        index = h & (len(self._buckets) - 1)
        position = self._offsets[index] + bisect.bisect_left(self._buckets[index], h)
        byte, bit = divmod(position, 8)
        if self._bits[byte] >> bit & 1:
            return False
        self._bits[byte] |= 1 << bit
        return True


class _PartWriter:
    """Upload CSVs below ``max_bytes`` each, every part with the header row."""

    def __init__(self, storage: Storage, keys: Any, header: list[str], max_bytes: int) -> None:
        self.storage, self.keys, self.max_bytes = storage, keys, max_bytes
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, lineterminator="\n")
        self.header_bytes = self._encode(header)
        self.parts: list[dict[str, Any]] = []
        self._out: Any = None
        self._size = 0
        self._rows = 0
        self._pending: list[bytes] = []
        self._pending_size = 0

    def _encode(self, row: list[str]) -> bytes:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._csv.writerow(row)
        return self._buffer.getvalue().encode("utf-8")

    def write(self, row: list[str]) -> None:
        data = self._encode(row)
        if len(self.header_bytes) + len(data) > self.max_bytes:
            raise InputInvalid(f"one profile row is {len(data)} bytes, more than the upload limit {self.max_bytes}")
        if self._out is not None and self._size + self._pending_size + len(data) > self.max_bytes:
            self._finish()
        if self._out is None:
            key = self.keys(len(self.parts))
            self._out = self.storage.open_write(key)
            self.parts.append({"key": key, "rows": 0, "bytes": 0})
            self._out.write(self.header_bytes)
            self._size, self._rows = len(self.header_bytes), 0
        self._pending.append(data)
        self._pending_size += len(data)
        self._rows += 1
        if self._pending_size > 1 << 20:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._out.write(b"".join(self._pending))
            self._size += self._pending_size
            self._pending, self._pending_size = [], 0

    def _finish(self) -> None:
        self._flush()
        self._out.close()
        self.parts[-1].update(rows=self._rows, bytes=self._size)
        self._out = None

    def close(self) -> list[dict[str, Any]]:
        if self._out is not None:
            self._finish()
        return self.parts

    def abort(self) -> None:
        if self._out is not None:
            self._out.abort()
            self._out = None


def build_profiles(
    storage: Storage,
    export: ExportObject,
    mapping: FieldMapping,
    token: str,
    *,
    prefix: str = layout.CONNECT_PREFIX,
    train_prefix: str = layout.TRAIN_PREFIX,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> dict[str, Any]:
    """Write the upload parts of one segment version; returns ``{"parts", "part_count", "counts"}``."""
    members = ses_contacts.read_id_set(storage, export.key, what="export")
    definition = definition_name(export)
    columns = list(mapping.columns)
    contact_at = [columns.index(c) for c in mapping.contact_columns()]
    writer = _PartWriter(
        storage,
        lambda index: upload_part_key(prefix, definition, token, index),
        [USER_ID_COLUMN, *columns, VERSION_COLUMN],
        max_bytes,
    )
    written = _Seen(members)
    counts = {"segment_users": len(members), "profiles": 0, "no_contact_field": 0, "users_rows_read": 0}
    duplicates = 0
    found = 0
    try:
        keys = ses_contacts.users_keys(storage, train_prefix, export.dataset_group)
        for user_id, values in iter_users(storage, keys, columns):
            counts["users_rows_read"] += 1
            if user_id not in members:
                continue
            if not written.mark(user_id):
                duplicates += 1  # a user listed twice in the users dataset: the first row is imported
                continue
            found += 1
            if not any(values[i] for i in contact_at):
                counts["no_contact_field"] += 1
                continue
            writer.write([user_id, *values, token])
            counts["profiles"] += 1
        parts = writer.close()
    except BaseException:
        writer.abort()
        raise
    counts["not_in_users_dataset"] = counts["segment_users"] - found
    counts["duplicate_user_rows"] = duplicates
    _remove_stale_parts(storage, prefix, definition, token, len(parts))
    return {"parts": parts, "part_count": len(parts), "counts": counts}


def _remove_stale_parts(storage: Storage, prefix: str, definition: str, token: str, keep: int) -> None:
    """Earlier versions' upload files of this definition and parts beyond this run's count (files this module wrote)."""
    wanted = {upload_part_key(prefix, definition, token, i) for i in range(keep)}
    for key in list(storage.list(f"{prefix}uploads/{definition}/")):
        if key not in wanted:
            storage.delete(key)


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


# ------------------------------------------------------------------------------------------------ the upload
class UploadRejected(Exception):
    """The pre-signed upload URL refused the file (expired URL, wrong encryption headers…)."""


def upload_part(profiles: Any, s3: Any, bucket: str, key: str, domain: str, job_id: str, timeout: int = 600) -> int:
    """PUT one upload CSV from S3 to the job's pre-signed URL (GetUploadJobPath), streamed; returns the bytes sent.

    The client token is the plaintext data key of the file's SSE-C encryption: it is sent as the three
    ``x-amz-server-side-encryption-customer-*`` headers the API documents and never returned, logged or put in
    Step Functions state (https://docs.aws.amazon.com/customerprofiles/latest/APIReference/API_GetUploadJobPath.html).
    """
    import base64
    import urllib.error
    import urllib.request

    path = profiles.get_upload_job_path(DomainName=domain, JobId=job_id)
    token = path["ClientToken"]
    digest = base64.b64encode(hashlib.md5(base64.b64decode(token)).digest()).decode()  # the API asks for MD5
    source = s3.get_object(Bucket=bucket, Key=key)
    size = int(source["ContentLength"])
    request = urllib.request.Request(
        path["Url"],
        data=source["Body"],
        method="PUT",
        headers={
            "Content-Length": str(size),
            "Content-Type": "text/csv",
            "x-amz-server-side-encryption-customer-algorithm": "AES256",
            "x-amz-server-side-encryption-customer-key": token,
            "x-amz-server-side-encryption-customer-key-MD5": digest,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read()
    except urllib.error.HTTPError as error:
        detail = error.read()[:300].decode("utf-8", "replace")
        raise UploadRejected(f"upload of s3://{bucket}/{key} for job {job_id} refused: {error.code} {detail}") from None
    return size
