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
  description = "Names of the functions, by role (prepare, release, profiles, upload, start)."
  value = {
    prepare  = module.prepare.function_name
    release  = module.release.function_name
    profiles = module.profiles.function_name
    upload   = module.upload.function_name
    start    = module.trigger.start_function_name
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
  description = "Log groups of the state machine and the functions, by role."
  value = {
    state_machine = module.state_machine.log_group_name
    prepare       = module.prepare.log_group_name
    release       = module.release.log_group_name
    profiles      = module.profiles.log_group_name
    upload        = module.upload.log_group_name
    start         = module.trigger.start_log_group_name
  }
}
