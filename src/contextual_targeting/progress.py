"""Progress of long commands, in the usual form: a tqdm bar on a terminal, plain lines otherwise, nothing if quiet.

tqdm redraws one line with carriage returns; written to a file or a CI log that becomes one endless line, so when
the stream is not a terminal the same counts are printed as ordinary lines, at most one every ``interval`` seconds
(and a last one when the work ends). tqdm has no such line mode, hence the small ``_Lines`` class here.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, Protocol, TextIO


class Counter(Protocol):
    def update(self, n: int = 1) -> None: ...

    def set_postfix_str(self, text: str) -> None: ...

    def close(self) -> None: ...


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


class _Lines:
    """``desc: 1,200,000/5,000,000 rows (24%), 410,000 rows/s`` every ``interval`` seconds and at the end."""

    def __init__(self, stream: TextIO, desc: str, total: int | None, unit: str, interval: float) -> None:
        self.stream, self.desc, self.total, self.unit, self.interval = stream, desc, total, unit, interval
        self.n = 0
        self.postfix = ""
        self.started = self.last = time.monotonic()
        self.closed = False

    def _line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        done = f"{self.n:,}" + (f"/{self.total:,}" if self.total else "")
        share = f" ({100 * self.n / self.total:.0f}%)" if self.total else ""
        rate = f", {self.n / elapsed:,.0f} {self.unit}/s" if self.n else ""
        extra = f", {self.postfix}" if self.postfix else ""
        return f"{self.desc}: {done} {self.unit}{share}{rate}{extra} [{elapsed:.0f}s]\n"

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            self.stream.write(self._line())
            self.stream.flush()

    def set_postfix_str(self, text: str) -> None:
        self.postfix = text

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.stream.write(self._line())
            self.stream.flush()


def counter(
    desc: str,
    *,
    total: int | None = None,
    unit: str = "rows",
    quiet: bool = False,
    stream: TextIO | None = None,
    interval: float = 10.0,
) -> Counter:
    """A progress counter on ``stream`` (stderr by default): tqdm on a terminal, :class:`_Lines` otherwise."""
    stream = stream or sys.stderr
    if quiet:
        return _Silent()
    if is_terminal(stream):
        from tqdm import tqdm

        bar: Any = tqdm(total=total, desc=desc, unit=f" {unit}", unit_scale=True, file=stream, leave=True)
        return bar  # type: ignore[no-any-return]
    return _Lines(stream, desc, total, unit, interval)


def is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class progress:
    """``with progress("rows", total=n) as bar: bar.update(k)`` — closes the counter however the block ends."""

    def __init__(self, desc: str, **kwargs: Any) -> None:
        self.bar = counter(desc, **kwargs)

    def __enter__(self) -> Counter:
        return self.bar

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None and issubclass(kind, KeyboardInterrupt) and isinstance(self.bar, _Lines):
            self.bar.closed = True  # Ctrl-C: the command prints its one "interrupted" line, not a last count
        self.bar.close()
