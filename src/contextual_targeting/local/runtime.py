"""The whole solution in one process: moto for the AWS services it has, emulators for the ones it lacks.

``LocalDeployment`` does what ``terraform apply`` does, against an embedded AWS:

- buckets with EventBridge notifications, the custom event bus, the SNS topic (with an SQS "mailbox" subscribed, so
  every notification is kept as the e-mail subscriber would receive it), the Pinpoint app;
- every Lambda function of every workflow module, loaded from ``build/<function>.zip`` and invoked in-process with
  the environment its module gives it;
- every state machine, rendered from ``statemachines/*.asl.json`` with the same template variables the module
  passes (``contextual_targeting.asl.render``), polling intervals shortened;
- every EventBridge rule with its module's own pattern file, targeting the module's ``start_execution`` function.

moto delivers S3 notifications and ``PutEvents`` to rules but cannot invoke Lambda targets; the router installed here
does, with EventBridge's semantics: S3 events only reach rules on the default bus, patterns are matched with
``contextual_targeting.local.event_patterns`` and the target receives the event unchanged (the modules use neither
``input_path`` nor input transformers). ``tests/local/test_wiring.py`` checks this wiring against the Terraform
modules (functions, environment keys, template variables, pattern files, buses, targets).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from contextual_targeting.asl import REPO_ROOT, render, render_text
from contextual_targeting.core import layout

ACCOUNT = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"
MODULES_DIR = REPO_ROOT / "modules"
STATEMACHINES_DIR = REPO_ROOT / "statemachines"


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function as its module deploys it."""

    function: str  # the function key: lambdas/<function>, build/<function>.zip
    name: str  # physical function name
    env: Mapping[str, str]

    @property
    def arn(self) -> str:
        return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{self.name}"


@dataclass(frozen=True)
class RuleSpec:
    name: str
    bus: str  # "default" for S3 events
    pattern_file: Path
    pattern_vars: Mapping[str, str]
    target: str  # zip name of the target function (always start_execution)

    def pattern(self) -> dict[str, Any]:
        return json.loads(render_text(self.pattern_file.read_text(encoding="utf-8"), self.pattern_vars))  # type: ignore[no-any-return]


@dataclass(frozen=True)
class WorkflowSpec:
    key: str  # e.g. "training"
    module: str  # modules/<module>, which renders statemachines/<module>.asl.json
    state_machine_name: str
    asl_vars: Mapping[str, str]
    functions: tuple[FunctionSpec, ...]
    rules: tuple[RuleSpec, ...]

    @property
    def template(self) -> str:
        """The state machine template, ``statemachines/<template>.asl.json``: named after its module."""
        return self.module

    @property
    def state_machine_arn(self) -> str:
        return _state_machine_arn(self.state_machine_name)


def _state_machine_arn(name: str) -> str:
    return f"arn:{PARTITION}:states:{REGION}:{ACCOUNT}:stateMachine:{name}"


def _s3_rule(name: str, module: str, pattern: str, pattern_vars: Mapping[str, str]) -> RuleSpec:
    """A rule on the default bus for the buckets' S3 Object Created events, targeting the workflow's start function."""
    return RuleSpec(name, "default", MODULES_DIR / module / "event_patterns" / pattern, pattern_vars, "start_execution")


@dataclass
class Settings:
    name_prefix: str = "ct-local"
    pinpoint: bool = True
    ses: bool = False
    connect: bool = False
    build_dir: Path = REPO_ROOT / "build"
    segment_import_prefix: str = layout.PINPOINT_IMPORT_PREFIX
    poll_seconds: int = 0  # Terraform passes production values; locally nothing needs to wait
    max_polls: int = 200
    max_concurrency: int = 4
    channel_types: str = "EMAIL"
    chunk_size: int = 1000  # small locally so the sample exercises several chunks per segment

    @property
    def data_bucket(self) -> str:
        return f"{self.name_prefix}-data-{ACCOUNT}-{REGION}"

    @property
    def segment_bucket(self) -> str:
        return f"{self.name_prefix}-segments-{ACCOUNT}-{REGION}"

    @property
    def bus_name(self) -> str:
        return f"{self.name_prefix}-bus"

    @property
    def topic_arn(self) -> str:
        return f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:{self.name_prefix}-notifications"

    @property
    def contact_list_name(self) -> str:
        return f"{self.name_prefix}-segments"

    @property
    def profiles_domain(self) -> str:
        return f"{self.name_prefix}-profiles"  # the connect module's default for a created domain

    @property
    def application_id(self) -> str:
        return "0" * 24 + "10ca1app"  # any 32-char id; the local Pinpoint app is created with it


def _role(name: str) -> str:
    return f"arn:{PARTITION}:iam::{ACCOUNT}:role/{name}"


def _function(prefix: str, function: str, service: str, env: Mapping[str, str]) -> FunctionSpec:
    """A workflow function as modules/lambda_function deploys it: ``<name_prefix>-<function with dashes>``, with
    the Powertools settings every module sets next to the function's own environment."""
    powertools = {
        "POWERTOOLS_SERVICE_NAME": service,
        "POWERTOOLS_METRICS_NAMESPACE": f"ContextualTargeting/{prefix}",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    return FunctionSpec(function, f"{prefix}-{function.replace('_', '-')}", {**env, **powertools})


def _arns(*functions: FunctionSpec) -> dict[str, str]:
    """The state machine template's variables naming the functions it invokes: ``<function>_arn``."""
    return {f"{f.function}_arn": f.arn for f in functions}


def _starter(prefix: str, workflow_name: str, state_machine_arn: str) -> FunctionSpec:
    return FunctionSpec("start_execution", f"{prefix}-{workflow_name}-start", {"STATE_MACHINE_ARN": state_machine_arn})


def workflow_specs(settings: Settings) -> list[WorkflowSpec]:
    """The workflows as the root module composes them (see each module's main.tf)."""
    specs = _workflow_specs_extra(settings)
    if settings.pinpoint:
        specs.append(_pinpoint_spec(settings))
    return specs


def _pinpoint_spec(settings: Settings) -> WorkflowSpec:
    """modules/pinpoint_import: resolution from the exports, then import (the module's defaults, local tunables)."""
    p = settings.name_prefix
    sm_name = f"{p}-pinpoint-import"
    sm_arn = _state_machine_arn(sm_name)
    work_prefix = layout.PINPOINT_WORK_PREFIX
    chunk = _function(
        p,
        "pinpoint_chunk_export",
        "pinpoint-import",
        {
            "EXPORT_PREFIX": layout.EXPORT_PREFIX,
            "IMPORT_PREFIX": settings.segment_import_prefix,
            "WORK_PREFIX": work_prefix,
            "CHUNK_SIZE": str(settings.chunk_size),
        },
    )
    resolve = _function(
        p,
        "pinpoint_resolve_endpoints",
        "pinpoint-import",
        {
            "SEGMENT_BUCKET": settings.segment_bucket,
            "PINPOINT_APPLICATION_ID": settings.application_id,
            "CHANNEL_TYPE": settings.channel_types,
            "CONCURRENCY": "4",
        },
    )
    ready = _function(
        p,
        "pinpoint_segment_ready",
        "pinpoint-import",
        {
            "SEGMENT_BUCKET": settings.segment_bucket,
            "IMPORT_PREFIX": settings.segment_import_prefix,
            "WORK_PREFIX": work_prefix,
        },
    )
    prepare = _function(
        p,
        "pinpoint_import_prepare",
        "pinpoint-import-prepare",
        {"APPLICATION_ID": settings.application_id, "IMPORT_PREFIX": settings.segment_import_prefix},
    )
    start = _starter(p, "pinpoint-import", sm_arn)
    return WorkflowSpec(
        key="pinpoint_import",
        module="pinpoint_import",
        state_machine_name=sm_name,
        asl_vars={
            "data_bucket_name": settings.data_bucket,
            "max_concurrency": str(settings.max_concurrency),
            **_arns(chunk, resolve, ready, prepare),
            "application_id": settings.application_id,
            "import_role_arn": _role(f"{p}-pinpoint-service"),
            "notification_topic_arn": settings.topic_arn,
            "poll_seconds": str(settings.poll_seconds),
            "max_polls": str(settings.max_polls),
            "notify_on_start": "false",
        },
        functions=(chunk, resolve, ready, prepare, start),
        rules=(
            _s3_rule(
                f"{p}-pinpoint-import",
                "pinpoint_import",
                "segment_import.json",
                {
                    "data_bucket_name": settings.data_bucket,
                    "export_prefix": layout.EXPORT_PREFIX,
                    "bucket_name": settings.segment_bucket,
                    "import_prefix": settings.segment_import_prefix,
                },
            ),
        ),
    )


def _workflow_specs_extra(settings: Settings) -> list[WorkflowSpec]:
    """Training and post-processing workflows, and the SES and Connect destinations when selected."""
    specs = [*_training_specs(settings), _postprocessing_spec(settings)]
    if settings.ses:
        specs.append(_ses_spec(settings))
    if settings.connect:
        specs.append(_connect_spec(settings))
    return specs


def _connect_spec(settings: Settings) -> WorkflowSpec:
    """modules/connect_destination with its defaults and a created domain (create_domain = true)."""
    from contextual_targeting.core.connect_profiles import DEFAULT_FIELD_MAPPING

    p = settings.name_prefix
    sm_name = f"{p}-connect-destination"
    sm_arn = _state_machine_arn(sm_name)
    common = {
        "DOMAIN_NAME": settings.profiles_domain,
        "FIELD_MAPPING": json.dumps(DEFAULT_FIELD_MAPPING, separators=(",", ":"), sort_keys=True),  # as jsonencode()
        "USER_ID_FIELD": "AccountNumber",
        "EXPORT_PREFIX": layout.EXPORT_PREFIX,
        "TRAIN_PREFIX": layout.TRAIN_PREFIX,
        "CONNECT_PREFIX": layout.CONNECT_PREFIX,
    }
    prepare = _function(
        p, "connect_segment_prepare", "connect-segment-prepare", {**common, "LOCK_TTL_SECONDS": "43200"}
    )
    profiles = _function(
        p, "connect_segment_profiles", "connect-segment-profiles", {**common, "MAX_UPLOAD_BYTES": "1000000000"}
    )
    release = _function(
        p, "connect_segment_release", "connect-segment-release", {"CONNECT_PREFIX": layout.CONNECT_PREFIX}
    )
    upload = _function(p, "connect_segment_upload", "connect-segment-upload", {})
    start = _starter(p, "connect-destination", sm_arn)
    return WorkflowSpec(
        key="connect_destination",
        module="connect_destination",
        state_machine_name=sm_name,
        asl_vars={
            **_arns(prepare, release, profiles, upload),
            "notification_topic_arn": settings.topic_arn,
            "domain_name": settings.profiles_domain,
            "poll_seconds": str(settings.poll_seconds),
            "max_polls": str(settings.max_polls),
            "data_expiry_days": "365",
        },
        functions=(prepare, release, profiles, upload, start),
        rules=(
            _s3_rule(
                f"{p}-connect-destination",
                "connect_destination",
                "segment_export.json",
                {"bucket_name": settings.data_bucket, "export_prefix": layout.EXPORT_PREFIX},
            ),
        ),
    )


def _ses_spec(settings: Settings) -> WorkflowSpec:
    p = settings.name_prefix
    sm_name = f"{p}-ses-destination"
    sm_arn = _state_machine_arn(sm_name)
    topic = _function(
        p,
        "ses_segment_topic",
        "ses-segment-topic",
        {
            "CONTACT_LIST_NAME": settings.contact_list_name,
            "CREATE_CONTACT_LIST": "true",
            "LOCK_TTL_SECONDS": "43200",
            "EXPORT_PREFIX": layout.EXPORT_PREFIX,
            "SES_PREFIX": layout.SES_PREFIX,
        },
    )
    contacts = _function(
        p,
        "ses_segment_contacts",
        "ses-segment-contacts",
        {
            "TRAIN_PREFIX": layout.TRAIN_PREFIX,
            "MAX_CONTACTS_PER_IMPORT": "1000000",
            "EXPORT_PREFIX": layout.EXPORT_PREFIX,
            "SES_PREFIX": layout.SES_PREFIX,
        },
    )
    commit = _function(p, "ses_segment_commit", "ses-segment-commit", {"SES_PREFIX": layout.SES_PREFIX})
    release = _function(
        p,
        "ses_segment_release",
        "ses-segment-release",
        {"CONTACT_LIST_NAME": settings.contact_list_name, "SES_PREFIX": layout.SES_PREFIX},
    )
    start = _starter(p, "ses-destination", sm_arn)
    return WorkflowSpec(
        key="ses_destination",
        module="ses_destination",
        state_machine_name=sm_name,
        asl_vars={
            **_arns(topic, contacts, commit, release),
            "notification_topic_arn": settings.topic_arn,
            "poll_seconds": str(settings.poll_seconds),
            "max_polls": str(settings.max_polls),
        },
        functions=(topic, contacts, commit, release, start),
        rules=(
            _s3_rule(
                f"{p}-ses-destination",
                "ses_destination",
                "segment_export.json",
                {"bucket_name": settings.data_bucket, "export_prefix": layout.EXPORT_PREFIX},
            ),
        ),
    )


def _training_specs(settings: Settings) -> list[WorkflowSpec]:
    p = settings.name_prefix
    sm_name = f"{p}-training"
    sm_arn = _state_machine_arn(sm_name)
    validate = _function(p, "validate_training_input", "validate-training-input", {})
    start = _starter(p, "training", sm_arn)
    polls = {"poll_seconds": str(settings.poll_seconds), "max_polls": str(settings.max_polls)}
    asl_vars = {
        **_arns(validate),
        "personalize_role_arn": _role(f"{p}-personalize"),
        "event_bus_name": settings.bus_name,
        "notification_topic_arn": settings.topic_arn,
        "partition": PARTITION,
        "region": REGION,
        "account_id": ACCOUNT,
    }
    for stage in ("resource", "import", "training", "batch"):
        asl_vars[f"{stage}_poll_seconds"] = polls["poll_seconds"]
        asl_vars[f"{stage}_max_polls"] = polls["max_polls"]
    return [
        WorkflowSpec(
            key="training",
            module="training_workflow",
            state_machine_name=sm_name,
            asl_vars=asl_vars,
            functions=(validate, start),
            rules=(
                _s3_rule(
                    f"{p}-training",
                    "training_workflow",
                    "training_config.json",
                    {"bucket_name": settings.data_bucket, "config_prefix": layout.TRAIN_PREFIX},
                ),
            ),
        )
    ]


def _postprocessing_spec(settings: Settings) -> WorkflowSpec:
    p = settings.name_prefix
    sm_name = f"{p}-segment-postprocessing"
    sm_arn = _state_machine_arn(sm_name)
    data = {"DATA_BUCKET": settings.data_bucket}
    split = _function(p, "split_segments", "segment-postprocessing", data)
    finalize = _function(p, "finalize_segments", "segment-postprocessing", data)
    start = _starter(p, "segment-postprocessing", sm_arn)
    return WorkflowSpec(
        key="segment_postprocessing",
        module="segment_postprocessing",
        state_machine_name=sm_name,
        asl_vars={
            **_arns(split, finalize),
            "notification_topic_arn": settings.topic_arn,
        },
        functions=(split, finalize, start),
        rules=(
            RuleSpec(
                name=f"{p}-segment-postprocessing",
                bus=settings.bus_name,
                pattern_file=MODULES_DIR / "segment_postprocessing" / "event_patterns" / "batch_segment_job.json",
                pattern_vars={"partition": PARTITION, "region": REGION, "account": ACCOUNT},
                target="start_execution",
            ),
        ),
    )


def starts_training(key: str, settings: Settings | None = None) -> bool:
    """Whether uploading ``key`` to the data bucket starts the training workflow.

    Decided by the training module's own rule (``modules/training_workflow/event_patterns/training_config.json``,
    any ``.json`` under ``train/``) matched as EventBridge matches it, so the demo's "config last" upload order
    and ``evaluate``'s config lookup follow the deployed rule whatever the config's file name.
    """
    from contextual_targeting.local.event_patterns import matches

    settings = settings or Settings()
    rule = next(r for spec in _training_specs(settings) for r in spec.rules if r.name.endswith("-training"))
    event = {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": settings.data_bucket}, "object": {"key": key}},
    }
    return matches(rule.pattern(), event)


# os.environ and sys.stdout belong to the process, not to a deployment: every in-process function invocation of
# every LocalDeployment applies its environment and output under this one lock. (Executions of a deployment that
# has ended can still be running on moto's daemon threads — after a failed test, or Ctrl-C — and used to apply their
# environment under their own deployment's lock: restoring it popped APPLICATION_ID while another deployment's
# pinpoint_import_prepare was about to read it.)
_PROCESS_LOCK = threading.RLock()


class _ThreadEnviron(MutableMapping[str, str]):
    """``os.environ`` while a local deployment runs: the thread running an in-process function sees that function's
    environment on top of the process's; every other thread sees the process's, unchanged.

    Applying a function's environment to the real ``os.environ`` (and restoring it afterwards) changed the process
    environment under every other thread: moto's Step Functions threads, running aws-sdk tasks of other executions
    at the same moment, build botocore clients that copy ``os.environ`` key by key — a key removed in between was a
    ``KeyError`` ('POWERTOOLS_SERVICE_NAME', 'APPLICATION_ID') that failed an unrelated state as ``States.Runtime``.
    Here nothing is ever added to or removed from the real environment while functions run. The handlers read their
    configuration on the invoking thread (threads they start see the process's environment)."""

    def __init__(self, base: MutableMapping[str, str]) -> None:
        self.base = base
        self._local = threading.local()

    def _overlay(self) -> dict[str, str] | None:
        stack = self._local.__dict__.get("stack")
        return stack[-1] if stack else None

    def enter(self, env: Mapping[str, str]) -> None:
        below = self._overlay()
        self._local.__dict__.setdefault("stack", []).append({**(below or {}), **env})

    def leave(self) -> None:
        self._local.stack.pop()

    def __getitem__(self, key: str) -> str:
        overlay = self._overlay()
        if overlay is not None and key in overlay:
            return overlay[key]
        return self.base[key]

    def __setitem__(self, key: str, value: str) -> None:
        overlay = self._overlay()
        if overlay is not None:
            overlay[key] = value
        else:
            self.base[key] = value

    def __delitem__(self, key: str) -> None:
        overlay = self._overlay()
        if overlay is not None and key in overlay:
            del overlay[key]
        else:
            del self.base[key]

    def _keys(self) -> list[str]:
        overlay = self._overlay() or {}
        return list(dict.fromkeys([*list(self.base.keys()), *overlay]))

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def copy(self) -> dict[str, str]:
        return dict(self.items())


def _thread_environ() -> _ThreadEnviron:
    """The process's ``os.environ`` replaced (once, for good) by a :class:`_ThreadEnviron` over it."""
    with _PROCESS_LOCK:
        if not isinstance(os.environ, _ThreadEnviron):
            os.environ = _ThreadEnviron(os.environ)  # type: ignore[assignment]  # noqa: B003 (a view over it, not a clear)
        return os.environ  # type: ignore[return-value]


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    """This thread's ``os.environ`` with ``env`` on top for the duration of the block (other threads unaffected)."""
    environ = _thread_environ()
    environ.enter(env)
    try:
        yield
    finally:
        environ.leave()


class _ThreadRouted(io.TextIOBase):
    """``sys.stdout`` / ``sys.stderr`` while an in-process function is imported or invoked: what the thread running
    the function writes goes to that function's log, what any other thread writes goes where it went before.

    ``contextlib.redirect_stdout`` swaps the process's stream for every thread: a function running on one of moto's
    threads took the demo's own messages into its log, and when the demo ended (or was interrupted) meanwhile, the
    process was left with a closed file as ``sys.stderr`` ("lost sys.stderr", exit 1 instead of 130). Powertools'
    Logger binds ``sys.stdout`` when the handler module is imported (and a Logger of a service name seen before
    reuses the first one's handler): bound to this object, a function's records reach the log of the invocation
    running now, never a closed file of an earlier deployment. Install and routes change under ``_PROCESS_LOCK``."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.fallback: Any = None
        self.installed = 0
        self._local = threading.local()

    def push(self, target: TextIO) -> None:
        if self.installed == 0:
            self.fallback = getattr(sys, self.name)
            setattr(sys, self.name, self)
        self.installed += 1
        self._local.__dict__.setdefault("stack", []).append(target)

    def pop(self) -> None:
        self._local.stack.pop()
        self.installed -= 1
        if self.installed == 0 and getattr(sys, self.name) is self:
            setattr(sys, self.name, self.fallback)

    def _target(self) -> Any:
        stack = self._local.__dict__.get("stack")
        return stack[-1] if stack else self.fallback

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        target = self._target()
        if target is not None:
            with contextlib.suppress(ValueError):  # a log closed under a thread of an ended deployment
                target.write(text)
        return len(text)

    def flush(self) -> None:
        target = self._target()
        if target is not None:
            with contextlib.suppress(ValueError):
                target.flush()

    def isatty(self) -> bool:
        target = self._target()
        with contextlib.suppress(AttributeError, ValueError):
            return bool(target.isatty())
        return False


_STDOUT, _STDERR = _ThreadRouted("stdout"), _ThreadRouted("stderr")


class DeploymentClosed(RuntimeError):
    """A function of a LocalDeployment that has ended was invoked (by an execution still running on a thread)."""


def _as_delivered(event: Mapping[str, Any]) -> dict[str, Any]:
    """moto's event as EventBridge delivers it: S3 ``etag`` spelled as S3 spells it, ``time`` as ISO-8601."""
    delivered = json.loads(json.dumps(event, default=str))
    obj = (delivered.get("detail") or {}).get("object")
    if delivered.get("source") == "aws.s3" and isinstance(obj, dict) and "eTag" in obj:
        obj["etag"] = obj.pop("eTag")
        if obj.get("version-id") in (None, "null"):
            obj.pop("version-id", None)
    if isinstance(delivered.get("time"), (int, float)):
        delivered["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(delivered["time"]))
    return delivered


class DeliveryError(RuntimeError):
    """An event matched a rule but could not be delivered to its target (the router's error is the cause)."""


@dataclass
class Execution:
    workflow: str
    name: str
    arn: str
    status: str
    start: float
    stop: float | None = None
    error: str | None = None
    cause: str | None = None


@dataclass
class Notification:
    subject: str
    message: str


class LocalDeployment:
    """``with LocalDeployment(Settings()) as cloud:`` — everything deployed; ``cloud.sync(...)`` uploads."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        personalize_fit: Callable[..., Any] | None = None,
        log_dir: Path | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.log_dir = log_dir  # where each function's output goes (None: this process's stdout)
        self.personalize_fit = personalize_fit
        self.specs = workflow_specs(self.settings)
        self._stack = contextlib.ExitStack()
        self._env_lock = _PROCESS_LOCK  # os.environ and sys.stdout are the process's (see _PROCESS_LOCK)
        self._log_lock = threading.Lock()
        self._closed = False
        self._router_errors: list[BaseException] = []
        self.handlers: dict[str, Callable[[Any, Any], Any]] = {}
        self.rules: dict[tuple[str, str], RuleSpec] = {}
        self.functions: dict[str, FunctionSpec] = {}
        self.personalize: Any = None
        self.pinpoint: Any = None
        self.ses: Any = None
        self.customer_profiles: Any = None
        self._mailbox_url = ""
        self._logs: dict[str, TextIO] = {}
        self._upload_client: Any = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> LocalDeployment:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        with self._log_lock:  # from here on no function runs and no log file is created (see _invoker)
            self._closed = True
        self._stack.close()

    def _start(self) -> None:
        for key, value in {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }.items():
            os.environ[key] = value
        os.environ.pop("AWS_PROFILE", None)
        self._stack.enter_context(self._library_logs())

        import boto3
        from moto import mock_aws

        from contextual_targeting.local.emulation import emulate
        from contextual_targeting.local.emulators.personalize import PersonalizeEmulator
        from contextual_targeting.local.emulators.pinpoint import PinpointEmulator
        from contextual_targeting.local.sfn_lambda import local_lambdas

        self._stack.enter_context(mock_aws(config={"stepfunctions": {"execute_state_machine": True}}))
        self.s3 = boto3.client("s3", region_name=REGION)
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.events = boto3.client("events", region_name=REGION)
        self.sns = boto3.client("sns", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)

        kwargs: dict[str, Any] = {"region": REGION, "account_id": ACCOUNT, "s3_client": self.s3}
        if self.personalize_fit is None:
            # solution versions train the local Item-Attribute-Affinity model (contextual_targeting.model) on the
            # imported parts read with numpy (memory independent of Python objects per interaction)
            from contextual_targeting.model.scorer import fit as affinity_fit
            from contextual_targeting.model.scorer import fit_dataset

            self.personalize_fit = affinity_fit
            kwargs["fit_dataset"] = fit_dataset
        kwargs["fit"] = self.personalize_fit
        self.personalize = PersonalizeEmulator(**kwargs)
        self.pinpoint = PinpointEmulator(region=REGION, account_id=ACCOUNT, s3_client=self.s3)
        emulators: list[Any] = [self.personalize]
        if self.settings.ses:
            from contextual_targeting.local.emulators.ses import SesV2Emulator

            self.ses = SesV2Emulator(region=REGION, account_id=ACCOUNT, s3_client=self.s3)
            emulators.append(self.ses)
        if self.settings.connect:
            from contextual_targeting.local.emulators.customer_profiles import CustomerProfilesEmulator

            self.customer_profiles = CustomerProfilesEmulator(
                region=REGION, account_id=ACCOUNT, domains=(self.settings.profiles_domain,)
            )
            self._stack.callback(self.customer_profiles.close)
            emulators.append(self.customer_profiles)
        if self.settings.pinpoint:
            self.pinpoint.create_app(name=f"{self.settings.name_prefix}", app_id=self.settings.application_id)
            emulators.append(self.pinpoint)
        self._stack.enter_context(emulate(*emulators))

        self._create_base()
        for spec in self.specs:
            for function in spec.functions:
                self._load_function(function)
        self._stack.enter_context(local_lambdas(dict(self.handlers)))
        iam = boto3.client("iam", region_name=REGION)
        logs = boto3.client("logs", region_name=REGION)
        for spec in self.specs:
            role_arn = self._create_role(iam, f"{spec.state_machine_name}-sfn", "states.amazonaws.com")
            logs.create_log_group(logGroupName=f"/aws/vendedlogs/states/{spec.state_machine_name}")
            for function in spec.functions:
                self._create_role(iam, function.name, "lambda.amazonaws.com")
                logs.create_log_group(logGroupName=f"/aws/lambda/{function.name}")
            definition = render(STATEMACHINES_DIR / f"{spec.template}.asl.json", spec.asl_vars)
            self.sfn.create_state_machine(
                name=spec.state_machine_name,
                definition=definition,
                roleArn=role_arn,
                type="STANDARD",
            )
            for rule in spec.rules:
                self._create_rule(rule, spec)
        self._stack.enter_context(self._router())

    @staticmethod
    def _create_role(iam: Any, name: str, service: str) -> str:
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
        return str(iam.create_role(RoleName=name[:64], AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])

    def _create_base(self) -> None:
        s = self.settings
        for bucket in (s.data_bucket, s.segment_bucket):
            self.s3.create_bucket(Bucket=bucket)
            self.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
            self.s3.put_bucket_notification_configuration(
                Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
            )
        self.events.create_event_bus(Name=s.bus_name)
        topic_arn = self.sns.create_topic(Name=f"{s.name_prefix}-notifications")["TopicArn"]
        assert topic_arn == s.topic_arn, topic_arn
        self._mailbox_url = self.sqs.create_queue(QueueName=f"{s.name_prefix}-mailbox")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self._mailbox_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        self._notifications: list[Notification] = []

    def _load_function(self, function: FunctionSpec) -> None:
        from contextual_targeting.local.lambda_loader import load_handler

        zip_path = self.settings.build_dir / f"{function.function}.zip"
        env = dict(function.env)
        env.setdefault("POWERTOOLS_SERVICE_NAME", function.name)
        env.setdefault("AWS_LAMBDA_FUNCTION_NAME", function.name)
        # In Lambda the environment exists before the module is imported (Powertools reads it then): same here.
        # Powertools' Logger binds sys.stdout when the module is imported: import with stdout already on the
        # function's log, so its JSON lines go there and not onto the demo's console.
        with self._env_lock, _environment(env), self._function_log(function.name):
            handler = load_handler(zip_path)
        self.handlers[function.arn] = self._invoker(function.name, handler, env)
        self.functions[function.arn] = function

    def _invoker(self, name: str, handler: Callable[[Any, Any], Any], env: Mapping[str, str]) -> Callable[..., Any]:
        """``handler`` as this deployment invokes it: with its function's environment and its output on its log.

        One process, many functions (and possibly several deployments, one ended but with executions still on
        moto's threads): each invocation runs under the process-wide lock with its own function's environment, and
        what it prints goes to its own log (as to CloudWatch Logs), not into the demo's progress output. A
        function of an ended deployment is not run (``DeploymentClosed``): it must not touch the environment nor
        write into an output folder that may already be gone."""
        env = dict(env)

        def invoke(event: Any, context: Any) -> Any:
            with self._env_lock:
                if self._closed:
                    raise DeploymentClosed(f"{name}: the local deployment has ended")
                with self._function_log(name), _environment(env):
                    return handler(event, context)

        return invoke

    def _log_file(self, name: str) -> TextIO:
        """``log_dir/<name>.log``, opened once (line-buffered) and closed when the deployment ends; none is created
        once it has ended (the demo may have removed the folder: nothing must appear in it again)."""
        assert self.log_dir is not None
        with self._log_lock:
            if self._closed:
                raise DeploymentClosed(f"{name}: the local deployment has ended")
            log = self._logs.get(name)
            if log is None:
                self.log_dir.mkdir(parents=True, exist_ok=True)
                log = self._stack.enter_context((self.log_dir / f"{name}.log").open("a", encoding="utf-8", buffering=1))
                self._logs[name] = log
            return log

    @contextlib.contextmanager
    def _function_log(self, function_name: str) -> Iterator[None]:
        """This thread's stdout and stderr onto the function's log (see ``_ThreadRouted``; hold ``_env_lock``)."""
        if self.log_dir is None:
            yield
            return
        log = self._log_file(function_name)
        with self._env_lock:
            _STDOUT.push(log)
            _STDERR.push(log)
        try:
            yield
        finally:
            with self._env_lock:
                _STDERR.pop()
                _STDOUT.pop()

    @contextlib.contextmanager
    def _library_logs(self) -> Iterator[None]:
        """moto's own log records (e.g. ``Exception=FailureEventException …`` when a state fails) to
        ``log_dir/moto.log`` instead of Python's last-resort handler on the console."""
        if self.log_dir is None:
            yield
            return
        import logging

        handler = logging.StreamHandler(self._log_file("moto"))
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))

        def with_traceback(record: logging.LogRecord) -> bool:
            # moto logs "State Task encountered an unhandled exception that lead to a State.Runtime error" from
            # inside its except block without the exception: attach it, so moto.log shows where it came from
            if record.exc_info is None and record.levelno >= logging.WARNING and sys.exc_info()[0] is not None:
                record.exc_info = sys.exc_info()
            return True

        handler.addFilter(with_traceback)
        moto_logger = logging.getLogger("moto")
        saved = moto_logger.propagate
        moto_logger.addHandler(handler)
        moto_logger.propagate = False
        try:
            yield
        finally:
            moto_logger.removeHandler(handler)
            moto_logger.propagate = saved

    def _create_rule(self, rule: RuleSpec, spec: WorkflowSpec) -> None:
        bus = None if rule.bus == "default" else rule.bus
        kwargs: dict[str, Any] = {"Name": rule.name, "EventPattern": json.dumps(rule.pattern())}
        if bus:
            kwargs["EventBusName"] = bus
        self.events.put_rule(**kwargs)
        target = next(f for f in spec.functions if f.function == rule.target)
        targets: dict[str, Any] = {"Rule": rule.name, "Targets": [{"Id": "start", "Arn": target.arn}]}
        if bus:
            targets["EventBusName"] = bus
        self.events.put_targets(**targets)
        self.rules[(rule.bus, rule.name)] = rule

    @contextlib.contextmanager
    def _router(self) -> Iterator[None]:
        from moto.events import models as events_models

        from contextual_targeting.local.event_patterns import matches
        from contextual_targeting.local.sfn_lambda import invoke

        original = events_models.Rule.send_to_targets
        deployment = self

        def send_to_targets(rule: Any, original_event: Any, transform_input: bool = True) -> None:
            spec = deployment.rules.get((rule.event_bus_name, rule.name))
            if spec is None:
                return original(rule, original_event, transform_input)  # type: ignore[no-any-return]
            event = _as_delivered(original_event)
            # S3 sends its events to the default bus only (moto offers them to every bus's rules)
            if event.get("source") == "aws.s3" and rule.event_bus_name != "default":
                return None
            if not matches(spec.pattern(), event):
                return None
            for target in rule.targets:
                try:
                    invoke(target["Arn"], json.dumps(event))
                except (KeyboardInterrupt, SystemExit):
                    raise  # Ctrl-C while an upload's event is delivered on the main thread stops the demo (130)
                except BaseException as exc:  # surfaced by wait_idle: an event that went nowhere is a failure
                    deployment._router_errors.append(exc)
            return None

        events_models.Rule.send_to_targets = send_to_targets  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            events_models.Rule.send_to_targets = original  # type: ignore[method-assign]

    # ------------------------------------------------------------------ user actions
    def sync(self, local_dir: Path, bucket: str, prefix: str = "") -> list[str]:
        """``aws s3 sync local_dir s3://bucket/prefix`` (files in sorted order); returns the keys written."""
        keys = []
        for path in sorted(p for p in Path(local_dir).rglob("*") if p.is_file()):
            key = prefix + path.relative_to(local_dir).as_posix()
            self.sync_file(path, bucket, key)
            keys.append(key)
        return keys

    def put(self, bucket: str, key: str, body: bytes) -> None:
        self.s3.put_object(Bucket=bucket, Key=key, Body=body)

    def sync_file(self, path: Path, bucket: str, key: str) -> None:
        """Upload one file as ``aws s3 sync`` would, streamed from disk (a 1.5 GB interactions file is never
        held in memory whole)."""
        with Path(path).open("rb") as body:
            self._uploader().put_object(Bucket=bucket, Key=key, Body=body)

    def _uploader(self) -> Any:
        # botocore >= 1.36 wraps every upload body in aws-chunked encoding with a trailing CRC32, which moto then
        # decodes in pure Python (~3 MB/s: 46 s for the 200k-user data set). Locally nothing checks it, so the
        # user's uploads go without the optional checksum ("when_required"); the functions' own clients keep
        # botocore's defaults.
        if self._upload_client is None:
            import boto3
            from botocore.config import Config

            self._upload_client = boto3.client(
                "s3", region_name=REGION, config=Config(request_checksum_calculation="when_required")
            )
        return self._upload_client

    # ------------------------------------------------------------------ observation
    def executions(self) -> list[Execution]:
        """Every execution of every workflow, oldest first (read from moto's backend in-process when possible:
        ``ListExecutions`` through the API serializes them all on each of the wait loop's polls)."""
        live = self._live_executions()
        if live is not None:
            return live
        found: list[Execution] = []
        for spec in self.specs:
            paginator = self.sfn.get_paginator("list_executions")
            for page in paginator.paginate(stateMachineArn=spec.state_machine_arn):
                for item in page["executions"]:
                    found.append(
                        Execution(
                            workflow=spec.key,
                            name=item["name"],
                            arn=item["executionArn"],
                            status=item["status"],
                            start=item["startDate"].timestamp(),
                            stop=item["stopDate"].timestamp() if item.get("stopDate") else None,
                        )
                    )
        return sorted(found, key=lambda e: e.start)

    def entered_tasks(self, execution_arn: str, after: int = 0) -> tuple[list[str], int]:
        """The Task states the execution entered after history event ``after`` (in order), and the last event's id.

        Read from moto's interpreter in-process: ``GetExecutionHistory`` through the API copies and serializes the
        whole history on every call (moto ignores ``maxResults``); polled a few times a second during a Map over
        hundreds of chunks, that took the interpreter's own threads' time. Here only the events not seen yet are read.
        """
        events = self._live_events(execution_arn)
        if events is None:
            events = self.sfn.get_execution_history(executionArn=execution_arn)["events"]
        fresh: list[dict[str, Any]] = []
        for event in reversed(events):
            if int(event.get("id", 0)) <= after:
                break
            fresh.append(event)
        fresh.reverse()
        names = [
            str(e["stateEnteredEventDetails"]["name"])
            for e in fresh
            if e.get("type") == "TaskStateEntered" and e.get("stateEnteredEventDetails")
        ]
        return names, int(fresh[-1].get("id", after)) if fresh else after

    def _live_executions(self) -> list[Execution] | None:
        try:
            from moto.stepfunctions.parser.models import stepfunctions_parser_backends

            backend: Any = stepfunctions_parser_backends[ACCOUNT][REGION]
            workflow = {spec.state_machine_arn: spec.key for spec in self.specs}
            found = []
            for machine in list(backend.state_machines):
                key = workflow.get(machine.arn)
                if key is None:
                    continue
                execution: Any
                for execution in list(machine.executions):
                    stop = execution.stop_date
                    found.append(
                        Execution(
                            workflow=key,
                            name=execution.name,
                            arn=execution.exec_arn,
                            status=execution.exec_status.value if execution.exec_status else "RUNNING",
                            start=execution.start_date.timestamp(),
                            stop=stop.timestamp() if stop else None,
                        )
                    )
        except (ImportError, AttributeError, KeyError):  # another moto version: the API
            return None
        return sorted(found, key=lambda e: e.start)

    @staticmethod
    def _live_events(execution_arn: str) -> list[dict[str, Any]] | None:
        try:
            from moto.stepfunctions.parser.models import stepfunctions_parser_backends

            backend: Any = stepfunctions_parser_backends[ACCOUNT][REGION]
            for machine in backend.state_machines:
                execution: Any
                for execution in machine.executions:
                    if execution.exec_arn == execution_arn:
                        env = execution.exec_worker.env if execution.exec_worker else None
                        return env.event_manager._history_event_list if env else []  # appended to as it runs
        except (ImportError, AttributeError, KeyError):  # another moto version: fall back to the API
            return None
        return None

    def failure(self, execution: Execution) -> tuple[str, str, str]:
        """(failing state, error, cause) of a failed execution."""
        history = self.sfn.get_execution_history(executionArn=execution.arn, reverseOrder=True)["events"]
        error = cause = ""
        for event in history:
            details = event.get("executionFailedEventDetails")
            if details:
                error, cause = details.get("error", ""), details.get("cause", "")
                break
        state = "-"
        for event in history:
            entered = event.get("stateEnteredEventDetails")
            if entered:
                state = entered["name"]
                break
        return state, error, cause

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        paginator = self.sfn.get_paginator("get_execution_history")
        for page in paginator.paginate(executionArn=execution_arn):
            events.extend(page["events"])
        return events

    def notifications(self) -> list[Notification]:
        while True:
            messages = self.sqs.receive_message(QueueUrl=self._mailbox_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                break
            for message in messages:
                envelope = json.loads(message["Body"])
                self._notifications.append(Notification(envelope.get("Subject") or "", envelope.get("Message", "")))
                self.sqs.delete_message(QueueUrl=self._mailbox_url, ReceiptHandle=message["ReceiptHandle"])
        return list(self._notifications)

    def wait_idle(
        self,
        timeout: float = 600,
        on_tick: Callable[[list[Execution]], None] | None = None,
        settle: float = 0.5,
        interval: float = 0.25,
    ) -> list[Execution]:
        """Wait until no execution is running (and none started for ``settle`` seconds); return them all."""
        deadline = time.monotonic() + timeout
        quiet_since: float | None = None
        seen = -1
        while True:
            if self._router_errors:
                raise DeliveryError(f"an event could not be delivered: {self._router_errors[0]!r}")
            executions = self.executions()
            if on_tick:
                on_tick(executions)
            running = [e for e in executions if e.status == "RUNNING"]
            if not running and len(executions) == seen:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= settle:
                    return executions
            else:
                quiet_since = None
            seen = len(executions)
            if time.monotonic() > deadline:
                raise TimeoutError(f"still running after {timeout:.0f}s: {[e.name for e in running]}")
            time.sleep(interval)
