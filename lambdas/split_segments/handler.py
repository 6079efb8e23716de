"""Split a batch segment job's output into one export per segment (S3 pointers and counts out).

Event (from the state machine): ``{"job": {"JobArn", "JobName", "OutputPath"}, "execution": str}``.
Returns keys and counts only. Raises ``InputInvalid`` (no ``.out`` object) or ``SplitTimeout`` (clock).

Configuration: ``core.function_config.SplitSegments``; what it does: ``core.functions.split_segments``.
"""

from contextual_targeting.core.functions import handler

lambda_handler = handler("split_segments")
