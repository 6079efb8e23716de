# One role per function, one for the state machine. Exact ARNs everywhere; the only "*" resources are the X-Ray
# and vended-log-delivery actions listed in docs/iam-wildcards.md.

# ------------------------------------------------------------------------------------------------ split
data "aws_iam_policy_document" "split" {
  statement {
    sid       = "ListJobOutput"
    actions   = ["s3:ListBucket"]
    resources = [var.data_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["batch-output/*"]
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
