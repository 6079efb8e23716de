"""What every notification's subject must be for SNS to send it.

SNS ``Publish`` refuses a ``Subject`` over 100 characters, with line breaks or with characters other than printable
ASCII ("must be ASCII text that begins with a letter, number, or punctuation mark; must not include line breaks or
control characters; and must be less than 100 characters long":
https://docs.aws.amazon.com/sns/latest/api/API_Publish.html). A refused subject fails the notification step, and
with it the workflow that had done its work, so subjects built from names are fitted here: cut at a word boundary,
never inside a word, with "..." to show that something was left out.
"""

from __future__ import annotations

import re

MAX_SUBJECT = 100
ELLIPSIS = "..."
_SPACES = re.compile(r"\s+")


def subject(text: str, limit: int = MAX_SUBJECT) -> str:
    """``text`` as a valid SNS subject of at most ``limit`` characters, cut at the last word boundary that fits
    (a space, or the ``-``/``_`` between the parts of a resource name)."""
    text = _SPACES.sub(" ", text).strip()
    text = "".join(c if " " <= c <= "~" else "?" for c in text)  # printable ASCII only
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    cut = max(text.rfind(mark, 0, room + 1) for mark in " -_")
    head = text[:cut] if cut > 0 else text[:room]
    return head.rstrip(" ,;:-(") + ELLIPSIS


def details(message: str) -> dict[str, object]:
    """The machine-readable part of a notification: the JSON object after the message's last blank line.

    Every message is plain sentences for the people who read it (what happened, the numbers, what to do next, where
    the files are), a blank line, then the JSON (compact, so it holds no blank line of its own)."""
    import json

    parsed = json.loads(message.rsplit("\n\n", 1)[-1])
    if not isinstance(parsed, dict):
        raise ValueError("a notification's details are a JSON object")
    return parsed
