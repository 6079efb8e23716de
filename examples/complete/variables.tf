variable "region" {
  description = "AWS region of the deployment and of the KMS key."
  type        = string
  default     = "eu-west-1"
}

variable "name_prefix" {
  description = "Prefix of every physical name."
  type        = string
  default     = "ct-complete"
}

variable "notification_emails" {
  description = "E-mail addresses subscribed to the notification topic."
  type        = list(string)
  default     = ["ops@example.com", "marketing@example.com"]
}

variable "pinpoint_enabled" {
  description = "false in accounts that cannot use Amazon Pinpoint (end of support 2026-10-30): the S3 export still works."
  type        = bool
  default     = true
}

variable "pinpoint_application_id" {
  description = "Existing Pinpoint project id to import into; null creates one (when pinpoint_enabled)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default = {
    Environment = "staging"
    CostCenter  = "marketing-analytics"
  }
}
