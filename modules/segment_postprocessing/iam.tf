# One role per function, one for the state machine. Exact ARNs everywhere; the only "*" resources are the X-Ray
# and vended-log-delivery actions listed in docs/iam-wildcards.md.

locals {
  function_descriptions = {
    split    = "Segment post-processing split function: read job output, write exports and scratch chunks"
    resolve  = "Segment post-processing resolve function: GetUserEndpoints, write Pinpoint import parts"
    finalize = "Segment post-processing finalize function: completion objects, job summary"
  }
  function_policies = merge(
    {
      split    = data.aws_iam_policy_document.split.json
      finalize = data.aws_iam_policy_document.finalize.json
    },
    var.pinpoint_enabled ? { resolve = data.aws_iam_policy_document.resolve[0].json } : {},
  )
  function_log_arns = { for key, name in local.function_names : key => "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws/lambda/${name}:*" }
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
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name               = each.value
  description        = local.function_descriptions[each.key]
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions

  name   = each.key
  role   = aws_iam_role.function[each.key].id
  policy = local.function_policies[each.key]
}

# ------------------------------------------------------------------------------------------------ split
data "aws_iam_policy_document" "split" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [local.function_log_arns.split]
  }

  statement {
    sid       = "ListJobOutput"
    actions   = ["s3:ListBucket"]
    resources = [var.data_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["batch/*"]
    }
  }

  statement {
    sid       = "ReadJobOutput"
    actions   = ["s3:GetObject"]
    resources = [local.batch_objects]
  }

  statement {
    sid       = "WriteExportsAndChunks"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = [local.export_objects, local.scratch_objects]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = local.kms_statements
    content {
      sid       = "BucketEncryption"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }
}

# ------------------------------------------------------------------------------------------------ resolve
data "aws_iam_policy_document" "resolve" {
  count = var.pinpoint_enabled ? 1 : 0

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [local.function_log_arns.resolve]
  }

  statement {
    sid       = "ReadChunksWriteStats"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [local.scratch_objects]
  }

  statement {
    sid       = "WriteImportParts"
    actions   = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = [local.segment_objects]
  }

  statement {
    sid       = "ResolveUsers"
    actions   = ["mobiletargeting:GetUserEndpoints"]
    resources = local.app_resource_arns
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = local.kms_statements
    content {
      sid       = "BucketEncryption"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }
}

# ------------------------------------------------------------------------------------------------ finalize
data "aws_iam_policy_document" "finalize" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [local.function_log_arns.finalize]
  }

  statement {
    sid       = "ReadReportAndStats"
    actions   = ["s3:GetObject"]
    resources = [local.scratch_objects]
  }

  statement {
    sid       = "WriteSummary"
    actions   = ["s3:PutObject"]
    resources = [local.export_objects]
  }

  dynamic "statement" {
    for_each = var.pinpoint_enabled ? [1] : []
    content {
      sid       = "ListImportParts"
      actions   = ["s3:ListBucket"]
      resources = [var.segment_bucket_arn]

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${var.segment_import_prefix}segments/*"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.pinpoint_enabled ? [1] : []
    content {
      sid       = "WriteCompletionObjects"
      actions   = ["s3:PutObject", "s3:DeleteObject"]
      resources = [local.segment_objects]
    }
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = local.kms_statements
    content {
      sid       = "BucketEncryption"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }
}

# ------------------------------------------------------------------------------------------------ state machine policy
data "aws_iam_policy_document" "state_machine" {
  statement {
    sid       = "DescribeJob"
    actions   = ["personalize:DescribeBatchSegmentJob"]
    resources = [local.job_arn_pattern]
  }

  statement {
    sid     = "InvokeFunctions"
    actions = ["lambda:InvokeFunction"]
    resources = flatten([
      for key in keys(local.functions) : [local.function_arns[key], "${local.function_arns[key]}:*"]
    ])
  }

  # Distributed Map: read the chunk manifest (ItemReader) and run the child executions.
  statement {
    sid       = "ReadChunkManifest"
    actions   = ["s3:GetObject"]
    resources = [local.scratch_objects]
  }

  statement {
    sid       = "StartMapChildExecutions"
    actions   = ["states:StartExecution"]
    resources = [local.state_machine_arn]
  }

  statement {
    sid       = "ManageMapChildExecutions"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = [local.map_executions_arn]
  }

  statement {
    sid       = "Notify"
    actions   = ["sns:Publish"]
    resources = [var.notification_topic_arn]
  }

  dynamic "statement" {
    for_each = local.kms_statements
    content {
      sid       = "EncryptNotifications"
      actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sns.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.kms_statements
    content {
      sid       = "DecryptChunkManifest"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }
}
