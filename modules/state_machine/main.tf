# How every workflow module deploys its state machine (DEVELOPERS.md, "State machines"): a STANDARD state machine
# with the caller's rendered definition, execution history logged at level ALL without execution data to its own
# vended-logs group (retention set), X-Ray tracing on, and a role only Step Functions acting for this account and
# this state machine may assume. The role's inline policy is the caller's workflow statements plus what every state
# machine needs: CloudWatch Logs log delivery and X-Ray (both `Resource = "*"`, docs/iam-wildcards.md).
# Physical names: `<name_prefix>-<name>` (state machine and role), `/aws/vendedlogs/states/<name_prefix>-<name>`.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  name = "${var.name_prefix}-${var.name}"
  # alarm name suffix => Step Functions execution metric
  execution_alarms = { failed = "ExecutionsFailed", timed-out = "ExecutionsTimedOut", aborted = "ExecutionsAborted" }
  # Built from the name (not the resource) so the role's trust policy can name the state machine it serves.
  arn = "arn:${data.aws_partition.current.partition}:states:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:stateMachine:${local.name}"
}

# ------------------------------------------------------------------------------------------------ log group
resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:Log groups use CloudWatch Logs' default encryption: the project key's policy does not grant the logs service, and execution data is not logged (include_execution_data = false).
  #checkov:skip=CKV_AWS_338:Retention is the deployment's log_retention_days (default 30), chosen by the operator.
  name              = "/aws/vendedlogs/states/${local.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

# ------------------------------------------------------------------------------------------------ state machine
resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_285:Execution history is logged at level ALL without execution data: states carry S3 keys, Personalize ARNs, queries, validation reports and job failure messages that can quote user values (offending fields, endpoint ids, addresses).
  name     = local.name
  role_arn = aws_iam_role.this.arn
  type     = "STANDARD"

  definition = var.definition

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.this.arn}:*"
    include_execution_data = false
    level                  = "ALL"
  }

  tracing_configuration {
    enabled = true
  }

  tags = var.tags

  # Step Functions validates the role's permissions (log delivery, X-Ray) when the state machine is created.
  depends_on = [aws_iam_role_policy.this]
}

# ------------------------------------------------------------------------------------------------ role
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    # Confused-deputy protection: only Step Functions running this state machine in this account.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.arn]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = local.name
  description        = var.role_description
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags               = var.tags
}

# The caller's workflow statements (source document) plus the statements every state machine needs.
data "aws_iam_policy_document" "this" {
  source_policy_documents = [var.policy_json]

  statement {
    sid = "LogDelivery"
    actions = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = var.policy_name
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

# ------------------------------------------------------------------------------------------------ alarms
# One alarm per way an execution ends badly, on Step Functions' own execution metrics (namespace AWS/States,
# dimension StateMachineArn: https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html).
# Any such execution in a 5-minute period alarms; no executions is not an alarm.
resource "aws_cloudwatch_metric_alarm" "executions" {
  for_each = local.execution_alarms

  alarm_name          = "${local.name}-executions-${each.key}"
  alarm_description   = "An execution of the ${local.name} workflow ${each.key == "timed-out" ? "timed out" : each.key}: see its history in the Step Functions console (state machine ${local.name})."
  namespace           = "AWS/States"
  metric_name         = each.value
  dimensions          = { StateMachineArn = aws_sfn_state_machine.this.arn }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  tags                = var.tags
}
