"""Pinpoint destination, first half: a segment export → Pinpoint import parts and the segment's completion object.

The Pinpoint import workflow (``modules/pinpoint_import``) starts from a segment export, like the SES and Connect
destinations: ``chunk_export`` (``lambdas/pinpoint_chunk_export``) cuts the export into chunk files and a manifest;
a Distributed Map runs ``resolve_chunk`` (``lambdas/pinpoint_resolve_endpoints``) per chunk; ``mark_ready``
(``lambdas/pinpoint_segment_ready``) writes the completion object last, and that object starts the import
(``core.pinpoint_import``). Keys (see DEVELOPERS.md):

- scratch, data bucket: ``<work prefix><execution>/chunks/chunk-NNNNN.csv`` (≤ ``chunk_size`` ids, header
  ``USER_ID``), ``…/stats/chunk-NNNNN.json`` (counts of one resolved chunk), ``…/manifest.json`` (the Map's items:
  pointers and counts only);
- import, segment bucket: ``<import prefix>segments/<segment>/part-NNNNN.csv`` (header ``Id``) and, written last,
  ``<import prefix>segments/<segment>.ready.json``.

Every key derives from the execution, the segment and the chunk index, so a retried step overwrites its own files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from contextual_targeting.core import layout
from contextual_targeting.core.endpoints import read_user_ids, resolve_ids
from contextual_targeting.core.segments import encode_csv_rows
from contextual_targeting.core.ses_contacts import parse_export_key
from contextual_targeting.core.storage import Storage, WritableObject

DEFAULT_CHUNK_SIZE = 50_000
# Export metadata (core.segments.export_metadata) carried into the completion object.
_IDENTITY_METADATA = {
    "segment-identity-sha256": "sha256",
    "dataset-group": "dataset_group",
    "solution": "solution",
    "job-entry": "job_entry",
    "query": "query",
}


class ChunksIncomplete(Exception):
    """A chunk of the segment has no resolution stats (a Distributed Map child failed): nothing is imported."""


class ExportUnreadable(Exception):
    """The export is not a ``USER_ID`` CSV (it was not written by segment post-processing)."""


@dataclass(frozen=True)
class Resolution:
    """Where one execution's resolution of one segment puts its files."""

    segment: str
    execution: str
    chunk_bucket: str = ""  # recorded in the manifest items (the resolve function reads chunks from it)
    import_prefix: str = layout.PINPOINT_IMPORT_PREFIX
    work_prefix: str = layout.PINPOINT_WORK_PREFIX

    @property
    def work_folder(self) -> str:
        return f"{self.work_prefix}{self.execution}/"

    @property
    def manifest_key(self) -> str:
        return f"{self.work_folder}manifest.json"

    def chunk_key(self, index: int) -> str:
        return f"{self.work_folder}chunks/chunk-{index:05d}.csv"

    def stats_key(self, index: int) -> str:
        return f"{self.work_folder}stats/chunk-{index:05d}.json"

    @property
    def parts_folder(self) -> str:
        return f"{self.import_prefix}segments/{self.segment}/"

    def part_key(self, index: int) -> str:
        return f"{self.parts_folder}part-{index:05d}.csv"

    @property
    def ready_key(self) -> str:
        return f"{self.import_prefix}segments/{self.segment}.ready.json"


def identity_from_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """The segment identity an export carries as S3 user metadata (values were %-escaped to stay US-ASCII)."""
    return {field: unquote(metadata[key]) for key, field in _IDENTITY_METADATA.items() if key in metadata}


def chunk_export(
    data: Storage,
    key: str,
    *,
    execution: str,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    import_prefix: str = layout.PINPOINT_IMPORT_PREFIX,
    export_prefix: str = layout.EXPORT_PREFIX,
    work_prefix: str = layout.PINPOINT_WORK_PREFIX,
    identity: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Cut the export ``key`` of ``data`` into chunk files and a manifest; pointers and counts out.

    ``{"action": "ignore", "reason"}`` for a key that is not a segment export (the job summary, another layout);
    otherwise ``{"action": "resolve", "segment_name", "dataset_group", "job_name", "export", "chunk_bucket",
    "manifest_key", "chunks", "users", "identity"}``. The export's ids are already unique and non-empty
    (post-processing made them so); they go into the chunks in the export's (rank) order.
    """
    export = parse_export_key(key, export_prefix)
    if export is None:
        expected = f"{export_prefix}<dataset group>/<job>/<segment>.csv"
        return {"action": "ignore", "reason": f"{key} is not a segment export ({expected})"}
    layout = Resolution(
        export.segment_name,
        execution,
        chunk_bucket=getattr(data, "bucket", ""),
        import_prefix=import_prefix,
        work_prefix=work_prefix,
    )
    chunks: list[int] = []
    chunk: WritableObject | None = None
    batch: list[str] = []

    def flush() -> None:
        nonlocal chunk
        if not batch:
            return
        if chunk is None or chunks[-1] >= chunk_size:
            if chunk is not None:
                chunk.close()
            chunk = data.open_write(layout.chunk_key(len(chunks)))
            chunk.write(b"USER_ID\n")
            chunks.append(0)
        take = batch[: chunk_size - chunks[-1]]
        chunk.write(encode_csv_rows(take))
        chunks[-1] += len(take)
        del batch[: len(take)]

    stream = data.open_read(key)
    try:
        for user_id in read_user_ids(stream):
            batch.append(user_id)
            if len(batch) >= 4096:
                while batch:
                    flush()
        while batch:
            flush()
    except ValueError as error:  # not a USER_ID CSV
        if chunk is not None:
            chunk.abort()
        raise ExportUnreadable(f"{data.url(key)}: {error}") from None
    except BaseException:
        if chunk is not None:
            chunk.abort()
        raise
    finally:
        stream.close()
    if chunk is not None:
        chunk.close()
    manifest = [
        {
            "segment": layout.segment,
            "index": index,
            "users": count,
            "chunk_bucket": layout.chunk_bucket,
            "chunk_key": layout.chunk_key(index),
            "part_key": layout.part_key(index),
            "stats_key": layout.stats_key(index),
        }
        for index, count in enumerate(chunks)
    ]
    data.put_json(layout.manifest_key, manifest)
    return {
        "action": "resolve",
        "reason": None,
        "segment_name": export.segment_name,
        "dataset_group": export.dataset_group,
        "job_name": export.job_name,
        "export": data.url(key),
        "chunk_bucket": layout.chunk_bucket,
        "manifest_key": layout.manifest_key,
        "chunks": len(chunks),
        "users": sum(chunks),
        "identity": dict(identity or {}),
    }


def resolve_chunk(
    item: dict[str, Any],
    storage: Storage,
    import_storage: Storage,
    lookup: Callable[[str], list[str]],
    concurrency: int,
    check_clock: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """One manifest item: chunk ids → endpoint ids → part CSV (header ``Id``) + stats JSON. Counts only out.

    A chunk without any endpoint writes no part (an import of a header-only file would fail) and removes a
    part left at that key by an earlier run.
    """
    part = import_storage.open_write(item["part_key"])
    part.write(b"Id\n")
    stream = storage.open_read(item["chunk_key"])
    try:
        users, endpoints, unresolved = resolve_ids(
            read_user_ids(stream),
            lookup,
            lambda ids: part.write(encode_csv_rows(ids)),
            concurrency=concurrency,
            check_clock=check_clock,
        )
    except BaseException:
        part.abort()
        raise
    finally:
        stream.close()
    if endpoints:
        part.close()
    else:
        part.abort()
        import_storage.delete(item["part_key"])
    stats = {
        "segment": item["segment"],
        "index": item["index"],
        "users": users,
        "endpoints": endpoints,
        "users_unresolved": unresolved,
        "part_key": item["part_key"] if endpoints else None,
    }
    storage.put_json(item["stats_key"], stats)
    return stats


def mark_ready(
    data: Storage,
    import_storage: Storage,
    resolution: Mapping[str, Any],
    execution: str,
    import_prefix: str = layout.PINPOINT_IMPORT_PREFIX,
    work_prefix: str = layout.PINPOINT_WORK_PREFIX,
) -> dict[str, Any]:
    """After every chunk is resolved: sum the stats, remove parts an earlier run left, write the completion object.

    ``resolution`` is ``chunk_export``'s result. The completion object (``.ready.json``) is written last and
    always: with ``parts: 0`` when no user had an endpoint, so the import step says so instead of importing
    nothing. ``ChunksIncomplete`` when a chunk has no stats (nothing is written then).
    """
    layout = Resolution(resolution["segment_name"], execution, import_prefix=import_prefix, work_prefix=work_prefix)
    endpoints = unresolved = 0
    parts: list[str] = []
    missing: list[int] = []
    for index in range(resolution["chunks"]):
        key = layout.stats_key(index)
        if not data.exists(key):
            missing.append(index)
            continue
        stats = data.get_json(key)
        endpoints += stats["endpoints"]
        unresolved += stats["users_unresolved"]
        if stats.get("part_key"):
            parts.append(stats["part_key"])
    if missing:
        raise ChunksIncomplete(
            f"segment {layout.segment}: {len(missing)} of {resolution['chunks']} chunk(s) were not resolved"
        )
    for key in import_storage.list(layout.parts_folder):
        if key not in parts:  # left over from an earlier run with other chunking
            import_storage.delete(key)
    identity = resolution.get("identity") or {}
    ready = {
        "segment_name": layout.segment,
        "identity": identity,
        "dataset_group": resolution.get("dataset_group"),
        "job_name": resolution.get("job_name"),
        "query": identity.get("query"),
        "export": resolution.get("export"),
        "s3_url": import_storage.url(layout.parts_folder),
        "parts": len(parts),
        "users": resolution["users"],
        "endpoints": endpoints,
        "unresolved": unresolved,
    }
    import_storage.put_json(layout.ready_key, ready)
    return {
        "ready_key": layout.ready_key,
        "ready": import_storage.url(layout.ready_key),
        "parts": len(parts),
        "users": resolution["users"],
        "endpoints": endpoints,
        "users_unresolved": unresolved,
    }
