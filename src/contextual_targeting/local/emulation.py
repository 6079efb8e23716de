"""Route boto3 calls for services moto lacks (Personalize, Pinpoint, SES v2 contact imports) to emulators.

``emulate(*emulators)`` patches ``botocore.client.BaseClient._make_api_call`` for its duration, so *every* client
in the process is served — direct boto3 calls in tests and handlers, and the clients moto's Step Functions
interpreter creates for ``arn:aws:states:::aws-sdk:<service>:<action>`` tasks. Other services pass through to moto.

Every request is validated against botocore's service model before the emulator sees it:
- a client with parameter validation on (the default) gets ``ParamValidationError``, exactly as botocore raises it;
- a client with validation off (moto's Step Functions clients, like the real Step Functions service) gets the
  service's own 400 error (``emulator.validation_error_code``), as AWS would answer a malformed request.

Emulators raise ``ServiceError(code, message, status)`` — as the error classes of their package's ``exceptions``
module (a ``ModeledError`` subclass per code, ``emulators/<service>/exceptions.py``); it reaches the caller as the
client's modeled exception class (``client.exceptions.ResourceNotFoundException`` …), so
``except client.exceptions.X`` and Step Functions ``ErrorEquals: ["Personalize.ResourceNotFoundException"]`` both
behave as against AWS.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ParamValidationError
from botocore.model import OperationModel, Shape
from botocore.validate import ParamValidationDecorator, ParamValidator

_original_make_api_call = BaseClient._make_api_call
_lock = threading.RLock()
_active: dict[str, ServiceEmulator] = {}

# Step Functions names aws-sdk task errors "<ServicePascalCase>.<Exception>"; moto only knows a few services.
STEP_FUNCTIONS_SERVICE_ERROR_NAMES = {
    "personalize": "Personalize",
    "pinpoint": "Pinpoint",
    "sesv2": "SesV2",
    "customerprofiles": "CustomerProfiles",
}
# Step Functions names a few services differently from botocore (``aws-sdk:customerprofiles`` is botocore's
# ``customer-profiles``); moto only knows ``sfn``/``states``.
STEP_FUNCTIONS_SERVICE_NAMES = {"customerprofiles": "customer-profiles"}


class ServiceError(Exception):
    """An error answer from an emulated service, with the real error code and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class ModeledError(ServiceError):
    """Base of an emulator's error classes: one subclass per error code of the service's model, named as the code.

    ``class NotFoundException(ModeledError, status=404): ...`` declares the code and its HTTP status (the status
    botocore's model gives the error shape; tested in ``tests/emulators/test_packages.py``); it is raised with the
    message only: ``raise NotFoundException("List with name: x doesn't exist.")``.
    """

    code = "ModeledError"
    status = 400

    def __init_subclass__(cls, *, status: int = 400, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.code = cls.__name__
        cls.status = status

    def __init__(self, message: str) -> None:
        super().__init__(type(self).code, message, type(self).status)


class ServiceEmulator:
    """Base class: subclasses set ``service_name`` and define ``op_<OperationName>(self, params)`` methods."""

    service_name: str = ""
    validation_error_code: str = "ValidationException"

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.RLock()

    def handle(self, operation: OperationModel, params: dict[str, Any]) -> dict[str, Any]:
        method = getattr(self, f"op_{operation.name}", None)
        if method is None:
            raise ServiceError(
                "UnknownOperationException",
                f"the {self.service_name} emulator does not implement {operation.name}",
                400,
            )
        with self.lock:
            self.calls.append((operation.name, params))
            return method(params)  # type: ignore[no-any-return]

    def call_count(self, operation_name: str | None = None) -> int:
        return sum(1 for name, _ in self.calls if operation_name in (None, name))

    @staticmethod
    def now() -> dt.datetime:
        return dt.datetime.now(dt.UTC)


def _response_metadata(status: int) -> dict[str, Any]:
    return {"RequestId": str(uuid.uuid4()), "HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0}


def _check_output(shape: Shape | None, value: Any, path: str) -> None:
    """Assert an emulator's answer only uses members of the output shape (catches emulator typos early)."""
    if shape is None or value is None:
        return
    if shape.type_name == "structure":
        if not isinstance(value, Mapping):
            raise TypeError(f"emulator output {path} should be an object")
        members = shape.members  # type: ignore[attr-defined]
        for key, item in value.items():
            if key not in members:
                raise TypeError(f"emulator output {path}.{key} is not in the service model")
            _check_output(members[key], item, f"{path}.{key}")
    elif shape.type_name == "list":
        for index, item in enumerate(value):
            _check_output(shape.member, item, f"{path}[{index}]")  # type: ignore[attr-defined]
    elif shape.type_name == "map":
        for key, item in value.items():
            _check_output(shape.value, item, f"{path}.{key}")  # type: ignore[attr-defined]


def _patched_make_api_call(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
    service = self.meta.service_model.service_name
    emulator = _active.get(service)
    if emulator is None:
        return _original_make_api_call(self, operation_name, api_params)
    operation = self.meta.service_model.operation_model(operation_name)
    report = ParamValidator().validate(api_params, operation.input_shape)
    if report.has_errors():
        # ``Config(parameter_validation=False)`` is not kept on ``meta.config``: it shows as the serializer lacking
        # botocore's validating wrapper
        if isinstance(getattr(self, "_serializer", None), ParamValidationDecorator):
            raise ParamValidationError(report=report.generate_report())
        error = ServiceError(emulator.validation_error_code, report.generate_report(), 400)
        return _raise(self, operation_name, error)
    try:
        result = emulator.handle(operation, dict(api_params))
    except ServiceError as error:
        return _raise(self, operation_name, error)
    _check_output(operation.output_shape, result, operation_name)
    return {**result, "ResponseMetadata": _response_metadata(200)}


def _raise(client: BaseClient, operation_name: str, error: ServiceError) -> Any:
    response = {
        "Error": {"Code": error.code, "Message": error.message},
        "Message": error.message,
        "ResponseMetadata": _response_metadata(error.status),
    }
    raise client.exceptions.from_code(error.code)(response, operation_name)


_fixes_installed = False


def install_step_functions_fixes() -> None:
    """Make moto's Step Functions interpreter treat aws-sdk tasks as the real service does.

    1. Parameters are written in PascalCase in ASL even where the service API is camelCase (Personalize's
       ``name`` is ``Name`` in a state machine); the real service maps them onto the API's member names.
    2. Results come back with PascalCase member names (``DatasetGroupArn``, ``BatchSegmentJob.Status``).
    3. Errors are named ``<ServicePascalCase>.<Exception>``.
    4. Services whose Step Functions name differs from botocore's (``customerprofiles``) are found.
    moto 5.2.5 does none of 1-2 for aws-sdk tasks and knows only a few service names for 3. Idempotent.
    """
    global _fixes_installed
    if _fixes_installed:
        return
    try:
        import botocore.session
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
            state_task_service_aws_sdk as sdk,
        )
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
            StateTaskService,
        )
    except ImportError:  # pragma: no cover - moto is a test/local dependency
        return
    sdk._SERVICE_ERROR_NAMES.update(STEP_FUNCTIONS_SERVICE_ERROR_NAMES)
    StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES.update(STEP_FUNCTIONS_SERVICE_NAMES)  # type: ignore[attr-defined]
    session = botocore.session.get_session()

    def operation_model(task: Any) -> OperationModel:
        service = task._get_boto_service_name()
        action = task._get_boto_service_action()  # snake_case
        model = session.get_service_model(service)
        for name in model.operation_names:
            if _snake(name) == action:
                return model.operation_model(name)
        raise ValueError(f"{service} has no operation {action}")

    def normalise_parameters(self: Any, parameters: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        shape = operation_model(self).input_shape
        if shape is not None:
            self._to_boto_request(parameters, shape)

    def normalise_response(self: Any, response: Any, *args: Any, **kwargs: Any) -> None:
        shape = operation_model(self).output_shape
        if shape is not None and isinstance(response, dict):
            self._from_boto_response(response, shape)
            for key, value in list(response.items()):
                response[key] = _jsonable(value)

    sdk.StateTaskServiceAwsSdk._normalise_parameters = normalise_parameters  # type: ignore[method-assign]
    sdk.StateTaskServiceAwsSdk._normalise_response = normalise_response  # type: ignore[method-assign]
    _fixes_installed = True


def _snake(name: str) -> str:
    from botocore import xform_name

    return xform_name(name)


def _jsonable(value: Any) -> Any:
    """Timestamps reach Step Functions state as ISO-8601 strings, as in the real service's task results."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


@contextlib.contextmanager
def emulate(*emulators: ServiceEmulator) -> Iterator[None]:
    """Serve the emulators' services for the duration of the block (nestable, one emulator per service)."""
    install_step_functions_fixes()
    with _lock:
        for emulator in emulators:
            if emulator.service_name in _active:
                raise RuntimeError(f"an emulator for {emulator.service_name} is already active")
            _active[emulator.service_name] = emulator
        BaseClient._make_api_call = _patched_make_api_call  # type: ignore[method-assign]
    try:
        yield
    finally:
        with _lock:
            for emulator in emulators:
                _active.pop(emulator.service_name, None)
            if not _active:
                BaseClient._make_api_call = _original_make_api_call  # type: ignore[method-assign]
