"""S3 streams of the core: multipart upload in parts of >= 5 MiB, whole-or-nothing objects, keys overwrite."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from contextual_targeting.core.segments import encode_csv_rows
from contextual_targeting.core.storage import MIN_PART, S3MultipartWriter, S3Storage


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="bkt")
        yield client


class Recording:
    """Wraps the client to see which upload calls the writer makes."""

    def __init__(self, client) -> None:
        self.client, self.calls = client, []

    def __getattr__(self, name):
        method = getattr(self.client, name)

        def call(**kwargs):
            self.calls.append((name, kwargs.get("PartNumber"), len(kwargs.get("Body", b""))))
            return method(**kwargs)

        return call


def test_large_object_is_uploaded_in_parts_of_the_configured_size(s3):
    recording = Recording(s3)
    writer = S3MultipartWriter(recording, "bkt", "segments/x.csv", part_size=MIN_PART)
    block = b"0123456789abcdef" * 65536  # 1 MiB
    for _ in range(12):
        writer.write(block)
    assert [c[0] for c in recording.calls] == ["create_multipart_upload", "upload_part", "upload_part"]
    writer.close()
    parts = [c for c in recording.calls if c[0] == "upload_part"]
    assert [size for _, _, size in parts] == [MIN_PART, MIN_PART, 2 * 1024 * 1024]
    assert recording.calls[-1][0] == "complete_multipart_upload"
    assert s3.get_object(Bucket="bkt", Key="segments/x.csv")["Body"].read() == block * 12


def test_small_object_is_one_put_and_abort_leaves_nothing(s3):
    writer = S3MultipartWriter(s3, "bkt", "small.csv")
    writer.write(b"USER_ID\n1\n")
    writer.close()
    assert s3.get_object(Bucket="bkt", Key="small.csv")["Body"].read() == b"USER_ID\n1\n"

    aborted = S3MultipartWriter(s3, "bkt", "big.csv", part_size=MIN_PART)
    aborted.write(b"x" * (MIN_PART + 10))  # one part already uploaded
    aborted.abort()
    assert s3.list_objects_v2(Bucket="bkt", Prefix="big.csv").get("KeyCount") == 0
    assert s3.list_multipart_uploads(Bucket="bkt").get("Uploads", []) == []


def test_part_size_below_the_s3_minimum_is_refused(s3):
    with pytest.raises(ValueError):
        S3MultipartWriter(s3, "bkt", "k", part_size=MIN_PART - 1)


def test_storage_lists_by_prefix_and_overwrites(s3):
    storage = S3Storage(s3, "bkt")
    for key in ("p/1", "p/2", "q/1"):
        s3.put_object(Bucket="bkt", Key=key, Body=b"")
    assert list(storage.list("p/")) == ["p/1", "p/2"]
    storage.put_json("p/x.json", {"a": 1})
    storage.put_json("p/x.json", {"a": 2})
    assert storage.get_json("p/x.json") == {"a": 2}
    assert storage.exists("p/x.json") and not storage.exists("p/nope.json")


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["1", "2"], b"1\n2\n"),
        (["a,b", 'q"x', "plain"], b'"a,b"\n"q""x"\nplain\n'),
        (["line\nbreak"], b'"line\nbreak"\n'),
    ],
)
def test_csv_rows_are_quoted_only_when_needed(ids, expected):
    assert encode_csv_rows(ids) == expected
