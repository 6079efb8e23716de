# The segment post-processing workflow: an ACTIVE batch segment job state change on the custom bus → rule → start
# function (execution named after job ARN + status, so a duplicate event never processes twice) → state machine:
# DescribeBatchSegmentJob → split (stream every .out object into exports, chunk files, a chunk manifest) →
# Distributed Map over the manifest (resolve each chunk to Pinpoint endpoint ids, one part CSV per chunk; only when
# Pinpoint is on) → finalize (completion object per segment written last, job summary) → SNS.

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
    resolve  = "${var.name_prefix}-resolve-endpoints"
    finalize = "${var.name_prefix}-finalize-segments"
  }
  # Functions this deployment creates (no resolve function when Pinpoint is off).
  functions = { for key, name in local.function_names : key => name if key != "resolve" || var.pinpoint_enabled }

  # Built from names (not resource references) so roles, functions and the state machine can refer to each other
  # without a dependency cycle.
  state_machine_arn = "arn:${local.partition}:states:${local.region}:${local.account}:stateMachine:${local.state_machine_name}"
  # Child executions of the Distributed Map: arn:…:execution:<state machine>/<map run label>:<id>
  map_executions_arn = "arn:${local.partition}:states:${local.region}:${local.account}:execution:${local.state_machine_name}/*"
  function_arns      = { for key, name in local.function_names : key => "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${name}" }
  job_arn_pattern    = "arn:${local.partition}:personalize:${local.region}:${local.account}:batch-segment-job/*"

  batch_objects     = "${var.data_bucket_arn}/batch/*"
  export_objects    = "${var.data_bucket_arn}/segments/*"
  scratch_objects   = "${var.data_bucket_arn}/work/*"
  segment_objects   = "${var.segment_bucket_arn}/${var.segment_import_prefix}segments/*"
  app_resource_arns = var.pinpoint_enabled ? [var.pinpoint_application_arn, "${var.pinpoint_application_arn}/*"] : []
  kms_statements    = var.kms_key_arn == null ? [] : [var.kms_key_arn]

  lambda_runtime      = "python3.13"
  lambda_architecture = "arm64"

  asl_vars = {
    pinpoint_enabled       = tostring(var.pinpoint_enabled)
    max_concurrency        = tostring(var.max_concurrency)
    split_function_arn     = local.function_arns.split
    resolve_function_arn   = local.function_arns.resolve # never reached when Pinpoint is off
    finalize_function_arn  = local.function_arns.finalize
    notification_topic_arn = var.notification_topic_arn
  }

  powertools_env = {
    POWERTOOLS_SERVICE_NAME      = "segment-postprocessing"
    POWERTOOLS_METRICS_NAMESPACE = "ContextualTargeting/${var.name_prefix}"
    POWERTOOLS_LOG_LEVEL         = "INFO"
  }
}

check "pinpoint_inputs" {
  assert {
    condition     = !var.pinpoint_enabled || (var.pinpoint_application_id != null && var.pinpoint_application_arn != null)
    error_message = "pinpoint_application_id and pinpoint_application_arn are required when pinpoint_enabled is true."
  }
}

# ------------------------------------------------------------------------------------------------ functions
resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_158:Log groups use CloudWatch Logs' default encryption: the project key's policy does not grant the logs service, and the functions never log user data (keys, names and counts only).
  #checkov:skip=CKV_AWS_338:Retention is the deployment's log_retention_days (default 30), chosen by the operator; a year minimum would only add cost for operational logs.
  for_each = local.functions

  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_lambda_function" "split" {
  #checkov:skip=CKV_AWS_117:No VPC: the function only calls public AWS APIs (S3); a VPC would add NAT or endpoints for nothing.
  #checkov:skip=CKV_AWS_116:Invoked synchronously by Step Functions, which retries and catches failures: an async dead-letter queue would never receive anything.
  #checkov:skip=CKV_AWS_115:One invocation per job; reserving concurrency would take capacity from the account pool.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile per deployment; the zips are reproducible builds checked in CI (make build, tests/test_build.py).
  #checkov:skip=CKV_AWS_173:The environment holds bucket names, a prefix and a chunk size, no secret; Lambda encrypts it at rest with the AWS managed key.
  function_name    = local.function_names.split
  description      = "Segment post-processing: stream batch segment job output into exports, chunk files and a chunk manifest"
  role             = aws_iam_role.function["split"].arn
  runtime          = local.lambda_runtime
  architectures    = [local.lambda_architecture]
  handler          = "handler.lambda_handler"
  filename         = "${var.lambda_package_dir}/split_segments.zip"
  source_code_hash = filebase64sha256("${var.lambda_package_dir}/split_segments.zip")
  layers           = [var.powertools_layer_arn]
  # 10 segments x 5M users stream in well under a minute; the function raises SplitTimeout 30 s before the limit.
  timeout     = 900
  memory_size = 1024

  environment {
    variables = merge(local.powertools_env, {
      DATA_BUCKET           = var.data_bucket_name
      SEGMENT_IMPORT_PREFIX = var.segment_import_prefix
      CHUNK_SIZE            = tostring(var.chunk_size)
    })
  }

  tracing_config {
    mode = "Active"
  }

  tags = var.tags

  # The log group exists with its retention before the first invocation could create it without one; the role
  # can write logs and read/write S3 before the function runs.
  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.function]
}

resource "aws_lambda_function" "resolve" {
  #checkov:skip=CKV_AWS_117:No VPC: the function only calls public AWS APIs (S3, Pinpoint).
  #checkov:skip=CKV_AWS_116:Invoked synchronously by Step Functions (Distributed Map), which retries and catches failures.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded by the Map's max_concurrency; reserving it would take capacity from the account pool.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile per deployment; the zips are reproducible builds checked in CI.
  #checkov:skip=CKV_AWS_173:The environment holds an application id, a bucket name and tunables, no secret.
  count = var.pinpoint_enabled ? 1 : 0

  function_name    = local.function_names.resolve
  description      = "Segment post-processing: resolve one chunk of user ids to Pinpoint endpoint ids (GetUserEndpoints)"
  role             = aws_iam_role.function["resolve"].arn
  runtime          = local.lambda_runtime
  architectures    = [local.lambda_architecture]
  handler          = "handler.lambda_handler"
  filename         = "${var.lambda_package_dir}/resolve_endpoints.zip"
  source_code_hash = filebase64sha256("${var.lambda_package_dir}/resolve_endpoints.zip")
  layers           = [var.powertools_layer_arn]
  # A chunk of chunk_size users at resolve_concurrency calls in flight; ResolveTimeout is raised 20 s before the limit.
  timeout     = 900
  memory_size = 512

  environment {
    variables = merge(local.powertools_env, {
      SEGMENT_BUCKET          = var.segment_bucket_name
      PINPOINT_APPLICATION_ID = var.pinpoint_application_id
      CHANNEL_TYPE            = var.channel_type
      CONCURRENCY             = tostring(var.resolve_concurrency)
    })
  }

  tracing_config {
    mode = "Active"
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.function]
}

resource "aws_lambda_function" "finalize" {
  #checkov:skip=CKV_AWS_117:No VPC: the function only calls public AWS APIs (S3).
  #checkov:skip=CKV_AWS_116:Invoked synchronously by Step Functions, which retries and catches failures.
  #checkov:skip=CKV_AWS_115:One invocation per job; reserving concurrency would take capacity from the account pool.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile per deployment; the zips are reproducible builds checked in CI.
  #checkov:skip=CKV_AWS_173:The environment holds bucket names and a prefix, no secret.
  function_name    = local.function_names.finalize
  description      = "Segment post-processing: completion object per segment (written last), job summary, notification text"
  role             = aws_iam_role.function["finalize"].arn
  runtime          = local.lambda_runtime
  architectures    = [local.lambda_architecture]
  handler          = "handler.lambda_handler"
  filename         = "${var.lambda_package_dir}/finalize_segments.zip"
  source_code_hash = filebase64sha256("${var.lambda_package_dir}/finalize_segments.zip")
  layers           = [var.powertools_layer_arn]
  timeout          = 300
  memory_size      = 256

  environment {
    variables = merge(local.powertools_env, {
      DATA_BUCKET           = var.data_bucket_name
      SEGMENT_BUCKET        = var.pinpoint_enabled ? var.segment_bucket_name : ""
      SEGMENT_IMPORT_PREFIX = var.segment_import_prefix
    })
  }

  tracing_config {
    mode = "Active"
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.function]
}

# ------------------------------------------------------------------------------------------------ state machine
# Log group, state machine and role come from the shared state machine module; the workflow's own statements
# (data.aws_iam_policy_document.state_machine in iam.tf) go into the role's policy next to log delivery and X-Ray.
module "state_machine" {
  source = "../state_machine"

  name_prefix        = var.name_prefix
  name               = "segment-postprocessing"
  definition         = jsonencode(jsondecode(templatefile("${path.module}/../../statemachines/segment_postprocessing.asl.json", local.asl_vars)))
  role_description   = "Segment post-processing state machine: describe the job, run the functions, Distributed Map, notifications"
  policy_name        = "segment-postprocessing"
  policy_json        = data.aws_iam_policy_document.state_machine.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

# These resources were declared here before the shared module existed: keep them, do not recreate them.
moved {
  from = aws_cloudwatch_log_group.state_machine
  to   = module.state_machine.aws_cloudwatch_log_group.this
}

moved {
  from = aws_sfn_state_machine.this
  to   = module.state_machine.aws_sfn_state_machine.this
}

moved {
  from = aws_iam_role.state_machine
  to   = module.state_machine.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.state_machine
  to   = module.state_machine.aws_iam_role_policy.this
}

# ------------------------------------------------------------------------------------------------ trigger
# The training workflow publishes MPE-shaped state changes on the custom bus; the pattern (one file shared with
# the local event router and the tests) matches ACTIVE batch segment jobs of this account and region. The start
# function, its role, the rule, its target and the dead-letter queue come from the shared trigger module.
module "trigger" {
  source = "../workflow_trigger"

  name_prefix       = var.name_prefix
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

# The trigger's resources were declared here before the shared module existed: keep them, do not recreate them.
moved {
  from = aws_cloudwatch_log_group.function["start"]
  to   = module.trigger.aws_cloudwatch_log_group.start
}

moved {
  from = aws_lambda_function.start
  to   = module.trigger.aws_lambda_function.start
}

moved {
  from = aws_lambda_function_event_invoke_config.start
  to   = module.trigger.aws_lambda_function_event_invoke_config.start
}

moved {
  from = aws_sqs_queue.dlq
  to   = module.trigger.aws_sqs_queue.dlq
}

moved {
  from = aws_sqs_queue_policy.dlq
  to   = module.trigger.aws_sqs_queue_policy.dlq
}

moved {
  from = aws_iam_role.function["start"]
  to   = module.trigger.aws_iam_role.start
}

moved {
  from = aws_iam_role_policy.function["start"]
  to   = module.trigger.aws_iam_role_policy.start
}

moved {
  from = aws_cloudwatch_event_rule.job_finished
  to   = module.trigger.aws_cloudwatch_event_rule.this
}

moved {
  from = aws_cloudwatch_event_target.start
  to   = module.trigger.aws_cloudwatch_event_target.start
}

moved {
  from = aws_lambda_permission.events
  to   = module.trigger.aws_lambda_permission.events
}
