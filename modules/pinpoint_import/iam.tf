# One role per function, one for the state machine, one Pinpoint assumes to read the import files. Exact ARNs
# everywhere; the only "*" resources are the X-Ray and vended-log-delivery actions listed in docs/iam-wildcards.md.

# ------------------------------------------------------------------------------------------------ Pinpoint import role
data "aws_iam_policy_document" "import_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["pinpoint.amazonaws.com"]
    }

    # Confused-deputy protection: only Pinpoint acting for this account's application may assume the role.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = local.app_resource_arns
    }
  }
}

resource "aws_iam_role" "import" {
  name               = "${var.name_prefix}-pinpoint-service"
  description        = "Assumed by Amazon Pinpoint to read import files under ${var.segment_import_prefix} in the segment import bucket"
  assume_role_policy = data.aws_iam_policy_document.import_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "import" {
  statement {
    sid       = "ReadImportFiles"
    actions   = ["s3:GetObject"]
    resources = [local.import_objects_arn]
  }

  statement {
    sid       = "ListImportPrefix"
    actions   = ["s3:ListBucket"]
    resources = [var.segment_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [var.segment_import_prefix, "${var.segment_import_prefix}*"]
    }
  }

  statement {
    sid       = "LocateBucket"
    actions   = ["s3:GetBucketLocation"]
    resources = [var.segment_bucket_arn]
  }

  dynamic "statement" {
    for_each = local.kms_statements
    content {
      sid       = "DecryptImportFiles"
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

resource "aws_iam_role_policy" "import" {
  name   = "read-import-prefix"
  role   = aws_iam_role.import.id
  policy = data.aws_iam_policy_document.import.json
}

# ------------------------------------------------------------------------------------------------ bucket encryption
# The buckets' KMS key (when kms_key_arn is set), used through S3 only: merged into the chunk, resolve and ready
# functions' documents (source_policy_documents), written once.
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

# ------------------------------------------------------------------------------------------------ chunk function
data "aws_iam_policy_document" "pinpoint_chunk_export" {
  source_policy_documents = [data.aws_iam_policy_document.bucket_encryption.json]

  statement {
    sid       = "ReadExports"
    actions   = ["s3:GetObject"]
    resources = [local.export_objects]
  }

  statement {
    sid       = "WriteChunksAndManifest"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = [local.work_objects]
  }
}

# ------------------------------------------------------------------------------------------------ resolve function
data "aws_iam_policy_document" "pinpoint_resolve_endpoints" {
  source_policy_documents = [data.aws_iam_policy_document.bucket_encryption.json]

  statement {
    sid       = "ReadChunksWriteStats"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [local.work_objects]
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
}

# ------------------------------------------------------------------------------------------------ ready function
data "aws_iam_policy_document" "pinpoint_segment_ready" {
  source_policy_documents = [data.aws_iam_policy_document.bucket_encryption.json]

  statement {
    sid       = "ReadChunkStats"
    actions   = ["s3:GetObject"]
    resources = [local.work_objects]
  }

  statement {
    sid       = "ListImportParts"
    actions   = ["s3:ListBucket"]
    resources = [var.segment_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.segment_import_prefix}segments/*"]
    }
  }

  statement {
    sid       = "WriteCompletionObjects"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = [local.segment_objects]
  }
}

# ------------------------------------------------------------------------------------------------ prepare function
data "aws_iam_policy_document" "pinpoint_import_prepare" {
  statement {
    sid       = "ReadCompletionObjects"
    actions   = ["s3:GetObject"]
    resources = [local.completion_objects]
  }

  statement {
    sid       = "FindSegmentByName"
    actions   = ["mobiletargeting:GetSegments"]
    resources = local.app_resource_arns
  }

  dynamic "statement" {
    for_each = local.kms_statements
    content {
      sid       = "DecryptCompletionObjects"
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

# ------------------------------------------------------------------------------------------------ state machine policy
data "aws_iam_policy_document" "state_machine" {
  statement {
    sid       = "InvokeFunctions"
    actions   = ["lambda:InvokeFunction"]
    resources = flatten([for arn in values(local.function_arns) : [arn, "${arn}:*"]])
  }

  # Distributed Map: read the chunk manifest (ItemReader) and run the child executions.
  statement {
    sid       = "ReadChunkManifest"
    actions   = ["s3:GetObject"]
    resources = [local.work_objects]
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
    sid       = "ImportJobs"
    actions   = ["mobiletargeting:CreateImportJob", "mobiletargeting:GetImportJob"]
    resources = local.app_resource_arns
  }

  statement {
    sid       = "PassImportRoleToPinpoint"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.import.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["pinpoint.amazonaws.com"]
    }
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
