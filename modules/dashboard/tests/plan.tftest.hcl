# `terraform test` (command = plan: nothing is created). With a real AWS account it runs against the registry's
# hashicorp/aws; offline, against this repository's local provider:
#   TF_CLI_CONFIG_FILE=<repo>/.cache/tf-mirror/terraformrc terraform init && terraform test   (README, Validation)
# Every metric line of dashboard.json is either a SEARCH expression (first element an object) or
# [namespace, metric, dimension, value, options] (first element a string).

provider "aws" {
  region = "eu-west-1"
}

variables {
  name_prefix = "ct-test"
}

run "the_dashboard_shows_this_deployment_only" {
  command = plan

  assert {
    condition     = aws_cloudwatch_dashboard.this.dashboard_name == "ct-test" && output.dashboard_name == "ct-test"
    error_message = "The dashboard is named <name_prefix>."
  }

  assert {
    condition = (
      length([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w if w.type == "metric"]) >= 7 &&
      alltrue([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.region == "eu-west-1" if w.type == "metric"])
    )
    error_message = "Every metric widget reads the deployment's region."
  }

  assert {
    condition = alltrue(flatten([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : [
      for m in w.properties.metrics : can(m[0].expression) ? strcontains(m[0].expression, " ct-test-', ") || strcontains(m[0].expression, " stateMachine:ct-test-', ") : m[0] == "ContextualTargeting/ct-test"
    ] if w.type == "metric"]))
    error_message = "Every metric is either searched among the <name_prefix>- state machines, functions and queues, or read from the namespace ContextualTargeting/<name_prefix>."
  }

  assert {
    condition     = length(regexall("stateMachine:ct-test-'", aws_cloudwatch_dashboard.this.dashboard_body)) == 5
    error_message = "The five Step Functions execution metrics (started, succeeded, failed, timed out, aborted) cover every <name_prefix>- workflow."
  }
}

run "another_prefix_leaves_nothing_of_the_first" {
  command = plan

  variables {
    name_prefix = "bw-prod"
  }

  assert {
    condition     = aws_cloudwatch_dashboard.this.dashboard_name == "bw-prod" && !strcontains(aws_cloudwatch_dashboard.this.dashboard_body, "ct-test") && strcontains(aws_cloudwatch_dashboard.this.dashboard_body, "ContextualTargeting/bw-prod")
    error_message = "Two deployments in one account get two dashboards, each showing its own workflows and namespace."
  }
}

run "name_prefix_is_validated" {
  command = plan

  variables {
    name_prefix = "CT_Test"
  }

  expect_failures = [var.name_prefix]
}
