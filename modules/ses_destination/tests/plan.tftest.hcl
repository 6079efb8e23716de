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
}

run "a_destination_named_from_name_prefix_with_its_own_contact_list" {
  command = plan

  assert {
    condition     = output.state_machine_name == "ct-test-ses-destination" && output.function_names == { ses_segment_topic = "ct-test-ses-segment-topic", ses_segment_contacts = "ct-test-ses-segment-contacts", ses_segment_commit = "ct-test-ses-segment-commit", ses_segment_release = "ct-test-ses-segment-release", start_execution = "ct-test-ses-destination-start" }
    error_message = "The state machine is <name_prefix>-ses-destination, the functions <name_prefix>-ses-segment-topic/-contacts/-commit/-release and <name_prefix>-ses-destination-start."
  }

  assert {
    condition     = output.contact_list_name == "ct-test-segments" && output.ses_import_prefix == "ses/imports/"
    error_message = "Without contact_list_name the list is <name_prefix>-segments; SES reads the import files under <ses_prefix>imports/ (the storage module's ses_import_prefix)."
  }

  assert {
    condition     = output.log_group_names == { state_machine = "/aws/vendedlogs/states/ct-test-ses-destination", ses_segment_topic = "/aws/lambda/ct-test-ses-segment-topic", ses_segment_contacts = "/aws/lambda/ct-test-ses-segment-contacts", ses_segment_commit = "/aws/lambda/ct-test-ses-segment-commit", ses_segment_release = "/aws/lambda/ct-test-ses-segment-release", start_execution = "/aws/lambda/ct-test-ses-destination-start" }
    error_message = "One log group per function and one for the state machine, by role."
  }

  assert {
    condition     = local.asl_vars.poll_seconds == "30" && local.asl_vars.max_polls == "240" && local.asl_vars.notification_topic_arn == "arn:aws:sns:eu-west-1:123456789012:ct-test-notifications"
    error_message = "The workflow polls each import job every 30 s, at most 240 times, and notifies the given topic."
  }
}

run "the_policies_are_scoped_to_the_bucket_prefixes_the_list_and_the_functions" {
  command = plan

  assert {
    condition = alltrue([for s in jsondecode(data.aws_iam_policy_document.ses_segment_topic.json).Statement :
      alltrue([for r in flatten([s.Resource]) :
        startswith(r, var.data_bucket_arn) || r == "arn:aws:ses:eu-west-1:${data.aws_caller_identity.current.account_id}:contact-list/ct-test-segments" || (r == "*" && s.Action == "ses:ListContactLists")
    ])])
    error_message = "The topic function works on the data bucket and the one contact list; \"*\" only for ses:ListContactLists (no resource-level permission)."
  }

  assert {
    condition = (
      [for s in jsondecode(data.aws_iam_policy_document.ses_segment_contacts.json).Statement : toset(flatten([s.Resource])) if try(s.Sid, "") == "ReadExportsUsersAndSnapshots"] ==
      [toset(["${var.data_bucket_arn}/segments/*", "${var.data_bucket_arn}/train/*", "${var.data_bucket_arn}/ses/topics/*"])]
    )
    error_message = "The contacts function reads the exports, the training data (users dataset) and its own snapshots only."
  }

  assert {
    condition = (
      alltrue([for s in jsondecode(data.aws_iam_policy_document.ses_segment_commit.json).Statement :
      alltrue([for r in flatten([s.Resource]) : r == "${var.data_bucket_arn}/ses/topics/*" || r == var.data_bucket_arn])]) &&
      alltrue([for s in jsondecode(data.aws_iam_policy_document.ses_segment_release.json).Statement :
      alltrue([for r in flatten([s.Resource]) : r == "${var.data_bucket_arn}/ses/locks/*" || r == var.data_bucket_arn])]) &&
      !anytrue([for s in jsondecode(data.aws_iam_policy_document.ses_segment_release.json).Statement : contains(flatten([s.Action]), "s3:PutObject")])
    )
    error_message = "The commit function touches only the topics' snapshots and leaver lists; the release function only reads and deletes the list's lock."
  }

  assert {
    condition = alltrue([for s in jsondecode(data.aws_iam_policy_document.ses_segment_contacts.json).Statement :
      alltrue([for r in flatten([s.Resource]) : startswith(r, "${var.data_bucket_arn}/ses/")])
    if anytrue([for a in flatten([s.Action]) : contains(["s3:PutObject", "s3:DeleteObject"], a)])])
    error_message = "The contacts function writes and deletes only under ses_prefix: the exports and the training data are never changed."
  }

  assert {
    condition = (
      [for s in jsondecode(data.aws_iam_policy_document.state_machine.json).Statement : toset(flatten([s.Resource])) if try(s.Sid, "") == "InvokeFunctions"] ==
      [toset(flatten([for f in ["ct-test-ses-segment-topic", "ct-test-ses-segment-contacts", "ct-test-ses-segment-commit", "ct-test-ses-segment-release"] : ["arn:aws:lambda:eu-west-1:${data.aws_caller_identity.current.account_id}:function:${f}", "arn:aws:lambda:eu-west-1:${data.aws_caller_identity.current.account_id}:function:${f}:*"]]))] &&
      [for s in jsondecode(data.aws_iam_policy_document.state_machine.json).Statement : s.Resource if try(s.Sid, "") == "Notify"] == [var.notification_topic_arn] &&
      [for s in jsondecode(data.aws_iam_policy_document.state_machine.json).Statement : s.Action if s.Resource == "*"] == ["ses:CreateImportJob"]
    )
    error_message = "The state machine invokes its four functions, publishes to the notification topic; \"*\" only for ses:CreateImportJob."
  }

  assert {
    condition     = !anytrue([for doc in [data.aws_iam_policy_document.ses_segment_topic.json, data.aws_iam_policy_document.ses_segment_contacts.json, data.aws_iam_policy_document.ses_segment_commit.json, data.aws_iam_policy_document.ses_segment_release.json, data.aws_iam_policy_document.state_machine.json] : strcontains(doc, "kms:")])
    error_message = "Without kms_key_arn no role gets a KMS permission."
  }
}

run "an_existing_list_a_customer_key_and_another_prefix" {
  command = plan

  variables {
    contact_list_name = "Bingewatch_Newsletter"
    ses_prefix        = "contextual/ses/"
    kms_key_arn       = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = output.contact_list_name == "Bingewatch_Newsletter" && [for s in jsondecode(data.aws_iam_policy_document.ses_segment_topic.json).Statement : s.Resource if try(s.Sid, "") == "ManageTheContactList"] == ["arn:aws:ses:eu-west-1:${data.aws_caller_identity.current.account_id}:contact-list/Bingewatch_Newsletter"]
    error_message = "With contact_list_name the topics go to that list, and the topic function may manage that list only."
  }

  assert {
    condition     = output.ses_import_prefix == "contextual/ses/imports/" && strcontains(data.aws_iam_policy_document.ses_segment_contacts.json, "${var.data_bucket_arn}/contextual/ses/imports/*") && !strcontains(data.aws_iam_policy_document.ses_segment_contacts.json, "${var.data_bucket_arn}/ses/")
    error_message = "Import files and snapshots follow ses_prefix."
  }

  assert {
    condition = alltrue([for doc in [data.aws_iam_policy_document.ses_segment_topic.json, data.aws_iam_policy_document.ses_segment_contacts.json, data.aws_iam_policy_document.ses_segment_commit.json, data.aws_iam_policy_document.ses_segment_release.json] :
      [for s in jsondecode(doc).Statement : [s.Resource, s.Condition.StringEquals["kms:ViaService"]] if try(s.Sid, "") == "BucketEncryption"] == [[var.kms_key_arn, "s3.eu-west-1.amazonaws.com"]]
    ])
    error_message = "The topic, contacts, commit and release functions may use the key through S3 only."
  }

  assert {
    condition     = [for s in jsondecode(data.aws_iam_policy_document.ses_segment_release.json).Statement : s.Action if try(s.Sid, "") == "BucketEncryption"] == ["kms:Decrypt"]
    error_message = "The release function only reads the lock (and deletes it): kms:Decrypt, no GenerateDataKey."
  }

  assert {
    condition     = [for s in jsondecode(data.aws_iam_policy_document.state_machine.json).Statement : [s.Resource, s.Condition.StringEquals["kms:ViaService"]] if try(s.Sid, "") == "EncryptNotifications"] == [[var.kms_key_arn, "sns.eu-west-1.amazonaws.com"]]
    error_message = "The state machine may use the key through SNS only (the notification topic is encrypted with it)."
  }
}

run "bad_inputs_are_refused" {
  command = plan

  variables {
    export_prefix           = "segments"
    contact_list_name       = "Bingewatch newsletter"
    max_contacts_per_import = 1000001
  }

  expect_failures = [var.export_prefix, var.contact_list_name, var.max_contacts_per_import]
}
