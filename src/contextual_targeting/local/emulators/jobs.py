"""What the emulators with asynchronous import jobs share: a lazily made S3 client for the objects a job reads,
a status that advances on the polls of the job's Get operation, reading CSV and JSON-lines files."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from contextual_targeting.local.emulation import ServiceEmulator

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"
TERMINAL = ("COMPLETED", "FAILED")


class PolledJob(Protocol):
    response: dict[str, Any]
    polls: int


class JobsBackend(ServiceEmulator):
    """An emulated account (``region``, ``account_id``) whose jobs read (moto) S3 objects and move one status every
    ``polls_per_status`` polls."""

    def __init__(self, *, region: str, account_id: str, polls_per_status: int, s3_client: Any) -> None:
        super().__init__()
        self.region = region
        self.account_id = account_id
        self.polls_per_status = max(1, polls_per_status)
        self._s3 = s3_client

    def _s3_client(self) -> Any:
        if self._s3 is None:
            import boto3

            self._s3 = boto3.client("s3", region_name=self.region)
        return self._s3

    def advance_job(self, job: PolledJob, run: Callable[[], None]) -> None:
        """One poll (``GetImportJob``): ``CREATED`` → ``PROCESSING``, then ``run()`` does the work and sets
        ``COMPLETED`` or ``FAILED``."""
        status = job.response["JobStatus"]
        if status in TERMINAL:
            return
        job.polls += 1
        if job.polls >= self.polls_per_status:
            job.polls = 0
            if status == "CREATED":
                job.response["JobStatus"] = "PROCESSING"
            else:
                run()


def data_rows(rows: Iterable[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """``(line number, cells)`` for each data row of a CSV file (the header is line 1) that is not blank."""
    for number, cells in enumerate(rows, start=2):
        if any(cell.strip() for cell in cells):
            yield number, cells


def json_lines(lines: Iterable[str]) -> Iterator[tuple[int, Any, json.JSONDecodeError | None]]:
    """``(line number, parsed value, None)`` — or ``(line number, None, the error)`` — for each non-blank line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line), None
        except json.JSONDecodeError as error:
            yield number, None, error
