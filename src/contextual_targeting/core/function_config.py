"""Each Lambda function's configuration, read once per invocation from the environment Terraform sets, typed.

One frozen dataclass per function (``CONFIGS``: zip name → class). A field's ``env`` metadata names its variable.
A field without a default is **required**: its value comes from the module's ``environment`` map, whose Terraform
variable holds the one default (``pinpoint/``, ``segments/``, 43200 …), so no literal default is written twice —
``tests/lambdas/test_function_config.py`` checks that every required variable is set by the function's module and that
nothing else is read. The few optional fields are tunables Terraform never sets (test hooks, sizing overrides).

``client`` is the one boto3 client factory of the functions: standard retries, created on first use and kept for
the life of the execution environment (one per service and configuration).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

T = TypeVar("T", bound="FunctionConfig")


class MissingSetting(Exception):
    """A required environment variable is not set: the function was deployed without its module's environment."""


def setting(env: str, parse: Callable[[str], Any] = str, **kwargs: Any) -> Any:
    """A configuration field read from the environment variable ``env`` (``default=`` makes it optional)."""
    return dataclasses.field(metadata={"env": env, "parse": parse}, **kwargs)


def _flag(value: str) -> bool:
    return value.strip().lower() == "true"


def _megabytes(value: str) -> int:
    return int(float(value) * 1024**2)


@dataclass(frozen=True)
class FunctionConfig:
    function: ClassVar[str] = ""

    @classmethod
    def from_env(cls: type[T], environ: Mapping[str, str] | None = None) -> T:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            name, parse = field.metadata["env"], field.metadata["parse"]
            raw = environ.get(name)
            if raw is None or raw == "":
                if field.default is dataclasses.MISSING:
                    raise MissingSetting(
                        f"{cls.function}: environment variable {name} is not set (its Terraform module sets it)"
                    )
                continue
            values[field.name] = parse(raw)
        return cls(**values)

    @classmethod
    def variables(cls) -> dict[str, bool]:
        """Every environment variable the function reads → whether it is required."""
        return {f.metadata["env"]: f.default is dataclasses.MISSING for f in dataclasses.fields(cls)}


@functools.cache
def client(service: str, max_attempts: int = 8, max_pool_connections: int = 10) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "max_attempts": max_attempts}, max_pool_connections=max_pool_connections
    )
    return boto3.client(service, config=config)


# ------------------------------------------------------------------------------------------------ post-processing
@dataclass(frozen=True)
class SplitSegments(FunctionConfig):
    function: ClassVar[str] = "split_segments"
    data_bucket: str = setting("DATA_BUCKET")


@dataclass(frozen=True)
class FinalizeSegments(FunctionConfig):
    function: ClassVar[str] = "finalize_segments"
    data_bucket: str = setting("DATA_BUCKET")


# ------------------------------------------------------------------------------------------------ Pinpoint
@dataclass(frozen=True)
class PinpointChunkExport(FunctionConfig):
    function: ClassVar[str] = "pinpoint_chunk_export"
    export_prefix: str = setting("EXPORT_PREFIX")
    import_prefix: str = setting("IMPORT_PREFIX")
    work_prefix: str = setting("WORK_PREFIX")
    chunk_size: int = setting("CHUNK_SIZE", int)


@dataclass(frozen=True)
class PinpointResolveEndpoints(FunctionConfig):
    function: ClassVar[str] = "pinpoint_resolve_endpoints"
    segment_bucket: str = setting("SEGMENT_BUCKET")
    application_id: str = setting("PINPOINT_APPLICATION_ID")
    channel_type: str = setting("CHANNEL_TYPE")
    concurrency: int = setting("CONCURRENCY", int)
    throttle_base_ms: float = setting("THROTTLE_BASE_MS", float, default=100.0)  # backoff base; tests shorten it


@dataclass(frozen=True)
class PinpointSegmentReady(FunctionConfig):
    function: ClassVar[str] = "pinpoint_segment_ready"
    segment_bucket: str = setting("SEGMENT_BUCKET")
    import_prefix: str = setting("IMPORT_PREFIX")
    work_prefix: str = setting("WORK_PREFIX")


@dataclass(frozen=True)
class PinpointImportPrepare(FunctionConfig):
    function: ClassVar[str] = "pinpoint_import_prepare"
    application_id: str = setting("APPLICATION_ID")
    import_prefix: str = setting("IMPORT_PREFIX")


# ------------------------------------------------------------------------------------------------ SES
@dataclass(frozen=True)
class SesSegmentTopic(FunctionConfig):
    function: ClassVar[str] = "ses_segment_topic"
    contact_list_name: str = setting("CONTACT_LIST_NAME")
    create_contact_list: bool = setting("CREATE_CONTACT_LIST", _flag)
    export_prefix: str = setting("EXPORT_PREFIX")
    ses_prefix: str = setting("SES_PREFIX")
    lock_ttl_seconds: int = setting("LOCK_TTL_SECONDS", int)


@dataclass(frozen=True)
class SesSegmentContacts(FunctionConfig):
    function: ClassVar[str] = "ses_segment_contacts"
    export_prefix: str = setting("EXPORT_PREFIX")
    train_prefix: str = setting("TRAIN_PREFIX")
    ses_prefix: str = setting("SES_PREFIX")
    max_contacts_per_import: int = setting("MAX_CONTACTS_PER_IMPORT", int)


@dataclass(frozen=True)
class SesSegmentCommit(FunctionConfig):
    function: ClassVar[str] = "ses_segment_commit"
    ses_prefix: str = setting("SES_PREFIX")


@dataclass(frozen=True)
class SesSegmentRelease(FunctionConfig):
    function: ClassVar[str] = "ses_segment_release"
    contact_list_name: str = setting("CONTACT_LIST_NAME")
    ses_prefix: str = setting("SES_PREFIX")


# ------------------------------------------------------------------------------------------------ Connect
@dataclass(frozen=True)
class ConnectSegmentPrepare(FunctionConfig):
    function: ClassVar[str] = "connect_segment_prepare"
    domain_name: str = setting("DOMAIN_NAME")
    field_mapping: str = setting("FIELD_MAPPING")  # JSON; checked by connect_profiles.FieldMapping.parse
    user_id_field: str = setting("USER_ID_FIELD")
    export_prefix: str = setting("EXPORT_PREFIX")
    connect_prefix: str = setting("CONNECT_PREFIX")
    lock_ttl_seconds: int = setting("LOCK_TTL_SECONDS", int)


@dataclass(frozen=True)
class ConnectSegmentRelease(FunctionConfig):
    function: ClassVar[str] = "connect_segment_release"
    connect_prefix: str = setting("CONNECT_PREFIX")


@dataclass(frozen=True)
class ConnectSegmentProfiles(FunctionConfig):
    function: ClassVar[str] = "connect_segment_profiles"
    field_mapping: str = setting("FIELD_MAPPING")  # JSON; checked by connect_profiles.FieldMapping.parse
    user_id_field: str = setting("USER_ID_FIELD")
    export_prefix: str = setting("EXPORT_PREFIX")
    train_prefix: str = setting("TRAIN_PREFIX")
    connect_prefix: str = setting("CONNECT_PREFIX")
    max_upload_bytes: int = setting("MAX_UPLOAD_BYTES", int)


@dataclass(frozen=True)
class ConnectSegmentUpload(FunctionConfig):
    function: ClassVar[str] = "connect_segment_upload"


# ------------------------------------------------------------------------------------------------ training, triggers
@dataclass(frozen=True)
class ValidateTrainingInput(FunctionConfig):
    function: ClassVar[str] = "validate_training_input"
    # sizing overrides (the validation's own limits apply when unset)
    full_check_max_bytes: int | None = setting("FULL_CHECK_MAX_MB", _megabytes, default=None)
    sample_bytes: int | None = setting("SAMPLE_MB", _megabytes, default=None)


@dataclass(frozen=True)
class StartExecution(FunctionConfig):
    function: ClassVar[str] = "start_execution"
    state_machine_arn: str = setting("STATE_MACHINE_ARN")


CONFIGS: dict[str, type[FunctionConfig]] = {
    cls.function: cls
    for cls in (
        SplitSegments,
        FinalizeSegments,
        PinpointChunkExport,
        PinpointResolveEndpoints,
        PinpointSegmentReady,
        PinpointImportPrepare,
        SesSegmentTopic,
        SesSegmentContacts,
        SesSegmentCommit,
        SesSegmentRelease,
        ConnectSegmentPrepare,
        ConnectSegmentRelease,
        ConnectSegmentProfiles,
        ConnectSegmentUpload,
        ValidateTrainingInput,
        StartExecution,
    )
}
