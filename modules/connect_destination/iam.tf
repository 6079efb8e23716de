# One role per function and one for the state machine. Exact ARNs everywhere: Customer Profiles actions are scoped
# to the one domain (its ARN and the resources under it: segment definitions, upload jobs); the only "*" resources
# are X-Ray and vended log delivery (added by the shared modules, listed in docs/iam-wildcards.md).

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

# The same key for the functions that only read objects (and delete, which needs no key): decrypt only.
data "aws_iam_policy_document" "bucket_decryption" {
  dynamic "statement" {
    for_each = local.kms_statements
    content {
      sid       = "BucketEncryption"
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

# ------------------------------------------------------------------------------------------------ prepare function
data "aws_iam_policy_document" "connect_segment_prepare" {
  source_policy_documents = [data.aws_iam_policy_document.bucket_encryption.json]

  statement {
    sid       = "ReadExportHeader"
    actions   = ["s3:GetObject"]
    resources = [local.export_objects]
  }

  statement {
    sid       = "SegmentLock"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [local.locks_objects]
  }

  # Without ListBucket a lock that was just released answers 403 instead of 404 (NoSuchKey).
  statement {
    sid       = "ListLocks"
    actions   = ["s3:ListBucket"]
    resources = [var.data_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.connect_prefix}locks/*"]
    }
  }

  statement {
    sid       = "ReadTheLiveDefinition"
    actions   = ["profile:GetSegmentDefinition"]
    resources = local.domain_resources
  }
}

# ------------------------------------------------------------------------------------------------ release function
data "aws_iam_policy_document" "connect_segment_release" {
  source_policy_documents = [data.aws_iam_policy_document.bucket_decryption.json]

  # Read the lock to see who holds it; delete it only when this execution does.
  statement {
    sid       = "SegmentLock"
    actions   = ["s3:GetObject", "s3:DeleteObject"]
    resources = [local.locks_objects]
  }

  # Without ListBucket a lock that is already gone answers 403 instead of 404 (NoSuchKey).
  statement {
    sid       = "ListLocks"
    actions   = ["s3:ListBucket"]
    resources = [var.data_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.connect_prefix}locks/*"]
    }
  }
}

# ------------------------------------------------------------------------------------------------ profiles function
data "aws_iam_policy_document" "connect_segment_profiles" {
  source_policy_documents = [data.aws_iam_policy_document.bucket_encryption.json]

  statement {
    sid       = "ReadExportsAndUsers"
    actions   = ["s3:GetObject"]
    resources = [local.export_objects, local.train_objects]
  }

  # Without ListBucket a missing object answers 403 instead of 404: the function probes for users.csv and removes
  # earlier versions' upload files.
  statement {
    sid       = "ListOwnPrefixes"
    actions   = ["s3:ListBucket"]
    resources = [var.data_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.train_prefix}*", "${var.connect_prefix}uploads/*"]
    }
  }

  statement {
    sid       = "WriteUploadFiles"
    actions   = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = [local.uploads_objects]
  }
}

# ------------------------------------------------------------------------------------------------ upload function
data "aws_iam_policy_document" "connect_segment_upload" {
  source_policy_documents = [data.aws_iam_policy_document.bucket_decryption.json]

  statement {
    sid       = "ReadUploadFiles"
    actions   = ["s3:GetObject"]
    resources = [local.uploads_objects]
  }

  statement {
    sid       = "GetTheUploadUrl"
    actions   = ["profile:GetUploadJobPath"]
    resources = local.domain_resources
  }
}

# ------------------------------------------------------------------------------------------------ state machine policy
data "aws_iam_policy_document" "state_machine" {
  statement {
    sid     = "InvokeFunctions"
    actions = ["lambda:InvokeFunction"]
    resources = [
      local.connect_segment_prepare_arn, "${local.connect_segment_prepare_arn}:*",
      local.connect_segment_release_arn, "${local.connect_segment_release_arn}:*",
      local.connect_segment_profiles_arn, "${local.connect_segment_profiles_arn}:*",
      local.connect_segment_upload_arn, "${local.connect_segment_upload_arn}:*",
    ]
  }

  statement {
    sid = "UploadJobsAndSegmentDefinitions"
    actions = [
      "profile:CreateUploadJob",
      "profile:StartUploadJob",
      "profile:GetUploadJob",
      "profile:CreateSegmentDefinition",
      "profile:DeleteSegmentDefinition",
    ]
    resources = local.domain_resources
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
