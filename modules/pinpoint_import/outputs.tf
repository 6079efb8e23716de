output "state_machine_arn" {
  description = "ARN of the segment import state machine."
  value       = module.state_machine.arn
}

output "state_machine_name" {
  description = "Name of the segment import state machine."
  value       = module.state_machine.name
}

output "import_role_arn" {
  description = "Role Pinpoint assumes to read the import files (trusts pinpoint.amazonaws.com for this application only)."
  value       = aws_iam_role.import.arn
}

output "prepare_function_name" {
  description = "Name of the prepare function."
  value       = module.prepare.function_name
}

output "function_names" {
  description = "Functions of the workflow by role."
  value = {
    chunk   = module.chunk.function_name
    resolve = module.resolve.function_name
    ready   = module.ready.function_name
    prepare = module.prepare.function_name
    start   = module.trigger.start_function_name
  }
}

output "start_function_name" {
  description = "Name of the start function (the rule's target)."
  value       = module.trigger.start_function_name
}

output "rule_arn" {
  description = "ARN of the EventBridge rule (default bus) matching segment exports, endpoint files and segment completion objects."
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
    chunk         = module.chunk.log_group_name
    resolve       = module.resolve.log_group_name
    ready         = module.ready.log_group_name
    prepare       = module.prepare.log_group_name
    start         = module.trigger.start_log_group_name
  }
}
