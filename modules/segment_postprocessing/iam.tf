# One role per function, one for the state machine. Exact ARNs everywhere; the only "*" resources are the X-Ray
# and vended-log-delivery actions listed in docs/iam-wildcards.md.

# ------------------------------------------------------------------------------------------------ bucket encryption
# With kms_key_arn set, the data bucket's objects are encrypted with that key: every function that reads or writes
# them may use it, through S3 only. Each function's document below starts from this one (no statement without a key).
data "aws_iam_policy_document" "bucket_encryption" {
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

# ------------------------------------------------------------------------------------------------ split
data "aws_iam_policy_document" "split_segments" {
  source_policy_documents = [data.aws_iam_policy_document.bucket_encryption.json]

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
    sid       = "WriteExportsAndReport"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = [local.export_objects, local.scratch_objects]
  }
}

# ------------------------------------------------------------------------------------------------ finalize
data "aws_iam_policy_document" "finalize_segments" {
  source_policy_documents = [data.aws_iam_policy_document.bucket_encryption.json]

  statement {
    sid       = "ReadReport"
    actions   = ["s3:GetObject"]
    resources = [local.scratch_objects]
  }

  statement {
    sid       = "WriteSummary"
    actions   = ["s3:PutObject"]
    resources = [local.export_objects]
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
    sid       = "InvokeFunctions"
    actions   = ["lambda:InvokeFunction"]
    resources = flatten([for arn in values(local.function_arns) : [arn, "${arn}:*"]])
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
}
