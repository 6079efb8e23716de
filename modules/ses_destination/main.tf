# The SES destination: a segment export `<export_prefix><dataset group>/<job>/<segment>.csv` in the data bucket →
# EventBridge rule on the default bus → start function (execution named after key + ETag, so a duplicate event
# never imports twice) → state machine: ensure the contact list's topic → join the export with the users dataset
# into SES import CSVs → one CreateImportJob per part (≤ 1,000,000 contacts) polled to completion → membership
# snapshot → SNS notification.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region
  account   = data.aws_caller_identity.current.account_id

  state_machine_name        = "${var.name_prefix}-ses-destination"
  ses_segment_topic_name    = "${var.name_prefix}-ses-segment-topic"
  ses_segment_contacts_name = "${var.name_prefix}-ses-segment-contacts"
  ses_segment_commit_name   = "${var.name_prefix}-ses-segment-commit"
  ses_segment_release_name  = "${var.name_prefix}-ses-segment-release"
  contact_list_name         = coalesce(var.contact_list_name, "${var.name_prefix}-segments")

  # Built from names (not resource references) so roles, functions and the state machine can refer to each other
  # without a dependency cycle.
  state_machine_arn        = "arn:${local.partition}:states:${local.region}:${local.account}:stateMachine:${local.state_machine_name}"
  ses_segment_topic_arn    = "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${local.ses_segment_topic_name}"
  ses_segment_contacts_arn = "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${local.ses_segment_contacts_name}"
  ses_segment_commit_arn   = "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${local.ses_segment_commit_name}"
  ses_segment_release_arn  = "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${local.ses_segment_release_name}"
  contact_list_arn         = "arn:${local.partition}:ses:${local.region}:${local.account}:contact-list/${local.contact_list_name}"
  import_jobs_arn          = "arn:${local.partition}:ses:${local.region}:${local.account}:import-job/*"

  export_objects  = "${var.data_bucket_arn}/${var.export_prefix}*"
  train_objects   = "${var.data_bucket_arn}/${var.train_prefix}*"
  topics_objects  = "${var.data_bucket_arn}/${var.ses_prefix}topics/*"
  imports_objects = "${var.data_bucket_arn}/${var.ses_prefix}imports/*"
  locks_objects   = "${var.data_bucket_arn}/${var.ses_prefix}locks/*"
  kms_statements  = var.kms_key_arn == null ? [] : [var.kms_key_arn]

  asl_vars = {
    ses_segment_topic_arn    = module.ses_segment_topic.function_arn
    ses_segment_contacts_arn = module.ses_segment_contacts.function_arn
    ses_segment_commit_arn   = module.ses_segment_commit.function_arn
    ses_segment_release_arn  = module.ses_segment_release.function_arn
    notification_topic_arn   = var.notification_topic_arn
    poll_seconds             = tostring(var.poll_seconds)
    max_polls                = tostring(var.max_polls)
  }
}

# ------------------------------------------------------------------------------------------------ functions
# Each function, its log group and role come from the shared Lambda function module; the function's own statements
# (data.aws_iam_policy_document.<function> in iam.tf) go into the role's policy next to Logs and X-Ray.
module "ses_segment_topic" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  function             = "ses_segment_topic"
  description          = "SES destination: ensure the contact list and the segment's topic (20-topic limit: replace the oldest of ours)"
  role_description     = "SES destination topic function"
  lambda_package_dir   = var.lambda_package_dir
  powertools_layer_arn = var.powertools_layer_arn
  timeout              = 60
  memory_size          = 256
  environment = {
    CONTACT_LIST_NAME            = local.contact_list_name
    CREATE_CONTACT_LIST          = tostring(var.create_contact_list)
    LOCK_TTL_SECONDS             = tostring(var.lock_ttl_seconds)
    EXPORT_PREFIX                = var.export_prefix
    SES_PREFIX                   = var.ses_prefix
    POWERTOOLS_SERVICE_NAME      = "ses-segment-topic"
    POWERTOOLS_METRICS_NAMESPACE = "ContextualTargeting/${var.name_prefix}"
    POWERTOOLS_LOG_LEVEL         = "INFO"
  }
  policy_name        = "ses_segment_topic"
  policy_json        = data.aws_iam_policy_document.ses_segment_topic.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

module "ses_segment_contacts" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  function             = "ses_segment_contacts"
  description          = "SES destination: join a segment export with the users dataset into SES contact-import CSVs"
  role_description     = "SES destination contacts function"
  lambda_package_dir   = var.lambda_package_dir
  powertools_layer_arn = var.powertools_layer_arn
  timeout              = 900
  memory_size          = var.contacts_memory_mb
  environment = {
    TRAIN_PREFIX                 = var.train_prefix
    MAX_CONTACTS_PER_IMPORT      = tostring(var.max_contacts_per_import)
    EXPORT_PREFIX                = var.export_prefix
    SES_PREFIX                   = var.ses_prefix
    POWERTOOLS_SERVICE_NAME      = "ses-segment-contacts"
    POWERTOOLS_METRICS_NAMESPACE = "ContextualTargeting/${var.name_prefix}"
    POWERTOOLS_LOG_LEVEL         = "INFO"
  }
  policy_name        = "ses_segment_contacts"
  policy_json        = data.aws_iam_policy_document.ses_segment_contacts.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

module "ses_segment_commit" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  function             = "ses_segment_commit"
  description          = "SES destination: after an import part completed, drop its leavers from the topic's membership snapshot"
  role_description     = "SES destination commit function"
  lambda_package_dir   = var.lambda_package_dir
  powertools_layer_arn = var.powertools_layer_arn
  timeout              = 900
  memory_size          = 512 # one part's leavers as 64-bit hashes (5M ids: ~45 MB); the snapshot is streamed
  environment = {
    SES_PREFIX                   = var.ses_prefix
    POWERTOOLS_SERVICE_NAME      = "ses-segment-commit"
    POWERTOOLS_METRICS_NAMESPACE = "ContextualTargeting/${var.name_prefix}"
    POWERTOOLS_LOG_LEVEL         = "INFO"
  }
  policy_name        = "ses_segment_commit"
  policy_json        = data.aws_iam_policy_document.ses_segment_commit.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

module "ses_segment_release" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  function             = "ses_segment_release"
  description          = "SES destination: release the contact list's lock if this execution holds it"
  role_description     = "SES destination release function"
  lambda_package_dir   = var.lambda_package_dir
  powertools_layer_arn = var.powertools_layer_arn
  timeout              = 30
  memory_size          = 128
  environment = {
    CONTACT_LIST_NAME            = local.contact_list_name
    SES_PREFIX                   = var.ses_prefix
    POWERTOOLS_SERVICE_NAME      = "ses-segment-release"
    POWERTOOLS_METRICS_NAMESPACE = "ContextualTargeting/${var.name_prefix}"
    POWERTOOLS_LOG_LEVEL         = "INFO"
  }
  policy_name        = "ses_segment_release"
  policy_json        = data.aws_iam_policy_document.ses_segment_release.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

# ------------------------------------------------------------------------------------------------ state machine
# Log group, state machine and role come from the shared state machine module; the workflow's own statements
# (data.aws_iam_policy_document.state_machine in iam.tf) go into the role's policy next to log delivery and X-Ray.
module "state_machine" {
  source = "../state_machine"

  name_prefix        = var.name_prefix
  alarm_topic_arn    = var.alarm_topic_arn
  name               = "ses-destination"
  definition         = jsonencode(jsondecode(templatefile("${path.module}/../../statemachines/ses_destination.asl.json", local.asl_vars)))
  role_description   = "SES destination state machine: functions, SES contact import jobs, membership snapshot, notifications"
  policy_name        = "ses-destination"
  policy_json        = data.aws_iam_policy_document.state_machine.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

# ------------------------------------------------------------------------------------------------ trigger
# S3 sends its events to the account's default bus. The pattern (one file shared with the tests and the local
# runtime) matches `<export_prefix>*.csv`: every segment export, never the job's `_summary.json`. The start
# function, its role, the rule, its target and the dead-letter queue come from the shared trigger module.
module "trigger" {
  source = "../workflow_trigger"

  name_prefix       = var.name_prefix
  alarm_topic_arn   = var.alarm_topic_arn
  name              = "ses-destination"
  description       = "Start the SES destination workflow once per segment export event (execution name from key + ETag)"
  role_description  = "SES destination start function: start the state machine"
  rule_description  = "Segment exports (CSV) in ${var.data_bucket_name}/${var.export_prefix}"
  state_machine_arn = local.state_machine_arn
  event_pattern = jsonencode(jsondecode(templatefile("${path.module}/event_patterns/segment_export.json", {
    bucket_name   = var.data_bucket_name
    export_prefix = var.export_prefix
  })))
  event_retry_attempts = var.event_retry_attempts
  lambda_package_dir   = var.lambda_package_dir
  log_retention_days   = var.log_retention_days
  kms_key_arn          = var.kms_key_arn
  tags                 = var.tags
}

