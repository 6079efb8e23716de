"""Connect destination, step 2: the profile upload files of a segment version (streaming join with the users dataset).

Input: ``{"bucket", "export_key", "token"}`` (the prepare step's output). Reads the export as a compact hash set,
streams ``train/<dataset group>/users.csv`` (or ``users/`` parts) and writes upload CSVs (``USER_ID``, the mapped
columns, ``CT_SEGMENT_VERSION``) below ``MAX_UPLOAD_BYTES`` each under
``<CONNECT_PREFIX>uploads/<definition>/<token>/``.
Returns ``{"parts": [{"key", "rows", "bytes"}], "part_count", "counts": {"segment_users", "profiles",
"no_contact_field", "not_in_users_dataset", "duplicate_user_rows", "users_rows_read"}}``.

Errors: ``InputInvalid`` (malformed export or users dataset), ``MappingInvalid``.

Configuration: ``core.function_config.ConnectSegmentProfiles``; what it does:
``core.functions.connect_segment_profiles``.
"""

from contextual_targeting.core.functions import handler

lambda_handler = handler("connect_segment_profiles")
