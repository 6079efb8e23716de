"""SES destination, last step: release the contact list's lock so that the next segment's execution may work on it.

Input (from the state machine, after the imports or after a failure): ``{"bucket", "owner"}``, ``owner`` being the
execution id that took the lock in ``ses_segment_topic``. Deletes the lock only if ``owner`` holds it, so a late or
repeated release never frees another execution's lock. Returns ``{"released": bool}``.

Configuration: ``core.function_config.SesSegmentRelease``; what it does: ``core.functions.ses_segment_release``.
"""

from contextual_targeting.core.functions import handler

lambda_handler = handler("ses_segment_release")
