output "data_bucket_name" {
  description = "Name of the data bucket (train/, batch/, batch-output/, segments/, work/)."
  value       = aws_s3_bucket.this["data"].id
}

output "data_bucket_arn" {
  description = "ARN of the data bucket."
  value       = aws_s3_bucket.this["data"].arn
}

output "segment_bucket_name" {
  description = "Name of the segment import bucket."
  value       = aws_s3_bucket.this["segments"].id
}

output "segment_bucket_arn" {
  description = "ARN of the segment import bucket."
  value       = aws_s3_bucket.this["segments"].arn
}
