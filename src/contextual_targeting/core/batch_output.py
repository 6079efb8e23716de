"""Streaming parser for Personalize batch segment job output (``<input>.out``: one JSON object per line).

A job has up to 10 queries (one line each) and a segment up to 5,000,000 users, so one line can be ~50 MB. Nothing
here reads a whole object or a whole line: ``LineStream`` hands ijson one line at a time as a file-like object
that reads the underlying stream in fixed-size chunks and stops at the line's newline, and the users list is
consumed event by event (ijson's C backend, ``yajl2_c``) and handed to a ``UserSink`` in batches.

Accepted line shapes (Item-Attribute-Affinity and Item-Affinity):

- ``{"input": {"itemAttributes": "ITEMS.genres = \\"Action\\""}, "output": {"usersList": ["u1", ...]}, "error": null}``
- ``{"itemAttributes": "...", "output": {"recommendedUsers": ["u1", ...]}}`` (documented shape)
- ``{"input": {"itemId": "42"}, "output": {"usersList": [...]}, "error": null}`` (Item-Affinity)

Every line gets a ``LineResult``: ``ok`` (users > 0), ``empty`` (an empty users list), ``error`` (a non-null
``error`` member: a string, or an object or array reported as its JSON text), ``malformed`` (not JSON, truncated,
not an object, no users list, a non-scalar user id). A bad line never stops the others: parsing resumes at the next
newline.
"""

from __future__ import annotations

import collections
import itertools
import json
import operator
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import IO, Any, Protocol

import ijson

READ_CHUNK = 256 * 1024  # bytes read from the underlying stream at a time
BATCH = 8192  # user ids handed to the sink at a time
_WHITESPACE = b" \t\r"

OK, EMPTY, ERROR, MALFORMED = "ok", "empty", "error", "malformed"


class UserSink(Protocol):
    """Receives one line's user ids in rank order; ``close(ok)`` commits (True) or discards (False) the output."""

    def write_batch(self, ids: list[str]) -> None: ...

    def close(self, ok: bool) -> None: ...


@dataclass
class LineResult:
    line: int  # 1-based line number within its object
    source: str = ""  # the object (key or file) the line came from
    query: str | None = None  # itemAttributes expression, or the item id for Item-Affinity
    query_type: str | None = None  # "itemAttributes" | "itemId"
    status: str = OK
    users: int = 0
    error: str | None = None  # the job's error text, or why the line is malformed
    extra: dict[str, Any] = field(default_factory=dict)  # filled by the caller (segment name, keys, counts)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(data.pop("extra"))
        return data


class _Line:
    """File-like view of one line of a ``LineStream``: ``read(n)`` never crosses the line's newline."""

    def __init__(self, stream: LineStream) -> None:
        self._stream = stream
        self.done = False

    def read(self, size: int = -1) -> bytes:
        if self.done:
            return b""
        s = self._stream
        if s.pos >= len(s.buf) and not s.fill():
            self.done = True
            return b""
        size = len(s.buf) - s.pos if size is None or size < 0 else size
        end = min(len(s.buf), s.pos + size)
        newline = s.buf.find(b"\n", s.pos, end)
        if newline >= 0:
            end = newline + 1
            self.done = True
        data = s.buf[s.pos : end]
        s.pos = end
        return data

    def is_blank(self) -> bool:
        """Skip leading whitespace; True if the line holds nothing else (consumes it), False otherwise."""
        s = self._stream
        while True:
            if s.pos >= len(s.buf) and not s.fill():
                self.done = True
                return True
            byte = s.buf[s.pos : s.pos + 1]
            if byte == b"\n":
                s.pos += 1
                self.done = True
                return True
            if byte not in _WHITESPACE:
                return False
            s.pos += 1

    def drain(self) -> None:
        """Discard the rest of the line (resynchronise after a malformed line)."""
        while self.read(READ_CHUNK):
            pass


class LineStream:
    """Iterate over the lines of a binary stream as file-like objects, reading ``READ_CHUNK`` bytes at a time."""

    def __init__(self, raw: IO[bytes] | Any, chunk_size: int = READ_CHUNK) -> None:
        self._raw = raw
        self._chunk_size = chunk_size
        self.buf = b""
        self.pos = 0
        self.eof = False

    def fill(self) -> bool:
        if self.eof:
            return False
        data = self._raw.read(self._chunk_size)
        if not data:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + data if self.pos < len(self.buf) else data
        self.pos = 0
        return True

    def __iter__(self) -> Iterator[_Line]:
        while True:
            if self.pos >= len(self.buf) and not self.fill():
                return
            line = _Line(self)
            yield line
            line.drain()


class _SpooledIds:
    """Holds user ids seen before the line's query (bounded memory: spills to a temporary file)."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024, mode="w+", encoding="utf-8")  # noqa: SIM115

    def write_batch(self, ids: list[str]) -> None:
        self._file.write(json.dumps(ids, separators=(",", ":")) + "\n")

    def replay(self, sink: UserSink) -> None:
        self._file.seek(0)
        for text in self._file:
            sink.write_batch(json.loads(text))
        self._file.close()

    def close(self, ok: bool) -> None:
        self._file.close()


_QUERY_PATHS = {
    ("input", "itemAttributes"): "itemAttributes",
    ("itemAttributes",): "itemAttributes",
    ("input", "itemId"): "itemId",
    ("itemId",): "itemId",
}
_USER_LIST_PATHS = {("output", "usersList"), ("output", "recommendedUsers")}


class MalformedLine(ValueError):
    pass


def _parse_line(line: _Line, result: LineResult, open_sink: Callable[[LineResult], UserSink]) -> None:
    """Parse one line, streaming its users to a sink; fills ``result``. Raises MalformedLine / ijson errors."""
    events: Iterator[tuple[str, Any]] = ijson.basic_parse(line, buf_size=READ_CHUNK)
    path: list[Any] = []
    sink: UserSink | None = None
    spooled: _SpooledIds | None = None
    found_users = False
    error_value: Any = None
    first = True
    try:
        while True:
            item = next(events, None)
            if item is None:
                break
            event, value = item
            if first:
                first = False
                if event != "start_map":
                    raise MalformedLine("the line is not a JSON object")
            if event == "map_key":
                path[-1] = value
                continue
            if event in ("start_map", "start_array") and tuple(path) == ("error",):
                error_value, events = _build_value(event, events)  # an error object or array: a failed line
                continue
            if event == "start_map":
                path.append(None)
                continue
            if event == "end_map":
                path.pop()
                continue
            key = tuple(path)
            if event == "start_array":
                if key in _USER_LIST_PATHS and not found_users:
                    found_users = True
                    if result.query is None:
                        spooled = _SpooledIds()
                        target: UserSink = spooled
                    else:
                        sink = open_sink(result)
                        target = sink
                    result.users, events = _stream_users(events, target)
                    continue
                path.append("[]")
                continue
            if event == "end_array":
                path.pop()
                continue
            # scalar value
            if key in _QUERY_PATHS and result.query is None and event in ("string", "number"):
                result.query = str(value)
                result.query_type = _QUERY_PATHS[key]
            elif key == ("error",):
                error_value = value
        if not found_users and error_value is None:
            raise MalformedLine("no output.usersList or output.recommendedUsers in the line")
        if error_value is not None:
            result.status = ERROR
            result.error = error_value if isinstance(error_value, str) else json.dumps(error_value, default=str)
            result.users = 0
        elif result.query is None:
            raise MalformedLine("no itemAttributes or itemId query in the line")
        elif result.users == 0:
            result.status = EMPTY
        if spooled is not None:
            if result.status in (OK, EMPTY):
                sink = open_sink(result)
                spooled.replay(sink)
            else:
                spooled.close(False)
            spooled = None
        if sink is None and result.status == EMPTY:
            sink = open_sink(result)
        if sink is not None:
            done, sink = sink, None
            done.close(result.status in (OK, EMPTY))
    finally:
        if spooled is not None:
            spooled.close(False)
        if sink is not None:  # an exception is propagating: discard partial output
            sink.close(False)


def _build_value(first: str, events: Iterator[tuple[str, Any]]) -> tuple[Any, Iterator[tuple[str, Any]]]:
    """The JSON value starting with ``first`` (``start_map``/``start_array``), built from the events (small)."""
    builder = ijson.ObjectBuilder()
    builder.event(first, None)
    depth = 1
    for event, value in events:
        builder.event(event, value)
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                return builder.value, events
    raise MalformedLine("the error member is truncated")


# ("string",) < event  <=>  the event is ("string", value): "string" sorts after every other ijson event name,
# so the users array is consumed by C-level iterators (takewhile/itemgetter/islice) with no Python call per id.
_IS_STRING = ("string",).__lt__
_VALUE = operator.itemgetter(1)


def _stream_users(events: Iterator[tuple[str, Any]], sink: UserSink) -> tuple[int, Iterator[tuple[str, Any]]]:
    """Consume the users array (after its ``start_array``) through ``end_array``.

    Returns the number of ids and the iterator to continue the line with. ``tee`` keeps a lagging copy of the
    events so the element that stopped ``takewhile`` (normally ``end_array``) can be inspected.
    """
    count = 0
    while True:
        ahead, behind = itertools.tee(events)
        ids = map(_VALUE, itertools.takewhile(_IS_STRING, ahead))
        while True:
            batch = list(itertools.islice(ids, BATCH))
            if batch:
                sink.write_batch(batch)
                count += len(batch)
                collections.deque(itertools.islice(behind, len(batch)), maxlen=0)
            if len(batch) < BATCH:
                break
        stop = next(behind, None)
        del ahead, ids
        events = behind
        if stop is None:
            raise MalformedLine("the users list is truncated")
        event, value = stop
        if event == "end_array":
            return count, events
        if event != "number":
            raise MalformedLine(f"the users list holds a {event.replace('start_', '')} where a user id was expected")
        sink.write_batch([str(value)])  # tolerate numeric ids: keep them as strings
        count += 1


def parse_stream(
    raw: IO[bytes] | Any, open_sink: Callable[[LineResult], UserSink], source: str = ""
) -> Iterator[LineResult]:
    """Parse a batch segment job output stream line by line.

    ``open_sink(result)`` is called once the line's query is known (``result.query`` set) and before its users are
    written, for ``ok`` and ``empty`` lines only; the sink's ``close(ok)`` is always called. Blank lines are skipped.
    Yields one ``LineResult`` per non-blank line, after the line's sink is closed.
    """
    number = 0
    for line in LineStream(raw):
        number += 1
        if line.is_blank():
            continue
        result = LineResult(line=number, source=source)
        try:
            _parse_line(line, result, open_sink)
        except MalformedLine as exc:
            result.status, result.error, result.users = MALFORMED, str(exc), 0
        except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
            result.status, result.error, result.users = MALFORMED, "invalid JSON: " + " ".join(str(exc).split()), 0
        yield result
