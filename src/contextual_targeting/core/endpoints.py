"""Resolve a chunk of user ids to Pinpoint endpoint ids (``GetUserEndpoints``), and local endpoint mappings.

Lambda path (``resolve_chunk``): one ``GetUserEndpoints`` call per user with bounded concurrency (threads),
``TooManyRequestsException`` retried with exponential backoff and full jitter; every endpoint of a user is taken,
filtered by channel type (``EMAIL`` by default, ``ALL`` for none), skipping opted-out (``OptOut`` other than
``NONE``) and ``INACTIVE`` endpoints. A user without (usable) endpoints is counted, never fatal.

Local path (``EndpointMap``): the same selection from a CSV (``Id``, ``User.UserId`` …) or the gzipped JSON-lines
files of a Pinpoint endpoint export.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from contextual_targeting.core.text_errors import binary_lines, not_utf8

DEFAULT_CHANNEL = "EMAIL"
DEFAULT_CONCURRENCY = 16
MAX_ATTEMPTS = 8
RESOLVE_BATCH = 512


class PinpointThrottled(Exception):
    """GetUserEndpoints stayed throttled after every retry; Step Functions retries the whole chunk."""


class ResolveTimeout(Exception):
    """The Lambda is about to time out while resolving a chunk."""


def usable(endpoint: dict[str, Any], channel: str | None) -> bool:
    if channel and channel.upper() != "ALL" and str(endpoint.get("ChannelType", "")).upper() != channel.upper():
        return False
    if str(endpoint.get("OptOut") or "NONE").upper() != "NONE":
        return False
    return str(endpoint.get("EndpointStatus") or "ACTIVE").upper() != "INACTIVE"


class Backoff:
    def __init__(
        self, base_ms: float = 100.0, cap_ms: float = 5_000.0, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.base_ms, self.cap_ms, self.sleep = base_ms, cap_ms, sleep

    def wait(self, attempt: int) -> None:
        """Full jitter: uniform(0, min(cap, base * 2**attempt))."""
        self.sleep(random.uniform(0, min(self.cap_ms, self.base_ms * 2**attempt)) / 1000.0)


def user_endpoints(
    pinpoint: Any, application_id: str, user_id: str, channel: str | None, backoff: Backoff
) -> list[str]:
    """Usable endpoint ids of one user; [] when Pinpoint knows no endpoint for the user."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            response = pinpoint.get_user_endpoints(ApplicationId=application_id, UserId=user_id)
        except pinpoint.exceptions.NotFoundException:
            return []
        except pinpoint.exceptions.TooManyRequestsException as exc:
            if attempt == MAX_ATTEMPTS - 1:
                raise PinpointThrottled(f"GetUserEndpoints throttled {MAX_ATTEMPTS} times") from exc
            backoff.wait(attempt)
            continue
        items = (response.get("EndpointsResponse") or {}).get("Item") or []
        return [str(e["Id"]) for e in items if e.get("Id") and usable(e, channel)]
    return []  # pragma: no cover - loop always returns or raises


def read_user_ids(stream: Any) -> Iterator[str]:
    """User ids of a chunk/export CSV (header ``USER_ID``), streamed."""
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None:
        return
    if header != ["USER_ID"]:
        raise ValueError(f"expected a USER_ID header, got {header}")
    for row in reader:
        if row:
            yield row[0]


def resolve_ids(
    user_ids: Iterable[str],
    lookup: Callable[[str], list[str]],
    write_ids: Callable[[list[str]], object],
    concurrency: int = DEFAULT_CONCURRENCY,
    check_clock: Callable[[], None] | None = None,
) -> tuple[int, int, int]:
    """Resolve ids in batches on a thread pool, writing endpoint ids in user order → (users, endpoints, unresolved)."""
    users = endpoints = unresolved = 0
    iterator = iter(user_ids)
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        while True:
            batch = [uid for _, uid in zip(range(RESOLVE_BATCH), iterator, strict=False)]
            if not batch:
                break
            if check_clock is not None:
                check_clock()
            found: list[str] = []
            for ids in pool.map(lookup, batch):
                if ids:
                    found.extend(ids)
                else:
                    unresolved += 1
            users += len(batch)
            endpoints += len(found)
            if found:
                write_ids(found)
    return users, endpoints, unresolved


class EndpointFileError(ValueError):
    """An endpoint mapping file that cannot map users to endpoint ids."""


MAPPING_COLUMNS = ("Id", "User.UserId")


class EndpointMap:
    """User id → usable endpoint ids, loaded from a Pinpoint endpoint CSV or an export (``*.gz`` JSON lines)."""

    def __init__(self, channel: str | None = DEFAULT_CHANNEL) -> None:
        self.channel = channel
        self.by_user: dict[str, list[str]] = {}

    def add(self, endpoint: dict[str, Any]) -> None:
        user = (endpoint.get("User") or {}).get("UserId")
        if user is None or not endpoint.get("Id") or not usable(endpoint, self.channel):
            return
        ids = self.by_user.setdefault(str(user), [])
        if str(endpoint["Id"]) not in ids:
            ids.append(str(endpoint["Id"]))

    def load(self, path: str | Path) -> EndpointMap:
        path = Path(path)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        usable_files = [f for f in files if f.name.endswith((".csv", ".gz", ".json", ".jsonl"))]
        if not usable_files:
            raise EndpointFileError(f"{path}: no endpoint file (.csv with Id and User.UserId, or export .gz/.json)")
        for file in usable_files:
            if file.name.endswith(".csv"):
                self._load_csv(file)
            else:
                self._load_json_lines(file)
        return self

    def _load_csv(self, file: Path) -> None:
        try:
            self._read_csv(file)
        except UnicodeDecodeError:
            with open(file, "rb") as raw:
                message = not_utf8(str(file), raw)
            raise EndpointFileError(message) from None
        except csv.Error as error:
            raise EndpointFileError(f"{file}: not a CSV file ({error}): export the mapping as CSV") from None

    def _read_csv(self, file: Path) -> None:
        with open(file, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in MAPPING_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise EndpointFileError(
                    f"{file} line 1: an endpoint mapping CSV needs the columns {' and '.join(MAPPING_COLUMNS)}; "
                    f"missing {', '.join(missing)}. A file of endpoint definitions without ids (like "
                    "data/pinpoint/endpoints.csv) cannot map users to endpoints: Pinpoint assigns the ids on import, "
                    "so pass a Pinpoint endpoint export (the .gz files of CreateExportJob) instead."
                )
            for row in reader:
                self.add(
                    {
                        "Id": row.get("Id"),
                        "User": {"UserId": row.get("User.UserId")},
                        "ChannelType": row.get("ChannelType") or (self.channel if "ChannelType" not in row else ""),
                        "OptOut": row.get("OptOut") or "NONE",
                        "EndpointStatus": row.get("EndpointStatus") or "ACTIVE",
                    }
                )

    def _load_json_lines(self, file: Path) -> None:
        """One endpoint object per line (a Pinpoint export: gzipped JSON lines); errors name the file and line."""
        gzipped = file.name.endswith(".gz")
        number = 0
        hint = "pass the .gz files of a Pinpoint endpoint export (CreateExportJob) as they were written"
        try:
            with gzip.open(file, "rb") if gzipped else open(file, "rb") as handle:
                for number, raw in enumerate(binary_lines(handle), start=1):
                    if not raw.strip():
                        continue
                    try:
                        endpoint = json.loads(raw.decode("utf-8"))
                    except UnicodeDecodeError:
                        raise EndpointFileError(f"{file} line {number}: not UTF-8 text: {hint}") from None
                    except json.JSONDecodeError as error:
                        raise EndpointFileError(f"{file} line {number}: not JSON ({error.msg}): {hint}") from None
                    if not isinstance(endpoint, dict):
                        raise EndpointFileError(
                            f"{file} line {number}: a JSON {type(endpoint).__name__}, not an endpoint object: {hint}"
                        )
                    try:
                        self.add(endpoint)
                    except (AttributeError, TypeError):
                        raise EndpointFileError(
                            f"{file} line {number}: not a Pinpoint endpoint (User must be an object with UserId): "
                            f"{hint}"
                        ) from None
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            where = f"after line {number}" if number else "before its first complete line"
            raise EndpointFileError(
                f"{file}: the gzip data is cut short or damaged {where} ({error}): download the export file again"
            ) from None

    def lookup(self, user_id: str) -> list[str]:
        return self.by_user.get(user_id, [])
