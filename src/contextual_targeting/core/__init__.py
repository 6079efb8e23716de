"""Pure-Python core shared by every Lambda function and by the CLI.

Rules for this package: standard library plus the packages in ``lambdas/requirements.txt`` only (boto3 is
provided by the Lambda runtime and is only ever passed in as a client, never imported at module level).
"""
