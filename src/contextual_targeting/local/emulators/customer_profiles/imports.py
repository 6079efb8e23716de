"""The Customer Profiles upload engine: the pre-signed URL a file is PUT to (a small HTTP server on 127.0.0.1, with
the SSE-C headers checked) and the processing of the uploaded CSV into profiles."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import http.server
import io
import threading
import uuid
from pathlib import Path
from typing import Any

from contextual_targeting.local.emulators.customer_profiles.exceptions import BadRequestException
from contextual_targeting.local.emulators.customer_profiles.models import (
    URL_VALID_SECONDS,
    UploadJob,
    _get_target,
    _set_target,
    _valid,
)
from contextual_targeting.local.emulators.customer_profiles.segments import CustomerProfilesSegments


class CustomerProfilesImports(CustomerProfilesSegments):
    """An upload job: its file arrives on the pre-signed URL; ``GetUploadJob`` after ``StartUploadJob`` processes it."""

    def upload_url(self, job: UploadJob) -> tuple[str, dt.datetime]:
        """A new client token for the job and the pre-signed URL its file is PUT to, with when that URL expires."""
        if job.status != "CREATED":
            raise BadRequestException(
                f"Upload job {job.job_id} is {job.status}: the file can only be uploaded before it starts."
            )
        job.token = base64.b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode()
        port = self._serve()
        url = f"http://127.0.0.1:{port}/upload/{job.domain}/{job.job_id}?X-Amz-Expires={URL_VALID_SECONDS}"
        return url, self.now() + dt.timedelta(seconds=URL_VALID_SECONDS)

    def start(self, job: UploadJob) -> None:
        """``StartUploadJob``: only a ``CREATED`` job whose file has arrived starts."""
        if job.status != "CREATED":
            raise BadRequestException(f"Upload job {job.job_id} is {job.status}, not CREATED.")
        if job.file is None:
            raise BadRequestException(
                f"No file was uploaded for upload job {job.job_id} (GetUploadJobPath, then PUT the file)."
            )
        job.status = "IN_PROGRESS"

    def _finish(self, job: UploadJob, status: str, reason: str | None = None) -> None:
        job.status, job.status_reason, job.completed = status, reason, self.now()

    def _process(self, job: UploadJob) -> None:
        if job.fail:
            return self._finish(job, "FAILED", "INTERNAL_FAILURE")
        assert job.file is not None
        if job.file.stat().st_size > self.max_upload_bytes:
            return self._finish(job, "FAILED", "VALIDATION_FAILURE")
        domain = self._domain(job.domain)
        try:
            rows = self._read_rows(job)
        except (UnicodeDecodeError, csv.Error, ValueError):
            return self._finish(job, "FAILED", "VALIDATION_FAILURE")
        unique_target = job.fields[job.unique_key]["Target"][len("_profile.") :]
        index = {
            _get_target(p, unique_target): pid
            for pid, p in self._live_profiles(domain).items()
            if _get_target(p, unique_target)
        }
        expires = self.now() + dt.timedelta(days=job.data_expiry)
        for row in rows:
            key = row.get(job.unique_key, "")
            if not key or not all(_valid(job.fields[c].get("ContentType"), v) for c, v in row.items() if v):
                job.results["FailedRecords"] += 1
                continue
            profile_id = index.get(key)
            if profile_id is None:
                profile_id = uuid.uuid4().hex
                domain.profiles[profile_id] = {"ProfileId": profile_id}
                index[key] = profile_id
                job.results["CreatedRecords"] += 1
            else:
                job.results["UpdatedRecords"] += 1
            profile = domain.profiles[profile_id]
            for column, value in row.items():
                if value:
                    _set_target(profile, job.fields[column]["Target"][len("_profile.") :], value)
            profile["_expires"] = expires
        self._finish(job, "PARTIALLY_SUCCEEDED" if job.results["FailedRecords"] else "SUCCEEDED")
        return None

    def _read_rows(self, job: UploadJob) -> list[dict[str, str]]:
        assert job.file is not None
        text = job.file.read_bytes().decode("utf-8")
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if not header:
            raise ValueError("no header row")
        missing = [c for c in job.fields if c not in header]
        if missing:
            raise ValueError(f"columns {missing} are not in the header")
        at = {c: header.index(c) for c in job.fields}
        return [{c: (row[i] if i < len(row) else "") for c, i in at.items()} for row in reader if row]

    # ------------------------------------------------------------------ the pre-signed URL
    def _serve(self) -> int:
        if self._server is None:
            emulator = self

            class Handler(http.server.BaseHTTPRequestHandler):
                def do_PUT(self) -> None:
                    status, message = emulator._receive(self)
                    body = message.encode()
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

                def log_message(self, format: str, *args: Any) -> None:
                    return

            self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            threading.Thread(target=self._server.serve_forever, daemon=True, name="customer-profiles-uploads").start()
        return int(self._server.server_address[1])

    def _receive(self, request: http.server.BaseHTTPRequestHandler) -> tuple[int, str]:
        """An S3-like answer to the PUT on a pre-signed URL: 403 without the SSE-C headers of the job's token."""
        parts = request.path.split("?", 1)[0].strip("/").split("/")
        length = int(request.headers.get("Content-Length") or 0)
        with self.lock:
            job = self.jobs.get(parts[-1]) if len(parts) == 3 and parts[0] == "upload" else None
            if job is None or job.token is None or job.status != "CREATED":
                return 403, "AccessDenied: the pre-signed URL is not valid"
            key = request.headers.get("x-amz-server-side-encryption-customer-key")
            md5 = request.headers.get("x-amz-server-side-encryption-customer-key-MD5")
            algorithm = request.headers.get("x-amz-server-side-encryption-customer-algorithm")
            expected_md5 = base64.b64encode(hashlib.md5(base64.b64decode(job.token)).digest()).decode()
            if algorithm != "AES256" or key != job.token or md5 != expected_md5:
                return 400, "InvalidRequest: the SSE-C headers do not match the upload job's client token"
            path = Path(self._files.name) / f"{job.job_id}.csv"
        with path.open("wb") as out:
            remaining = length
            while remaining > 0:
                chunk = request.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                out.write(chunk)
                remaining -= len(chunk)
        if remaining:
            return 400, "IncompleteBody"
        with self.lock:
            job.file = path
        return 200, ""
