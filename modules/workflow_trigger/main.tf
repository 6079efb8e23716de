# How every workflow is started exactly once (DEVELOPERS.md, "Starting workflows exactly once"): an EventBridge
# rule → the workflow's own copy of the shared `start_execution` function, which starts the one state machine with
# the whole event as input and a name derived from the event (a duplicate event never starts a second execution).
# Events the rule cannot deliver and invocations the function cannot finish go to one dead-letter queue.
# Physical names: `<name_prefix>-<name>` (rule), `<name_prefix>-<name>-start` (function, its role and log group),
# `<name_prefix>-<name>-dlq` (queue).

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

# ------------------------------------------------------------------------------------------------ start function
resource "aws_cloudwatch_log_group" "start" {
  #checkov:skip=CKV_AWS_158:Log groups use CloudWatch Logs' default encryption: the project key's policy does not grant the logs service, and the function logs execution names only.
  #checkov:skip=CKV_AWS_338:Retention is the deployment's log_retention_days (default 30), chosen by the operator.
  name              = "/aws/lambda/${var.name_prefix}-${var.name}-start"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_lambda_function" "start" {
  #checkov:skip=CKV_AWS_117:No VPC: the function only calls the public Step Functions API.
  #checkov:skip=CKV_AWS_115:One short invocation per S3 or job event; reserving concurrency would take capacity from the account pool.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile per deployment; the zips are reproducible builds checked in CI.
  #checkov:skip=CKV_AWS_173:The environment holds the state machine ARN only, no secret; Lambda encrypts it at rest with the AWS managed key.
  function_name    = "${var.name_prefix}-${var.name}-start"
  description      = var.description
  role             = aws_iam_role.start.arn
  runtime          = "python3.13"
  architectures    = ["arm64"]
  handler          = "handler.lambda_handler"
  filename         = "${var.lambda_package_dir}/start_execution.zip"
  source_code_hash = filebase64sha256("${var.lambda_package_dir}/start_execution.zip")
  timeout          = 30
  memory_size      = 128

  environment {
    variables = {
      STATE_MACHINE_ARN = var.state_machine_arn
    }
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }

  tracing_config {
    mode = "Active"
  }

  tags = var.tags

  # Log group with retention first; the role may start the execution and write to the dead-letter queue.
  depends_on = [aws_cloudwatch_log_group.start, aws_iam_role_policy.start]
}

resource "aws_lambda_function_event_invoke_config" "start" {
  function_name                = aws_lambda_function.start.function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 21600
}

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "start" {
  name               = "${var.name_prefix}-${var.name}-start"
  description        = var.role_description
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "start" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.start.arn}:*"]
  }

  statement {
    sid       = "StartThisStateMachine"
    actions   = ["states:StartExecution"]
    resources = [var.state_machine_arn]
  }

  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "EncryptDeadLetters"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sqs.${data.aws_region.current.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "start" {
  name   = "start"
  role   = aws_iam_role.start.id
  policy = data.aws_iam_policy_document.start.json
}

# ------------------------------------------------------------------------------------------------ dead letters
resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name_prefix}-${var.name}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = var.kms_key_arn == null ? true : null
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

data "aws_iam_policy_document" "dlq" {
  statement {
    sid       = "EventBridgeDeadLetters"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.this.arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.dlq.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  policy    = data.aws_iam_policy_document.dlq.json
}

# ------------------------------------------------------------------------------------------------ rule
# event_bus_name null: the account's default bus (where S3 sends its events).
resource "aws_cloudwatch_event_rule" "this" {
  name           = "${var.name_prefix}-${var.name}"
  description    = var.rule_description
  event_bus_name = var.event_bus_name
  event_pattern  = var.event_pattern
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "start" {
  rule           = aws_cloudwatch_event_rule.this.name
  event_bus_name = var.event_bus_name
  arn            = aws_lambda_function.start.arn

  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = var.event_retry_attempts
  }

  dead_letter_config {
    arn = aws_sqs_queue.dlq.arn
  }
}

resource "aws_lambda_permission" "events" {
  statement_id   = "AllowEventBridgeRule"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.start.function_name
  principal      = "events.amazonaws.com"
  source_arn     = aws_cloudwatch_event_rule.this.arn
  source_account = data.aws_caller_identity.current.account_id
}

# ------------------------------------------------------------------------------------------------ alarms
# A message in the dead-letter queue is an event that never started its workflow (AWS/SQS
# ApproximateNumberOfMessagesVisible, dimension QueueName:
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html);
# the start function's own errors alarm too (AWS/Lambda Errors).
resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${var.name_prefix}-${var.name}-dlq-messages"
  alarm_description   = "Events for the ${var.name_prefix}-${var.name} workflow are in the dead-letter queue ${aws_sqs_queue.dlq.name}: they started no execution. Read them (aws sqs receive-message), fix the cause, re-send the upload."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "start_errors" {
  alarm_name          = "${var.name_prefix}-${var.name}-start-errors"
  alarm_description   = "The start function ${aws_lambda_function.start.function_name} raised an error: see its log group ${aws_cloudwatch_log_group.start.name}."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.start.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  tags                = var.tags
}
