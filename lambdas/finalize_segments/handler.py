"""Finish a job: the job summary next to the exports and the SNS text.

Event: ``{"split": {"bucket", "report_key", ...}}``.
Returns ``{"subject", "message", "summary_key", "totals"}`` — no user ids.

Configuration: ``core.function_config.FinalizeSegments``; what it does: ``core.functions.finalize_segments``.
"""

from contextual_targeting.core.functions import handler

lambda_handler = handler("finalize_segments")
