output "state_machine_arn" {
  description = "ARN of the training state machine."
  value       = module.state_machine.arn
}

output "state_machine_name" {
  description = "Name of the training state machine."
  value       = module.state_machine.name
}

output "personalize_role_arn" {
  description = "ARN of the role Amazon Personalize assumes for dataset import and batch segment jobs."
  value       = aws_iam_role.personalize.arn
}

output "validate_function_name" {
  description = "Name of the validate_training_input function."
  value       = module.validate_training_input.function_name
}

output "start_function_name" {
  description = "Name of the start function the rule (and the schedule) invoke."
  value       = module.trigger.start_function_name
}

output "rule_arn" {
  description = "ARN of the EventBridge rule (default bus) matching training config uploads."
  value       = module.trigger.rule_arn
}

output "dead_letter_queue_arn" {
  description = "ARN of the queue receiving events the rule or the schedule could not deliver."
  value       = module.trigger.dlq_arn
}

output "schedule_arn" {
  description = "ARN of the retraining schedule, or null when schedule_expression is null."
  value       = try(aws_scheduler_schedule.retrain[0].arn, null)
}
