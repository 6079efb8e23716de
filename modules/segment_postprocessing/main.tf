# The segment post-processing workflow, the one producer: an ACTIVE batch segment job state change on the custom bus
# → rule → start function (execution named after job ARN + status, so a duplicate event never processes twice) →
# state machine: DescribeBatchSegmentJob → split (stream every .out object into one export per segment) → finalize
# (job summary next to the exports) → SNS. It knows no destination: each destination module (pinpoint_import,
# ses_destination, connect_destination) starts from the export objects on its own.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region
  account   = data.aws_caller_identity.current.account_id

  state_machine_name = "${var.name_prefix}-segment-postprocessing"
  function_names = {
    split    = "${var.name_prefix}-split-segments"
    finalize = "${var.name_prefix}-finalize-segments"
  }

  # Built from names (not resource references) so roles, functions and the state machine can refer to each other
  # without a dependency cycle.
  state_machine_arn = "arn:${local.partition}:states:${local.region}:${local.account}:stateMachine:${local.state_machine_name}"
  function_arns     = { for key, name in local.function_names : key => "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${name}" }
  job_arn_pattern   = "arn:${local.partition}:personalize:${local.region}:${local.account}:batch-segment-job/*"

  batch_objects   = "${var.data_bucket_arn}/batch-output/*"
  export_objects  = "${var.data_bucket_arn}/segments/*"
  scratch_objects = "${var.data_bucket_arn}/work/*"
  kms_statements  = var.kms_key_arn == null ? [] : [var.kms_key_arn]

  asl_vars = {
    split_segments_arn     = local.function_arns.split
    finalize_segments_arn  = local.function_arns.finalize
    notification_topic_arn = var.notification_topic_arn
  }

  powertools_env = {
    POWERTOOLS_SERVICE_NAME      = "segment-postprocessing"
    POWERTOOLS_METRICS_NAMESPACE = "ContextualTargeting/${var.name_prefix}"
    POWERTOOLS_LOG_LEVEL         = "INFO"
  }
}

# ------------------------------------------------------------------------------------------------ functions
# Each function, its log group and role come from the shared Lambda function module; the function's own statements
# (data.aws_iam_policy_document.split / .finalize in iam.tf) go into the role's policy next to Logs and X-Ray.
module "split_segments" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  function             = "split_segments"
  description          = "Segment post-processing: stream batch segment job output into one export per segment"
  role_description     = "Segment post-processing split function: read job output, write exports and the line report"
  lambda_package_dir   = var.lambda_package_dir
  powertools_layer_arn = var.powertools_layer_arn
  # 10 segments x 5M users stream in well under a minute; the function raises SplitTimeout 30 s before the limit.
  timeout     = 900
  memory_size = 1024
  environment = merge(local.powertools_env, {
    DATA_BUCKET = var.data_bucket_name
  })
  policy_name        = "split_segments"
  policy_json        = data.aws_iam_policy_document.split_segments.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

module "finalize_segments" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  function             = "finalize_segments"
  description          = "Segment post-processing: job summary next to the exports, notification text"
  role_description     = "Segment post-processing finalize function: read the line report, write the job summary"
  lambda_package_dir   = var.lambda_package_dir
  powertools_layer_arn = var.powertools_layer_arn
  timeout              = 300
  memory_size          = 256
  environment = merge(local.powertools_env, {
    DATA_BUCKET = var.data_bucket_name
  })
  policy_name        = "finalize_segments"
  policy_json        = data.aws_iam_policy_document.finalize_segments.json
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
  name               = "segment-postprocessing"
  definition         = jsonencode(jsondecode(templatefile("${path.module}/../../statemachines/segment_postprocessing.asl.json", local.asl_vars)))
  role_description   = "Segment post-processing state machine: describe the job, run the functions, notifications"
  policy_name        = "segment-postprocessing"
  policy_json        = data.aws_iam_policy_document.state_machine.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

# ------------------------------------------------------------------------------------------------ trigger
# The training workflow publishes MPE-shaped state changes on the custom bus; the pattern (one file shared with
# the local event router and the tests) matches ACTIVE batch segment jobs of this account and region. The start
# function, its role, the rule, its target and the dead-letter queue come from the shared trigger module.
module "trigger" {
  source = "../workflow_trigger"

  name_prefix       = var.name_prefix
  alarm_topic_arn   = var.alarm_topic_arn
  name              = "segment-postprocessing"
  description       = "Start the segment post-processing workflow once per job event (execution name from job ARN + status)"
  role_description  = "Segment post-processing start function: start the state machine once per job event"
  rule_description  = "Personalize batch segment job ACTIVE → segment post-processing"
  state_machine_arn = local.state_machine_arn
  event_bus_name    = var.event_bus_name
  event_pattern = jsonencode(jsondecode(templatefile("${path.module}/event_patterns/batch_segment_job.json", {
    partition = local.partition
    region    = local.region
    account   = local.account
  })))
  event_retry_attempts = var.event_retry_attempts
  lambda_package_dir   = var.lambda_package_dir
  log_retention_days   = var.log_retention_days
  kms_key_arn          = var.kms_key_arn
  tags                 = var.tags
}

