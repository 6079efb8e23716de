output "kms_key_arn" {
  description = "ARN of the customer managed key this example creates."
  value       = aws_kms_key.this.arn
}

output "data_bucket_name" {
  description = "Data bucket name."
  value       = module.contextual_targeting.data_bucket_name
}

output "data_bucket_arn" {
  description = "Data bucket ARN."
  value       = module.contextual_targeting.data_bucket_arn
}

output "segment_bucket_name" {
  description = "Segment import bucket name."
  value       = module.contextual_targeting.segment_bucket_name
}

output "segment_bucket_arn" {
  description = "Segment import bucket ARN."
  value       = module.contextual_targeting.segment_bucket_arn
}

output "event_bus_arn" {
  description = "Custom event bus ARN."
  value       = module.contextual_targeting.event_bus_arn
}

output "notification_topic_arn" {
  description = "SNS notification topic ARN."
  value       = module.contextual_targeting.notification_topic_arn
}

output "pinpoint_application_id" {
  description = "Pinpoint application id (null when Pinpoint is disabled)."
  value       = module.contextual_targeting.pinpoint_application_id
}
