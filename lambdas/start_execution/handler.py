"""EventBridge target: start the configured state machine once per event (name derived from the event).

Environment: ``STATE_MACHINE_ARN``. The execution input is the EventBridge event itself. A duplicate delivery
finds the execution already there and returns without starting another.

Deliberately Powertools-free (no layer): a few lines on every rule's path, where the layer would only add cold-start
time; it logs through the standard library (the Lambda runtime ships those lines to CloudWatch Logs), never the event.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from contextual_targeting.core.executions import execution_name

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)
_client = None


def _sfn():
    global _client
    if _client is None:
        import boto3
        from botocore.config import Config

        _client = boto3.client("stepfunctions", config=Config(retries={"mode": "standard", "max_attempts": 5}))
    return _client


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    state_machine_arn = os.environ["STATE_MACHINE_ARN"]
    name = execution_name(event)
    client = _sfn()
    try:
        response = client.start_execution(stateMachineArn=state_machine_arn, name=name, input=json.dumps(event))
    except client.exceptions.ExecutionAlreadyExists:
        logger.info("duplicate event: execution %s already exists", name)
        return {"started": False, "name": name}
    logger.info("started execution %s", name)
    return {"started": True, "name": name, "executionArn": response["executionArn"]}
