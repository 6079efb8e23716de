"""Segments as Amazon SES (v2) contact-list topics: topic management and the contact-import files.

One execution per segment export ``segments/<dataset group>/<job name>/<segment>.csv`` (header ``USER_ID``):

1. ``ensure_topic`` — the account's one contact list (created when missing, or an existing one named by the
   operator) gets a topic for the segment. Topics this solution creates are marked by their description
   (``DESCRIPTION_PREFIX`` + creation time); at SES's 20-topic limit the **oldest of ours** are replaced, never a
   topic we did not create; if none of ours can go, ``TopicLimitReached``. A registry object
   ``<ses prefix>topics/<topic>.json`` remembers which export a topic stands for.
2. ``build_contacts`` — a streaming join of the export with the users dataset (``train/<dataset group>/users.csv``
   or ``users/`` parts, columns ``USER_ID`` and ``E_MAIL``) writes SES's documented import CSV
   (``emailAddress,unsubscribeAll,topicPreferences.<topic>…``) in parts of at most ``max_rows`` records (SES takes up
   to 1,000,000 contacts per import job). An import ``PUT`` overrides an existing contact with the record
   (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ContactListDestination.html), so every row states
   every topic of the list: our other topics from their membership snapshots, the topics we did not create from
   what SES holds. **Consent is read from SES, never from our snapshots** (``read_list_state``: ``ListContacts``
   filtered on explicit preferences): an address unsubscribed from all topics gets no row; an explicit ``OPT_OUT``
   for any topic stays ``OPT_OUT``; a user who left the segment gets no preference for the topic (blank: the
   topic's default ``OPT_OUT`` applies), so every explicit ``OPT_OUT`` in the list is somebody's own choice and a
   returning member who never opted out is subscribed again. **One row per address**: users sharing an address
   (compared case-insensitively) are merged, the address written exactly as the first of them gave it.
3. The **membership snapshot** ``<ses prefix>topics/<topic>/members.csv`` holds the users who may hold a
   subscription to the topic in SES: the build writes it as the members it subscribes plus the previous members it
   unsubscribes (their rows are not imported yet), and ``commit_part`` drops each part's leavers
   (``topics/<topic>/leavers/part-N.csv``) once that part's import job COMPLETED. A failed part therefore loses
   nothing: the next run still unsubscribes whoever the failed run subscribed or did not reach.

Memory: user ids are held as 64-bit hashes in ``CompactIdSet`` (4096 sorted ``array('q')`` buckets, ~8-10 bytes per
id: 5M ids ≈ 43 MB, against ~400 MB for a Python ``set`` of strings); the users dataset is streamed row by row.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from contextual_targeting.core import layout
from contextual_targeting.core.segments import encode_csv_rows
from contextual_targeting.core.storage import Storage
from contextual_targeting.core.text_errors import not_utf8

MAX_TOPICS = 20
MAX_TOPIC_NAME = 64
MAX_IMPORT_ROWS = 1_000_000
DESCRIPTION_PREFIX = "contextual-targeting segment"
TOPIC_COLUMN = "topicPreferences."
_BUCKETS = 4096
_TOPIC_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_CREATED = re.compile(r"created (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")
EMAIL = re.compile(
    r"^[^@\s\"(),:;<>\[\\\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


class InputInvalid(Exception):
    """The export or the users dataset cannot be used as it is."""


class TopicLimitReached(Exception):
    """The contact list has 20 topics and none of them was created by this solution."""


class ContactListConflict(Exception):
    """The account already has a contact list with another name (SES allows one per account)."""


class TopicUpdateConflict(Exception):
    """A concurrent UpdateContactList dropped our change; Step Functions retries."""


class ListBusy(Exception):
    """Another execution holds the contact list's lock; Step Functions retries with backoff."""


# ------------------------------------------------------------------------------------------------ names
@dataclass(frozen=True)
class ExportObject:
    dataset_group: str
    job_name: str
    segment_name: str
    key: str


def parse_export_key(key: str, prefix: str = layout.EXPORT_PREFIX) -> ExportObject | None:
    """``segments/<dataset group>/<job>/<segment>.csv`` → its parts; anything else (the summary) → None."""
    if not key.startswith(prefix) or not key.endswith(".csv"):
        return None
    parts = key[len(prefix) :].split("/")
    if len(parts) != 3 or not all(parts) or parts[2].startswith("_"):
        return None
    return ExportObject(parts[0], parts[1], parts[2][: -len(".csv")], key)


def topic_name(segment_name: str) -> str:
    """A topic name from a segment name: ``[A-Za-z0-9_-]``, at most 64 characters (cut + 8-hex digest if longer).

    The name is also a CSV header (``topicPreferences.<name>``), so dots, commas and quotes never appear in it.
    """
    name = _TOPIC_UNSAFE.sub("-", segment_name).strip("-") or "segment"
    if len(name) <= MAX_TOPIC_NAME and name == segment_name:
        return name
    digest = hashlib.sha256(segment_name.encode()).hexdigest()[:8]
    return f"{name[: MAX_TOPIC_NAME - 9].rstrip('-')}-{digest}"


def topic_description(export: ExportObject, now: dt.datetime) -> str:
    created = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{DESCRIPTION_PREFIX} {export.segment_name} (dataset group {export.dataset_group}, created {created})"


def is_ours(topic: dict[str, Any]) -> bool:
    return str(topic.get("Description", "")).startswith(DESCRIPTION_PREFIX)


def _created(topic: dict[str, Any]) -> str:
    match = _CREATED.search(str(topic.get("Description", "")))
    return match.group(1) if match else ""


# ------------------------------------------------------------------------------------------------ the list lock
# An import PUT replaces whole contact records, and each import file carries the topics that existed when it was
# built: two segments imported at the same time could each drop the other's fresh subscriptions. One execution at a
# time works on a contact list: a lock object taken with S3 conditional writes (If-None-Match: *), owned by the
# execution, taken over when it has expired (an execution that died without releasing it).
def lock_key(ses_prefix: str, list_name: str) -> str:
    return f"{ses_prefix}locks/{list_name}.json"


def acquire_lock(s3: Any, bucket: str, key: str, owner: str, ttl_seconds: int, now: dt.datetime | None = None) -> None:
    now = now or dt.datetime.now(dt.UTC)
    body = json.dumps({"owner": owner, "expires": (now + dt.timedelta(seconds=ttl_seconds)).isoformat()}).encode()
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, IfNoneMatch="*", ContentType="application/json")
        return
    except s3.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("PreconditionFailed", "ConditionalRequestConflict"):
            raise
    try:
        current = s3.get_object(Bucket=bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        raise ListBusy(f"the lock {key} was just released: retrying") from None
    held = json.loads(current["Body"].read() or b"{}")
    if held.get("owner") == owner:
        return  # a retried invocation of the holder
    expires = dt.datetime.fromisoformat(str(held.get("expires", "1970-01-01T00:00:00+00:00")))
    if expires > now:
        raise ListBusy(f"the contact list is being updated by {held.get('owner')} (lock {key} until {expires})")
    try:  # expired: take it over, unless someone else just did
        s3.put_object(Bucket=bucket, Key=key, Body=body, IfMatch=current["ETag"], ContentType="application/json")
    except s3.exceptions.ClientError as error:
        raise ListBusy(f"the expired lock {key} was taken over concurrently: {error}") from None


def release_lock(s3: Any, bucket: str, key: str, owner: str) -> bool:
    """Delete the lock if ``owner`` holds it; True when it did."""
    try:
        held = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read() or b"{}")
    except s3.exceptions.NoSuchKey:
        return False
    if held.get("owner") != owner:
        return False
    s3.delete_object(Bucket=bucket, Key=key)
    return True


# ------------------------------------------------------------------------------------------------ topics
def ensure_topic(
    ses: Any,
    list_name: str,
    export: ExportObject,
    *,
    create_list: bool,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Make sure ``list_name`` exists and has the segment's topic; returns what was done.

    ``{"contact_list", "list_created", "topic_name", "topic_created", "replaced_topics", "our_topics"}``.
    """
    now = now or dt.datetime.now(dt.UTC)
    name = topic_name(export.segment_name)
    new_topic = {
        "TopicName": name,
        "DisplayName": export.segment_name[:128],
        "Description": topic_description(export, now),
        "DefaultSubscriptionStatus": "OPT_OUT",
    }
    try:
        current = ses.get_contact_list(ContactListName=list_name)
    except ses.exceptions.NotFoundException:
        if not create_list:
            raise ContactListConflict(
                f"contact list {list_name} does not exist and ses_create_contact_list is false: create it, or "
                "let the solution create it"
            ) from None
        try:
            ses.create_contact_list(
                ContactListName=list_name,
                Description="Segments of contextual-targeting (Amazon Personalize item-attribute affinity)",
                Topics=[new_topic],
            )
        except ses.exceptions.LimitExceededException:
            existing = [c["ContactListName"] for c in ses.list_contact_lists().get("ContactLists", [])]
            raise ContactListConflict(
                f"SES allows one contact list per account and this account has {', '.join(existing) or 'one'}: set "
                f"ses_contact_list_name to it (topics are added to it; topics not created by this solution are "
                "never removed)"
            ) from None
        except ses.exceptions.AlreadyExistsException:
            raise TopicUpdateConflict(f"contact list {list_name} was created concurrently") from None
        return _ensured(list_name, True, name, True, [], [new_topic])

    topics: list[dict[str, Any]] = [dict(t) for t in current.get("Topics", [])]
    if any(t["TopicName"] == name for t in topics):
        return _ensured(list_name, False, name, False, [], topics)
    replaced: list[str] = []
    if len(topics) >= MAX_TOPICS:
        ours = sorted((t for t in topics if is_ours(t)), key=_created)  # stable: list order breaks ties
        excess = len(topics) - MAX_TOPICS + 1
        if len(ours) < excess:
            raise TopicLimitReached(
                f"contact list {list_name} has {len(topics)} topics (the SES maximum is {MAX_TOPICS}) and "
                f"{'none' if not ours else f'only {len(ours)}'} of them was created by this solution: remove a topic "
                f"or use another list for segment {export.segment_name}"
            )
        replaced = [t["TopicName"] for t in ours[:excess]]
        topics = [t for t in topics if t["TopicName"] not in replaced]
    topics.append(new_topic)
    update: dict[str, Any] = {"ContactListName": list_name, "Topics": topics}
    if current.get("Description") is not None:
        update["Description"] = current["Description"]
    try:
        ses.update_contact_list(**update)
    except ses.exceptions.ConcurrentModificationException:
        raise TopicUpdateConflict(f"contact list {list_name} changed while adding topic {name}") from None
    # UpdateContactList replaces the whole topic list: a concurrent execution may have written over us.
    after = ses.get_contact_list(ContactListName=list_name).get("Topics", [])
    if not any(t["TopicName"] == name for t in after):
        raise TopicUpdateConflict(f"topic {name} was lost to a concurrent update of {list_name}")
    return _ensured(list_name, False, name, True, replaced, after)


def _ensured(
    list_name: str, list_created: bool, name: str, created: bool, replaced: list[str], topics: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "contact_list": list_name,
        "list_created": list_created,
        "topic_name": name,
        "topic_created": created,
        "replaced_topics": replaced,
        "our_topics": sorted(t["TopicName"] for t in topics if is_ours(t)),
    }


def prepare_topic(
    s3: Any,
    ses: Any,
    bucket: str,
    key: str,
    owner: str,
    *,
    list_name: str,
    create_list: bool,
    export_prefix: str = layout.EXPORT_PREFIX,
    ses_prefix: str = layout.SES_PREFIX,
    lock_ttl_seconds: int = 43200,
) -> dict[str, Any]:
    """The ``ses_segment_topic`` step for the object ``bucket``/``key`` that started execution ``owner``.

    A segment export: checks its header (before touching SES), takes the contact list's lock (``ListBusy`` while
    another execution holds it), ensures the list and the topic, records which export the topic stands for, and
    returns ``{"action": "import", "segment_name", "dataset_group", "job_name", "export_key", **ensure_topic(...)}``.
    Anything else: ``{"action": "ignore", "reason"}``."""
    export = parse_export_key(key, export_prefix)
    if export is None:
        return {"action": "ignore", "reason": f"{key} is not a segment export (segments/<dg>/<job>/<segment>.csv)"}
    from contextual_targeting.core.storage import S3Storage

    storage = S3Storage(s3, bucket)
    check_export_header(storage, export.key)
    acquire_lock(s3, bucket, lock_key(ses_prefix, list_name), owner, lock_ttl_seconds)
    ensured = ensure_topic(ses, list_name, export, create_list=create_list)
    write_registry(storage, ses_prefix, ensured["topic_name"], export)
    return {
        "action": "import",
        "reason": None,
        "segment_name": export.segment_name,
        "dataset_group": export.dataset_group,
        "job_name": export.job_name,
        "export_key": export.key,
        **ensured,
    }


def release_list(s3: Any, bucket: str, owner: str, *, list_name: str, ses_prefix: str = layout.SES_PREFIX) -> bool:
    """Release the contact list's lock if execution ``owner`` holds it; True when it did."""
    return release_lock(s3, bucket, lock_key(ses_prefix, list_name), owner)


# ------------------------------------------------------------------------------------------------ compact id sets
class CompactIdSet:
    """A set of user ids as 64-bit hashes in 4096 sorted ``array("q")`` buckets (~8.5 bytes per id).

    Python's ``hash()`` of a string is a 64-bit SipHash, randomised per process: the set is built and queried in the
    same process, never persisted. Two distinct ids collide with probability 2⁻⁶⁴ per pair: looking up 10M users
    against a 5M-id segment gives a false match with probability ~3·10⁻⁶.
    """

    def __init__(self) -> None:
        self._buckets = [array("q") for _ in range(_BUCKETS)]
        self._frozen = False

    def add(self, user_id: str) -> None:
        h = hash(user_id)
        self._buckets[h & (_BUCKETS - 1)].append(h)

    def freeze(self) -> CompactIdSet:
        for index, bucket in enumerate(self._buckets):
            self._buckets[index] = array("q", sorted(set(bucket)))
        self._frozen = True
        return self

    def __contains__(self, user_id: object) -> bool:
        h = hash(user_id)
        bucket = self._buckets[h & (_BUCKETS - 1)]
        i = bisect.bisect_left(bucket, h)
        return i < len(bucket) and bucket[i] == h

    def __len__(self) -> int:
        return sum(len(b) for b in self._buckets)

    def repeated(self) -> set[int]:
        """The hashes added more than once (call before ``freeze``, which drops the repeats)."""
        found: set[int] = set()
        for bucket in self._buckets:
            ordered = sorted(bucket)
            found.update(a for a, b in itertools.pairwise(ordered) if a == b)
        return found

    def nbytes(self) -> int:
        return sum(b.itemsize * len(b) for b in self._buckets)


def _text_lines(stream: Any) -> io.TextIOWrapper:
    return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")


def read_id_set(storage: Storage, key: str, *, what: str) -> CompactIdSet:
    """The ``USER_ID`` column of a one-column CSV (an export or a membership snapshot), streamed."""
    ids = CompactIdSet()
    name = f"{what} {storage.url(key)}"
    with _text_lines(storage.open_read(key)) as lines:
        reader = csv.reader(lines)
        try:
            header = next(reader, None)
            if header is None or [h.strip().upper() for h in header[:1]] != ["USER_ID"]:
                raise InputInvalid(f"{name} line 1: the header must be USER_ID, got {header!r}")
            for row in reader:
                if not row or not row[0]:
                    if any(cell.strip() for cell in row):
                        raise InputInvalid(f"{name} line {reader.line_num}: empty USER_ID")
                    continue
                ids.add(row[0])  # exact: " 1" and "1" are two users
        except UnicodeDecodeError:
            raise InputInvalid(not_utf8(name, storage.open_read(key))) from None
        except csv.Error as error:
            raise InputInvalid(f"{name} line {reader.line_num}: not a CSV file ({error})") from None
    return ids.freeze()


def check_export_header(storage: Storage, key: str) -> None:
    """Cheap check before touching SES: the export's first line is ``USER_ID``."""
    stream = storage.open_read(key)
    try:
        first = stream.read(4096)
    finally:
        stream.close()
    line = first.split(b"\n", 1)[0].strip().lstrip(b"\xef\xbb\xbf")
    if line.upper() != b"USER_ID":
        raise InputInvalid(f"export {storage.url(key)} must start with the header USER_ID, got {line[:60]!r}")


def users_keys(storage: Storage, train_prefix: str, dataset_group: str) -> list[str]:
    """``train/<dg>/users.csv``, or the parts of ``train/<dg>/users/``."""
    single = f"{train_prefix}{dataset_group}/users.csv"
    if storage.exists(single):
        return [single]
    parts = sorted(k for k in storage.list(f"{train_prefix}{dataset_group}/users/") if k.lower().endswith(".csv"))
    if not parts:
        raise InputInvalid(
            f"no users dataset for dataset group {dataset_group}: expected {storage.url(single)} or CSV files under "
            f"{storage.url(f'{train_prefix}{dataset_group}/users/')}"
        )
    return parts


def iter_users(storage: Storage, keys: Iterable[str]) -> Iterator[tuple[str, str]]:
    """``(USER_ID, E_MAIL)`` of every row of the users dataset, streamed; unreadable files are ``InputInvalid``
    naming the file, the line and what to fix."""
    for key in keys:
        name = f"users dataset {storage.url(key)}"
        with _text_lines(storage.open_read(key)) as lines:
            reader = csv.reader(lines)
            try:
                header = [h.strip().upper() for h in next(reader, [])]
                missing = [c for c in ("USER_ID", "E_MAIL") if c not in header]
                if missing:
                    raise InputInvalid(
                        f"{name} line 1: no {' or '.join(missing)} column (header {header}): the SES destination "
                        "needs USER_ID and E_MAIL (the address to subscribe) in the users dataset's header line"
                    )
                id_at, email_at = header.index("USER_ID"), header.index("E_MAIL")
                width = max(id_at, email_at)
                for row in reader:
                    if len(row) > width:
                        yield row[id_at], row[email_at].strip()  # the id exactly as Personalize has it
            except UnicodeDecodeError:
                raise InputInvalid(not_utf8(name, storage.open_read(key))) from None
            except csv.Error as error:
                raise InputInvalid(f"{name} line {reader.line_num}: not a CSV file ({error})") from None


# ------------------------------------------------------------------------------------------------ the import file
@dataclass
class ContactsResult:
    parts: list[dict[str, Any]]
    counts: dict[str, int]
    topics: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"parts": self.parts, "part_count": len(self.parts), "counts": self.counts, "topics": self.topics}


def registry_key(ses_prefix: str, topic: str) -> str:
    return f"{ses_prefix}topics/{topic}.json"


def members_key(ses_prefix: str, topic: str) -> str:
    return f"{ses_prefix}topics/{topic}/members.csv"


def import_part_key(ses_prefix: str, topic: str, index: int) -> str:
    return f"{ses_prefix}imports/{topic}/part-{index:05d}.csv"


@dataclass
class ListState:
    """What the contact list holds before an import, read from SES (never from our own snapshots).

    ``topics``: every topic of the list with its ``DefaultSubscriptionStatus``, in list order; ``unsubscribed_all``:
    addresses with ``UnsubscribeAll``; ``opted_out[topic]``: addresses with an explicit ``OPT_OUT`` for the topic (the
    recipient's choice through SES's unsubscribe link, or anyone else's: this solution never writes one for a topic
    whose default is ``OPT_OUT``); ``opted_in[topic]``: explicit ``OPT_IN`` of the topics this solution did not
    create (carried over as they are, since an import ``PUT`` replaces the whole record). Addresses are compared
    lower-cased and held as 64-bit hashes.
    """

    topics: dict[str, str]
    unsubscribed_all: CompactIdSet
    opted_out: dict[str, CompactIdSet]
    opted_in: dict[str, CompactIdSet]


def _listed_addresses(ses: Any, list_name: str, filter_: dict[str, Any], page_size: int) -> CompactIdSet:
    found = CompactIdSet()
    token = None
    while True:
        kwargs: dict[str, Any] = {"ContactListName": list_name, "Filter": filter_, "PageSize": page_size}
        if token:
            kwargs["NextToken"] = token
        page = ses.list_contacts(**kwargs)
        for contact in page.get("Contacts", []):
            found.add(contact["EmailAddress"].lower())
        token = page.get("NextToken")
        if not token:
            return found.freeze()


def read_list_state(ses: Any, list_name: str, ours: Iterable[str], page_size: int = 1000) -> ListState:
    """Page through ``ListContacts`` (SES v2: ``Filter.FilteredStatus`` with an optional ``TopicFilter`` whose
    ``UseDefaultIfPreferenceUnavailable`` is false, so only explicit preferences match —
    https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListContacts.html,
    https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_TopicFilter.html): once for the contacts unsubscribed
    from all topics, once per topic for the explicit opt-outs, and once per foreign topic for its explicit opt-ins.
    The topics and their defaults come from ``GetContactList``."""
    ours = set(ours)
    topics = {
        t["TopicName"]: t.get("DefaultSubscriptionStatus", "OPT_OUT")
        for t in ses.get_contact_list(ContactListName=list_name).get("Topics", [])
    }

    def explicit(name: str, status: str) -> CompactIdSet:
        topic_filter = {"TopicName": name, "UseDefaultIfPreferenceUnavailable": False}
        return _listed_addresses(ses, list_name, {"FilteredStatus": status, "TopicFilter": topic_filter}, page_size)

    return ListState(
        topics=topics,
        unsubscribed_all=_listed_addresses(ses, list_name, {"FilteredStatus": "OPT_OUT"}, page_size),
        opted_out={name: explicit(name, "OPT_OUT") for name in topics},
        opted_in={name: explicit(name, "OPT_IN") for name in topics if name not in ours},
    )


def leavers_key(ses_prefix: str, topic: str, index: int) -> str:
    return f"{ses_prefix}topics/{topic}/leavers/part-{index:05d}.csv"


class _IdWriter:
    """A one-column ``USER_ID`` CSV written as it goes (ids quoted exactly as ``segments.encode_csv_rows`` does),
    committed on ``close`` (whole or nothing)."""

    def __init__(self, storage: Storage, key: str) -> None:
        self._out = storage.open_write(key)
        self._out.write(b"USER_ID\n")
        self._buffer: list[str] = []
        self.rows = 0

    def write(self, ids: Iterable[str]) -> None:
        for user_id in ids:
            self._buffer.append(user_id)
            self.rows += 1
        if len(self._buffer) >= 65536:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self._out.write(encode_csv_rows(self._buffer))
            self._buffer = []

    def close(self) -> None:
        self._flush()
        self._out.close()

    def abort(self) -> None:
        self._out.abort()


@dataclass
class _Address:
    """Users sharing one address (case-insensitively), merged into one row; the address as its first user gave it."""

    email: str
    members: list[str] = field(default_factory=list)
    leavers: list[str] = field(default_factory=list)
    other_bits: int = 0
    users: int = 0


def _repeated_addresses(storage: Storage, keys: list[str]) -> set[int]:
    """Hashes of the (lower-cased) addresses that more than one row of the users dataset holds: a first pass over
    the dataset, 8 bytes per user."""
    seen = CompactIdSet()
    for _user_id, email in iter_users(storage, keys):
        if email:
            seen.add(email.lower())
    return seen.repeated()


def build_contacts(
    storage: Storage,
    export: ExportObject,
    topic: str,
    other_topics: Iterable[str] = (),
    *,
    ses_prefix: str = layout.SES_PREFIX,
    train_prefix: str = layout.TRAIN_PREFIX,
    max_rows: int = MAX_IMPORT_ROWS,
    state: ListState | None = None,
) -> ContactsResult:
    """Write the import parts for ``topic``, the membership snapshot and the per-part leaver lists (see the module
    docstring). ``other_topics``: our other topics of the list (their columns come from their own snapshots: what
    their last imports put into SES). ``state``: what SES holds (``read_list_state``); without it (tests, the
    benchmark) the list is taken to hold no preference and only our topics, all with default ``OPT_OUT``.

    Consent is never overridden: an address unsubscribed from all topics gets no row at all (the record stays as
    the recipient left it); an explicit ``OPT_OUT`` for any topic is written back as ``OPT_OUT`` whatever the
    segment says; a user who left the segment gets no preference for the topic (blank: the topic's default
    ``OPT_OUT`` applies), so every explicit ``OPT_OUT`` in the list is someone's own choice. One row per address:
    users sharing an address (case-insensitively) are merged — ``OPT_IN`` when any of them is a member — and the
    address is written exactly as the first of them gave it."""
    empty = CompactIdSet().freeze()
    unsubscribed_all = state.unsubscribed_all if state else empty
    opted_out = state.opted_out if state else {}
    opted_in = state.opted_in if state else {}
    defaults = state.topics if state else {}
    members = read_id_set(storage, export.key, what="export")
    snapshot = members_key(ses_prefix, topic)
    previous = CompactIdSet().freeze()
    if storage.exists(snapshot):
        previous = read_id_set(storage, snapshot, what="membership snapshot")
    ours = sorted({name for name in other_topics if name != topic})
    others: dict[str, CompactIdSet] = {}
    for name in ours:
        key = members_key(ses_prefix, name)
        others[name] = (
            read_id_set(storage, key, what=f"membership snapshot of topic {name}") if storage.exists(key) else empty
        )
    foreign = [name for name in defaults if name != topic and name not in others]
    columns = [topic, *others, *foreign]
    header = ["emailAddress", "unsubscribeAll", *[f"{TOPIC_COLUMN}{name}" for name in columns]]
    counts = {
        "segment_users": len(members),
        "subscribed": 0,
        "missing_email": 0,
        "invalid_address": 0,
        "unsubscribed": 0,
        "left_without_email": 0,
        "kept_opt_out": 0,
        "kept_unsubscribed_all": 0,
        "shared_address": 0,
        "users_rows_read": 0,
    }

    def no_preference(name: str) -> str:
        # blank = no preference: the topic's default applies (ours are created OPT_OUT); a topic whose default is
        # OPT_IN needs the explicit OPT_OUT for someone who is not a member
        return "OPT_OUT" if defaults.get(name, "OPT_OUT") == "OPT_IN" else ""

    topic_opt_outs = opted_out.get(topic, empty)
    other_columns = [(others[name], opted_out.get(name, empty), no_preference(name)) for name in others]
    foreign_columns = [(opted_in.get(name, empty), opted_out.get(name, empty)) for name in foreign]
    leaver_status = no_preference(topic)
    keys = users_keys(storage, train_prefix, export.dataset_group)
    repeated = _repeated_addresses(storage, keys)
    writer = _PartWriter(storage, ses_prefix, topic, header, max_rows)
    new_snapshot = _IdWriter(storage, snapshot)
    leaver_files: list[_IdWriter] = []

    def emit(address: str, member_ids: list[str], leaver_ids: list[str], other_bits: int) -> None:
        lowered = address.lower()
        if lowered in unsubscribed_all:
            counts["kept_unsubscribed_all"] += bool(member_ids)  # never re-imported: the record stays as it is
            return  # leavers: SES sends them nothing; they leave the snapshot
        if lowered in topic_opt_outs:
            status = "OPT_OUT"  # an explicit opt-out (the recipient's own): kept whatever the segment says
            counts["kept_opt_out"] += bool(member_ids)
        elif member_ids:
            status = "OPT_IN"
            counts["subscribed"] += 1
        else:
            status = leaver_status
            counts["unsubscribed"] += 1
        row = [address, "false", status]
        for bit, (_ids, outs, blank) in enumerate(other_columns):
            row.append("OPT_OUT" if lowered in outs else ("OPT_IN" if other_bits >> bit & 1 else blank))
        for ins, outs in foreign_columns:
            row.append("OPT_OUT" if lowered in outs else ("OPT_IN" if lowered in ins else ""))
        index = writer.write(row)
        if status == "OPT_IN":
            new_snapshot.write(member_ids)
        if leaver_ids:
            # in the snapshot until their part is imported: a failed part leaves them to the next run
            new_snapshot.write(leaver_ids)
            while len(leaver_files) <= index:
                leaver_files.append(_IdWriter(storage, leavers_key(ses_prefix, topic, len(leaver_files))))
            leaver_files[index].write(leaver_ids)

    shared: dict[int, _Address] = {}  # hash of the lower-cased address -> its users (addresses in `repeated` only)
    found = 0
    try:
        for user_id, email in iter_users(storage, keys):
            counts["users_rows_read"] += 1
            member = user_id in members
            left = not member and user_id in previous
            found += member
            lowered = email.lower()
            is_shared = bool(email) and hash(lowered) in repeated
            if not (member or left or is_shared):
                continue
            if not email:
                counts["missing_email" if member else "left_without_email"] += 1
                continue
            if len(email) > 320 or not EMAIL.match(email):
                counts["invalid_address"] += member
                continue
            bits = 0
            for bit, (ids, _outs, _blank) in enumerate(other_columns):
                bits |= (user_id in ids) << bit
            member_ids = [user_id] if member else []
            leaver_ids = [user_id] if left else []
            if not is_shared:
                emit(email, member_ids, leaver_ids, bits)
                continue
            group = shared.get(hash(lowered))
            if group is None:
                group = shared[hash(lowered)] = _Address(email)
            group.members += member_ids
            group.leavers += leaver_ids
            group.other_bits |= bits
            group.users += 1
        for group in shared.values():  # after the stream: each shared address once, merged
            counts["shared_address"] += max(0, group.users - 1)
            if group.members or group.leavers:
                emit(group.email, group.members, group.leavers, group.other_bits)
        parts = writer.close()
        while len(leaver_files) < len(parts):
            leaver_files.append(_IdWriter(storage, leavers_key(ses_prefix, topic, len(leaver_files))))
        for leavers in leaver_files:
            leavers.close()
        new_snapshot.close()
    except BaseException:
        writer.abort()
        new_snapshot.abort()
        for leavers in leaver_files:
            leavers.abort()
        raise
    counts["missing_email"] += max(0, counts["segment_users"] - found)  # segment users absent from the dataset
    counts["not_in_users_dataset"] = max(0, counts["segment_users"] - found)
    _remove_stale_parts(storage, ses_prefix, topic, len(parts))
    return ContactsResult(parts, counts, columns)


def commit_part(storage: Storage, ses_prefix: str, topic: str, index: int) -> dict[str, int]:
    """After import part ``index`` COMPLETED: its leavers hold no subscription any more, so they leave the snapshot.

    Until then the snapshot counts them (and every member the build subscribes) as possibly subscribed: after a
    failed part the next run still unsubscribes the leavers it did not reach, and the members it did. Idempotent."""
    key = leavers_key(ses_prefix, topic, index)
    if not storage.exists(key):
        return {"removed": 0, "kept": -1}
    gone = read_id_set(storage, key, what="leaver list")
    if not len(gone):
        return {"removed": 0, "kept": -1}
    snapshot = members_key(ses_prefix, topic)
    kept, removed = [], 0
    out = _IdWriter(storage, snapshot)
    try:
        with _text_lines(storage.open_read(snapshot)) as lines:
            reader = csv.reader(lines)
            next(reader, None)
            for row in reader:
                if not row or not row[0]:
                    continue
                if row[0] in gone:
                    removed += 1
                    continue
                kept.append(row[0])
                if len(kept) >= 65536:
                    out.write(kept)
                    kept = []
        out.write(kept)
        rows = out.rows
        out.close()
    except BaseException:
        out.abort()
        raise
    return {"removed": removed, "kept": rows}


class _PartWriter:
    def __init__(self, storage: Storage, ses_prefix: str, topic: str, header: list[str], max_rows: int) -> None:
        self.storage, self.ses_prefix, self.topic, self.header, self.max_rows = (
            storage,
            ses_prefix,
            topic,
            header,
            max_rows,
        )
        self.parts: list[dict[str, Any]] = []
        self._out: Any = None
        self._rows = 0
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, lineterminator="\n")

    def _open(self) -> None:
        key = import_part_key(self.ses_prefix, self.topic, len(self.parts))
        self._out = self.storage.open_write(key)
        self.parts.append({"key": key, "s3_url": self.storage.url(key), "rows": 0})
        self._rows = 0
        self._csv.writerow(self.header)

    def write(self, row: list[str]) -> int:
        """Write one row; returns the index of the part it went into."""
        if self._out is None:
            self._open()
        index = len(self.parts) - 1
        self._csv.writerow(row)
        self._rows += 1
        if self._buffer.tell() > 1 << 20:
            self._flush()
        if self._rows >= self.max_rows:
            self._finish()
        return index

    def _flush(self) -> None:
        self._out.write(self._buffer.getvalue().encode("utf-8"))
        self._buffer.seek(0)
        self._buffer.truncate()

    def _finish(self) -> None:
        self._flush()
        self._out.close()
        self.parts[-1]["rows"] = self._rows
        self._out = None

    def close(self) -> list[dict[str, Any]]:
        if self._out is not None:
            self._finish()
        return self.parts

    def abort(self) -> None:
        if self._out is not None:
            self._out.abort()
            self._out = None


def _remove_stale_parts(storage: Storage, ses_prefix: str, topic: str, keep: int) -> None:
    wanted = {import_part_key(ses_prefix, topic, i) for i in range(keep)}
    for key in list(storage.list(f"{ses_prefix}imports/{topic}/")):
        if key not in wanted:
            storage.delete(key)
    wanted = {leavers_key(ses_prefix, topic, i) for i in range(keep)}
    for key in list(storage.list(f"{ses_prefix}topics/{topic}/leavers/")):
        if key not in wanted:
            storage.delete(key)


def read_registry(storage: Storage, ses_prefix: str, topics: Iterable[str]) -> dict[str, str]:
    """``{topic: export key}`` for our topics that have a registry object."""
    found: dict[str, str] = {}
    for name in topics:
        key = registry_key(ses_prefix, name)
        if storage.exists(key):
            value = storage.get_json(key)
            if isinstance(value, dict) and isinstance(value.get("export_key"), str):
                found[name] = value["export_key"]
    return found


def write_registry(storage: Storage, ses_prefix: str, topic: str, export: ExportObject) -> None:
    storage.put_json(
        registry_key(ses_prefix, topic),
        {
            "topic": topic,
            "export_key": export.key,
            "segment_name": export.segment_name,
            "dataset_group": export.dataset_group,
            "job_name": export.job_name,
        },
    )


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
