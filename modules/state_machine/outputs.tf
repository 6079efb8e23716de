output "arn" {
  description = "ARN of the state machine."
  value       = aws_sfn_state_machine.this.arn
}

output "name" {
  description = "Name of the state machine (`<name_prefix>-<name>`)."
  value       = aws_sfn_state_machine.this.name
}

output "role_arn" {
  description = "ARN of the state machine's role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the state machine's role."
  value       = aws_iam_role.this.name
}

output "log_group_name" {
  description = "Log group of the state machine's execution history (`/aws/vendedlogs/states/<name_prefix>-<name>`)."
  value       = aws_cloudwatch_log_group.this.name
}

output "alarm_names" {
  description = "Names of the execution alarms (`<name_prefix>-<name>-executions-failed|timed-out|aborted`)."
  value       = [for alarm in aws_cloudwatch_metric_alarm.executions : alarm.alarm_name]
}
