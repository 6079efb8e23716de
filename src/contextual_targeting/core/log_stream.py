"""A text stream that writes to whatever ``sys.stdout`` is at write time (stdlib only).

Powertools' ``Logger`` keeps the stream it was given when the handler module is imported. In Lambda stdout never
changes, so this is the same stream; the local runtime (one process, many functions) redirects stdout to each
function's own log file per invocation, and this keeps the handlers' log lines there instead of in the demo's output.
"""

from __future__ import annotations

import sys


class CurrentStdout:
    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()
