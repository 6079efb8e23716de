# `terraform test` (command = plan: nothing is created). With a real AWS account it runs against the registry's
# hashicorp/aws; offline, against this repository's local provider:
#   TF_CLI_CONFIG_FILE=<repo>/.cache/tf-mirror/terraformrc terraform init && terraform test   (README, Validation)

provider "aws" {
  region = "eu-west-1"
}

variables {
  name_prefix         = "ct-test"
  notification_emails = ["ops@example.com", "data@example.com"]
}

run "bus_archive_topic_and_subscriptions" {
  command = plan

  assert {
    condition     = aws_cloudwatch_event_bus.this.name == "ct-test-bus" && aws_sns_topic.notifications.name == "ct-test-notifications"
    error_message = "The bus and the topic are named from name_prefix."
  }

  assert {
    condition     = aws_sns_topic.notifications.kms_master_key_id == "alias/aws/sns"
    error_message = "Without kms_key_arn the topic is encrypted with the AWS managed key alias/aws/sns."
  }

  assert {
    condition     = toset(keys(aws_sns_topic_subscription.email)) == toset(var.notification_emails) && alltrue([for s in aws_sns_topic_subscription.email : s.protocol == "email"])
    error_message = "One e-mail subscription per notification_emails entry."
  }

  assert {
    condition     = aws_cloudwatch_event_archive.this.retention_days == 30
    error_message = "The archive keeps events for event_archive_retention_days (default 30)."
  }
}

run "malformed_emails_are_refused" {
  command = plan

  variables {
    notification_emails = ["not-an-address"]
  }

  expect_failures = [var.notification_emails]
}
