# `terraform test` (command = plan: nothing is created). With a real AWS account it runs against the registry's
# hashicorp/aws; offline, against this repository's local provider (README, Validation):
#   make build && TF_CLI_CONFIG_FILE=<repo>/.cache/tf-mirror/terraformrc terraform init && terraform test
# The start function's policy and the queue's policy name the queue's and the log group's ARNs, so Terraform reads
# them during apply (data sources depending on resources with changes pending): a plan shows the trust policy.

provider "aws" {
  region = "eu-west-1"
}

variables {
  name_prefix        = "ct-test"
  name               = "training"
  description        = "Start the training workflow once per training config upload"
  role_description   = "Training start function"
  rule_description   = "Training configs in ct-test-data-123456789012-eu-west-1/train/"
  state_machine_arn  = "arn:aws:states:eu-west-1:123456789012:stateMachine:ct-test-training"
  event_pattern      = <<-EOT
    {
      "source": ["aws.s3"],
      "detail-type": ["Object Created"],
      "detail": {
        "bucket": {"name": ["ct-test-data-123456789012-eu-west-1"]},
        "object": {"key": [{"wildcard": "train/*/config.json"}]}
      }
    }
  EOT
  lambda_package_dir = "../../build"
  alarm_topic_arn    = "arn:aws:sns:eu-west-1:123456789012:ct-test-alarms"
  tags               = { team = "audiences" }
}

run "a_rule_on_the_default_bus_starts_the_one_state_machine" {
  command = plan

  assert {
    condition = (
      output.rule_name == "ct-test-training" && output.start_function_name == "ct-test-training-start" &&
      aws_iam_role.start.name == "ct-test-training-start" && output.start_log_group_name == "/aws/lambda/ct-test-training-start" &&
      aws_sqs_queue.dlq.name == "ct-test-training-dlq"
    )
    error_message = "Rule <name_prefix>-<name>, start function, role and log group <name_prefix>-<name>-start, queue <name_prefix>-<name>-dlq."
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.event_bus_name == null || aws_cloudwatch_event_rule.this.event_bus_name == "default"
    error_message = "Without event_bus_name the rule is on the account's default bus, where S3 sends its events."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.this.event_pattern).source == ["aws.s3"] && jsondecode(aws_cloudwatch_event_rule.this.event_pattern).detail.object.key[0].wildcard == "train/*/config.json"
    error_message = "The rule matches the caller's event pattern."
  }

  assert {
    condition = (
      one(aws_lambda_function.start.environment).variables == tomap({ STATE_MACHINE_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:ct-test-training" }) &&
      aws_lambda_function.start.filename == "../../build/start_execution.zip" && one(aws_lambda_function.start.tracing_config).mode == "Active"
    )
    error_message = "The shared start_execution package, told the one state machine it starts; X-Ray active."
  }

  assert {
    condition = (
      jsondecode(data.aws_iam_policy_document.lambda_trust.json).Statement[0].Principal.Service == "lambda.amazonaws.com" &&
      jsondecode(data.aws_iam_policy_document.lambda_trust.json).Statement[0].Condition.StringEquals["aws:SourceAccount"] == data.aws_caller_identity.current.account_id &&
      aws_lambda_permission.events.principal == "events.amazonaws.com" && aws_lambda_permission.events.source_account == data.aws_caller_identity.current.account_id
    )
    error_message = "Only Lambda for this account assumes the role; only EventBridge for this account invokes the function."
  }
}

run "undeliverable_events_are_retried_then_kept_and_alarmed" {
  command = plan

  assert {
    condition     = one(aws_cloudwatch_event_target.start.retry_policy).maximum_retry_attempts == 185 && aws_lambda_function_event_invoke_config.start.maximum_retry_attempts == 2
    error_message = "EventBridge retries 185 times by default, Lambda's asynchronous invocation twice, before the dead-letter queue."
  }

  assert {
    condition     = aws_sqs_queue.dlq.message_retention_seconds == 1209600 && aws_sqs_queue.dlq.sqs_managed_sse_enabled == true && aws_sqs_queue.dlq.kms_master_key_id == null
    error_message = "Without kms_key_arn the queue keeps dead letters 14 days with SQS-managed encryption."
  }

  assert {
    condition     = output.alarm_names == ["ct-test-training-dlq-messages", "ct-test-training-start-errors"] && alltrue([for a in [aws_cloudwatch_metric_alarm.dead_letters, aws_cloudwatch_metric_alarm.start_errors] : toset(a.alarm_actions) == toset([var.alarm_topic_arn])])
    error_message = "A dead letter and a start function error each alarm alarm_topic_arn."
  }

  assert {
    condition     = alltrue([for t in [aws_cloudwatch_event_rule.this.tags, aws_lambda_function.start.tags, aws_iam_role.start.tags, aws_cloudwatch_log_group.start.tags, aws_sqs_queue.dlq.tags, aws_cloudwatch_metric_alarm.dead_letters.tags] : t == tomap({ team = "audiences" })])
    error_message = "The caller's tags are on the rule, function, role, log group, queue and alarms."
  }
}

run "a_custom_bus_and_a_customer_key" {
  command = plan

  variables {
    event_bus_name = "ct-test-bus"
    kms_key_arn    = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.event_bus_name == "ct-test-bus" && aws_cloudwatch_event_target.start.event_bus_name == "ct-test-bus"
    error_message = "The rule and its target are on the given bus (Personalize state changes arrive on the custom bus)."
  }

  assert {
    condition     = aws_sqs_queue.dlq.kms_master_key_id == "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555" && aws_sqs_queue.dlq.sqs_managed_sse_enabled != true
    error_message = "With kms_key_arn the queue is encrypted with that key instead of SQS-managed SSE."
  }
}

run "bad_inputs_are_refused" {
  command = plan

  variables {
    state_machine_arn    = "arn:aws:lambda:eu-west-1:123456789012:function:ct-test-training"
    event_retry_attempts = 186
    event_pattern        = "source = aws.s3"
  }

  expect_failures = [var.state_machine_arn, var.event_retry_attempts, var.event_pattern]
}
