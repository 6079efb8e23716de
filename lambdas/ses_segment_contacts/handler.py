"""SES destination, step 2: the contact-import files of a segment's topic (streaming join with the users dataset).

Input: ``{"bucket", "export_key", "contact_list", "topic_name", "our_topics"}`` (the topic step's output). Reads what
the list holds (``GetContactList`` and ``ListContacts`` filtered on explicit preferences: recipients' choices are
kept), the export, the topic's previous membership snapshot and the snapshots of the solution's other topics (as
compact hash sets), streams ``train/<dataset group>/users.csv`` (or ``users/`` parts) and writes SES import CSVs of at
most ``MAX_CONTACTS_PER_IMPORT`` rows under ``<SES_PREFIX>imports/<topic>/``, the new membership snapshot and each
part's leaver list. Returns::

    {"parts": [{"key", "s3_url", "rows"}], "part_count", "counts": {...}, "topics": [...], "members_key"}

The leaver lists leave the snapshot part by part, as each import completes (``ses_segment_commit``).

Errors: ``InputInvalid`` (malformed export or users dataset).

Configuration: ``core.function_config.SesSegmentContacts``; what it does: ``core.functions.ses_segment_contacts``.
"""

from contextual_targeting.core.functions import handler

lambda_handler = handler("ses_segment_contacts")
