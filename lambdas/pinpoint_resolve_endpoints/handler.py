"""Pinpoint import workflow: resolve one chunk of user ids to endpoint ids; write its part CSV (header ``Id``).

Event: one chunk manifest item (``segment, index, users, chunk_bucket, chunk_key, part_key, stats_key``).
Environment: ``SEGMENT_BUCKET``, ``PINPOINT_APPLICATION_ID``, ``CHANNEL_TYPE`` (default ``EMAIL``, ``ALL`` for
any), ``CONCURRENCY`` (default 16), ``THROTTLE_BASE_MS`` (backoff base, default 100), ``POWERTOOLS_*``.
Returns counts. Raises ``PinpointThrottled`` (still throttled after backoff; Step Functions retries the chunk)
or ``ResolveTimeout`` (clock).
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from contextual_targeting.core.endpoints import (
    DEFAULT_CHANNEL,
    DEFAULT_CONCURRENCY,
    Backoff,
    ResolveTimeout,
    user_endpoints,
)
from contextual_targeting.core.log_stream import CurrentStdout
from contextual_targeting.core.pinpoint_segments import resolve_chunk
from contextual_targeting.core.storage import S3Storage

logger = Logger(stream=CurrentStdout())  # service and level: POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "ContextualTargeting"))
SAFETY_MS = 20_000
_clients: dict[str, Any] = {}


def _client(service: str) -> Any:
    if service not in _clients:
        import boto3
        from botocore.config import Config

        concurrency = int(os.environ.get("CONCURRENCY", DEFAULT_CONCURRENCY))
        config = Config(retries={"mode": "standard"}, max_pool_connections=max(10, concurrency))
        _clients[service] = boto3.client(service, config=config)
    return _clients[service]


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    pinpoint = _client("pinpoint")
    s3 = _client("s3")
    application_id = os.environ["PINPOINT_APPLICATION_ID"]
    channel = os.environ.get("CHANNEL_TYPE", DEFAULT_CHANNEL)
    backoff = Backoff(base_ms=float(os.environ.get("THROTTLE_BASE_MS", "100")))

    def lookup(user_id: str) -> list[str]:
        return user_endpoints(pinpoint, application_id, user_id, channel, backoff)

    def check_clock() -> None:
        if context.get_remaining_time_in_millis() < SAFETY_MS:
            raise ResolveTimeout(f"less than {SAFETY_MS} ms left resolving {event['chunk_key']}")

    stats = resolve_chunk(
        event,
        S3Storage(s3, event["chunk_bucket"]),
        S3Storage(s3, os.environ["SEGMENT_BUCKET"]),
        lookup,
        concurrency=int(os.environ.get("CONCURRENCY", DEFAULT_CONCURRENCY)),
        check_clock=check_clock,
    )
    metrics.add_metric(name="ChunkUsers", unit=MetricUnit.Count, value=stats["users"])
    metrics.add_metric(name="Resolved", unit=MetricUnit.Count, value=stats["endpoints"])
    metrics.add_metric(name="Unresolved", unit=MetricUnit.Count, value=stats["users_unresolved"])
    logger.info("resolved", extra={k: stats[k] for k in ("segment", "index", "users", "endpoints", "users_unresolved")})
    return stats
