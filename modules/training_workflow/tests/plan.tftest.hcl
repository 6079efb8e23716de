# `terraform test` (command = plan: nothing is created). With a real AWS account it runs against the registry's
# hashicorp/aws; offline, against this repository's local provider (README, Validation):
#   make build && TF_CLI_CONFIG_FILE=<repo>/.cache/tf-mirror/terraformrc terraform init && terraform test

provider "aws" {
  region = "eu-west-1"
}

variables {
  name_prefix            = "ct-test"
  data_bucket_name       = "ct-test-data-123456789012-eu-west-1"
  data_bucket_arn        = "arn:aws:s3:::ct-test-data-123456789012-eu-west-1"
  event_bus_name         = "ct-test-bus"
  event_bus_arn          = "arn:aws:events:eu-west-1:123456789012:event-bus/ct-test-bus"
  notification_topic_arn = "arn:aws:sns:eu-west-1:123456789012:ct-test-notifications"
  alarm_topic_arn        = "arn:aws:sns:eu-west-1:123456789012:ct-test-alarms"
  powertools_layer_arn   = "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27"
  lambda_package_dir     = "../../build"
}

run "a_workflow_named_from_name_prefix_polling_within_its_timeouts" {
  command = plan

  assert {
    condition     = output.state_machine_name == "ct-test-training" && output.validate_function_name == "ct-test-validate-training-input" && output.start_function_name == "ct-test-training-start" && aws_iam_role.personalize.name == "ct-test-personalize"
    error_message = "State machine <name_prefix>-training, functions <name_prefix>-validate-training-input and <name_prefix>-training-start, Personalize role <name_prefix>-personalize."
  }

  assert {
    condition     = length(aws_scheduler_schedule.retrain) == 0 && length(aws_iam_role.scheduler) == 0 && output.schedule_arn == null
    error_message = "Without schedule_expression there is no schedule and no scheduler role."
  }

  assert {
    condition = (
      local.asl_vars.event_bus_name == "ct-test-bus" &&
      [local.asl_vars.resource_max_polls, local.asl_vars.import_max_polls, local.asl_vars.training_max_polls, local.asl_vars.batch_max_polls] == ["180", "180", "144", "120"]
    )
    error_message = "State changes go to the custom bus; the default timeouts (30 min, 3 h, 12 h, 4 h) at the default poll intervals (10, 60, 300, 120 s) are 180, 180, 144 and 120 polls."
  }

  assert {
    condition     = !contains(keys(local.validate_environment), "FULL_CHECK_MAX_MB") && local.validate_environment.POWERTOOLS_METRICS_NAMESPACE == "ContextualTargeting/ct-test"
    error_message = "Without validation_full_check_max_mb the function keeps its own default; it counts in ContextualTargeting/<name_prefix>."
  }
}

run "the_policies_are_scoped_to_the_bucket_prefixes_the_account_and_the_given_arns" {
  command = plan

  assert {
    condition = (
      jsondecode(data.aws_iam_policy_document.personalize_trust.json).Statement[0].Principal.Service == "personalize.amazonaws.com" &&
      jsondecode(data.aws_iam_policy_document.personalize_trust.json).Statement[0].Condition.StringEquals["aws:SourceAccount"] == data.aws_caller_identity.current.account_id
    )
    error_message = "Only Personalize acting for this account may assume the Personalize role."
  }

  assert {
    condition = (
      [for s in jsondecode(data.aws_iam_policy_document.personalize.json).Statement : toset(flatten([s.Resource])) if try(s.Sid, "") == "ReadTrainingDataAndBatchInput"] == [toset(["${var.data_bucket_arn}/train/*", "${var.data_bucket_arn}/batch/*"])] &&
      [for s in jsondecode(data.aws_iam_policy_document.personalize.json).Statement : s.Resource if contains(flatten([s.Action]), "s3:PutObject")] == ["${var.data_bucket_arn}/batch-output/*"] &&
      alltrue([for s in jsondecode(data.aws_iam_policy_document.validate_training_input.json).Statement : alltrue([for a in flatten([s.Action]) : contains(["s3:GetObject", "s3:ListBucket"], a)])])
    )
    error_message = "Personalize reads train/ and batch/ and writes batch-output/ only; the validate function only reads."
  }

  assert {
    condition = (
      [for s in jsondecode(data.aws_iam_policy_document.state_machine.json).Statement : [s.Resource, s.Condition.StringEquals["iam:PassedToService"]] if try(s.Sid, "") == "PassRoleToPersonalize"] ==
      [["arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/ct-test-personalize", "personalize.amazonaws.com"]] &&
      [for s in jsondecode(data.aws_iam_policy_document.state_machine.json).Statement : s.Resource if try(s.Sid, "") == "StateChangeEvents"] == [var.event_bus_arn] &&
      [for s in jsondecode(data.aws_iam_policy_document.state_machine.json).Statement : s.Resource if try(s.Sid, "") == "Notify"] == [var.notification_topic_arn]
    )
    error_message = "The state machine passes the Personalize role (to Personalize only), puts events on the given bus and publishes to the given topic."
  }

  assert {
    condition = alltrue([for s in jsondecode(data.aws_iam_policy_document.state_machine.json).Statement :
      s.Resource == "*" ? s.Action == "personalize:TagResource" : alltrue([for r in flatten([s.Resource]) : startswith(r, "arn:aws:personalize:eu-west-1:${data.aws_caller_identity.current.account_id}:") && endswith(r, "/*")])
    if anytrue([for a in flatten([s.Action]) : startswith(a, "personalize:")])])
    error_message = "Personalize permissions are scoped to this account, region and resource type; \"*\" only for personalize:TagResource (docs/iam-wildcards.md)."
  }

  assert {
    condition     = !anytrue([for doc in [data.aws_iam_policy_document.personalize.json, data.aws_iam_policy_document.validate_training_input.json, data.aws_iam_policy_document.state_machine.json] : strcontains(doc, "kms:")])
    error_message = "Without kms_key_arn no role gets a KMS permission."
  }
}

run "a_weekly_schedule_a_customer_key_and_a_full_check_limit" {
  command = plan

  variables {
    schedule_expression          = "cron(0 3 ? * MON *)"
    kms_key_arn                  = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    validation_full_check_max_mb = 512
  }

  assert {
    condition = (
      length(aws_scheduler_schedule.retrain) == 1 && aws_scheduler_schedule.retrain[0].name == "ct-test-training-retrain" &&
      aws_scheduler_schedule.retrain[0].schedule_expression == "cron(0 3 ? * MON *)" && aws_scheduler_schedule.retrain[0].schedule_expression_timezone == "UTC" &&
      aws_iam_role.scheduler[0].name == "ct-test-training-schedule" &&
      jsondecode(data.aws_iam_policy_document.scheduler_trust[0].json).Statement[0].Principal.Service == "scheduler.amazonaws.com"
    )
    error_message = "schedule_expression adds the schedule <name_prefix>-training-retrain and its role <name_prefix>-training-schedule, assumed by EventBridge Scheduler."
  }

  assert {
    condition = (
      jsondecode(one(aws_scheduler_schedule.retrain[0].target).input).detail.bucket.name == var.data_bucket_name &&
      jsondecode(one(aws_scheduler_schedule.retrain[0].target).input).detail.object.key == "train/bingewatch/config.json" &&
      jsondecode(one(aws_scheduler_schedule.retrain[0].target).input).source == "aws.s3"
    )
    error_message = "The schedule sends the start function the S3 event of schedule_config_key, as an upload would."
  }

  assert {
    condition = (
      [for s in jsondecode(data.aws_iam_policy_document.personalize.json).Statement : [s.Resource, s.Condition.StringEquals["kms:ViaService"]] if try(s.Sid, "") == "BucketEncryption"] == [[var.kms_key_arn, "s3.eu-west-1.amazonaws.com"]] &&
      [for s in jsondecode(data.aws_iam_policy_document.validate_training_input.json).Statement : [s.Action, s.Resource] if try(s.Sid, "") == "DecryptTrainingInput"] == [["kms:Decrypt", var.kms_key_arn]]
    )
    error_message = "With kms_key_arn Personalize may use the key through S3, the validate function may only decrypt."
  }

  assert {
    condition     = [for s in jsondecode(data.aws_iam_policy_document.state_machine.json).Statement : toset(s.Condition.StringEquals["kms:ViaService"]) if try(s.Sid, "") == "EncryptNotificationsEventsAndLock"] == [toset(["sns.eu-west-1.amazonaws.com", "events.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com"])]
    error_message = "The state machine may use the key through SNS, EventBridge and S3 only."
  }

  assert {
    condition     = local.validate_environment.FULL_CHECK_MAX_MB == "512"
    error_message = "validation_full_check_max_mb reaches the validate function."
  }
}

run "bad_inputs_are_refused" {
  command = plan

  variables {
    schedule_expression   = "every monday"
    schedule_config_key   = "configs/bingewatch.json"
    resource_poll_seconds = 0
    event_bus_arn         = "ct-test-bus"
  }

  expect_failures = [var.schedule_expression, var.schedule_config_key, var.resource_poll_seconds, var.event_bus_arn]
}
