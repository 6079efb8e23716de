output "state_machine_arn" {
  description = "ARN of the segment post-processing state machine."
  value       = module.state_machine.arn
}

output "state_machine_name" {
  description = "Name of the segment post-processing state machine."
  value       = module.state_machine.name
}

output "function_names" {
  description = "Names of the workflow's functions, by function key (`start_execution`: its start function)."
  value = {
    split_segments    = module.split_segments.function_name
    finalize_segments = module.finalize_segments.function_name
    start_execution   = module.trigger.start_function_name
  }
}

output "rule_arn" {
  description = "ARN of the EventBridge rule (custom bus) matching ACTIVE batch segment job state changes."
  value       = module.trigger.rule_arn
}

output "dead_letter_queue_url" {
  description = "SQS queue receiving events the rule or the start function could not deliver."
  value       = module.trigger.dlq_url
}

output "log_group_names" {
  description = "Log groups of the state machine and of the functions, by function key."
  value = merge(
    { state_machine = module.state_machine.log_group_name },
    { split_segments = module.split_segments.log_group_name, finalize_segments = module.finalize_segments.log_group_name },
    { start_execution = module.trigger.start_log_group_name },
  )
}
