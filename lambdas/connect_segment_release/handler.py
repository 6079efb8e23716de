"""Connect destination, last step: release the segment definition's lock taken by ``connect_segment_prepare``.

Input (from the state machine, after the segment definition is replaced or after a failure): ``{"bucket", "owner",
"definition_name"}``, ``owner`` being the execution id that took the lock. Deletes the lock only if ``owner`` holds
it, so a late or repeated release never frees another execution's lock. Returns ``{"released": bool}``.

Configuration: ``core.function_config.ConnectSegmentRelease``; what it does: ``core.functions.connect_segment_release``.
"""

from contextual_targeting.core.functions import handler

lambda_handler = handler("connect_segment_release")
