output "data_bucket_name" {
  description = "Data bucket: train/ (uploads start training), batch/ (job inputs), batch-output/, segments/ (the S3 export), work/."
  value       = module.storage.data_bucket_name
}

output "data_bucket_arn" {
  description = "ARN of the data bucket."
  value       = module.storage.data_bucket_arn
}

output "segment_bucket_name" {
  description = "Segment import bucket (Pinpoint import files under segment_import_prefix)."
  value       = module.storage.segment_bucket_name
}

output "segment_bucket_arn" {
  description = "ARN of the segment import bucket."
  value       = module.storage.segment_bucket_arn
}

output "event_bus_name" {
  description = "Name of the custom event bus (Personalize state change events)."
  value       = module.events.event_bus_name
}

output "event_bus_arn" {
  description = "ARN of the custom event bus."
  value       = module.events.event_bus_arn
}

output "event_archive_arn" {
  description = "ARN of the custom event bus archive (replay)."
  value       = module.events.event_archive_arn
}

output "notification_topic_arn" {
  description = "ARN of the SNS notification topic."
  value       = module.events.notification_topic_arn
}

output "pinpoint_application_id" {
  description = "Pinpoint application id segments are imported into (created or given); null without the pinpoint destination."
  value       = local.pinpoint_application_id
}

output "pinpoint_application_arn" {
  description = "ARN of the Pinpoint application; null without the pinpoint destination."
  value       = local.pinpoint_application_arn
}

output "powertools_layer_arn" {
  description = "Powertools for AWS Lambda (Python) layer ARN the functions use."
  value       = local.powertools_layer_arn
}

# Workflow outputs: state machine ARNs and the roles services assume.
output "training_state_machine_arn" {
  description = "ARN of the training state machine (started by uploading train/<dataset group>/config.json)."
  value       = module.training_workflow.state_machine_arn
}

output "personalize_role_arn" {
  description = "ARN of the role Amazon Personalize assumes for dataset import and batch segment jobs."
  value       = module.training_workflow.personalize_role_arn
}

output "segment_postprocessing_state_machine_arn" {
  description = "ARN of the segment post-processing state machine (batch segment job output → exports, Pinpoint import parts)."
  value       = module.segment_postprocessing.state_machine_arn
}

output "pinpoint_import_state_machine_arn" {
  description = "ARN of the Pinpoint import state machine; null without the pinpoint destination."
  value       = one(module.pinpoint_import[*].state_machine_arn)
}

output "pinpoint_import_role_arn" {
  description = "Role Amazon Pinpoint assumes to read the import files; null without the pinpoint destination."
  value       = one(module.pinpoint_import[*].import_role_arn)
}

output "ses_destination_state_machine_arn" {
  description = "ARN of the SES destination state machine (segment export → contact-list topic); null unless \"ses\" is in segment_destinations."
  value       = one(module.ses_destination[*].state_machine_arn)
}

output "ses_contact_list_name" {
  description = "SES contact list holding one topic per segment; null unless \"ses\" is in segment_destinations."
  value       = one(module.ses_destination[*].contact_list_name)
}

output "connect_destination_state_machine_arn" {
  description = "ARN of the Connect destination state machine (segment export → Customer Profiles segment definition); null unless \"connect\" is in segment_destinations."
  value       = one(module.connect_destination[*].state_machine_arn)
}

output "customer_profiles_domain_name" {
  description = "Customer Profiles domain holding one segment definition per segment (`<domain ARN>/segment-definitions/<name>`, the ARN in each \"Connect segment ready\" notification); null unless \"connect\" is in segment_destinations."
  value       = one(module.connect_destination[*].domain_name)
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic the CloudWatch alarms publish to (`<name_prefix>-alarms`, the same e-mail subscriptions as the notification topic)."
  value       = module.events.alarm_topic_arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard (null when dashboard_enabled = false)."
  value       = one(module.dashboard[*].dashboard_name)
}
