# The Connect destination: a segment export `<export_prefix><dataset group>/<job>/<segment>.csv` in the data bucket
# → EventBridge rule on the default bus → start function (execution named after key + ETag, so a duplicate event
# never imports twice) → state machine: prepare (lock, membership slot, version token) → join the export with the
# users dataset into upload CSVs (< 1 GB each) → per part CreateUploadJob, upload to the pre-signed URL,
# StartUploadJob, GetUploadJob polled to completion → replace the Customer Profiles segment definition (same name and
# ARN) → SNS notification with the segment definition's ARN.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region
  account   = data.aws_caller_identity.current.account_id

  state_machine_name            = "${var.name_prefix}-connect-destination"
  connect_segment_prepare_name  = "${var.name_prefix}-connect-segment-prepare"
  connect_segment_release_name  = "${var.name_prefix}-connect-segment-release"
  connect_segment_profiles_name = "${var.name_prefix}-connect-segment-profiles"
  connect_segment_upload_name   = "${var.name_prefix}-connect-segment-upload"
  # "" when no domain is named and none is created: the ARNs, environment and ASL below still render, and the plan
  # fails with the precondition of terraform_data.domain_named alone, saying what to set (a null added Terraform's
  # "Invalid template interpolation value" on domain_arn next to it).
  domain_name = var.create_domain ? coalesce(var.domain_name, "${var.name_prefix}-profiles") : (var.domain_name == null ? "" : var.domain_name)

  # Built from names (not resource references) so roles, functions and the state machine can refer to each other
  # without a dependency cycle.
  state_machine_arn            = "arn:${local.partition}:states:${local.region}:${local.account}:stateMachine:${local.state_machine_name}"
  connect_segment_prepare_arn  = "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${local.connect_segment_prepare_name}"
  connect_segment_release_arn  = "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${local.connect_segment_release_name}"
  connect_segment_profiles_arn = "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${local.connect_segment_profiles_name}"
  connect_segment_upload_arn   = "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${local.connect_segment_upload_name}"
  # Customer Profiles resources: the domain and what lives under it (segment definitions, upload jobs).
  domain_arn       = "arn:${local.partition}:profile:${local.region}:${local.account}:domains/${local.domain_name}"
  domain_resources = [local.domain_arn, "${local.domain_arn}/*"]

  export_objects  = "${var.data_bucket_arn}/${var.export_prefix}*"
  train_objects   = "${var.data_bucket_arn}/${var.train_prefix}*"
  uploads_objects = "${var.data_bucket_arn}/${var.connect_prefix}uploads/*"
  locks_objects   = "${var.data_bucket_arn}/${var.connect_prefix}locks/*"
  kms_statements  = var.kms_key_arn == null ? [] : [var.kms_key_arn]

  function_environment = {
    DOMAIN_NAME                  = local.domain_name
    FIELD_MAPPING                = jsonencode(var.field_mapping)
    USER_ID_FIELD                = var.user_id_field
    EXPORT_PREFIX                = var.export_prefix
    TRAIN_PREFIX                 = var.train_prefix
    CONNECT_PREFIX               = var.connect_prefix
    POWERTOOLS_METRICS_NAMESPACE = "ContextualTargeting/${var.name_prefix}"
    POWERTOOLS_LOG_LEVEL         = "INFO"
  }

  asl_vars = {
    connect_segment_prepare_arn  = module.connect_segment_prepare.function_arn
    connect_segment_release_arn  = module.connect_segment_release.function_arn
    connect_segment_profiles_arn = module.connect_segment_profiles.function_arn
    connect_segment_upload_arn   = module.connect_segment_upload.function_arn
    notification_topic_arn       = var.notification_topic_arn
    domain_name                  = local.domain_name
    poll_seconds                 = tostring(var.poll_seconds)
    max_polls                    = tostring(var.max_polls)
    data_expiry_days             = tostring(var.data_expiry_days)
  }
}

# ------------------------------------------------------------------------------------------------ the domain
# Optional: most accounts enable Customer Profiles with their Amazon Connect instance and pass its domain name.
resource "aws_customerprofiles_domain" "this" {
  count = var.create_domain ? 1 : 0

  domain_name             = local.domain_name
  default_expiration_days = var.domain_expiration_days
  default_encryption_key  = var.kms_key_arn
  tags                    = var.tags
}

resource "terraform_data" "domain_named" {
  lifecycle {
    precondition {
      condition     = var.create_domain || var.domain_name != null
      error_message = "connect destination: set customer_profiles_domain_name to your Customer Profiles domain (the one of your Amazon Connect instance), or set create_customer_profiles_domain = true."
    }
  }
}

# ------------------------------------------------------------------------------------------------ functions
# Each function, its log group and role come from the shared Lambda function module; the function's own statements
# (iam.tf) go into the role's policy next to Logs and X-Ray.
module "connect_segment_prepare" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  function             = "connect_segment_prepare"
  description          = "Connect destination: lock the segment definition, choose the membership slot and version"
  role_description     = "Connect destination prepare function"
  lambda_package_dir   = var.lambda_package_dir
  powertools_layer_arn = var.powertools_layer_arn
  timeout              = 60
  memory_size          = 256
  environment = merge(local.function_environment, {
    LOCK_TTL_SECONDS        = tostring(var.lock_ttl_seconds)
    POWERTOOLS_SERVICE_NAME = "connect-segment-prepare"
  })
  policy_name        = "connect_segment_prepare"
  policy_json        = data.aws_iam_policy_document.connect_segment_prepare.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

module "connect_segment_release" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  function             = "connect_segment_release"
  description          = "Connect destination: release the segment definition's lock if this execution holds it"
  role_description     = "Connect destination release function"
  lambda_package_dir   = var.lambda_package_dir
  powertools_layer_arn = var.powertools_layer_arn
  timeout              = 30
  memory_size          = 128
  environment = {
    CONNECT_PREFIX               = var.connect_prefix
    POWERTOOLS_SERVICE_NAME      = "connect-segment-release"
    POWERTOOLS_METRICS_NAMESPACE = "ContextualTargeting/${var.name_prefix}"
    POWERTOOLS_LOG_LEVEL         = "INFO"
  }
  policy_name        = "connect_segment_release"
  policy_json        = data.aws_iam_policy_document.connect_segment_release.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

module "connect_segment_profiles" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  function             = "connect_segment_profiles"
  description          = "Connect destination: join a segment export with the users dataset into profile upload CSVs"
  role_description     = "Connect destination profiles function"
  lambda_package_dir   = var.lambda_package_dir
  powertools_layer_arn = var.powertools_layer_arn
  timeout              = 900
  memory_size          = var.profiles_memory_mb
  environment = merge(local.function_environment, {
    MAX_UPLOAD_BYTES        = tostring(var.max_upload_bytes)
    POWERTOOLS_SERVICE_NAME = "connect-segment-profiles"
  })
  policy_name        = "connect_segment_profiles"
  policy_json        = data.aws_iam_policy_document.connect_segment_profiles.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

module "connect_segment_upload" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  function             = "connect_segment_upload"
  description          = "Connect destination: PUT one upload CSV to its Customer Profiles upload job's pre-signed URL"
  role_description     = "Connect destination upload function"
  lambda_package_dir   = var.lambda_package_dir
  powertools_layer_arn = var.powertools_layer_arn
  timeout              = 900
  memory_size          = 256
  environment = {
    POWERTOOLS_SERVICE_NAME      = "connect-segment-upload"
    POWERTOOLS_METRICS_NAMESPACE = "ContextualTargeting/${var.name_prefix}"
    POWERTOOLS_LOG_LEVEL         = "INFO"
  }
  policy_name        = "connect_segment_upload"
  policy_json        = data.aws_iam_policy_document.connect_segment_upload.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

# ------------------------------------------------------------------------------------------------ state machine
module "state_machine" {
  source = "../state_machine"

  name_prefix        = var.name_prefix
  alarm_topic_arn    = var.alarm_topic_arn
  name               = "connect-destination"
  definition         = jsonencode(jsondecode(templatefile("${path.module}/../../statemachines/connect_destination.asl.json", local.asl_vars)))
  role_description   = "Connect destination state machine: functions, Customer Profiles upload jobs and segment definitions, notifications"
  policy_name        = "connect-destination"
  policy_json        = data.aws_iam_policy_document.state_machine.json
  log_retention_days = var.log_retention_days
  tags               = var.tags

  # The domain must exist before an execution uses it.
  depends_on = [aws_customerprofiles_domain.this]
}

# ------------------------------------------------------------------------------------------------ trigger
# S3 sends its events to the account's default bus. The pattern (one file shared with the tests and the local
# runtime) matches `<export_prefix>*.csv`: every segment export, never the job's `_summary.json`.
module "trigger" {
  source = "../workflow_trigger"

  name_prefix       = var.name_prefix
  alarm_topic_arn   = var.alarm_topic_arn
  name              = "connect-destination"
  description       = "Start the Connect destination workflow once per segment export event (execution name from key + ETag)"
  role_description  = "Connect destination start function: start the state machine"
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
