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
  notification_topic_arn = "arn:aws:sns:eu-west-1:123456789012:ct-test-notifications"
  alarm_topic_arn        = "arn:aws:sns:eu-west-1:123456789012:ct-test-alarms"
  powertools_layer_arn   = "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27"
  lambda_package_dir     = "../../build"
  domain_name            = "bingewatch-connect"
}

run "segments_go_to_the_existing_domain_of_the_connect_instance" {
  command = plan

  assert {
    condition     = output.state_machine_name == "ct-test-connect-destination" && output.function_names == { connect_segment_prepare = "ct-test-connect-segment-prepare", connect_segment_release = "ct-test-connect-segment-release", connect_segment_profiles = "ct-test-connect-segment-profiles", connect_segment_upload = "ct-test-connect-segment-upload", start_execution = "ct-test-connect-destination-start" }
    error_message = "The state machine is <name_prefix>-connect-destination, the functions <name_prefix>-connect-segment-prepare/-release/-profiles/-upload and <name_prefix>-connect-destination-start."
  }

  assert {
    condition     = length(aws_customerprofiles_domain.this) == 0 && output.domain_name == "bingewatch-connect" && output.domain_arn == "arn:aws:profile:eu-west-1:${data.aws_caller_identity.current.account_id}:domains/bingewatch-connect"
    error_message = "By default no domain is created: the segments go to domain_name, whose ARN is an output."
  }

  assert {
    condition = (
      local.function_environment.DOMAIN_NAME == "bingewatch-connect" && local.function_environment.USER_ID_FIELD == "AccountNumber" &&
      jsondecode(local.function_environment.FIELD_MAPPING) == { AGE = "Attributes.AGE", E_MAIL = "EmailAddress", GENDER = "GenderString" }
    )
    error_message = "The functions are told the domain, the profile field of the user id (AccountNumber) and the Bingewatch column mapping."
  }

  assert {
    condition     = local.asl_vars.data_expiry_days == "365" && local.asl_vars.poll_seconds == "30" && local.asl_vars.max_polls == "240" && local.asl_vars.domain_name == "bingewatch-connect"
    error_message = "Upload jobs keep profiles 365 days (not the API's 14) and are polled every 30 s, at most 240 times."
  }
}

run "the_policies_are_scoped_to_the_domain_the_bucket_prefixes_and_the_functions" {
  command = plan

  assert {
    condition = alltrue([for doc in [data.aws_iam_policy_document.connect_segment_prepare.json, data.aws_iam_policy_document.connect_segment_profiles.json, data.aws_iam_policy_document.connect_segment_upload.json, data.aws_iam_policy_document.state_machine.json] :
      alltrue([for s in jsondecode(doc).Statement : toset(flatten([s.Resource])) == toset(["arn:aws:profile:eu-west-1:${data.aws_caller_identity.current.account_id}:domains/bingewatch-connect", "arn:aws:profile:eu-west-1:${data.aws_caller_identity.current.account_id}:domains/bingewatch-connect/*"])
      if anytrue([for a in flatten([s.Action]) : startswith(a, "profile:")])])
    ])
    error_message = "Every Customer Profiles permission is on the one domain and what lives under it."
  }

  assert {
    condition = alltrue([for doc in [data.aws_iam_policy_document.connect_segment_prepare.json, data.aws_iam_policy_document.connect_segment_profiles.json, data.aws_iam_policy_document.connect_segment_upload.json, data.aws_iam_policy_document.state_machine.json] :
      !anytrue([for s in jsondecode(doc).Statement : contains(flatten([s.Resource]), "*")])
    ])
    error_message = "No \"*\" resource in the destination's own statements (X-Ray and log delivery come from the shared modules)."
  }

  assert {
    condition = alltrue([for doc in [data.aws_iam_policy_document.connect_segment_prepare.json, data.aws_iam_policy_document.connect_segment_release.json, data.aws_iam_policy_document.connect_segment_profiles.json] :
      alltrue([for s in jsondecode(doc).Statement : alltrue([for r in flatten([s.Resource]) : startswith(r, "${var.data_bucket_arn}/connect/")])
    if anytrue([for a in flatten([s.Action]) : contains(["s3:PutObject", "s3:DeleteObject"], a)])])])
    error_message = "The functions write and delete only under connect_prefix: the exports and the users dataset are never changed."
  }

  assert {
    condition = (
      [for s in jsondecode(data.aws_iam_policy_document.state_machine.json).Statement : toset(flatten([s.Resource])) if try(s.Sid, "") == "InvokeFunctions"] ==
      [toset(flatten([for f in ["prepare", "release", "profiles", "upload"] : ["arn:aws:lambda:eu-west-1:${data.aws_caller_identity.current.account_id}:function:ct-test-connect-segment-${f}", "arn:aws:lambda:eu-west-1:${data.aws_caller_identity.current.account_id}:function:ct-test-connect-segment-${f}:*"]]))] &&
      [for s in jsondecode(data.aws_iam_policy_document.state_machine.json).Statement : s.Resource if try(s.Sid, "") == "Notify"] == [var.notification_topic_arn]
    )
    error_message = "The state machine invokes its four functions and publishes to the notification topic."
  }

  assert {
    condition     = !anytrue([for doc in [data.aws_iam_policy_document.connect_segment_prepare.json, data.aws_iam_policy_document.connect_segment_release.json, data.aws_iam_policy_document.connect_segment_profiles.json, data.aws_iam_policy_document.connect_segment_upload.json, data.aws_iam_policy_document.state_machine.json] : strcontains(doc, "kms:")])
    error_message = "Without kms_key_arn no role gets a KMS permission."
  }
}

run "a_created_domain_encrypted_with_the_customer_key" {
  command = plan

  variables {
    domain_name   = null
    create_domain = true
    kms_key_arn   = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition = (
      length(aws_customerprofiles_domain.this) == 1 && aws_customerprofiles_domain.this[0].domain_name == "ct-test-profiles" && output.domain_name == "ct-test-profiles" &&
      aws_customerprofiles_domain.this[0].default_encryption_key == "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555" &&
      aws_customerprofiles_domain.this[0].default_expiration_days == 366
    )
    error_message = "create_domain makes the domain <name_prefix>-profiles, encrypted with kms_key_arn, profiles expiring after 366 days by default."
  }

  assert {
    condition = alltrue([for doc in [data.aws_iam_policy_document.connect_segment_prepare.json, data.aws_iam_policy_document.connect_segment_release.json, data.aws_iam_policy_document.connect_segment_profiles.json, data.aws_iam_policy_document.connect_segment_upload.json] :
      [for s in jsondecode(doc).Statement : [s.Resource, s.Condition.StringEquals["kms:ViaService"]] if try(s.Sid, "") == "BucketEncryption"] == [[var.kms_key_arn, "s3.eu-west-1.amazonaws.com"]]
    ])
    error_message = "The prepare, release, profiles and upload functions may use the key through S3 only."
  }

  assert {
    condition = alltrue([for doc in [data.aws_iam_policy_document.connect_segment_upload.json, data.aws_iam_policy_document.connect_segment_release.json] :
    [for s in jsondecode(doc).Statement : s.Action if try(s.Sid, "") == "BucketEncryption"] == ["kms:Decrypt"]])
    error_message = "The upload and release functions only read (upload files, the lock): kms:Decrypt, no GenerateDataKey."
  }

  assert {
    condition     = [for s in jsondecode(data.aws_iam_policy_document.state_machine.json).Statement : [s.Resource, s.Condition.StringEquals["kms:ViaService"]] if try(s.Sid, "") == "EncryptNotifications"] == [[var.kms_key_arn, "sns.eu-west-1.amazonaws.com"]]
    error_message = "The state machine may use the key through SNS only (the notification topic is encrypted with it)."
  }
}

run "no_domain_and_a_mapping_without_contact_field_are_refused" {
  command = plan

  variables {
    domain_name   = null
    field_mapping = { GENDER = "GenderString", AGE = "Attributes.AGE" }
  }

  expect_failures = [terraform_data.domain_named, var.field_mapping]
}
