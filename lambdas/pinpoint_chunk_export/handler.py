"""Pinpoint import workflow: cut a segment export into chunk files and a manifest for the Distributed Map.

Event (from the state machine): ``{"bucket", "key", "execution"}`` — the export that started the execution.
Returns pointers and counts
(``core.pinpoint_segments.chunk_export``); raises ``ExportUnreadable`` for an object that is not a ``USER_ID`` CSV.

Configuration: ``core.function_config.PinpointChunkExport``; what it does: ``core.functions.pinpoint_chunk_export``.
"""

from contextual_targeting.core.functions import handler

lambda_handler = handler("pinpoint_chunk_export")
