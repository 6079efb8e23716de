output "data_bucket_name" {
  description = "Upload training data here (train/<dataset group>/, with users.csv holding E_MAIL): aws s3 sync data/personalize s3://<this>/"
  value       = module.contextual_targeting.data_bucket_name
}

output "ses_contact_list_name" {
  description = "SES contact list with one topic per segment: send with ListManagementOptions { ContactListName, TopicName }."
  value       = module.contextual_targeting.ses_contact_list_name
}

output "notification_topic_arn" {
  description = "SNS topic the workflows notify (per segment: subscribed, missing e-mail, invalid address, failed, topics replaced)."
  value       = module.contextual_targeting.notification_topic_arn
}
