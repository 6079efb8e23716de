# How every workflow module deploys one of its Lambda functions (DEVELOPERS.md, "Lambda functions"): the function
# (python3.13, arm64, handler.lambda_handler, the `make build` zip, the Powertools layer, X-Ray tracing active) with
# the caller's environment, its log group with retention created before the first invocation, and a role only
# Lambda acting for this account may assume. The role's inline policy is the caller's statements plus what every
# function needs: writing to its own log group and X-Ray (`Resource = "*"`, docs/iam-wildcards.md).
# Physical names derive from the one function key: `<name_prefix>-<function with dashes>` (function and role),
# `/aws/lambda/<name_prefix>-<function with dashes>`, e.g. `split_segments` → `ct-split-segments`.

data "aws_caller_identity" "current" {}

locals {
  name = "${var.name_prefix}-${replace(var.function, "_", "-")}"
}

# ------------------------------------------------------------------------------------------------ log group
resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:Log groups use CloudWatch Logs' default encryption: the project key's policy does not grant the logs service, and the functions never log user data (keys, names and counts; validation reports name files, lines and fields, not user records).
  #checkov:skip=CKV_AWS_338:Retention is the deployment's log_retention_days (default 30), chosen by the operator; a year minimum would only add cost for operational logs.
  name              = "/aws/lambda/${local.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

# ------------------------------------------------------------------------------------------------ function
resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:No VPC: the workflow functions only call public AWS APIs (S3, Pinpoint, SES); a VPC would add NAT or endpoints for nothing.
  #checkov:skip=CKV_AWS_116:Invoked synchronously by Step Functions, which retries and catches failures: an async dead-letter queue would never receive anything.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded by the workflow (one invocation per run, job, import or segment export; the Distributed Map's max_concurrency); reserving it would take capacity from the account pool.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile per deployment; the zips are reproducible builds checked in CI (make build, tests/lambdas/test_build.py).
  #checkov:skip=CKV_AWS_173:The environment holds bucket names, prefixes, ids, log settings and tunables, no secret; Lambda encrypts it at rest with the AWS managed key.
  function_name    = local.name
  description      = var.description
  role             = aws_iam_role.this.arn
  runtime          = "python3.13"
  architectures    = ["arm64"]
  handler          = "handler.lambda_handler"
  filename         = "${var.lambda_package_dir}/${var.function}.zip"
  source_code_hash = filebase64sha256("${var.lambda_package_dir}/${var.function}.zip")
  layers           = [var.powertools_layer_arn]
  timeout          = var.timeout
  memory_size      = var.memory_size

  environment {
    variables = var.environment
  }

  tracing_config {
    mode = "Active"
  }

  tags = var.tags

  # The log group exists with its retention before the first invocation could create it without one; the role
  # can write logs and do its work before the function runs.
  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this]
}

# ------------------------------------------------------------------------------------------------ role
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    # Confused-deputy protection: only Lambda acting for this account may assume the role.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = local.name
  description        = var.role_description
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags               = var.tags
}

# The caller's statements (source document) plus the statements every function needs.
data "aws_iam_policy_document" "this" {
  source_policy_documents = [var.policy_json]

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = var.policy_name
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

# ------------------------------------------------------------------------------------------------ alarm
# Any invocation error in a 5-minute period (AWS/Lambda Errors, dimension FunctionName:
# https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html). Step Functions retries or catches
# most errors, so an alarm here can come with a workflow that still succeeded: look at the function's log group.
resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "${local.name}-errors"
  alarm_description   = "The function ${aws_lambda_function.this.function_name} raised an error: see its log group ${aws_cloudwatch_log_group.this.name}."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  tags                = var.tags
}
