"""Turn an S3 object in the segment import bucket into a Pinpoint import request (segment import workflow).

Input (from the state machine): ``{"bucket", "key"}`` of the object that started the execution. The logic and the
result's shape are in ``contextual_targeting.core.pinpoint_import``.
Raises ``InputInvalid`` or ``ThrottledError``.

Configuration: ``core.function_config.PinpointImportPrepare``; what it does: ``core.functions.pinpoint_import_prepare``.
"""

from contextual_targeting.core.functions import handler

lambda_handler = handler("pinpoint_import_prepare")
