output "state_machine_arn" {
  description = "ARN of the segment post-processing state machine."
  value       = module.state_machine.arn
}

output "state_machine_name" {
  description = "Name of the segment post-processing state machine."
  value       = module.state_machine.name
}

output "function_names" {
  description = "Functions of the workflow by role."
  value = {
    split    = module.split.function_name
    finalize = module.finalize.function_name
    start    = module.trigger.start_function_name
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
  description = "Log groups of the state machine and the functions, by role."
  value = merge(
    { state_machine = module.state_machine.log_group_name },
    { split = module.split.log_group_name, finalize = module.finalize.log_group_name },
    { start = module.trigger.start_log_group_name },
  )
}
