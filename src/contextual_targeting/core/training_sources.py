"""Where training input is read from: a local folder (CLI) or an S3 bucket (Lambda), behind one small interface.

Keys are ``/``-separated strings. For S3 they are object keys; for the local source they are file-system paths
(as given, absolute or relative). Files are streamed line by line (``iter_lines``), never read whole, and
``limit`` bytes can be asked for (a ranged GET on S3), which is how large files are sampled.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

MAX_SMALL_FILE = 1024 * 1024  # config.json and job_config.json are small; refuse to read more


class DataSource(Protocol):
    def size(self, key: str) -> int | None:
        """Size in bytes of the file at ``key``, or ``None`` when there is none."""

    def list_files(self, prefix: str) -> dict[str, int]:
        """Every file under the folder ``prefix`` (ends with ``/``), recursively: key → size."""

    def iter_lines(self, key: str, limit: int | None = None) -> Iterator[bytes]:
        """The file's lines (without line ends), reading at most ``limit`` bytes when given."""

    def read_small(self, key: str) -> bytes:
        """A small file whole (at most ``MAX_SMALL_FILE`` bytes)."""

    def display(self, key: str) -> str:
        """How the file is named in reports."""

    def url(self, key: str) -> str:
        """The file's URL as Personalize will be given it (``s3://bucket/key``)."""


def _split_lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    pending = b""
    for chunk in chunks:
        pending += chunk
        lines = pending.split(b"\n")
        pending = lines.pop()
        for line in lines:
            yield line[:-1] if line.endswith(b"\r") else line
    if pending:
        yield pending[:-1] if pending.endswith(b"\r") else pending


class LocalSource:
    """Local files; keys are paths."""

    def __init__(self, url_base: str | None = None, root: str | Path | None = None) -> None:
        # url(): with url_base "s3://bucket/" and root "data/personalize", data/personalize/train/x → s3://bucket/train/x
        self._url_base = url_base
        self._root = Path(root) if root is not None else None

    def size(self, key: str) -> int | None:
        path = Path(key)
        return path.stat().st_size if path.is_file() else None

    def list_files(self, prefix: str) -> dict[str, int]:
        base = Path(prefix)
        if not base.is_dir():
            return {}
        found: dict[str, int] = {}
        start = prefix if prefix.endswith("/") else prefix + "/"
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                path = Path(dirpath) / name
                # keys keep the prefix exactly as given ("./x/" stays "./x/..."), so callers can match on it
                found[start + path.relative_to(base).as_posix()] = path.stat().st_size
        return dict(sorted(found.items()))

    def iter_lines(self, key: str, limit: int | None = None) -> Iterator[bytes]:
        with open(key, "rb") as handle:
            if limit is None:
                for line in handle:
                    if line.endswith(b"\n"):
                        line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
                    yield line
                return

            def chunks() -> Iterator[bytes]:
                remaining = limit
                while remaining is None or remaining > 0:
                    size = 1 << 20 if remaining is None else min(1 << 20, remaining)
                    chunk = handle.read(size)
                    if not chunk:
                        return
                    if remaining is not None:
                        remaining -= len(chunk)
                    yield chunk

            yield from _split_lines(chunks())

    def read_small(self, key: str) -> bytes:
        with open(key, "rb") as handle:
            data = handle.read(MAX_SMALL_FILE + 1)
        if len(data) > MAX_SMALL_FILE:
            raise ValueError(f"{key} is larger than {MAX_SMALL_FILE} bytes")
        return data

    def display(self, key: str) -> str:
        return key

    def url(self, key: str) -> str:
        if self._url_base and self._root is not None:
            try:
                relative = Path(key).resolve().relative_to(self._root.resolve()).as_posix()
            except ValueError:
                return Path(key).as_posix()
            return self._url_base + relative + ("/" if key.endswith("/") else "")
        return key


class S3Source:
    """Objects in one bucket, through an injected boto3 S3 client."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def size(self, key: str) -> int | None:
        response = self._client.list_objects_v2(Bucket=self.bucket, Prefix=key, MaxKeys=1)
        for item in response.get("Contents", []):
            if item["Key"] == key:
                return int(item["Size"])
        return None

    def list_files(self, prefix: str) -> dict[str, int]:
        found: dict[str, int] = {}
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                if not item["Key"].endswith("/"):  # folder markers made by the console
                    found[item["Key"]] = int(item["Size"])
        return found

    def iter_lines(self, key: str, limit: int | None = None) -> Iterator[bytes]:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if limit is not None:
            kwargs["Range"] = f"bytes=0-{max(limit - 1, 0)}"
        body = self._client.get_object(**kwargs)["Body"]
        try:
            yield from _split_lines(body.iter_chunks(1 << 20))
        finally:
            body.close()

    def read_small(self, key: str) -> bytes:
        body = self._client.get_object(Bucket=self.bucket, Key=key)["Body"]
        try:
            data: bytes = body.read(MAX_SMALL_FILE + 1)
        finally:
            body.close()
        if len(data) > MAX_SMALL_FILE:
            raise ValueError(f"s3://{self.bucket}/{key} is larger than {MAX_SMALL_FILE} bytes")
        return data

    def display(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"
