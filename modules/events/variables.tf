variable "name_prefix" {
  description = "Prefix of the names: `<name_prefix>-bus`, `<name_prefix>-archive`, `<name_prefix>-notifications`."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-24 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key ARN for the SNS topic, the event bus and the archive. null: alias/aws/sns for the topic and AWS owned keys for EventBridge."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:[a-z-]+:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "notification_emails" {
  description = "E-mail addresses subscribed to the notification topic."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for email in var.notification_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", email))])
    error_message = "Every notification_emails entry must be an e-mail address (name@domain.tld)."
  }
}

variable "event_archive_retention_days" {
  description = "Days the archive keeps the custom bus's events for replay (0 = indefinitely)."
  type        = number
  default     = 30

  validation {
    condition     = var.event_archive_retention_days >= 0 && floor(var.event_archive_retention_days) == var.event_archive_retention_days
    error_message = "event_archive_retention_days must be a whole number >= 0."
  }
}

variable "tags" {
  description = "Tags merged onto the bus and the topic (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
