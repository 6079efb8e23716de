"""Pinpoint import workflow: resolve one chunk of user ids to endpoint ids; write its part CSV (header ``Id``).

Event: one chunk manifest item (``segment, index, users, chunk_bucket, chunk_key, part_key, stats_key``).
Returns counts. Raises ``PinpointThrottled`` (still throttled after backoff; Step Functions retries the chunk)
or ``ResolveTimeout`` (clock).

Configuration: ``core.function_config.PinpointResolveEndpoints``; what it does:
``core.functions.pinpoint_resolve_endpoints``.
"""

from contextual_targeting.core.functions import handler

lambda_handler = handler("pinpoint_resolve_endpoints")
