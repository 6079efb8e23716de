"""What the emulators share: the account (region, account id) and a lazily made S3 client for the objects a job
reads; for import jobs, a status that advances on the polls of the job's Get operation, reading CSV and JSON-lines
files; copying the optional members of a request."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

from contextual_targeting.local.emulation import ServiceEmulator

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"
TERMINAL = ("COMPLETED", "FAILED")


class PolledJob(Protocol):
    response: dict[str, Any]
    polls: int


class AccountBackend(ServiceEmulator):
    """An emulated account: ``region``, ``account_id``; S3 (moto's, inside ``mock_aws``) through ``s3_client`` or
    a client made when first needed."""

    def __init__(self, *, region: str, account_id: str, s3_client: Any = None) -> None:
        super().__init__()
        self.region = region
        self.account_id = account_id
        self._s3 = s3_client

    def _s3_client(self) -> Any:
        if self._s3 is None:
            import boto3

            self._s3 = boto3.client("s3", region_name=self.region)
        return self._s3


class JobsBackend(AccountBackend):
    """An account whose import jobs move one status every ``polls_per_status`` polls."""

    def __init__(self, *, region: str, account_id: str, polls_per_status: int, s3_client: Any) -> None:
        super().__init__(region=region, account_id=account_id, s3_client=s3_client)
        self.polls_per_status = max(1, polls_per_status)

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


def copy_present(target: dict[str, Any], params: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """``target`` with each of ``keys`` the request holds copied in (in that order); returns ``target``."""
    for key in keys:
        if key in params:
            target[key] = params[key]
    return target


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
