"""SES destination, after each import part: the part's leavers leave the topic's membership snapshot.

Input (from the state machine, once import part ``index`` COMPLETED): ``{"bucket", "topic_name", "index"}``. Until
this runs the snapshot counts the part's leavers as possibly subscribed, so after a failed part the next run still
unsubscribes the ones it did not reach. Idempotent. Returns ``{"removed", "kept"}`` (``kept`` is -1 when the part had
no leavers and the snapshot was left as it is).

Configuration: ``core.function_config.SesSegmentCommit``; what it does: ``core.functions.ses_segment_commit``.
"""

from contextual_targeting.core.functions import handler

lambda_handler = handler("ses_segment_commit")
