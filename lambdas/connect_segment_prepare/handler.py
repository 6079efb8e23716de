"""Connect destination, step 1: for a segment export, decide what to write and lock the segment definition.

Input (from the state machine): ``{"bucket", "key", "etag", "owner"}`` — the S3 object that started the execution
and the execution id. ``segments/<dataset group>/<job>/<segment>.csv`` → checks the export's header (before touching
Customer Profiles), takes the definition's lock for the execution (``SegmentBusy`` while another execution holds
it), reads the live segment definition (an export older than the one it stands for is ``superseded``) and returns
(no user data)::

    {"action": "import" | "unchanged" | "superseded", "definition_name", "definition_arn", "definition_exists",
     "display_name", "description", "slot", "slot_attribute", "token", "previous_token", "segment_groups", "fields",
     "unique_key", "segment_name", "dataset_group", "job_name", "export_key"}

Anything else (the job summary) → ``{"action": "ignore", "reason"}``. The lock is released by
``connect_segment_release``.

Errors: ``InputInvalid``, ``MappingInvalid``; ``SegmentBusy`` is retried by the state machine.

Configuration: ``core.function_config.ConnectSegmentPrepare``; what it does: ``core.functions.connect_segment_prepare``.
"""

from contextual_targeting.core.functions import handler

lambda_handler = handler("connect_segment_prepare")
