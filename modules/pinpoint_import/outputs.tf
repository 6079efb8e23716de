output "state_machine_arn" {
  description = "ARN of the Pinpoint import state machine."
  value       = module.state_machine.arn
}

output "state_machine_name" {
  description = "Name of the Pinpoint import state machine."
  value       = module.state_machine.name
}

output "import_role_arn" {
  description = "Role Pinpoint assumes to read the import files (trusts pinpoint.amazonaws.com for this application only)."
  value       = aws_iam_role.import.arn
}

output "prepare_function_name" {
  description = "Name of the prepare function."
  value       = module.pinpoint_import_prepare.function_name
}

output "function_names" {
  description = "Names of the workflow's functions, by function key (`start_execution`: its start function)."
  value = {
    pinpoint_chunk_export      = module.pinpoint_chunk_export.function_name
    pinpoint_resolve_endpoints = module.pinpoint_resolve_endpoints.function_name
    pinpoint_segment_ready     = module.pinpoint_segment_ready.function_name
    pinpoint_import_prepare    = module.pinpoint_import_prepare.function_name
    start_execution            = module.trigger.start_function_name
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
  description = "Log groups of the state machine and of the functions, by function key."
  value = {
    state_machine              = module.state_machine.log_group_name
    pinpoint_chunk_export      = module.pinpoint_chunk_export.log_group_name
    pinpoint_resolve_endpoints = module.pinpoint_resolve_endpoints.log_group_name
    pinpoint_segment_ready     = module.pinpoint_segment_ready.log_group_name
    pinpoint_import_prepare    = module.pinpoint_import_prepare.log_group_name
    start_execution            = module.trigger.start_log_group_name
  }
}
