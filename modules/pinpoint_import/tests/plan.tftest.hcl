# `terraform test` (command = plan: nothing is created). With a real AWS account it runs against the registry's
# hashicorp/aws; offline, against this repository's local provider (README, Validation):
#   make build && TF_CLI_CONFIG_FILE=<repo>/.cache/tf-mirror/terraformrc terraform init && terraform test

provider "aws" {
  region = "eu-west-1"
}

variables {
  name_prefix              = "ct-test"
  data_bucket_name         = "ct-test-data-123456789012-eu-west-1"
  data_bucket_arn          = "arn:aws:s3:::ct-test-data-123456789012-eu-west-1"
  segment_bucket_name      = "ct-test-segments-123456789012-eu-west-1"
  segment_bucket_arn       = "arn:aws:s3:::ct-test-segments-123456789012-eu-west-1"
  notification_topic_arn   = "arn:aws:sns:eu-west-1:123456789012:ct-test-notifications"
  alarm_topic_arn          = "arn:aws:sns:eu-west-1:123456789012:ct-test-alarms"
  powertools_layer_arn     = "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27"
  lambda_package_dir       = "../../build"
  pinpoint_application_id  = "0123456789abcdef0123456789abcdef"
  pinpoint_application_arn = "arn:aws:mobiletargeting:eu-west-1:123456789012:apps/0123456789abcdef0123456789abcdef"
}

run "a_destination_that_starts_from_the_exports" {
  command = plan

  assert {
    condition     = output.function_names.pinpoint_chunk_export == "ct-test-pinpoint-chunk-export" && output.function_names.pinpoint_resolve_endpoints == "ct-test-pinpoint-resolve-endpoints" && output.function_names.pinpoint_segment_ready == "ct-test-pinpoint-segment-ready"
    error_message = "The resolution functions are named <name_prefix>-pinpoint-…."
  }

  assert {
    condition     = contains(jsondecode(data.aws_iam_policy_document.pinpoint_chunk_export.json).Statement[0].Resource == null ? [] : flatten([jsondecode(data.aws_iam_policy_document.pinpoint_chunk_export.json).Statement[0].Resource]), "${var.data_bucket_arn}/segments/*")
    error_message = "The chunk function reads the segment exports of the data bucket (export_prefix)."
  }

  assert {
    condition     = alltrue([for r in flatten([for s in jsondecode(data.aws_iam_policy_document.pinpoint_resolve_endpoints.json).Statement : flatten([s.Resource])]) : !endswith(r, "*") || startswith(r, var.data_bucket_arn) || startswith(r, var.segment_bucket_arn) || startswith(r, var.pinpoint_application_arn)])
    error_message = "The resolve function's permissions are scoped to the buckets' prefixes and the one application."
  }

  assert {
    condition     = local.asl_vars.data_bucket_name == var.data_bucket_name && local.asl_vars.max_concurrency == "4"
    error_message = "The state machine tells an export (data bucket) from an import object, and resolves 4 chunks at a time by default."
  }
}

run "a_wildcard_in_the_import_prefix_is_refused" {
  command = plan

  variables {
    segment_import_prefix = "pin*point/"
  }

  expect_failures = [var.segment_import_prefix]
}

run "with_a_kms_key_each_resolution_function_may_use_it_through_s3_only" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition = alltrue([for doc in [data.aws_iam_policy_document.pinpoint_chunk_export.json, data.aws_iam_policy_document.pinpoint_resolve_endpoints.json, data.aws_iam_policy_document.pinpoint_segment_ready.json] :
      [for s in jsondecode(doc).Statement : [s.Resource, s.Condition.StringEquals["kms:ViaService"]] if try(s.Sid, "") == "BucketEncryption"] == [[var.kms_key_arn, "s3.eu-west-1.amazonaws.com"]]
    ])
    error_message = "The chunk, resolve and ready functions each get kms:Decrypt/GenerateDataKey on the key, via S3 only."
  }
}
