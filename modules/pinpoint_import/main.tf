# The Pinpoint destination, a peer of the SES and Connect destinations: S3 Object Created events on the default bus
# → rule → start function (execution named after key + ETag, so a duplicate event never runs twice) → one state
# machine with two entries:
# - a segment export `<export_prefix><dataset group>/<job>/<segment>.csv` in the data bucket: chunk the export →
#   Distributed Map (resolve each chunk to Pinpoint endpoint ids, one import part per chunk) → completion object
#   `<segment_import_prefix>segments/<segment>.ready.json` written last, whose own event starts the second entry;
# - a completion object or an endpoint file a user uploads under the import prefix of the segment bucket: prepare →
#   CreateImportJob (new segment, or a new version of the segment with that name) → Wait/GetImportJob loop bounded
#   by max_polls → SNS notification.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region
  account   = data.aws_caller_identity.current.account_id

  state_machine_name = "${var.name_prefix}-pinpoint-import"
  function_names = {
    chunk   = "${var.name_prefix}-pinpoint-chunk-export"
    resolve = "${var.name_prefix}-pinpoint-resolve-endpoints"
    ready   = "${var.name_prefix}-pinpoint-segment-ready"
    prepare = "${var.name_prefix}-pinpoint-import-prepare"
  }

  # Built from names (not resource references) so roles, functions and the state machine can refer to each other
  # without a dependency cycle.
  state_machine_arn = "arn:${local.partition}:states:${local.region}:${local.account}:stateMachine:${local.state_machine_name}"
  # Child executions of the Distributed Map: arn:…:execution:<state machine>/<map run label>:<id>
  map_executions_arn = "arn:${local.partition}:states:${local.region}:${local.account}:execution:${local.state_machine_name}/*"
  function_arns      = { for key, name in local.function_names : key => "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${name}" }

  work_prefix        = "work/pinpoint/" # scratch of the data bucket (its work/ lifecycle rule expires it)
  export_objects     = "${var.data_bucket_arn}/${var.export_prefix}*"
  work_objects       = "${var.data_bucket_arn}/${local.work_prefix}*"
  import_objects_arn = "${var.segment_bucket_arn}/${var.segment_import_prefix}*"
  segment_objects    = "${var.segment_bucket_arn}/${var.segment_import_prefix}segments/*"
  completion_objects = "${var.segment_bucket_arn}/${var.segment_import_prefix}segments/*.ready.json"
  app_resource_arns  = [var.pinpoint_application_arn, "${var.pinpoint_application_arn}/*"]
  kms_statements     = var.kms_key_arn == null ? [] : [var.kms_key_arn]

  powertools_env = {
    POWERTOOLS_SERVICE_NAME      = "pinpoint-import"
    POWERTOOLS_METRICS_NAMESPACE = "ContextualTargeting/${var.name_prefix}"
    POWERTOOLS_LOG_LEVEL         = "INFO"
  }

  asl_vars = {
    data_bucket_name               = var.data_bucket_name
    max_concurrency                = tostring(var.max_concurrency)
    pinpoint_chunk_export_arn      = module.pinpoint_chunk_export.function_arn
    pinpoint_resolve_endpoints_arn = module.pinpoint_resolve_endpoints.function_arn
    pinpoint_segment_ready_arn     = module.pinpoint_segment_ready.function_arn
    pinpoint_import_prepare_arn    = module.pinpoint_import_prepare.function_arn
    application_id                 = var.pinpoint_application_id
    import_role_arn                = aws_iam_role.import.arn
    notification_topic_arn         = var.notification_topic_arn
    poll_seconds                   = tostring(var.poll_seconds)
    max_polls                      = tostring(var.max_polls)
    notify_on_start                = tostring(var.notify_on_start)
  }
}

# ------------------------------------------------------------------------------------------------ functions
# Each function, its log group and role come from the shared Lambda function module; the function's own statements
# (data.aws_iam_policy_document.chunk / .resolve / .ready / .prepare in iam.tf) go into the role's policy next to
# Logs and X-Ray.
module "pinpoint_chunk_export" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  function             = "pinpoint_chunk_export"
  description          = "Pinpoint import workflow: cut a segment export into chunk files and a manifest for the Distributed Map"
  role_description     = "Pinpoint chunk function: read segment exports, write chunks and a manifest under work/pinpoint/"
  lambda_package_dir   = var.lambda_package_dir
  powertools_layer_arn = var.powertools_layer_arn
  # A 5M-user export streams into 100 chunks in well under the limit.
  timeout     = 900
  memory_size = 512
  environment = merge(local.powertools_env, {
    EXPORT_PREFIX = var.export_prefix
    IMPORT_PREFIX = var.segment_import_prefix
    WORK_PREFIX   = local.work_prefix
    CHUNK_SIZE    = tostring(var.chunk_size)
  })
  policy_name        = "pinpoint_chunk_export"
  policy_json        = data.aws_iam_policy_document.pinpoint_chunk_export.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

module "pinpoint_resolve_endpoints" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  function             = "pinpoint_resolve_endpoints"
  description          = "Pinpoint import workflow: resolve one chunk of user ids to Pinpoint endpoint ids (GetUserEndpoints)"
  role_description     = "Pinpoint resolve function: GetUserEndpoints, write Pinpoint import parts"
  lambda_package_dir   = var.lambda_package_dir
  powertools_layer_arn = var.powertools_layer_arn
  # A chunk of chunk_size users at resolve_concurrency calls in flight; ResolveTimeout is raised 20 s before the limit.
  timeout     = 900
  memory_size = 512
  environment = merge(local.powertools_env, {
    SEGMENT_BUCKET          = var.segment_bucket_name
    PINPOINT_APPLICATION_ID = var.pinpoint_application_id
    CHANNEL_TYPE            = var.channel_type
    CONCURRENCY             = tostring(var.resolve_concurrency)
  })
  policy_name        = "pinpoint_resolve_endpoints"
  policy_json        = data.aws_iam_policy_document.pinpoint_resolve_endpoints.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

module "pinpoint_segment_ready" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  function             = "pinpoint_segment_ready"
  description          = "Pinpoint import workflow: sum a resolution's chunk stats, write the segment's completion object last"
  role_description     = "Pinpoint ready function: read chunk stats, clean stale parts, write completion objects"
  lambda_package_dir   = var.lambda_package_dir
  powertools_layer_arn = var.powertools_layer_arn
  timeout              = 300
  memory_size          = 256
  environment = merge(local.powertools_env, {
    SEGMENT_BUCKET = var.segment_bucket_name
    IMPORT_PREFIX  = var.segment_import_prefix
    WORK_PREFIX    = local.work_prefix
  })
  policy_name        = "pinpoint_segment_ready"
  policy_json        = data.aws_iam_policy_document.pinpoint_segment_ready.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

module "pinpoint_import_prepare" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  function             = "pinpoint_import_prepare"
  description          = "Pinpoint import workflow: decide what to import for an S3 object and find the segment with that name"
  role_description     = "Pinpoint import prepare function: read completion objects, list the app's segments"
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
  policy_name        = "pinpoint_import_prepare"
  policy_json        = data.aws_iam_policy_document.pinpoint_import_prepare.json
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
  name               = "pinpoint-import"
  definition         = jsonencode(jsondecode(templatefile("${path.module}/../../statemachines/pinpoint_import.asl.json", local.asl_vars)))
  role_description   = "Pinpoint import state machine: chunk, Distributed Map resolution, prepare, Pinpoint import jobs, notifications"
  policy_name        = "pinpoint-import"
  policy_json        = data.aws_iam_policy_document.state_machine.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

# ------------------------------------------------------------------------------------------------ trigger
# S3 sends its events to the account's default bus. The pattern (one file shared with the tests) matches segment
# exports in the data bucket (as the SES and Connect destinations do), `<prefix>segments/*.ready.json` completion
# objects and, for endpoint files, anything but `<prefix>segments/*` in the segment bucket: never a segment part.
# EventBridge cannot AND two conditions on one key, so the prepare function ignores keys outside the prefix or
# without a .csv/.json extension, and the chunk function ignores the job summary. The start function, its role, the rule, its target and the
# dead-letter queue come from the shared trigger module.
module "trigger" {
  source = "../workflow_trigger"

  name_prefix       = var.name_prefix
  alarm_topic_arn   = var.alarm_topic_arn
  name              = "pinpoint-import"
  description       = "Start the Pinpoint import workflow once per S3 event (execution name from key + ETag)"
  role_description  = "Pinpoint import start function: start the Pinpoint import state machine"
  rule_description  = "Segment exports in ${var.data_bucket_name}/${var.export_prefix}, Pinpoint endpoint files and completion objects in ${var.segment_bucket_name}/${var.segment_import_prefix}"
  state_machine_arn = local.state_machine_arn
  event_pattern = jsonencode(jsondecode(templatefile("${path.module}/event_patterns/segment_import.json", {
    data_bucket_name = var.data_bucket_name
    export_prefix    = var.export_prefix
    bucket_name      = var.segment_bucket_name
    import_prefix    = var.segment_import_prefix
  })))
  event_retry_attempts = var.event_retry_attempts
  lambda_package_dir   = var.lambda_package_dir
  log_retention_days   = var.log_retention_days
  kms_key_arn          = var.kms_key_arn
  tags                 = var.tags
}

