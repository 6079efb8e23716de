# The custom event bus (Personalize state change events between workflows), its archive, and the SNS
# notification topic. Rules live in the module whose workflow they start; S3 events arrive on the default bus.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

resource "aws_cloudwatch_event_bus" "this" {
  name               = "${var.name_prefix}-bus"
  description        = "contextual-targeting workflow events (${var.name_prefix})"
  kms_key_identifier = var.kms_key_arn
  tags               = var.tags
}

resource "aws_cloudwatch_event_archive" "this" {
  name               = "${var.name_prefix}-archive"
  description        = "Replayable copy of the events on ${aws_cloudwatch_event_bus.this.name}"
  event_source_arn   = aws_cloudwatch_event_bus.this.arn
  retention_days     = var.event_archive_retention_days
  kms_key_identifier = var.kms_key_arn
}

resource "aws_sns_topic" "notifications" {
  name              = "${var.name_prefix}-notifications"
  display_name      = "contextual-targeting"
  kms_master_key_id = coalesce(var.kms_key_arn, "alias/aws/sns")
  tags              = var.tags
}

# Publishers are the workflows' own roles (sns:Publish on this ARN in their IAM policies): the topic policy only
# lets principals of this account use the topic, through their IAM permissions, and refuses plain HTTP.
data "aws_iam_policy_document" "notifications" {
  statement {
    sid    = "AccountPrincipalsThroughIam"
    effect = "Allow"
    actions = [
      "sns:GetTopicAttributes",
      "sns:ListSubscriptionsByTopic",
      "sns:Publish",
      "sns:Subscribe",
    ]
    resources = [aws_sns_topic.notifications.arn]

    principals {
      type        = "AWS"
      identifiers = [data.aws_caller_identity.current.account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.notifications.arn]

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

resource "aws_sns_topic_policy" "notifications" {
  arn    = aws_sns_topic.notifications.arn
  policy = data.aws_iam_policy_document.notifications.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.notification_emails)

  topic_arn = aws_sns_topic.notifications.arn
  protocol  = "email"
  endpoint  = each.value
}

# ------------------------------------------------------------------------------------------------ alarms
# CloudWatch alarms (modules/state_machine, lambda_function, workflow_trigger) publish here, not to the notification
# topic: an alarm cannot publish to a topic encrypted with the AWS managed key alias/aws/sns, whose key policy does
# not let CloudWatch use it and cannot be changed
# (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns). With kms_key_arn the topic uses that key,
# whose policy must let cloudwatch.amazonaws.com use it (examples/complete). The same e-mail addresses subscribe.
resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:Without kms_key_arn the alarm topic cannot be encrypted: CloudWatch alarms cannot use the AWS managed key alias/aws/sns. Alarm messages carry alarm names, metric names and states only — no user data. With kms_key_arn it is encrypted with that key.
  name              = "${var.name_prefix}-alarms"
  display_name      = "contextual-targeting alarms"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "alarms" {
  statement {
    sid       = "AccountPrincipalsThroughIam"
    effect    = "Allow"
    actions   = ["sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:Subscribe"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "AWS"
      identifiers = [data.aws_caller_identity.current.account_id]
    }
  }

  # Only this deployment's alarms (named <name_prefix>-…) in this account and region may publish.
  statement {
    sid       = "CloudWatchAlarmsOfThisDeployment"
    effect    = "Allow"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:cloudwatch:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:alarm:${var.name_prefix}-*"]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

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

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms.json
}

resource "aws_sns_topic_subscription" "alarm_email" {
  for_each = toset(var.notification_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}
