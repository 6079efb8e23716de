"""Object storage seen as streams: S3 (Lambda) or a local folder (CLI, benchmark) behind one small interface.

- ``open_read(key)`` → a binary stream read in chunks (S3: the ``GetObject`` body, never ``.read()`` whole);
- ``open_write(key)`` → a binary writable stream. On S3 it is ``S3MultipartWriter``: parts of ``part_size``
  (≥ 5 MiB, S3's minimum) are uploaded as they fill, a small object is a single ``PutObject``, ``close()``
  completes the upload and ``abort()`` discards it — the object appears whole or not at all, and a retry with the
  same key overwrites it;
- ``list(prefix)``, ``delete(key)``, ``put_json``/``get_json`` for small JSON documents.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Protocol

MIN_PART = 5 * 1024 * 1024
DEFAULT_PART = 8 * 1024 * 1024


class WritableObject(Protocol):
    def write(self, data: bytes) -> int: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


class Storage(Protocol):
    def open_read(self, key: str) -> IO[bytes]: ...

    def open_write(
        self, key: str, content_type: str = ..., metadata: dict[str, str] | None = ...
    ) -> WritableObject: ...

    def list(self, prefix: str) -> Iterator[str]: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...

    def put_json(self, key: str, value: Any) -> None: ...

    def get_json(self, key: str) -> Any: ...

    def url(self, key: str) -> str: ...


class S3MultipartWriter:
    """A writable binary stream that uploads to S3 in parts of ``part_size`` bytes (multipart upload)."""

    def __init__(
        self,
        s3: Any,
        bucket: str,
        key: str,
        part_size: int = DEFAULT_PART,
        content_type: str = "text/csv",
        metadata: dict[str, str] | None = None,
    ) -> None:
        if part_size < MIN_PART:
            raise ValueError(f"S3 multipart parts must be at least {MIN_PART} bytes")
        self._s3, self.bucket, self.key = s3, bucket, key
        self._part_size = part_size
        self._content_type = content_type
        self._extra: dict[str, Any] = {"Metadata": metadata} if metadata else {}
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self.bytes_written = 0
        self.closed = False

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        if self.closed:
            raise ValueError("write to a closed S3 object")
        self._buffer += data
        self.bytes_written += len(data)
        while len(self._buffer) >= self._part_size:
            self._upload_part(bytes(self._buffer[: self._part_size]))
            del self._buffer[: self._part_size]
        return len(data)

    def _upload_part(self, body: bytes) -> None:
        if self._upload_id is None:
            response = self._s3.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType=self._content_type, **self._extra
            )
            self._upload_id = response["UploadId"]
        number = len(self._parts) + 1
        response = self._s3.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self._upload_id, PartNumber=number, Body=body
        )
        self._parts.append({"ETag": response["ETag"], "PartNumber": number})

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._upload_id is None:
                self._s3.put_object(
                    Bucket=self.bucket,
                    Key=self.key,
                    Body=bytes(self._buffer),
                    ContentType=self._content_type,
                    **self._extra,
                )
            else:
                if self._buffer:
                    self._upload_part(bytes(self._buffer))
                self._s3.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=self.key,
                    UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts},
                )
        except BaseException:
            self.abort()
            raise
        self._buffer = bytearray()
        self.closed = True

    def abort(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._buffer = bytearray()
        if self._upload_id is not None:
            with contextlib.suppress(Exception):
                self._s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self._upload_id)


class S3Storage:
    def __init__(self, s3: Any, bucket: str, part_size: int = DEFAULT_PART) -> None:
        self.s3, self.bucket, self.part_size = s3, bucket, part_size

    def open_read(self, key: str) -> IO[bytes]:
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]  # type: ignore[no-any-return]

    def open_write(
        self, key: str, content_type: str = "text/csv", metadata: dict[str, str] | None = None
    ) -> WritableObject:
        """``metadata``: S3 user metadata (``x-amz-meta-*``, US-ASCII values) set on the object."""
        return S3MultipartWriter(self.s3, self.bucket, key, self.part_size, content_type, metadata)

    def list(self, prefix: str) -> Iterator[str]:
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"]

    def delete(self, key: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=key)

    def exists(self, key: str) -> bool:
        try:
            self.s3.head_object(Bucket=self.bucket, Key=key)
        except self.s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def put_json(self, key: str, value: Any) -> None:
        body = json.dumps(value, indent=1, sort_keys=True).encode("utf-8")
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")

    def get_json(self, key: str) -> Any:
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


class _LocalWriter(io.FileIO):
    """A file written next to its destination and renamed on close (whole or nothing, like S3)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._final = path
        self._tmp = path.with_name(f".{path.name}.part")
        super().__init__(self._tmp, "w")
        self._aborted = False

    def close(self) -> None:
        if self.closed:
            return
        super().close()
        if not self._aborted:
            os.replace(self._tmp, self._final)

    def abort(self) -> None:
        self._aborted = True
        super().close()
        with contextlib.suppress(FileNotFoundError):
            self._tmp.unlink()


class LocalStorage:
    """A folder with the same interface (keys are relative paths)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.bucket = str(self.root)

    def _path(self, key: str) -> Path:
        return self.root / key

    def open_read(self, key: str) -> IO[bytes]:
        return open(self._path(key), "rb", buffering=0)

    def open_write(
        self, key: str, content_type: str = "text/csv", metadata: dict[str, str] | None = None
    ) -> WritableObject:
        """A local file has no user metadata: ``metadata`` is accepted and not stored."""
        return _LocalWriter(self._path(key))  # type: ignore[return-value]

    def list(self, prefix: str) -> Iterator[str]:
        if not self.root.exists():
            return
        for path in sorted(self.root.rglob("*")):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and key.startswith(prefix) and not path.name.startswith("."):
                yield key

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def put_json(self, key: str, value: Any) -> None:
        writer = self.open_write(key, "application/json")
        writer.write(json.dumps(value, indent=1, sort_keys=True).encode("utf-8"))
        writer.close()

    def get_json(self, key: str) -> Any:
        return json.loads(self._path(key).read_text(encoding="utf-8"))

    def url(self, key: str) -> str:
        return str(self._path(key)) + ("/" if key.endswith("/") else "")
