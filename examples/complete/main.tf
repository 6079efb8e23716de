# Every input of the root module, with a customer managed KMS key for the buckets, the topic and the event bus.

provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
}

# In a key policy, Resource "*" means "this key".
data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:Key policy: the account root statement delegates key administration to IAM policies, as AWS's default key policy does; Resource "*" is the key itself.
  #checkov:skip=CKV_AWS_111:Key policy: Resource "*" in a key policy is the key itself, not every resource.
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" in a key policy is the key itself, not every resource.
  statement {
    sid       = "EnableIamPolicies"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.account_root]
    }
  }

  # Personalize reads SSE-KMS training data and writes encrypted batch output as its service principal.
  statement {
    sid       = "AllowPersonalize"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "kms:CreateGrant", "kms:ListGrants"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["personalize.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  # EventBridge encrypts the custom bus's events and the archive with this key.
  statement {
    sid       = "AllowEventBridge"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
  # CloudWatch alarms publish to the alarm topic, encrypted with this key (an alarm cannot use alias/aws/sns).
  statement {
    sid       = "AllowCloudWatchAlarms"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  # SES reads the contact-import files (SSE-KMS) of the SES destination as its service principal; reading the
  # objects also takes the bucket policy statement that only SES acting for this account (aws:Referer) gets, on
  # ses/imports/* only. Like the other service statements, only SES acting for this account may use the key
  # (aws:SourceAccount, the global condition key for service principals:
  # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount).
  statement {
    sid       = "AllowSesContactImports"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["ses.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.name_prefix}: buckets, notification topic, event bus"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.this.key_id
}

module "contextual_targeting" {
  source = "../.."

  name_prefix         = var.name_prefix
  region              = var.region
  tags                = var.tags
  notification_emails = var.notification_emails
  kms_key_arn         = aws_kms_key.this.arn

  # Destinations besides the always-on S3 export: SES contact-list topics (the list <name_prefix>-segments, or
  # ses_contact_list_name = the account's list). "pinpoint" (with pinpoint_application_id = "<32 hex>" of an existing
  # project) only where a Pinpoint project still exists: engagement features reached end of support on 2026-10-30.
  segment_destinations    = var.segment_destinations
  pinpoint_application_id = var.pinpoint_application_id
  segment_import_prefix   = "pinpoint/"
  ses_contact_list_name   = var.ses_contact_list_name

  log_retention_days                = 90
  powertools_layer_arn              = null # the public Powertools v3 layer for python3.13/arm64 in var.region
  lambda_package_dir                = "${path.root}/../../build"
  batch_output_retention_days       = 180
  noncurrent_version_retention_days = 14
  event_archive_retention_days      = 14
}
