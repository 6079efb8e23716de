# `terraform test` (command = plan: nothing is created). With a real AWS account it runs against the registry's
# hashicorp/aws; offline, against this repository's local provider:
#   TF_CLI_CONFIG_FILE=<repo>/.cache/tf-mirror/terraformrc terraform init && terraform test   (README, Validation)

provider "aws" {
  region = "eu-west-1"
}

variables {
  name_prefix      = "ct-test"
  name             = "training"
  definition       = <<-EOT
    {
      "Comment": "A one-state workflow",
      "StartAt": "Notify",
      "States": {
        "Notify": {
          "Type": "Task",
          "Resource": "arn:aws:states:::sns:publish",
          "Parameters": {"TopicArn": "arn:aws:sns:eu-west-1:123456789012:ct-test-notifications", "Message": "done"},
          "End": true
        }
      }
    }
  EOT
  role_description = "Training state machine"
  policy_name      = "training"
  policy_json      = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "Notify",
          "Effect": "Allow",
          "Action": "sns:Publish",
          "Resource": "arn:aws:sns:eu-west-1:123456789012:ct-test-notifications"
        }
      ]
    }
  EOT
  alarm_topic_arn  = "arn:aws:sns:eu-west-1:123456789012:ct-test-alarms"
  tags             = { team = "audiences" }
}

run "a_standard_state_machine_named_from_name_prefix_logging_without_execution_data" {
  command = plan

  assert {
    condition     = output.name == "ct-test-training" && output.role_name == "ct-test-training" && output.log_group_name == "/aws/vendedlogs/states/ct-test-training"
    error_message = "The state machine and its role are <name_prefix>-<name>, the log group /aws/vendedlogs/states/<name_prefix>-<name>."
  }

  assert {
    condition = (
      aws_sfn_state_machine.this.type == "STANDARD" &&
      one(aws_sfn_state_machine.this.logging_configuration).level == "ALL" &&
      one(aws_sfn_state_machine.this.logging_configuration).include_execution_data == false &&
      one(aws_sfn_state_machine.this.tracing_configuration).enabled
    )
    error_message = "A STANDARD workflow logging every event without execution data (states may quote user values), X-Ray on."
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.this.definition).StartAt == "Notify" && keys(jsondecode(aws_sfn_state_machine.this.definition).States) == ["Notify"]
    error_message = "The caller's definition is deployed unchanged."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.retention_in_days == 30 && alltrue([for t in [aws_sfn_state_machine.this.tags, aws_iam_role.this.tags, aws_cloudwatch_log_group.this.tags] : t == tomap({ team = "audiences" })])
    error_message = "The log group keeps 30 days by default; the caller's tags are on the state machine, role and log group."
  }
}

run "the_role_serves_this_state_machine_only_and_adds_log_delivery_and_tracing" {
  command = plan

  assert {
    condition = (
      jsondecode(data.aws_iam_policy_document.trust.json).Statement[0].Principal.Service == "states.amazonaws.com" &&
      jsondecode(data.aws_iam_policy_document.trust.json).Statement[0].Condition.StringEquals["aws:SourceAccount"] == data.aws_caller_identity.current.account_id &&
      jsondecode(data.aws_iam_policy_document.trust.json).Statement[0].Condition.ArnLike["aws:SourceArn"] == "arn:${data.aws_partition.current.partition}:states:eu-west-1:${data.aws_caller_identity.current.account_id}:stateMachine:ct-test-training"
    )
    error_message = "Only Step Functions running <name_prefix>-<name> in this account may assume the role."
  }

  assert {
    condition     = [for s in jsondecode(data.aws_iam_policy_document.this.json).Statement : s.Sid] == ["Notify", "LogDelivery", "Tracing"] && aws_iam_role_policy.this.policy == data.aws_iam_policy_document.this.json
    error_message = "The role's policy is the caller's statements first, then LogDelivery and Tracing."
  }

  assert {
    condition     = jsondecode(data.aws_iam_policy_document.this.json).Statement[0].Resource == "arn:aws:sns:eu-west-1:123456789012:ct-test-notifications"
    error_message = "The caller's statement keeps its exact resource."
  }

  assert {
    condition     = alltrue([for s in jsondecode(data.aws_iam_policy_document.this.json).Statement : alltrue([for a in flatten([s.Action]) : startswith(a, "logs:") || startswith(a, "xray:")]) if s.Resource == "*"])
    error_message = "Resource \"*\" is only for log delivery and X-Ray (docs/iam-wildcards.md)."
  }
}

run "three_execution_alarms_notify_the_alarm_topic" {
  command = plan

  assert {
    condition     = { for k, a in aws_cloudwatch_metric_alarm.executions : k => a.metric_name } == { aborted = "ExecutionsAborted", failed = "ExecutionsFailed", timed-out = "ExecutionsTimedOut" }
    error_message = "One alarm per bad ending: failed, timed out, aborted (AWS/States execution metrics)."
  }

  assert {
    condition     = toset(output.alarm_names) == toset(["ct-test-training-executions-failed", "ct-test-training-executions-timed-out", "ct-test-training-executions-aborted"])
    error_message = "The alarms are <name_prefix>-<name>-executions-<ending>."
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.executions : a.namespace == "AWS/States" && toset(a.alarm_actions) == toset([var.alarm_topic_arn]) && a.threshold == 0 && a.comparison_operator == "GreaterThanThreshold"])
    error_message = "Every alarm fires on one such execution and notifies alarm_topic_arn."
  }
}

run "a_definition_without_states_is_refused" {
  command = plan

  variables {
    definition = "{\"StartAt\": \"Notify\"}"
  }

  expect_failures = [var.definition]
}
