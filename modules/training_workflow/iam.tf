# One role per function, one for the state machine, one Amazon Personalize assumes for import and batch jobs, one
# for the optional schedule. Exact ARNs everywhere except: Personalize resources, whose names come from the users'
# configs (scoped by account, region and resource type instead), and the X-Ray / vended-log-delivery actions listed
# in docs/iam-wildcards.md.

# ------------------------------------------------------------------------------------------------ Personalize role
data "aws_iam_policy_document" "personalize_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["personalize.amazonaws.com"]
    }

    # Confused-deputy protection: only Personalize acting for this account may assume the role.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "personalize" {
  name               = "${var.name_prefix}-personalize"
  description        = "Assumed by Amazon Personalize: read train/ and batch/ in the data bucket, write batch segment job output under batch-output/"
  assume_role_policy = data.aws_iam_policy_document.personalize_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "personalize" {
  statement {
    sid       = "ReadTrainingDataAndBatchInput"
    actions   = ["s3:GetObject"]
    resources = ["${var.data_bucket_arn}/train/*", "${var.data_bucket_arn}/batch/*"]
  }

  statement {
    sid       = "WriteBatchOutput"
    actions   = ["s3:PutObject"]
    resources = ["${var.data_bucket_arn}/batch-output/*"]
  }

  statement {
    sid       = "ListTrainAndBatch"
    actions   = ["s3:ListBucket"]
    resources = [var.data_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["train/*", "batch/*", "batch-output/*"]
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

resource "aws_iam_role_policy" "personalize" {
  name   = "data-bucket"
  role   = aws_iam_role.personalize.id
  policy = data.aws_iam_policy_document.personalize.json
}

# ------------------------------------------------------------------------------------------------ validate function
data "aws_iam_policy_document" "validate_training_input" {
  statement {
    sid       = "ReadTrainingInput"
    actions   = ["s3:GetObject"]
    resources = ["${var.data_bucket_arn}/train/*", "${var.data_bucket_arn}/batch/*"]
  }

  statement {
    sid       = "ListDatasetFolders"
    actions   = ["s3:ListBucket"]
    resources = [var.data_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["train/*", "batch/*"]
    }
  }

  dynamic "statement" {
    for_each = local.kms_statements
    content {
      sid       = "DecryptTrainingInput"
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
    sid       = "InvokeValidate"
    actions   = ["lambda:InvokeFunction"]
    resources = [local.validate_training_input_arn, "${local.validate_training_input_arn}:*"]
  }

  # Names of dataset groups, schemas, solutions and jobs come from the configs users upload, so each statement is
  # scoped to this account, region and one resource type. Solution versions are `solution/<name>/<id>`.
  statement {
    sid       = "DatasetGroups"
    actions   = ["personalize:CreateDatasetGroup", "personalize:DescribeDatasetGroup"]
    resources = ["arn:${data.aws_partition.current.partition}:personalize:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:dataset-group/*"]
  }

  statement {
    sid       = "TagOnCreate"
    actions   = ["personalize:TagResource"]
    resources = ["*"]
  }

  statement {
    sid       = "Schemas"
    actions   = ["personalize:CreateSchema", "personalize:DescribeSchema"]
    resources = ["arn:${data.aws_partition.current.partition}:personalize:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:schema/*"]
  }

  statement {
    sid       = "Datasets"
    actions   = ["personalize:CreateDataset", "personalize:DescribeDataset"]
    resources = ["arn:${data.aws_partition.current.partition}:personalize:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:dataset/*"]
  }

  statement {
    sid       = "DatasetImportJobs"
    actions   = ["personalize:CreateDatasetImportJob", "personalize:DescribeDatasetImportJob"]
    resources = ["arn:${data.aws_partition.current.partition}:personalize:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:dataset-import-job/*"]
  }

  statement {
    sid       = "SolutionsAndVersions"
    actions   = ["personalize:CreateSolution", "personalize:DescribeSolution", "personalize:CreateSolutionVersion", "personalize:DescribeSolutionVersion"]
    resources = ["arn:${data.aws_partition.current.partition}:personalize:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:solution/*"]
  }

  statement {
    sid       = "BatchSegmentJobs"
    actions   = ["personalize:CreateBatchSegmentJob", "personalize:DescribeBatchSegmentJob"]
    resources = ["arn:${data.aws_partition.current.partition}:personalize:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:batch-segment-job/*"]
  }

  statement {
    sid       = "PassRoleToPersonalize"
    actions   = ["iam:PassRole"]
    resources = [local.personalize_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["personalize.amazonaws.com"]
    }
  }

  statement {
    sid       = "StateChangeEvents"
    actions   = ["events:PutEvents"]
    resources = [var.event_bus_arn]
  }

  statement {
    sid       = "Notify"
    actions   = ["sns:Publish"]
    resources = [var.notification_topic_arn]
  }

  # One training execution per dataset group: the lock object work/locks/training/<dataset group>.json (S3
  # conditional writes) and the state of the execution holding it.
  statement {
    sid       = "TrainingLock"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]
    resources = ["${var.data_bucket_arn}/work/locks/training/*"]
  }

  statement {
    sid       = "LockHolderExecution"
    actions   = ["states:DescribeExecution"]
    resources = [local.executions_arn]
  }

  dynamic "statement" {
    for_each = local.kms_statements
    content {
      sid       = "EncryptNotificationsEventsAndLock"
      actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sns.${local.region}.amazonaws.com", "events.${local.region}.amazonaws.com", "s3.${local.region}.amazonaws.com"]
      }
    }
  }
}

# ------------------------------------------------------------------------------------------------ schedule role
data "aws_iam_policy_document" "scheduler_trust" {
  count = local.create_schedule ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  count = local.create_schedule ? 1 : 0

  name               = "${var.name_prefix}-training-schedule"
  description        = "EventBridge Scheduler: invoke the training start function for scheduled retraining"
  assume_role_policy = data.aws_iam_policy_document.scheduler_trust[0].json
  tags               = var.tags
}

data "aws_iam_policy_document" "scheduler" {
  count = local.create_schedule ? 1 : 0

  statement {
    sid       = "InvokeStart"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.trigger.start_function_arn, "${module.trigger.start_function_arn}:*"]
  }

  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [module.trigger.dlq_arn]
  }

  dynamic "statement" {
    for_each = local.kms_statements
    content {
      sid       = "EncryptDeadLetters"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sqs.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "scheduler" {
  count = local.create_schedule ? 1 : 0

  name   = "invoke-start"
  role   = aws_iam_role.scheduler[0].id
  policy = data.aws_iam_policy_document.scheduler[0].json
}
