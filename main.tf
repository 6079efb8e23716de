# Root module: composes the base modules (storage, events, the Pinpoint app) and the workflow modules.
# Workflow modules receive the values listed in DEVELOPERS.md, "Root module inputs for workflow modules".

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  project = "contextual-targeting"

  # Project tags first so a caller's var.tags can override them.
  tags = merge({ Project = local.project, NamePrefix = var.name_prefix }, var.tags)

  # Destination toggles, combined once.
  pinpoint_enabled    = contains(var.segment_destinations, "pinpoint")
  ses_enabled         = contains(var.segment_destinations, "ses")
  connect_enabled     = contains(var.segment_destinations, "connect")
  ses_prefix          = "ses/"
  ses_import_prefix   = "${local.ses_prefix}imports/" # what SES may read (storage bucket policy)
  create_pinpoint_app = local.pinpoint_enabled && var.pinpoint_application_id == null
  # null when Pinpoint is disabled; the given id; or the id of the app created below.
  pinpoint_application_id = local.pinpoint_enabled ? coalesce(var.pinpoint_application_id, one(aws_pinpoint_app.this[*].application_id)) : null

  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id

  pinpoint_application_arn = local.pinpoint_application_id == null ? null : "arn:${local.partition}:mobiletargeting:${local.region}:${local.account_id}:apps/${local.pinpoint_application_id}"

  # Powertools for AWS Lambda (Python) v3, python3.13 / arm64, published by AWS in every commercial and China
  # region (docs.powertools.aws.dev/lambda/python/latest/#lambda-layer). These are AWS's public publisher
  # accounts, not this deployment's; other partitions must set var.powertools_layer_arn.
  powertools_layer_publishers = { "aws" = "017000801446", "aws-cn" = "498634801083" }
  powertools_layer_version    = 27
  powertools_layer_arn = coalesce(
    var.powertools_layer_arn,
    "arn:${local.partition}:lambda:${local.region}:${lookup(local.powertools_layer_publishers, local.partition, local.powertools_layer_publishers["aws"])}:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:${local.powertools_layer_version}",
  )

  lambda_package_dir = coalesce(var.lambda_package_dir, "${path.module}/build")
}

module "storage" {
  source = "./modules/storage"

  name_prefix                       = var.name_prefix
  kms_key_arn                       = var.kms_key_arn
  batch_output_retention_days       = var.batch_output_retention_days
  force_destroy                     = var.force_destroy
  noncurrent_version_retention_days = var.noncurrent_version_retention_days
  ses_import_prefix                 = local.ses_enabled ? local.ses_import_prefix : null
  tags                              = local.tags
}

module "events" {
  source = "./modules/events"

  name_prefix                  = var.name_prefix
  kms_key_arn                  = var.kms_key_arn
  notification_emails          = var.notification_emails
  event_archive_retention_days = var.event_archive_retention_days
  tags                         = local.tags
}

module "dashboard" {
  source = "./modules/dashboard"
  count  = var.dashboard_enabled ? 1 : 0

  name_prefix = var.name_prefix
}

resource "aws_pinpoint_app" "this" {
  count = local.create_pinpoint_app ? 1 : 0

  name = var.name_prefix
  tags = local.tags
}

# Workflow modules: each receives the inputs listed in DEVELOPERS.md ("Root module inputs for workflow modules");
# destination modules exist (count = 1) when their destination is in var.segment_destinations.
module "training_workflow" {
  source = "./modules/training_workflow"

  name_prefix            = var.name_prefix
  tags                   = local.tags
  data_bucket_name       = module.storage.data_bucket_name
  data_bucket_arn        = module.storage.data_bucket_arn
  event_bus_name         = module.events.event_bus_name
  event_bus_arn          = module.events.event_bus_arn
  notification_topic_arn = module.events.notification_topic_arn
  alarm_topic_arn        = module.events.alarm_topic_arn
  kms_key_arn            = var.kms_key_arn
  log_retention_days     = var.log_retention_days
  powertools_layer_arn   = local.powertools_layer_arn
  lambda_package_dir     = local.lambda_package_dir
  schedule_expression    = var.training_schedule_expression
  schedule_config_key    = var.training_schedule_config_key
}

module "segment_postprocessing" {
  source = "./modules/segment_postprocessing"

  name_prefix            = var.name_prefix
  tags                   = local.tags
  data_bucket_name       = module.storage.data_bucket_name
  data_bucket_arn        = module.storage.data_bucket_arn
  event_bus_name         = module.events.event_bus_name
  notification_topic_arn = module.events.notification_topic_arn
  alarm_topic_arn        = module.events.alarm_topic_arn
  kms_key_arn            = var.kms_key_arn
  log_retention_days     = var.log_retention_days
  powertools_layer_arn   = local.powertools_layer_arn
  lambda_package_dir     = local.lambda_package_dir
}

module "pinpoint_import" {
  source = "./modules/pinpoint_import"
  count  = local.pinpoint_enabled ? 1 : 0

  name_prefix              = var.name_prefix
  tags                     = local.tags
  data_bucket_name         = module.storage.data_bucket_name
  data_bucket_arn          = module.storage.data_bucket_arn
  segment_bucket_name      = module.storage.segment_bucket_name
  segment_bucket_arn       = module.storage.segment_bucket_arn
  segment_import_prefix    = var.segment_import_prefix
  notification_topic_arn   = module.events.notification_topic_arn
  alarm_topic_arn          = module.events.alarm_topic_arn
  kms_key_arn              = var.kms_key_arn
  log_retention_days       = var.log_retention_days
  lambda_package_dir       = local.lambda_package_dir
  powertools_layer_arn     = local.powertools_layer_arn
  pinpoint_application_id  = local.pinpoint_application_id
  pinpoint_application_arn = local.pinpoint_application_arn
}

module "ses_destination" {
  source = "./modules/ses_destination"
  count  = local.ses_enabled ? 1 : 0

  name_prefix            = var.name_prefix
  tags                   = local.tags
  data_bucket_name       = module.storage.data_bucket_name
  data_bucket_arn        = module.storage.data_bucket_arn
  notification_topic_arn = module.events.notification_topic_arn
  alarm_topic_arn        = module.events.alarm_topic_arn
  kms_key_arn            = var.kms_key_arn
  log_retention_days     = var.log_retention_days
  lambda_package_dir     = local.lambda_package_dir
  powertools_layer_arn   = local.powertools_layer_arn
  contact_list_name      = var.ses_contact_list_name
  ses_prefix             = local.ses_prefix
}

module "connect_destination" {
  source = "./modules/connect_destination"
  count  = local.connect_enabled ? 1 : 0

  name_prefix            = var.name_prefix
  tags                   = local.tags
  data_bucket_name       = module.storage.data_bucket_name
  data_bucket_arn        = module.storage.data_bucket_arn
  notification_topic_arn = module.events.notification_topic_arn
  alarm_topic_arn        = module.events.alarm_topic_arn
  kms_key_arn            = var.kms_key_arn
  log_retention_days     = var.log_retention_days
  lambda_package_dir     = local.lambda_package_dir
  powertools_layer_arn   = local.powertools_layer_arn
  domain_name            = var.customer_profiles_domain_name
  create_domain          = var.create_customer_profiles_domain
  field_mapping          = var.connect_field_mapping
  data_expiry_days       = var.connect_data_expiry_days
}
