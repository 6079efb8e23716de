"""Validate a training upload (config.json + CSVs + batch job_config.json in S3) and return the training plan.

Input (from the training state machine): ``{"bucket", "key": "train/<dg>/config.json", "run_id": "<execution>"}``.
Returns the training plan (``core.training_validation.build_plan``; the contract is in DEVELOPERS.md: names, S3
locations, report notes; no user data).

``<run>`` is 10 hex digits of sha256(run_id): a retried execution plans the same names, another execution new ones;
every name is at most 63 characters of ``[a-zA-Z0-9_-]``. Invalid input raises ``InputInvalid`` whose message is
the whole readable report, so the state machine's Catch notifies and fails before any Personalize call; S3 errors
propagate as themselves.

Configuration: ``core.function_config.ValidateTrainingInput``; what it does: ``core.functions.validate_training_input``.
"""

from contextual_targeting.core.functions import handler

lambda_handler = handler("validate_training_input", inject_context=False)
