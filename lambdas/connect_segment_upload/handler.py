"""Connect destination, step 3: send one upload CSV to its Customer Profiles upload job.

Input: ``{"bucket", "key", "domain", "job_id"}``. Asks ``GetUploadJobPath`` for the job's pre-signed URL and client
token and PUTs the S3 object there, streamed, with the SSE-C headers the API documents. The token (a plaintext data
key) never leaves this function: not returned, not logged. Returns ``{"bytes": <size>}``.

Errors: ``UploadRejected`` (the URL refused the file).

Configuration: ``core.function_config.ConnectSegmentUpload``; what it does: ``core.functions.connect_segment_upload``.
"""

from contextual_targeting.core.functions import handler

lambda_handler = handler("connect_segment_upload")
