output "data_bucket_name" {
  description = "Upload training data here: aws s3 sync data/personalize s3://<this>/"
  value       = module.contextual_targeting.data_bucket_name
}

output "segment_bucket_name" {
  description = "Pinpoint endpoint files go here (only with the pinpoint destination): aws s3 sync data/pinpoint s3://<this>/pinpoint/"
  value       = module.contextual_targeting.segment_bucket_name
}

output "notification_topic_arn" {
  description = "SNS topic the workflows notify."
  value       = module.contextual_targeting.notification_topic_arn
}
