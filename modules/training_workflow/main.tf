# The training workflow: `train/<dataset group>/config.json` uploaded to the data bucket → EventBridge rule on the
# default bus → start function (execution named after key + version/ETag, so a duplicate event never trains twice)
# → state machine: validate (Lambda) → dataset group → schemas, datasets, import jobs → solution → solution version
# → batch segment jobs, each Personalize resource polled with bounded Wait/Describe/Choice loops, state changes put
# on the custom bus, SNS notifications on success and failure. An optional schedule re-runs it.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region
  account   = data.aws_caller_identity.current.account_id

  state_machine_name           = "${var.name_prefix}-training"
  validate_training_input_name = "${var.name_prefix}-validate-training-input"
  config_prefix                = "train/"

  # Built from names (not resource references) so roles, functions and the state machine can refer to each other
  # without a dependency cycle.
  state_machine_arn           = "arn:${local.partition}:states:${local.region}:${local.account}:stateMachine:${local.state_machine_name}"
  validate_training_input_arn = "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${local.validate_training_input_name}"
  # The role Personalize assumes (aws_iam_role.personalize, path "/"): named here so that the state machine's policy
  # (iam:PassRole) does not wait for the role and is rendered at plan, where terraform test and the plan's IAM lint
  # read it.
  personalize_role_arn = "arn:${local.partition}:iam::${local.account}:role/${var.name_prefix}-personalize"
  # Executions of this state machine (arn:…:execution:<state machine>:<execution>): the training lock's holder.
  executions_arn = "arn:${local.partition}:states:${local.region}:${local.account}:execution:${local.state_machine_name}:*"

  kms_statements  = var.kms_key_arn == null ? [] : [var.kms_key_arn]
  create_schedule = var.schedule_expression != null

  asl_vars = {
    validate_training_input_arn = module.validate_training_input.function_arn
    personalize_role_arn        = aws_iam_role.personalize.arn
    event_bus_name              = var.event_bus_name
    notification_topic_arn      = var.notification_topic_arn
    partition                   = local.partition
    region                      = local.region
    account_id                  = local.account
    resource_poll_seconds       = tostring(var.resource_poll_seconds)
    resource_max_polls          = tostring(ceil(var.resource_timeout_minutes * 60 / var.resource_poll_seconds))
    import_poll_seconds         = tostring(var.import_poll_seconds)
    import_max_polls            = tostring(ceil(var.import_timeout_minutes * 60 / var.import_poll_seconds))
    training_poll_seconds       = tostring(var.training_poll_seconds)
    training_max_polls          = tostring(ceil(var.training_timeout_minutes * 60 / var.training_poll_seconds))
    batch_poll_seconds          = tostring(var.batch_poll_seconds)
    batch_max_polls             = tostring(ceil(var.batch_timeout_minutes * 60 / var.batch_poll_seconds))
  }

  validate_environment = merge(
    {
      POWERTOOLS_SERVICE_NAME      = "validate-training-input"
      POWERTOOLS_METRICS_NAMESPACE = "ContextualTargeting/${var.name_prefix}"
      POWERTOOLS_LOG_LEVEL         = "INFO"
    },
    var.validation_full_check_max_mb == null ? {} : { FULL_CHECK_MAX_MB = tostring(var.validation_full_check_max_mb) },
  )

  # What the schedule sends to the start function (template shared with the tests): the S3 event of the config
  # object, tagged with the scheduled time, so each run gets its own execution name and a retried delivery of one
  # run does not.
  scheduled_event = jsonencode(jsondecode(templatefile("${path.module}/scheduled_event.json", {
    account_id  = local.account
    region      = local.region
    bucket_arn  = var.data_bucket_arn
    bucket_name = var.data_bucket_name
    config_key  = var.schedule_config_key
  })))
}

# ------------------------------------------------------------------------------------------------ functions
# The function, its log group and role come from the shared Lambda function module; the function's own statements
# (data.aws_iam_policy_document.validate in iam.tf) go into the role's policy next to Logs and X-Ray.
module "validate_training_input" {
  source = "../lambda_function"

  name_prefix          = var.name_prefix
  alarm_topic_arn      = var.alarm_topic_arn
  function             = "validate_training_input"
  description          = "Training workflow: validate the uploaded config, CSVs and batch queries; return the training plan"
  role_description     = "Training validate function: read configs, CSVs and batch queries"
  lambda_package_dir   = var.lambda_package_dir
  powertools_layer_arn = var.powertools_layer_arn
  timeout              = 900
  memory_size          = 1024
  environment          = local.validate_environment
  policy_name          = "validate_training_input"
  policy_json          = data.aws_iam_policy_document.validate_training_input.json
  log_retention_days   = var.log_retention_days
  tags                 = var.tags
}

# ------------------------------------------------------------------------------------------------ state machine
# Log group, state machine and role come from the shared state machine module; the workflow's own statements
# (data.aws_iam_policy_document.state_machine in iam.tf) go into the role's policy next to log delivery and X-Ray.
module "state_machine" {
  source = "../state_machine"

  name_prefix        = var.name_prefix
  alarm_topic_arn    = var.alarm_topic_arn
  name               = "training"
  definition         = jsonencode(jsondecode(templatefile("${path.module}/../../statemachines/training_workflow.asl.json", local.asl_vars)))
  role_description   = "Training state machine: validate, Personalize resources and jobs, events, notifications"
  policy_name        = "training"
  policy_json        = data.aws_iam_policy_document.state_machine.json
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

# ------------------------------------------------------------------------------------------------ trigger
# S3 sends its events to the account's default bus. The pattern (one file shared with the tests) matches
# Object Created for `train/*.json` in the data bucket: uploading CSVs alone never starts training. The start
# function, its role, the rule, its target and the dead-letter queue come from the shared trigger module.
module "trigger" {
  source = "../workflow_trigger"

  name_prefix       = var.name_prefix
  alarm_topic_arn   = var.alarm_topic_arn
  name              = "training"
  description       = "Start the training workflow once per config upload (execution name from key + version/ETag)"
  role_description  = "Training start function: start the training state machine"
  rule_description  = "Training configs uploaded to ${var.data_bucket_name}/${local.config_prefix}"
  state_machine_arn = local.state_machine_arn
  event_pattern = jsonencode(jsondecode(templatefile("${path.module}/event_patterns/training_config.json", {
    bucket_name   = var.data_bucket_name
    config_prefix = local.config_prefix
  })))
  event_retry_attempts = var.event_retry_attempts
  lambda_package_dir   = var.lambda_package_dir
  log_retention_days   = var.log_retention_days
  kms_key_arn          = var.kms_key_arn
  tags                 = var.tags
}

# ------------------------------------------------------------------------------------------------ schedule
resource "aws_scheduler_schedule" "retrain" {
  #checkov:skip=CKV_AWS_297:The schedule holds a bucket name and a config key, no secret or user data; EventBridge Scheduler encrypts it with an AWS owned key.
  count = local.create_schedule ? 1 : 0

  name                         = "${var.name_prefix}-training-retrain"
  description                  = "Re-run training for s3://${var.data_bucket_name}/${var.schedule_config_key}"
  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = var.schedule_timezone

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = module.trigger.start_function_arn
    role_arn = aws_iam_role.scheduler[0].arn
    input    = local.scheduled_event

    retry_policy {
      maximum_event_age_in_seconds = 86400
      maximum_retry_attempts       = var.event_retry_attempts
    }

    dead_letter_config {
      arn = module.trigger.dlq_arn
    }
  }

  # The scheduler role may invoke the start function (checked on the first run, not at creation).
  depends_on = [aws_iam_role_policy.scheduler]
}
