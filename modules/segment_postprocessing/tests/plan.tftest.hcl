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
  notification_topic_arn = "arn:aws:sns:eu-west-1:123456789012:ct-test-notifications"
  alarm_topic_arn        = "arn:aws:sns:eu-west-1:123456789012:ct-test-alarms"
  powertools_layer_arn   = "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27"
  lambda_package_dir     = "../../build"
}

run "the_one_producer_writes_exports_and_knows_no_destination" {
  command = plan

  assert {
    condition     = module.state_machine.name == "ct-test-segment-postprocessing"
    error_message = "The state machine is named <name_prefix>-segment-postprocessing."
  }

  assert {
    condition     = module.split_segments.function_name == "ct-test-split-segments" && module.finalize_segments.function_name == "ct-test-finalize-segments"
    error_message = "Two functions, split and finalize, named from name_prefix."
  }

  assert {
    condition = alltrue([for doc in [data.aws_iam_policy_document.split_segments.json, data.aws_iam_policy_document.finalize_segments.json] :
      alltrue([for s in jsondecode(doc).Statement : alltrue([for r in flatten([s.Resource]) : startswith(r, var.data_bucket_arn)])])
    ])
    error_message = "The functions read and write the data bucket only: post-processing takes no destination input."
  }

  assert {
    condition     = !strcontains(data.aws_iam_policy_document.state_machine.json, "mobiletargeting") && !strcontains(data.aws_iam_policy_document.state_machine.json, "states:StartExecution")
    error_message = "The workflow calls no destination and runs no Distributed Map."
  }
}

run "a_malformed_bucket_arn_is_refused" {
  command = plan

  variables {
    data_bucket_arn = "ct-test-data"
  }

  expect_failures = [var.data_bucket_arn]
}
