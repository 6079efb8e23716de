output "rule_arn" {
  description = "ARN of the EventBridge rule."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "rule_name" {
  description = "Name of the EventBridge rule."
  value       = aws_cloudwatch_event_rule.this.name
}

output "start_function_arn" {
  description = "ARN of the start function (the rule's target; other triggers such as a schedule may invoke it too)."
  value       = aws_lambda_function.start.arn
}

output "start_function_name" {
  description = "Name of the start function."
  value       = aws_lambda_function.start.function_name
}

output "start_log_group_name" {
  description = "Log group of the start function."
  value       = aws_cloudwatch_log_group.start.name
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue (events the rule could not deliver, invocations the function could not finish)."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = aws_sqs_queue.dlq.url
}

output "alarm_names" {
  description = "Names of the trigger's alarms (`<name_prefix>-<name>-dlq-messages`, `<name_prefix>-<name>-start-errors`)."
  value       = [aws_cloudwatch_metric_alarm.dead_letters.alarm_name, aws_cloudwatch_metric_alarm.start_errors.alarm_name]
}
