# `terraform test` (command = plan: nothing is created). With a real AWS account it runs against the registry's
# hashicorp/aws; offline, against this repository's local provider (README, Validation):
#   make build && TF_CLI_CONFIG_FILE=<repo>/.cache/tf-mirror/terraformrc terraform init && terraform test
# The role's merged policy names the log group's ARN, so Terraform reads it during apply (a data source that depends on
# a resource with changes pending): what a plan shows is the trust policy and the caller's document.

provider "aws" {
  region = "eu-west-1"
}

variables {
  name_prefix          = "ct-test"
  function             = "split_segments"
  description          = "Split a batch segment job's output into one export per segment"
  role_description     = "Split function"
  lambda_package_dir   = "../../build"
  powertools_layer_arn = "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27"
  timeout              = 300
  memory_size          = 1024
  environment          = { EXPORT_PREFIX = "segments/", POWERTOOLS_SERVICE_NAME = "segment-postprocessing" }
  policy_name          = "split"
  policy_json          = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "ReadJobOutput",
          "Effect": "Allow",
          "Action": "s3:GetObject",
          "Resource": "arn:aws:s3:::ct-test-data-123456789012-eu-west-1/batch/*"
        }
      ]
    }
  EOT
  alarm_topic_arn      = "arn:aws:sns:eu-west-1:123456789012:ct-test-alarms"
  tags                 = { team = "audiences" }
}

run "function_role_log_group_and_alarm_are_named_from_name_prefix" {
  command = plan

  assert {
    condition     = output.function_name == "ct-test-split-segments" && output.role_name == "ct-test-split-segments" && output.log_group_name == "/aws/lambda/ct-test-split-segments"
    error_message = "The function and its role are <name_prefix>-<function with dashes>, the log group /aws/lambda/<name_prefix>-<function with dashes>."
  }

  assert {
    condition     = output.alarm_names == ["ct-test-split-segments-errors"] && toset(aws_cloudwatch_metric_alarm.errors.alarm_actions) == toset(["arn:aws:sns:eu-west-1:123456789012:ct-test-alarms"])
    error_message = "One errors alarm, <name_prefix>-<function with dashes>-errors, notifying alarm_topic_arn."
  }

  assert {
    condition = (
      aws_lambda_function.this.runtime == "python3.13" && aws_lambda_function.this.architectures == tolist(["arm64"]) &&
      aws_lambda_function.this.handler == "handler.lambda_handler" && aws_lambda_function.this.filename == "../../build/split_segments.zip" &&
      aws_lambda_function.this.layers == tolist(["arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27"]) &&
      one(aws_lambda_function.this.tracing_config).mode == "Active"
    )
    error_message = "python3.13 on arm64 from <lambda_package_dir>/<function>.zip, the Powertools layer, X-Ray active."
  }

  assert {
    condition     = one(aws_lambda_function.this.environment).variables == tomap({ EXPORT_PREFIX = "segments/", POWERTOOLS_SERVICE_NAME = "segment-postprocessing" }) && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "The caller's environment is the function's, and its log group keeps 30 days by default."
  }

  assert {
    condition = (
      jsondecode(data.aws_iam_policy_document.trust.json).Statement[0].Principal.Service == "lambda.amazonaws.com" &&
      jsondecode(data.aws_iam_policy_document.trust.json).Statement[0].Condition.StringEquals["aws:SourceAccount"] == data.aws_caller_identity.current.account_id &&
      aws_iam_role.this.assume_role_policy == data.aws_iam_policy_document.trust.json
    )
    error_message = "Only Lambda acting for this account may assume the role."
  }

  assert {
    condition     = alltrue([for t in [aws_lambda_function.this.tags, aws_iam_role.this.tags, aws_cloudwatch_log_group.this.tags, aws_cloudwatch_metric_alarm.errors.tags] : t == tomap({ team = "audiences" })])
    error_message = "The caller's tags are on the function, its role, log group and alarm."
  }
}

run "out_of_range_timeout_and_memory_are_refused" {
  command = plan

  variables {
    timeout     = 901
    memory_size = 64
  }

  expect_failures = [var.timeout, var.memory_size]
}

run "a_function_that_is_not_a_snake_case_key_is_refused" {
  command = plan

  variables {
    function = "split-segments"
  }

  expect_failures = [var.function]
}

run "a_zip_file_name_is_not_a_function_key" {
  command = plan

  variables {
    function = "split_segments.zip"
  }

  expect_failures = [var.function]
}
