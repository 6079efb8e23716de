"""Run Step Functions ``lambda:invoke`` tasks in-process: moto's interpreter calls handlers loaded from the zips.

moto can only invoke a Lambda function through Docker. ``local_lambdas({arn_or_name: handler})`` patches the one
function moto's interpreter uses to invoke Lambda (``lambda_eval_utils._invoke_lambda_function``, shared by
``arn:aws:states:::lambda:invoke`` tasks and tasks whose Resource is a function ARN) so that:

- the handler is called with the JSON payload and a ``FakeContext`` (``get_remaining_time_in_millis`` works);
- its return value comes back as the real integration returns it: ``{"Payload": result, "StatusCode": 200, ...}``
  (the result is JSON round-tripped, as it would be over the wire);
- an exception raised by the handler becomes ``FunctionError: Unhandled`` with the Lambda error payload
  ``{"errorType": <exception class name>, "errorMessage": ...}``, so the task fails with Error = the class name and
  ASL ``Retry``/``Catch`` on typed errors behaves as on AWS.

Functions are looked up by the exact ``FunctionName`` the ASL passes (ARN, partial ARN or name, qualifier ignored)
or by the bare function name. An unknown function raises ``Lambda.ResourceNotFoundException`` like the service.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from contextual_targeting.local.lambda_loader import FakeContext

Handler = Callable[[Any, Any], Any]

_lock = threading.RLock()
_handlers: dict[str, Handler] = {}
_timeouts: dict[str, int] = {}
_original: Any = None
invocations: list[tuple[str, Any]] = []


def _function_name(name_or_arn: str) -> str:
    """``arn:aws:lambda:r:a:function:name[:qualifier]`` / ``a:function:name`` / ``name[:qualifier]`` → ``name``."""
    if ":function:" in name_or_arn:
        return name_or_arn.split(":function:", 1)[1].split(":", 1)[0]
    return name_or_arn.split(":", 1)[0]


def _lookup(function_name: str) -> tuple[str, Handler] | None:
    with _lock:
        if function_name in _handlers:
            return function_name, _handlers[function_name]
        short = _function_name(function_name)
        for key, handler in _handlers.items():
            if _function_name(key) == short:
                return key, handler
    return None


def _not_found(function_name: str) -> Exception:
    from botocore.exceptions import ClientError

    response = {
        "Error": {"Code": "ResourceNotFoundException", "Message": f"Function not found: {function_name}"},
        "ResponseMetadata": {"HTTPStatusCode": 404, "RequestId": "local"},
    }
    return ClientError(response, "Invoke")  # type: ignore[arg-type]


def invoke(function_name: str, payload: Any) -> dict[str, Any]:
    """Invoke a registered handler the way the Lambda service would, returning the Invoke response shape."""
    found = _lookup(function_name)
    if found is None:
        raise _not_found(function_name)
    key, handler = found
    if isinstance(payload, (bytes, bytearray)):
        payload = json.loads(payload.decode("utf-8") or "null")
    elif isinstance(payload, str):
        payload = json.loads(payload)
    invocations.append((key, payload))
    context = FakeContext(_function_name(key), timeout_ms=_timeouts.get(key, 900_000))
    try:
        result = handler(payload, context)
    except Exception as exc:  # the Lambda runtime reports any exception as an "Unhandled" function error
        error = {"errorType": type(exc).__name__, "errorMessage": str(exc), "stackTrace": []}
        return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": error, "ExecutedVersion": "$LATEST"}
    return {"StatusCode": 200, "Payload": json.loads(json.dumps(result)), "ExecutedVersion": "$LATEST"}


def _patched_invoke(parameters: dict[str, Any], region: str, state_credentials: Any) -> dict[str, Any]:
    return invoke(str(parameters["FunctionName"]), parameters.get("Payload"))


@contextlib.contextmanager
def local_lambdas(handlers: Mapping[str, Handler], timeouts_ms: Mapping[str, int] | None = None) -> Iterator[None]:
    """Serve ``lambda:invoke`` tasks from ``handlers`` (keys: function ARN or name) for the duration of the block."""
    global _original
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    with _lock:
        overlap = set(handlers) & set(_handlers)
        if overlap:
            raise RuntimeError(f"local lambdas already registered: {sorted(overlap)}")
        _handlers.update(handlers)
        _timeouts.update(timeouts_ms or {})
        if _original is None:
            _original = lambda_eval_utils._invoke_lambda_function
            lambda_eval_utils._invoke_lambda_function = _patched_invoke
    try:
        yield
    finally:
        with _lock:
            for key in handlers:
                _handlers.pop(key, None)
                _timeouts.pop(key, None)
            if not _handlers and _original is not None:
                lambda_eval_utils._invoke_lambda_function = _original
                _original = None
