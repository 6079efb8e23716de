"""Segment names derived from a batch segment job's queries.

``ITEMS.genres = "Action"`` in job ``bingewatch-action-2024`` becomes ``genres-action--bingewatch-action-2024``:

- readable: the attribute names and values of the expression, lower-cased, everything outside ``[a-z0-9]`` folded to
  single hyphens; the dataset prefix (``ITEMS.``), operators (``=``, ``IN``, ``AND``, ``OR``, ``NOT``) and quotes
  dropped; an Item-Affinity line (``itemId``) gives ``item-<id>``;
- unique per job: the job name is part of the name, and a query seen twice in one job gets ``-2``, ``-3`` …;
- stable on a re-run: the name is a pure function of (query, job name, occurrence), so re-running the same job
  overwrites the same objects instead of creating new ones;
- within limits: at most ``MAX_NAME`` characters. Pinpoint documents no maximum length for segment names, but the
  name is also an S3 key component, an SES contact-list topic and a file name, so it is kept short and
  ``[a-z0-9-]`` only; when the readable form is too long it is cut and a hash of the full query keeps it unique.
"""

from __future__ import annotations

import hashlib
import re

MAX_NAME = 64
_JOB_PART_MAX = 24
_HASH_LEN = 8
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'|([A-Za-z0-9_.\-]+)')
_NOISE = {"and", "or", "not", "in", "items", "users", "is", "null", "like"}
_FOLD = re.compile(r"[^a-z0-9]+")


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


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:_HASH_LEN]


def segment_name(query: str | None, job_name: str, occurrence: int = 1, query_type: str | None = None) -> str:
    """``<query slug>--<job slug>[-<occurrence>]``, at most ``MAX_NAME`` characters, ``[a-z0-9-]`` only."""
    readable = query_slug(query, query_type or "itemAttributes")
    job = slug(job_name)[:_JOB_PART_MAX].strip("-") or "job"
    suffix = f"-{occurrence}" if occurrence > 1 else ""
    name = f"{readable}--{job}{suffix}"
    if len(name) <= MAX_NAME:
        return name
    digest = _digest(query or "", query_type or "", job_name)
    room = MAX_NAME - len(f"-{digest}--{job}{suffix}")
    return f"{readable[:room].strip('-')}-{digest}--{job}{suffix}"


class SegmentNamer:
    """Names every line of one job, numbering repeated queries in the order the lines come."""

    def __init__(self, job_name: str) -> None:
        self.job_name = job_name
        self._seen: dict[str, int] = {}

    def name(self, query: str | None, query_type: str | None = None) -> str:
        base = segment_name(query, self.job_name, 1, query_type)
        occurrence = self._seen.get(base, 0) + 1
        self._seen[base] = occurrence
        return base if occurrence == 1 else segment_name(query, self.job_name, occurrence, query_type)
