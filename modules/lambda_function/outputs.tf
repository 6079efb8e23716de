output "function_arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "function_name" {
  description = "Name of the function (`<name_prefix>-<function with dashes>`)."
  value       = aws_lambda_function.this.function_name
}

output "role_arn" {
  description = "ARN of the function's role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the function's role."
  value       = aws_iam_role.this.name
}

output "log_group_name" {
  description = "Log group of the function (`/aws/lambda/<name_prefix>-<function with dashes>`)."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the function's log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "alarm_names" {
  description = "Names of the function's alarms (`<name_prefix>-<function with dashes>-errors`)."
  value       = [aws_cloudwatch_metric_alarm.errors.alarm_name]
}
