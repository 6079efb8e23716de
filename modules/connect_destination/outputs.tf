output "state_machine_arn" {
  description = "ARN of the Connect destination state machine."
  value       = module.state_machine.arn
}

output "state_machine_name" {
  description = "Name of the Connect destination state machine."
  value       = module.state_machine.name
}

output "domain_name" {
  description = "Customer Profiles domain the segment definitions go to."
  value       = local.domain_name
}

output "domain_arn" {
  description = "ARN of the Customer Profiles domain; segment definitions are `<domain_arn>/segment-definitions/<name>`."
  value       = local.domain_arn
}

output "function_names" {
  description = "Names of the workflow's functions, by function key (`start_execution`: its start function)."
  value = {
    connect_segment_prepare  = module.connect_segment_prepare.function_name
    connect_segment_release  = module.connect_segment_release.function_name
    connect_segment_profiles = module.connect_segment_profiles.function_name
    connect_segment_upload   = module.connect_segment_upload.function_name
    start_execution          = module.trigger.start_function_name
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
  value = {
    state_machine            = module.state_machine.log_group_name
    connect_segment_prepare  = module.connect_segment_prepare.log_group_name
    connect_segment_release  = module.connect_segment_release.log_group_name
    connect_segment_profiles = module.connect_segment_profiles.log_group_name
    connect_segment_upload   = module.connect_segment_upload.log_group_name
    start_execution          = module.trigger.start_log_group_name
  }
}
