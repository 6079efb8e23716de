"""The world the workflow tests deploy into puts up each workflow as its module declares it, and refuses to drift."""

from __future__ import annotations

import json
import os

import pytest

from contextual_targeting.asl import render_state_machine
from contextual_targeting.local import sfn_lambda
from tests.world import SPECS, World


@pytest.mark.parametrize("key", sorted(SPECS))
def test_a_workflow_is_deployed_as_its_module_declares_it(world: World, key: str) -> None:
    spec = SPECS[key]
    workflow = world.deploy(key)
    described = world.sfn.describe_state_machine(stateMachineArn=workflow.arn)
    assert described["name"] == spec.state_machine_name
    assert json.loads(described["definition"]) == render_state_machine(spec.template, dict(spec.asl_vars))
    for function in spec.functions:
        if function.function != "start_execution":  # the rule's target, not a task of the state machine
            assert sfn_lambda._lookup(function.arn) is not None, function.name
        for name, value in function.env.items():
            others = {f.env[name] for f in spec.functions if name in f.env}
            if len(others) == 1:  # one process serves them all: a name the functions share must agree
                assert os.environ[name] == value, (function.name, name)
    assert os.environ["STATE_MACHINE_ARN"] == workflow.arn


def test_every_workflow_deploys_into_one_world(world: World) -> None:
    arns = {key: world.deploy(key).arn for key in sorted(SPECS)}
    listed = {m["stateMachineArn"] for m in world.sfn.list_state_machines()["stateMachines"]}
    assert listed == set(arns.values())


def test_a_template_variable_the_module_does_not_have_is_refused(world: World) -> None:
    with pytest.raises(AssertionError, match="has no template variables"):
        world.deploy("ses_destination", asl={"max_poll": "10"})  # a typo must not silently test the default


def test_each_start_function_starts_its_own_workflow(world: World) -> None:
    from tests.aws_events import s3_object_created

    ses = world.deploy("ses_destination")
    world.deploy("connect_destination")  # deployed last: its STATE_MACHINE_ARN is the one in the environment
    key = "segments/movies/job-1/genres-action--job-1.csv"
    started = ses.deliver(s3_object_created(world.settings.data_bucket, key, world.put(key, "USER_ID\nu1\n")))
    assert started is not None and started["executionArn"].startswith(ses.arn.replace(":stateMachine:", ":execution:"))
    ses.wait(started["executionArn"])  # no SES here: it fails, and is over before the world is torn down
