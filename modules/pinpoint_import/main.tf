# The S3-triggered Pinpoint import workflow: an endpoint file or a segment folder's completion object in the segment
# import bucket → EventBridge rule on the default bus → start function (execution named after key + ETag, so a
# duplicate event never imports twice) → state machine: prepare → CreateImportJob (new segment, or a new version of
# the segment with that name) → Wait/GetImportJob loop bounded by max_polls → SNS notification.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region
  account   = data.aws_caller_identity.current.account_id

  state_machine_name = "${var.name_prefix}-segment-import"
  prepare_name       = "${var.name_prefix}-pinpoint-import-prepare"

  # Built from names (not resource references) so roles, functions and the state machine can refer to each other
  # without a dependency cycle.
  state_machine_arn = "arn:${local.partition}:states:${local.region}:${local.account}:stateMachine:${local.state_machine_name}"
  prepare_arn       = "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${local.prepare_name}"

  import_objects_arn = "${var.segment_bucket_arn}/${var.segment_import_prefix}*"
  completion_objects = "${var.segment_bucket_arn}/${var.segment_import_prefix}segments/*.ready.json"
  app_resource_arns  = [var.pinpoint_application_arn, "${var.pinpoint_application_arn}/*"]
  kms_statements     = var.kms_key_arn == null ? [] : [var.kms_key_arn]

  asl_vars = {
    prepare_function_arn   = module.prepare.function_arn
    application_id         = var.pinpoint_application_id
    import_role_arn        = aws_iam_role.import.arn
    notification_topic_arn = var.notification_topic_arn
    poll_seconds           = tostring(var.poll_seconds)
    max_polls              = tostring(var.max_polls)
    notify_on_start        = tostring(var.notify_on_start)
  }
}

# ------------------------------------------------------------------------------------------------ functions
# The function, its log group and role come from the shared Lambda function module; the function's own statements
# (data.aws_iam_policy_document.prepare in iam.tf) go into the role's policy next to Logs and X-Ray.
module "prepare" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  name                 = "pinpoint-import-prepare"
  description          = "Pinpoint import workflow: decide what to import for an S3 object and find the segment with that name"
  role_description     = "Pinpoint import prepare function: read completion objects, list the app's segments"
  zip_name             = "pinpoint_import_prepare"
  lambda_package_dir   = var.lambda_package_dir
  powertools_layer_arn = var.powertools_layer_arn
  timeout              = 60
  memory_size          = 256
  environment = {
    APPLICATION_ID               = var.pinpoint_application_id
    IMPORT_PREFIX                = var.segment_import_prefix
    POWERTOOLS_SERVICE_NAME      = "pinpoint-import-prepare"
    POWERTOOLS_METRICS_NAMESPACE = "ContextualTargeting/${var.name_prefix}"
    POWERTOOLS_LOG_LEVEL         = "INFO"
  }
  policy_name        = "prepare"
  policy_json        = data.aws_iam_policy_document.prepare.json
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
  name               = "segment-import"
  definition         = jsonencode(jsondecode(templatefile("${path.module}/../../statemachines/segment_import.asl.json", local.asl_vars)))
  role_description   = "Segment import state machine: prepare, Pinpoint import jobs, notifications"
  policy_name        = "segment-import"
  policy_json        = data.aws_iam_policy_document.state_machine.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

# ------------------------------------------------------------------------------------------------ trigger
# S3 sends its events to the account's default bus. The pattern (one file shared with the tests) matches
# `<prefix>segments/*.ready.json` completion objects and, for endpoint files, anything but `<prefix>segments/*`:
# never a segment part. EventBridge cannot AND two conditions on one key, so the prepare function ignores keys
# outside the prefix or without a .csv/.json extension. The start function, its role, the rule, its target and the
# dead-letter queue come from the shared trigger module.
module "trigger" {
  source = "../workflow_trigger"

  name_prefix       = var.name_prefix
  alarm_topic_arn   = var.alarm_topic_arn
  name              = "pinpoint-import"
  description       = "Start the Pinpoint import workflow once per S3 event (execution name from key + ETag)"
  role_description  = "Pinpoint import start function: start the segment import state machine"
  rule_description  = "Pinpoint endpoint files and segment completion objects in ${var.segment_bucket_name}/${var.segment_import_prefix}"
  state_machine_arn = local.state_machine_arn
  event_pattern = jsonencode(jsondecode(templatefile("${path.module}/event_patterns/segment_import.json", {
    bucket_name   = var.segment_bucket_name
    import_prefix = var.segment_import_prefix
  })))
  event_retry_attempts = var.event_retry_attempts
  lambda_package_dir   = var.lambda_package_dir
  log_retention_days   = var.log_retention_days
  kms_key_arn          = var.kms_key_arn
  tags                 = var.tags
}

