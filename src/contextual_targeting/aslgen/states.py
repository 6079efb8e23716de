"""Building blocks of the generated state machines: retries, catches, failure reports and the one poll loop.

Every function returns plain ASL (dicts in the order the states are written); ``aslgen.dumps`` puts each state's
fields in one fixed order, so how a dict is spelled here never changes the committed file's layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

State = dict[str, Any]
States = dict[str, State]

IN_PROGRESS_STATUSES = ("CREATE PENDING", "CREATE IN_PROGRESS")


def retry(errors: list[str], *, interval: int, attempts: int, **more: Any) -> dict[str, Any]:
    """One Retry entry (``more``: ``MaxDelaySeconds``, ``JitterStrategy``), with BackoffRate 2 like all of ours."""
    return {"ErrorEquals": errors, "IntervalSeconds": interval, "MaxAttempts": attempts, "BackoffRate": 2, **more}


# Personalize answers ThrottlingException when called too often (every operation) and, for Create*, LimitExceeded
# or ResourceInUse while too many resources are being created in the account; the latter clear up in minutes.
PERSONALIZE_THROTTLED = retry(["Personalize.ThrottlingException"], interval=5, attempts=5)
PERSONALIZE_BUSY = retry(
    ["Personalize.ResourceInUseException", "Personalize.LimitExceededException"],
    interval=5,
    attempts=8,
    MaxDelaySeconds=300,
    JitterStrategy="FULL",
)
PERSONALIZE_CREATE_RETRY = [PERSONALIZE_THROTTLED, PERSONALIZE_BUSY]
EVENTS_RETRY = [
    retry(["EventBridge.InternalException", "EventBridge.FailedEntry", "States.Timeout"], interval=2, attempts=3)
]
S3_RETRY = [
    retry(
        ["S3.SlowDownException", "S3.InternalErrorException", "States.Timeout"],
        interval=2,
        attempts=5,
        JitterStrategy="FULL",
    )
]
LAMBDA_RETRY = [
    retry(
        [
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException",
        ],
        interval=2,
        attempts=3,
    )
]


def catch(errors: list[str], next_state: str, *, result_path: str | None = "$.caught") -> dict[str, Any]:
    return {"ErrorEquals": errors, "ResultPath": result_path, "Next": next_state}


def catch_all(next_state: str, *, result_path: str | None = "$.caught") -> dict[str, Any]:
    return catch(["States.ALL"], next_state, result_path=result_path)


def failure(state: str, error: str, cause: str, *, report: str | None) -> State:
    """The state a failure ends in.

    With ``report`` (top level): a Pass that keeps ``{state, error, cause}`` in ``$.failure`` and goes to the state
    that reports it (``NotifyFailure``). Without (inside a Map): a Fail state; the enclosing Map's Catch reports it.
    ``cause`` is an intrinsic function (``States.Format(...)``) evaluated on the state's input.
    """
    if report is None:
        return {"Type": "Fail", "Error": error, "CausePath": cause}
    return {
        "Type": "Pass",
        "Parameters": {"state": state, "error": error, "cause.$": cause},
        "ResultPath": "$.failure",
        "Next": report,
    }


def caught(state: str, *, report: str) -> State:
    """Turn the error a Catch put in ``$.caught`` into the ``$.failure`` that ``report`` sends."""
    return {
        "Type": "Pass",
        "Parameters": {"state": state, "error.$": "$.caught.Error", "cause.$": "$.caught.Cause"},
        "ResultPath": "$.failure",
        "Next": report,
    }


def inline_map(
    *, items_path: str, item_selector: dict[str, Any], start_at: str, states: States, **fields: Any
) -> State:
    """A Map state with an INLINE item processor (``fields``: Comment, MaxConcurrency, ResultPath, Catch, Next)."""
    return {
        "Type": "Map",
        "ItemsPath": items_path,
        "ItemSelector": item_selector,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": start_at, "States": states},
        **fields,
    }


@dataclass(frozen=True)
class Resource:
    """A Personalize resource the workflow creates, then polls until it has left CREATE PENDING / IN_PROGRESS.

    ``name`` is the API's PascalCase name: the loop calls ``Describe<name>`` with ``<name>Arn`` and reads the
    response's ``<name>`` member; its states are ``Start<name>Poll``, ``Describe<name>``, ``Check<name>``... The
    workflow keeps the resource at ``$.<path>`` (``arn``, ``described``, ``poll``). ``tunables`` names the poll
    settings the loop waits with: ``$.config.<tunables>PollSeconds`` and ``$.config.<tunables>MaxPolls``.
    The CREATE FAILED cause quotes ``FailureReason`` when the resource has one (``failure_reason``) and the value
    at ``shown_with`` after the ARN, in parentheses.
    """

    name: str
    path: str
    tunables: str
    failure_reason: bool = True
    shown_with: str | None = None

    @property
    def words(self) -> str:
        """``DatasetImportJob`` → ``Dataset Import Job`` (as in the event's detail type)."""
        return "".join(f" {c}" if c.isupper() else c for c in self.name).strip()

    @property
    def label(self) -> str:
        """``DatasetImportJob`` → ``Dataset import job`` (as in a sentence)."""
        return self.words[0] + self.words[1:].lower()

    @property
    def arn(self) -> str:
        return f"$.{self.path}.arn"

    @property
    def described(self) -> str:
        return f"$.{self.path}.described.{self.name}"

    @property
    def status(self) -> str:
        return f"{self.described}.Status"

    @property
    def caught(self) -> str:
        """The state that reports an error caught on this resource's states (top level only)."""
        return f"Caught{self.name}"


def poll_loop(
    resource: Resource,
    *,
    on_active: str,
    guard: dict[str, Any] | None = None,
    then: States | None = None,
    report: str | None = None,
) -> States:
    """Describe the resource, wait and describe again while it is being created, then publish its state change.

    ``Start<R>Poll`` → ``Describe<R>`` → ``Check<R>``: still CREATE PENDING / IN_PROGRESS and fewer than MaxPolls
    polls → ``Wait<R>`` → ``Count<R>Poll`` → ``Describe<R>`` again; still in progress after MaxPolls polls →
    ``<R>NotActive``; otherwise ``Publish<R>Event`` (a ``Personalize <R> State Change`` event on the custom bus,
    with the seconds polled) → ``<R>Result``: ACTIVE → ``on_active``, CREATE FAILED → ``<R>Failed``.

    ``guard`` is a Choice rule checked first on every Describe (the existing resource is not the one the config
    asks for). ``then`` holds states the loop's choices lead to; they are written after ``<R>Result``.
    With ``report`` (top level) every error of Describe and Publish is caught into ``Caught<R>`` and the failures
    are reported by that state; without (inside a Map) they are Fail states.
    """
    r = resource.name
    poll = f"$.{resource.path}.poll"
    seconds = f"$.config.{resource.tunables}PollSeconds"
    catches = {"Catch": [catch_all(resource.caught)]} if report else {}
    in_progress = {"Or": [{"Variable": resource.status, "StringEquals": status} for status in IN_PROGRESS_STATUSES]}
    failed_about = " ({})" if resource.shown_with else ""
    failed_reason = ": {}" if resource.failure_reason else ""
    failed_args = [resource.arn]
    if resource.shown_with:
        failed_args.append(resource.shown_with)
    if resource.failure_reason:
        failed_args.append(f"{resource.described}.FailureReason")

    states: States = {
        f"Start{r}Poll": {
            "Type": "Pass",
            "Result": {"count": 0, "elapsed": 0},
            "ResultPath": poll,
            "Next": f"Describe{r}",
        },
        f"Describe{r}": {
            "Type": "Task",
            "Resource": f"arn:aws:states:::aws-sdk:personalize:describe{r}",
            "Parameters": {f"{r}Arn.$": resource.arn},
            "ResultSelector": {f"{r}.$": f"$.{r}"},
            "ResultPath": f"$.{resource.path}.described",
            "Retry": [PERSONALIZE_THROTTLED],
            **catches,
            "Next": f"Check{r}",
        },
        f"Check{r}": {
            "Type": "Choice",
            "Choices": [
                *([guard] if guard else []),
                {
                    "And": [
                        in_progress,
                        {"Variable": f"{poll}.count", "NumericLessThanPath": f"$.config.{resource.tunables}MaxPolls"},
                    ],
                    "Next": f"Wait{r}",
                },
                {**in_progress, "Next": f"{r}NotActive"},
            ],
            "Default": f"Publish{r}Event",
        },
        f"Wait{r}": {"Type": "Wait", "SecondsPath": seconds, "Next": f"Count{r}Poll"},
        f"Count{r}Poll": {
            "Type": "Pass",
            "Parameters": {
                "count.$": f"States.MathAdd({poll}.count, 1)",
                "elapsed.$": f"States.MathAdd({poll}.elapsed, {seconds})",
            },
            "ResultPath": poll,
            "Next": f"Describe{r}",
        },
        f"Publish{r}Event": {
            "Type": "Task",
            "Resource": "arn:aws:states:::events:putEvents",
            "Parameters": {
                "Entries": [
                    {
                        "EventBusName": "${event_bus_name}",
                        "Source": "solutions.aws.personalize",
                        "DetailType": f"Personalize {resource.words} State Change",
                        "Resources.$": f"States.Array({resource.arn})",
                        "Detail": {
                            "Arn.$": resource.arn,
                            "Status.$": resource.status,
                            "Duration.$": f"{poll}.elapsed",
                        },
                    }
                ]
            },
            "ResultPath": None,
            "Retry": EVENTS_RETRY,
            **catches,
            "Next": f"{r}Result",
        },
        f"{r}Result": {
            "Type": "Choice",
            "Choices": [
                {"Variable": resource.status, "StringEquals": "ACTIVE", "Next": on_active},
                {"Variable": resource.status, "StringEquals": "CREATE FAILED", "Next": f"{r}Failed"},
            ],
            "Default": f"{r}NotActive",
        },
        **(then or {}),
        f"{r}Failed": failure(
            r,
            f"{r}Failed",
            f"States.Format('{resource.label} {{}}{failed_about} is CREATE FAILED{failed_reason}', "
            f"{', '.join(failed_args)})",
            report=report,
        ),
        f"{r}NotActive": failure(
            r,
            f"{r}NotActive",
            f"States.Format('{resource.label} {{}} is {{}} after {{}} polls', {resource.arn}, {resource.status}, "
            f"{poll}.count)",
            report=report,
        ),
    }
    if report:
        states[resource.caught] = caught(r, report=report)
    return states
