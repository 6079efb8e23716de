output "state_machine_arn" {
  description = "ARN of the SES destination state machine."
  value       = module.state_machine.arn
}

output "state_machine_name" {
  description = "Name of the SES destination state machine."
  value       = module.state_machine.name
}

output "contact_list_name" {
  description = "SES contact list the segment topics go to."
  value       = local.contact_list_name
}

output "ses_import_prefix" {
  description = "Data-bucket prefix of the import files SES reads (the storage module's ses_import_prefix)."
  value       = "${var.ses_prefix}imports/"
}

output "function_names" {
  description = "Names of the workflow's functions, by function key (`start_execution`: its start function)."
  value = {
    ses_segment_topic    = module.ses_segment_topic.function_name
    ses_segment_contacts = module.ses_segment_contacts.function_name
    ses_segment_commit   = module.ses_segment_commit.function_name
    ses_segment_release  = module.ses_segment_release.function_name
    start_execution      = module.trigger.start_function_name
  }
}

output "rule_arn" {
  description = "ARN of the EventBridge rule (default bus) matching the segment exports."
  value       = module.trigger.rule_arn
}

output "dead_letter_queue_url" {
  description = "SQS queue receiving S3 events the rule or the start function could not deliver."
  value       = module.trigger.dlq_url
}

output "log_group_names" {
  description = "Log groups of the state machine and of the functions, by function key."
  value = merge(
    { state_machine = module.state_machine.log_group_name },
    { ses_segment_topic = module.ses_segment_topic.log_group_name, ses_segment_contacts = module.ses_segment_contacts.log_group_name },
    { ses_segment_commit = module.ses_segment_commit.log_group_name, ses_segment_release = module.ses_segment_release.log_group_name },
    { start_execution = module.trigger.start_log_group_name },
  )
}
