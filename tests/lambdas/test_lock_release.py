"""The lock-release functions, loaded from their zips with their module's environment: a release frees the lock
only for the execution that holds it, and releasing twice (a retried invocation) or a lock already gone is a no-op.
"""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from contextual_targeting.local.lambda_loader import FakeContext
from contextual_targeting.local.runtime import Settings

SETTINGS = Settings(name_prefix="ct", pinpoint=True, ses=True, connect=True)  # as conftest's module_environment
BUCKET = SETTINGS.data_bucket
HOLDER = "arn:aws:states:us-east-1:123456789012:execution:ct-x:holder"
OTHER = "arn:aws:states:us-east-1:123456789012:execution:ct-x:other"

# function → (lock key, the event's own fields)
CASES = {
    "ses_segment_release": (f"ses/locks/{SETTINGS.contact_list_name}.json", {}),
    "connect_segment_release": ("connect/locks/def_1.json", {"definition_name": "def_1"}),
}


@pytest.mark.parametrize("function", sorted(CASES))
def test_only_the_holder_releases_and_a_second_release_changes_nothing(
    function: str, lambda_handler, module_environment
) -> None:
    module_environment(function)
    key, fields = CASES[function]
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(
            Bucket=BUCKET, Key=key, Body=json.dumps({"owner": HOLDER, "expires": "2999-01-01T00:00:00+00:00"})
        )
        handler = lambda_handler(function)

        def release(owner: str) -> dict:
            return handler({"bucket": BUCKET, "owner": owner, **fields}, FakeContext(f"ct-{function}"))  # type: ignore[no-any-return]

        assert release(OTHER) == {"released": False}
        assert json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())["owner"] == HOLDER
        assert release(HOLDER) == {"released": True}
        assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=key)
        assert release(HOLDER) == {"released": False}
