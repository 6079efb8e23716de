output "event_bus_name" {
  description = "Name of the custom event bus."
  value       = aws_cloudwatch_event_bus.this.name
}

output "event_bus_arn" {
  description = "ARN of the custom event bus."
  value       = aws_cloudwatch_event_bus.this.arn
}

output "event_archive_arn" {
  description = "ARN of the event archive."
  value       = aws_cloudwatch_event_archive.this.arn
}

output "notification_topic_arn" {
  description = "ARN of the SNS notification topic."
  value       = aws_sns_topic.notifications.arn
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic the CloudWatch alarms publish to (`<name_prefix>-alarms`; the same e-mail subscriptions)."
  value       = aws_sns_topic.alarms.arn
}
