"""EventBridge target: start the configured state machine once per event (name derived from the event).

The execution input is the EventBridge event itself. A duplicate delivery finds the execution already there and
returns without starting another. Configuration: ``core.function_config.StartExecution`` (``STATE_MACHINE_ARN``).

Deliberately Powertools-free (no layer): a few lines on every rule's path, where the layer would only add cold-start
time; it logs through the standard library (the Lambda runtime ships those lines to CloudWatch Logs), never the event.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from contextual_targeting.core.executions import execution_name
from contextual_targeting.core.function_config import StartExecution, client

if TYPE_CHECKING:  # typing only: the function runs without the Powertools layer
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)


def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    config, name = StartExecution.from_env(), execution_name(event)
    sfn = client("stepfunctions", max_attempts=5)
    try:
        response = sfn.start_execution(stateMachineArn=config.state_machine_arn, name=name, input=json.dumps(event))
    except sfn.exceptions.ExecutionAlreadyExists:
        logger.info("duplicate event: execution %s already exists", name)
        return {"started": False, "name": name}
    logger.info("started execution %s", name)
    return {"started": True, "name": name, "executionArn": response["executionArn"]}
