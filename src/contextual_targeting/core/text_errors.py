"""Where a file stops being readable text: the line number and what to fix, for errors without tracebacks.

Python's decoders say *which byte* of a buffer failed (``UnicodeDecodeError.start``), not which line of the file it
is on, and ``csv``/``gzip`` readers fail mid-stream. These helpers find the line afterwards — the error path only,
re-reading the object from its start — so every reader can name ``<file> line <n>`` in its message.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

UTF8_HINT = "save it as UTF-8 (in a spreadsheet: CSV UTF-8)"
_CHUNK = 1 << 16


def binary_lines(stream: IO[bytes] | Any) -> Iterator[bytes]:
    """The physical lines (ending ``\\n``) of any object with ``read(n)`` — a file, a gzip stream, an S3 body."""
    rest = b""
    while True:
        data = stream.read(_CHUNK)
        if not data:
            break
        rest += data
        *lines, rest = rest.split(b"\n")
        for line in lines:
            yield line + b"\n"
    if rest:
        yield rest


def first_non_utf8_line(stream: IO[bytes] | Any) -> tuple[int, str]:
    """``(line number, "byte 0x.. at column c")`` of the first line that is not UTF-8; ``(0, "")`` if none is.

    A line cut by a truncated stream stops the search (``EOFError``/``OSError`` propagate to the caller)."""
    try:
        for number, line in enumerate(binary_lines(stream), start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                return number, f"byte 0x{line[error.start]:02x} at column {error.start + 1}"
    finally:
        close = getattr(stream, "close", None)
        if close:
            close()
    return 0, ""


def not_utf8(what: str, stream: IO[bytes] | Any) -> str:
    """The message for a file that failed to decode: ``<what> line <n>: not UTF-8 text (...): save it as UTF-8``."""
    try:
        number, detail = first_non_utf8_line(stream)
    except (EOFError, OSError) as error:
        return f"{what}: not UTF-8 text, and the data is cut short ({error}): {UTF8_HINT}"
    if not number:
        return f"{what}: not UTF-8 text: {UTF8_HINT}"
    return f"{what} line {number}: not UTF-8 text ({detail}): {UTF8_HINT}"
