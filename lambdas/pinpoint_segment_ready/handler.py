"""Pinpoint import workflow: after every chunk is resolved, write the segment's completion object (last).

Event: ``{"resolution": <pinpoint_chunk_export's result>, "execution"}``.
Returns counts and the completion object's key
(``core.pinpoint_segments.mark_ready``); raises ``ChunksIncomplete`` when a chunk was never resolved.

Configuration: ``core.function_config.PinpointSegmentReady``; what it does: ``core.functions.pinpoint_segment_ready``.
"""

from contextual_targeting.core.functions import handler

lambda_handler = handler("pinpoint_segment_ready")
