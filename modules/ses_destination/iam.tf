# One role per function and one for the state machine. Exact ARNs everywhere; the only "*" resources are the
# actions without resource-level permissions listed in docs/iam-wildcards.md (ses:CreateImportJob,
# ses:ListContactLists, X-Ray, vended log delivery).

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

# ------------------------------------------------------------------------------------------------ topic function
data "aws_iam_policy_document" "ses_segment_topic" {
  source_policy_documents = [data.aws_iam_policy_document.bucket_encryption.json]

  statement {
    sid       = "ReadExportHeader"
    actions   = ["s3:GetObject"]
    resources = [local.export_objects]
  }

  statement {
    sid       = "WriteTopicRegistry"
    actions   = ["s3:PutObject"]
    resources = [local.topics_objects]
  }

  statement {
    sid       = "ContactListLock"
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
      values   = ["${var.ses_prefix}locks/*"]
    }
  }

  statement {
    sid       = "ManageTheContactList"
    actions   = ["ses:GetContactList", "ses:CreateContactList", "ses:UpdateContactList"]
    resources = [local.contact_list_arn]
  }

  statement {
    sid       = "NameTheExistingList"
    actions   = ["ses:ListContactLists"]
    resources = ["*"]
  }
}

# ------------------------------------------------------------------------------------------------ contacts function
data "aws_iam_policy_document" "ses_segment_contacts" {
  source_policy_documents = [data.aws_iam_policy_document.bucket_encryption.json]

  statement {
    sid       = "ReadExportsUsersAndSnapshots"
    actions   = ["s3:GetObject"]
    resources = [local.export_objects, local.train_objects, local.topics_objects]
  }

  # Without ListBucket a missing object answers 403 instead of 404: the function probes for users.csv, the
  # membership snapshot and the registry objects, and removes stale import parts.
  statement {
    sid       = "ListOwnPrefixes"
    actions   = ["s3:ListBucket"]
    resources = [var.data_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.export_prefix}*", "${var.train_prefix}*", "${var.ses_prefix}*"]
    }
  }

  # What the list holds (its topics, explicit preferences and unsubscribe-all) is read before every import.
  statement {
    sid       = "ReadRecipientChoices"
    actions   = ["ses:GetContactList", "ses:ListContacts"]
    resources = [local.contact_list_arn]
  }

  # Import parts; the membership snapshot ses/topics/<topic>/members.csv and each part's leaver list.
  statement {
    sid       = "WriteImportFilesAndSnapshots"
    actions   = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = [local.imports_objects, local.topics_objects]
  }
}

# ------------------------------------------------------------------------------------------------ commit function
data "aws_iam_policy_document" "ses_segment_commit" {
  source_policy_documents = [data.aws_iam_policy_document.bucket_encryption.json]

  # The part's leaver list and the membership snapshot, both under ses/topics/<topic>/: read, rewritten.
  statement {
    sid       = "RewriteTheSnapshot"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = [local.topics_objects]
  }

  # Without ListBucket a part with no leaver list answers 403 instead of 404.
  statement {
    sid       = "ListTopics"
    actions   = ["s3:ListBucket"]
    resources = [var.data_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.ses_prefix}topics/*"]
    }
  }
}

# ------------------------------------------------------------------------------------------------ release function
data "aws_iam_policy_document" "ses_segment_release" {
  source_policy_documents = [data.aws_iam_policy_document.bucket_decryption.json]

  # Read the lock to see who holds it; delete it only when this execution does.
  statement {
    sid       = "ContactListLock"
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
      values   = ["${var.ses_prefix}locks/*"]
    }
  }
}

# ------------------------------------------------------------------------------------------------ state machine policy
data "aws_iam_policy_document" "state_machine" {
  statement {
    sid     = "InvokeFunctions"
    actions = ["lambda:InvokeFunction"]
    resources = [
      local.ses_segment_topic_arn, "${local.ses_segment_topic_arn}:*",
      local.ses_segment_contacts_arn, "${local.ses_segment_contacts_arn}:*",
      local.ses_segment_commit_arn, "${local.ses_segment_commit_arn}:*",
      local.ses_segment_release_arn, "${local.ses_segment_release_arn}:*",
    ]
  }

  statement {
    sid       = "CreateImportJobs"
    actions   = ["ses:CreateImportJob"]
    resources = ["*"]
  }

  statement {
    sid       = "PollImportJobs"
    actions   = ["ses:GetImportJob"]
    resources = [local.import_jobs_arn]
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
