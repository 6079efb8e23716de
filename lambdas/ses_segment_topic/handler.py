"""SES destination, step 1: for a segment export, make sure the contact list has the segment's topic.

Input (from the state machine): ``{"bucket", "key", "owner"}`` — the S3 object that started the execution and the
execution id. ``segments/<dataset group>/<job>/<segment>.csv`` → checks the export's header (before touching SES),
takes the contact list's lock for the execution (``ListBusy`` while another execution holds it: one segment at a
time per list, because an import replaces whole contact records), ensures the contact list and the topic (replacing
the oldest topics of this solution at the 20-topic limit, never others), records which export the topic stands for,
and returns::

    {"action": "import", "segment_name", "dataset_group", "job_name", "export_key", "contact_list", "list_created",
     "topic_name", "topic_created", "replaced_topics", "our_topics"}

Anything else (the job summary, keys outside the export prefix) → ``{"action": "ignore", "reason"}``. The lock is
released by ``ses_segment_release``.

Errors: ``InputInvalid`` (malformed export), ``TopicLimitReached``, ``ContactListConflict``; ``TopicUpdateConflict``
and ``ListBusy`` are retried by the state machine.

Configuration: ``core.function_config.SesSegmentTopic``; what it does: ``core.functions.ses_segment_topic``.
"""

from contextual_targeting.core.functions import handler

lambda_handler = handler("ses_segment_topic")
