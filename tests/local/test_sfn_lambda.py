"""``local_lambdas``: Step Functions lambda:invoke tasks served by in-process handlers, typed errors preserved."""

from __future__ import annotations

import json

import boto3
from moto import mock_aws

from contextual_targeting.local.sfn_lambda import local_lambdas

FN = "arn:aws:lambda:us-east-1:123456789012:function:double"
DEFINITION = {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": FN, "Payload.$": "$"},
            "ResultSelector": {"value.$": "$.Payload.value", "status.$": "$.StatusCode"},
            "Catch": [{"ErrorEquals": ["InputInvalid"], "ResultPath": "$.error", "Next": "Caught"}],
            "End": True,
        },
        "Caught": {"Type": "Pass", "End": True},
    },
}


class InputInvalid(Exception):
    pass


def handler(event, context):
    if event["value"] < 0:
        raise InputInvalid("negative value")
    assert context.function_name == "double"
    return {"value": event["value"] * 2}


def run(value: int) -> dict:
    sfn = boto3.client("stepfunctions")
    arn = sfn.create_state_machine(
        name=f"sm{abs(value)}", definition=json.dumps(DEFINITION), roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, name=f"run{value + 100}", input=json.dumps({"value": value}))[
        "executionArn"
    ]
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        pass
    return described


def test_result_has_the_integration_shape_and_errors_keep_their_type() -> None:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}), local_lambdas({FN: handler}):
        ok = run(21)
        failed = run(-1)
    assert ok["status"] == "SUCCEEDED"
    assert json.loads(ok["output"]) == {"value": 42, "status": 200}
    assert failed["status"] == "SUCCEEDED"
    error = json.loads(failed["output"])["error"]
    assert error["Error"] == "InputInvalid"
    assert json.loads(error["Cause"])["errorMessage"] == "negative value"
