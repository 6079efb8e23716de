"""The one world the workflow tests deploy into: an AWS account in moto, the project's emulators, the built zips.

``World.deploy("ses_destination")`` puts up one workflow the way its Terraform module does, read from the module's
declaration in the local runtime (``local.runtime.workflow_specs``, which ``tests/local/test_wiring.py`` holds
equal to each module's .tf files): the state machine rendered from its template with the module's template
variables, every function loaded from its zip in ``build/`` with the environment the module gives it, the rule's
pattern. A test passes only what it changes on purpose (``asl={"max_polls": "2"}``, ``env={"CHUNK_SIZE": "40"}``);
nothing the modules set is typed again here. The buckets, the notification topic (captured by a queue) and the
custom bus are the root module's, named from ``name_prefix = "ct"``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from contextual_targeting.asl import render_state_machine
from contextual_targeting.local.emulation import emulate
from contextual_targeting.local.event_patterns import matches
from contextual_targeting.local.lambda_loader import FakeContext
from contextual_targeting.local.runtime import ACCOUNT, REGION, FunctionSpec, Settings, WorkflowSpec, workflow_specs
from contextual_targeting.local.sfn_lambda import local_lambdas
from tests.aws_events import wait_for_execution

SETTINGS = Settings(name_prefix="ct", pinpoint=True, ses=True, connect=True)
DATA_BUCKET = SETTINGS.data_bucket
SEGMENT_BUCKET = SETTINGS.segment_bucket
BUS = SETTINGS.bus_name
TOPIC_ARN = SETTINGS.topic_arn
SPECS: dict[str, WorkflowSpec] = {spec.key: spec for spec in workflow_specs(SETTINGS)}


def function_arn(function: str) -> str:
    """The deployed ARN of a workflow function, by its zip (``split_segments``)."""
    [arn] = {f.arn for spec in SPECS.values() for f in spec.functions if f.function == function}
    return arn


class Workflow:
    """One deployed workflow: its state machine, its start function behind its rule, and its functions."""

    def __init__(self, world: World, spec: WorkflowSpec, state_machine_arn: str, start: Callable[..., Any]) -> None:
        self.world, self.spec, self.arn = world, spec, state_machine_arn
        self._start = start
        self._starter_env = next(f.env for f in spec.functions if f.function == "start_execution")

    def start_function(self, event: dict[str, Any], context: Any) -> Any:
        """The start_execution handler, called as the rule's target is, with its own environment: each workflow's
        copy of the function starts its own state machine, however many workflows the world holds."""
        saved = {name: os.environ.get(name) for name in self._starter_env}
        os.environ.update(self._starter_env)
        try:
            return self._start(event, context)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def pattern(self) -> dict[str, Any]:
        [rule] = self.spec.rules
        return rule.pattern()

    def deliver(self, event: Mapping[str, Any]) -> dict[str, Any] | None:
        """What the deployed rule does: the start function for an event its pattern matches, else nothing."""
        if not matches(self.pattern(), dict(event)):
            return None
        return self.start_function(dict(event), self.start_context())  # type: ignore[no-any-return]

    def start_context(self) -> FakeContext:
        return FakeContext(next(f.name for f in self.spec.functions if f.function == "start_execution"))

    def start(self, event: Mapping[str, Any], name: str) -> str:
        """Start an execution directly (bypassing the start function); its ARN."""
        return self.world.sfn.start_execution(stateMachineArn=self.arn, name=name, input=json.dumps(event))[  # type: ignore[no-any-return]
            "executionArn"
        ]

    def wait(self, execution_arn: str, timeout: float = 120) -> dict[str, Any]:
        return wait_for_execution(self.world.sfn, execution_arn, timeout=timeout)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        pages = self.world.sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn)
        return [event for page in pages for event in page["events"]]


class World:
    """An account in moto with the root module's buckets, bus and topic; emulators and workflows added on demand."""

    settings = SETTINGS

    def __init__(self, stack: contextlib.ExitStack, load: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch):
        self._stack, self._load, self._monkeypatch = stack, load, monkeypatch
        self.s3 = boto3.client("s3", region_name=REGION)
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.sns = boto3.client("sns", region_name=REGION)
        self.events = boto3.client("events", region_name=REGION)
        for bucket in (DATA_BUCKET, SEGMENT_BUCKET):
            self.s3.create_bucket(Bucket=bucket)
            self.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        self.events.create_event_bus(Name=BUS)
        topic = self.sns.create_topic(Name=TOPIC_ARN.rsplit(":", 1)[1])["TopicArn"]
        assert topic == TOPIC_ARN
        self.inbox = self.queue("notifications")
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=self.queue_arn(self.inbox))

    # ---------------------------------------------------------------------------------------------------- deploying
    def emulate(self, *emulators: Any) -> None:
        """Serve these emulators' services for the rest of the test."""
        self._stack.enter_context(emulate(*emulators))

    def deploy(
        self,
        key: str,
        asl: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        handlers: Mapping[str, Callable[[Any, Any], Any]] | None = None,
    ) -> Workflow:
        """Deploy the workflow ``key`` (``training``, ``segment_postprocessing``, ``pinpoint_import``,
        ``ses_destination``, ``connect_destination``) as its module does; ``asl``/``env`` change template variables
        and environment variables on purpose, ``handlers`` replace a function's handler by zip name."""
        spec = SPECS[key]
        variables = {**spec.asl_vars, **(asl or {})}
        unknown = set(asl or {}) - set(spec.asl_vars)
        assert not unknown, f"{key} has no template variables {sorted(unknown)}"
        arn = self.sfn.create_state_machine(
            name=spec.state_machine_name,
            definition=json.dumps(render_state_machine(spec.template, variables)),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/{spec.state_machine_name}",
        )["stateMachineArn"]
        assert arn == spec.state_machine_arn
        for function in spec.functions:
            self._environment(function)
        for name, value in (env or {}).items():
            self._monkeypatch.setenv(name, value)
        loaded = {f.function: (handlers or {}).get(f.function) or self._load(f.function) for f in spec.functions}
        served = {f.arn: loaded[f.function] for f in spec.functions if f.function != "start_execution"}
        self._stack.enter_context(local_lambdas(served))
        return Workflow(self, spec, arn, loaded["start_execution"])

    def _environment(self, function: FunctionSpec) -> None:
        # One process serves every function, so the union of their environments (the modules never give two
        # functions of one workflow different values for one name; tests/local/test_wiring.py reads them).
        for name, value in function.env.items():
            self._monkeypatch.setenv(name, value)

    # ------------------------------------------------------------------------------------------------------ reading
    def queue(self, name: str) -> str:
        return self.sqs.create_queue(QueueName=name)["QueueUrl"]  # type: ignore[no-any-return]

    def queue_arn(self, url: str) -> str:
        return self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]  # type: ignore[no-any-return]

    def drain(self, queue_url: str) -> list[dict[str, Any]]:
        """Every message body waiting in the queue (JSON), removed from it."""
        bodies = []
        while messages := self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):
            for message in messages:
                bodies.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return bodies

    def notifications(self) -> list[tuple[str | None, str]]:
        """The notifications published so far, (subject, message), in order; each read once."""
        return [(n.get("Subject"), n["Message"]) for n in self.drain(self.inbox)]

    def put(self, key: str, body: bytes | str, bucket: str = DATA_BUCKET) -> str:
        """Put an object; its ETag."""
        data = body.encode() if isinstance(body, str) else body
        return self.s3.put_object(Bucket=bucket, Key=key, Body=data)["ETag"].strip('"')  # type: ignore[no-any-return]

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def text(self, bucket: str, key: str) -> str:
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()  # type: ignore[no-any-return]

    def json(self, bucket: str, key: str) -> Any:
        return json.loads(self.text(bucket, key))

    def csv_column(self, bucket: str, key: str) -> list[str]:
        return [row[0] for row in csv.reader(io.StringIO(self.text(bucket, key)))]


@contextlib.contextmanager
def faster_moto_interpreter() -> Iterator[None]:
    """moto re-parses the definition with ANTLR for every execution (~2.5 s for the training one) and builds a boto3
    client for every task (~35 ms each): cache the parse tree per definition text and one client per service and
    region. The evaluation components are still built fresh for every execution from the (read-only) tree."""
    from moto.stepfunctions.parser.asl.antlr.runtime.ASLParser import ASLParser
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk,
        state_task_service_events,
        state_task_service_sns,
    )
    from moto.stepfunctions.parser.asl.parse import asl_parser
    from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for

    trees: dict[str, Any] = {}
    original = ASLParser.state_machine

    def state_machine(self: Any) -> Any:
        text = self._input.tokenSource.inputStream.strdata
        if text not in trees:
            trees[text] = original(self)
        return trees[text]

    clients: dict[tuple[str, str], Any] = {}

    def cached_client(region: str, service: str, state_credentials: Any = None) -> Any:
        if (region, service) not in clients:
            clients[(region, service)] = boto_client_for(region, service, state_credentials)
        return clients[(region, service)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ASLParser, "state_machine", state_machine)
        assert asl_parser.ASLParser is ASLParser
        for module in (state_task_service_aws_sdk, state_task_service_events, state_task_service_sns):
            patch.setattr(module, "boto_client_for", cached_client)
        yield


@dataclass
class Deployment:
    """A workflow test's handle on one deployed workflow; each test file adds its emulator and its own verbs."""

    world: World
    workflow: Workflow

    @property
    def s3(self) -> Any:
        return self.world.s3

    @property
    def sfn(self) -> Any:
        return self.world.sfn

    def start(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """The start function called directly, as a redelivered, scheduled or replayed event reaches it."""
        return self.workflow.start_function(event, context)  # type: ignore[no-any-return]

    def deliver(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """What the deployed rule does: nothing unless its pattern matches, else the start function."""
        return self.workflow.deliver(event)

    def wait(self, execution_arn: str, timeout: float = 120) -> dict[str, Any]:
        return self.workflow.wait(execution_arn, timeout=timeout)

    def execute(self, event: dict[str, Any], name: str) -> dict[str, Any]:
        """Start an execution with this input (no start function), wait for it; its description and history."""
        arn = self.workflow.start(event, name)
        described = self.wait(arn)
        described["events"] = self.workflow.history(arn)
        return described
