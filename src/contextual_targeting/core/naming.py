"""Segment identity and the names every destination derives from it.

A segment's **identity** is (dataset group, solution, batch segment job entry, query):

- the *job entry* is the entry of the training config's ``batchSegmentJobs`` list — its own ``jobName`` when the
  config gives one, else its position (1, 2, …); a job whose output does not follow the training workflow's layout
  (a job run by hand) is its own entry, named after the job;
- the *query* is the job-config line's query text and type (``itemAttributes`` / ``itemId``); the same query twice
  in one job is numbered (``occurrence`` 2, 3 … in line order).

Every training run is a new *version* of each identity: the run (the Personalize job name) goes into the per-run
export path (``segments/<dataset group>/<job name>/<name>.csv``) and into metadata, never into the name. So a
weekly retraining updates the same Pinpoint segment, SES topic and Connect segment instead of piling up new ones,
and two job entries, two dataset groups or two queries never share a name.

A **name** is ``<query>_<dataset group>_<solution>_<entry>_<hash>``:

- readable parts: each part folded to ``[a-z0-9]`` runs joined by ``-`` (the query's attribute names and values;
  ``ITEMS.`` prefix, operators and quotes dropped; an entry at position N reads ``jN``); parts are separated by
  ``_``, which never occurs inside a part;
- ``<hash>``: the first 12 hex digits of the SHA-256 of the full identity (raw strings, before folding). It is
  always kept: when the name is too long the readable parts are cut (the longest first) and the hash stays, so two
  identities that fold or cut to the same readable text still get different names;
- at most 64 characters of ``[a-z0-9_-]``, which fits every service we name: SES topic names
  (``^[a-zA-Z0-9_-]{1,64}$``, AWS::SES::ContactList Topic, https://docs.aws.amazon.com/AWSCloudFormation/latest/
  UserGuide/aws-properties-ses-contactlist-topic.html), Customer Profiles segment definition names
  (``^[a-zA-Z0-9_-]+$``, at most 64), Pinpoint segment names (no documented limit) and an S3 key component
  (no character that needs escaping). The same name is used everywhere, so a segment can be followed from its
  export to each destination by one string.

``names_for_service`` gives the name per service (today all the same) so a new destination takes its name from
here instead of deriving its own.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

MAX_NAME = 64
HASH_LEN = 12
_SEP = "_"
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'|([A-Za-z0-9_.\-]+)')
_NOISE = {"and", "or", "not", "in", "items", "users", "is", "null", "like"}
_FOLD = re.compile(r"[^a-z0-9]+")
_POSITION = re.compile(r"^[1-9][0-9]*$")

# Each service's rule for the names we give it (all satisfied by ``SegmentIdentity.name``).
SERVICE_NAME_RULES: dict[str, tuple[re.Pattern[str], int]] = {
    "pinpoint": (re.compile(r"^[A-Za-z0-9_.\-]+$"), MAX_NAME),  # no documented limit: kept like the others
    "ses": (re.compile(r"^[A-Za-z0-9_-]+$"), 64),  # TopicName ^[a-zA-Z0-9_-]{1,64}$
    "customer_profiles": (re.compile(r"^[a-zA-Z0-9_-]+$"), 64),  # SegmentDefinitionName
    "s3": (re.compile(r"^[a-z0-9_-]+$"), MAX_NAME),  # key component: export file, import folders, snapshots
}


def slug(text: str) -> str:
    """Lower-case ``[a-z0-9]`` runs joined by single hyphens (accents and symbols dropped)."""
    return _FOLD.sub("-", text.lower()).strip("-")


def query_slug(query: str | None, query_type: str | None = "itemAttributes") -> str:
    """The readable part of a segment name, from the line's query."""
    if not query:
        return "segment"
    if query_type == "itemId":
        return slug(f"item-{query}") or "item"
    words: list[str] = []
    for quoted_double, quoted_single, bare in _TOKEN.findall(query):
        if bare:
            # ITEMS.genres -> genres ; keep numbers and names, drop keywords
            name = bare.split(".")[-1] if "." in bare and not bare.replace(".", "").isdigit() else bare
            if name.lower() in _NOISE:
                continue
            words.append(name)
        else:
            words.append(quoted_double or quoted_single)
    return slug(" ".join(words)) or "segment"


def _fit(parts: list[str], room: int) -> list[str]:
    """Cut the longest part by one character until the parts and their separators fit in ``room``, then back to a
    word boundary."""
    original = list(parts)
    parts = list(parts)
    while sum(len(p) for p in parts) + len(parts) - 1 > room:
        longest = max(range(len(parts)), key=lambda i: (len(parts[i]), -i))
        if len(parts[longest]) <= 1:
            break
        parts[longest] = parts[longest][:-1].rstrip("-") or parts[longest][:1]
    # a part cut inside a word ends at its last whole word instead ("action-and-adv" -> "action-and"): the hash
    # after the parts keeps the name unique, the readable part should read as words
    for index, (cut, whole) in enumerate(zip(parts, original, strict=True)):
        if cut != whole and not whole[len(cut) :].startswith("-") and "-" in cut:
            parts[index] = cut[: cut.rindex("-")]
    return parts


@dataclass(frozen=True)
class SegmentIdentity:
    """(dataset group, solution, job entry, query[, query type, occurrence]) — see the module docstring."""

    dataset_group: str
    solution: str
    job_entry: str  # the config's jobName, or the 1-based position as digits, or the job name (other layouts)
    query: str
    query_type: str = "itemAttributes"
    occurrence: int = 1

    def canonical(self) -> str:
        """The full identity as one string (the input of the hash)."""
        return json.dumps(
            [
                "segment-identity/1",
                self.dataset_group,
                self.solution,
                self.job_entry,
                self.query_type or "itemAttributes",
                self.query,
                self.occurrence,
            ],
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @property
    def digest(self) -> str:
        """SHA-256 (hex) of the full identity."""
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()

    def _entry_slug(self) -> str:
        if _POSITION.match(self.job_entry):
            return f"j{self.job_entry}"
        return slug(self.job_entry) or "job"

    @property
    def name(self) -> str:
        """``<query>_<dataset group>_<solution>_<entry>_<hash>``, at most 64 characters of ``[a-z0-9_-]``."""
        query = query_slug(self.query, self.query_type)
        if self.occurrence > 1:
            query = f"{query}-{self.occurrence}"
        readable = [query, slug(self.dataset_group) or "dg", slug(self.solution) or "solution", self._entry_slug()]
        tail = self.digest[:HASH_LEN]
        fitted = _fit(readable, MAX_NAME - len(tail) - len(_SEP))
        return _SEP.join([*fitted, tail])

    def names_for_service(self) -> dict[str, str]:
        """The name each service gets (``pinpoint``, ``ses``, ``customer_profiles``, ``s3``)."""
        return {service: self.name for service in SERVICE_NAME_RULES}

    def display_name(self, limit: int = 128) -> str:
        """A longer readable label (SES DisplayName ≤ 128): the query, then where it comes from."""
        entry = f"job {self.job_entry}" if _POSITION.match(self.job_entry) else self.job_entry
        label = f"{self.query or 'segment'} ({self.dataset_group} / {self.solution} / {entry})"
        return label if len(label) <= limit else label[: limit - 1] + "…"

    def as_dict(self) -> dict[str, object]:
        return {
            "dataset_group": self.dataset_group,
            "solution": self.solution,
            "job_entry": self.job_entry,
            "query": self.query,
            "query_type": self.query_type,
            "occurrence": self.occurrence,
            "sha256": self.digest,
            "name": self.name,
        }


def segment_identity(
    dataset_group: str,
    solution: str,
    job_entry: str | int,
    query: str | None,
    query_type: str | None = None,
    occurrence: int = 1,
) -> SegmentIdentity:
    """The identity of one job-config line; ``job_entry`` is the config's job name or its 1-based position."""
    return SegmentIdentity(
        dataset_group, solution, str(job_entry), query or "", query_type or "itemAttributes", occurrence
    )


@dataclass(frozen=True)
class JobContext:
    """Where a batch segment job's segments belong: the identity parts the job's output path carries."""

    dataset_group: str
    solution: str
    job_entry: str
    job_name: str


OUTPUT_ROOTS = ("batch-output", "batch")  # the training workflow's job output prefix (and where it was before)


def job_context(output_path: str, job_name: str) -> JobContext:
    """From the job's output path, as the training workflow lays it out.

    ``…/batch-output/<dataset group>/<solution>/<entry>/<job name>/`` (``<entry>`` = the config's ``jobName`` or
    the position); the layout without entry (``…/batch-output/<dg>/<solution>/<job name>/``, also under ``batch/``)
    and other layouts make the job its own entry (``<dataset group>`` = the folder after the output root when there
    is one, else the job name).
    """
    path = output_path[5:].partition("/")[2] if output_path.startswith("s3://") else output_path
    parts = [p for p in path.split("/") if p]
    if parts and parts[-1] != job_name:
        parts.append(job_name)  # the path is the job's parent folder
    if len(parts) >= 5 and parts[-5] in OUTPUT_ROOTS:
        return JobContext(parts[-4], parts[-3], parts[-2], job_name)
    if len(parts) >= 4 and parts[-4] in OUTPUT_ROOTS:
        return JobContext(parts[-3], parts[-2], job_name, job_name)
    if len(parts) >= 2 and parts[0] in OUTPUT_ROOTS:
        return JobContext(parts[1], "", job_name, job_name)
    return JobContext(job_name, "", job_name, job_name)


class SegmentNamer:
    """Identities of every line of one job, numbering repeated queries in the order the lines come."""

    def __init__(self, context: JobContext) -> None:
        self.context = context
        self._seen: dict[tuple[str, str], int] = {}

    def identity(self, query: str | None, query_type: str | None = None) -> SegmentIdentity:
        key = (query_type or "itemAttributes", query or "")
        occurrence = self._seen.get(key, 0) + 1
        self._seen[key] = occurrence
        c = self.context
        return segment_identity(c.dataset_group, c.solution, c.job_entry, query, query_type, occurrence)

    def name(self, query: str | None, query_type: str | None = None) -> str:
        return self.identity(query, query_type).name
