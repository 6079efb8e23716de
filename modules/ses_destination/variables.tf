# Root inputs (DEVELOPERS.md, "Root module inputs for workflow modules"): same names and types as the root passes.

variable "name_prefix" {
  description = "Prefix of every physical name: `<name_prefix>-ses-destination` (state machine, rule, queue), `<name_prefix>-ses-segment-*` (functions, roles), default contact list `<name_prefix>-segments`."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-24 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "tags" {
  description = "Tags merged onto every taggable resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "data_bucket_name" {
  description = "Name of the data bucket (EventBridge notifications on): the rule matches its segment exports."
  type        = string
}

variable "data_bucket_arn" {
  description = "ARN of the data bucket: the functions read exports, the users dataset and write import files under ses_prefix."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.data_bucket_arn))
    error_message = "data_bucket_arn must be an S3 bucket ARN (arn:<partition>:s3:::<bucket>)."
  }
}

variable "notification_topic_arn" {
  description = "SNS topic for the success (counts, topics replaced) and failure notifications."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", var.notification_topic_arn))
    error_message = "notification_topic_arn must be an SNS topic ARN."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic the workflow's CloudWatch alarms (executions failed/timed out/aborted, function errors, dead letters) notify; the root passes `module.events.alarm_topic_arn`."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be an SNS topic ARN."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key of the buckets, the topic and the queue; null: SSE-S3 / alias/aws/sns / SQS-managed SSE. When set, the roles get the KMS permissions they need on it, and the key policy must let ses.amazonaws.com decrypt (SES reads the import files)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:[a-z-]+:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "log_retention_days" {
  description = "Retention of the log groups this module creates (its functions, the start function, the state machine)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch Logs' retention values."
  }
}

variable "lambda_package_dir" {
  description = "Directory of the `make build` zips (`ses_segment_topic.zip`, `ses_segment_contacts.zip`, `ses_segment_commit.zip`, `ses_segment_release.zip`, `start_execution.zip`)."
  type        = string
}

variable "powertools_layer_arn" {
  description = "Powertools for AWS Lambda (Python) v3 layer for python3.13/arm64, attached to the topic, contacts, commit and release functions (the zips do not bundle Powertools)."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.powertools_layer_arn))
    error_message = "powertools_layer_arn must be a versioned Lambda layer ARN."
  }
}

# Module-specific inputs.

variable "contact_list_name" {
  description = "SES contact list the segment topics go to (SES allows one per account). null: `<name_prefix>-segments`. Set it to the account's existing list to add topics to it (topics this solution did not create are never removed)."
  type        = string
  default     = null

  validation {
    condition     = var.contact_list_name == null || can(regex("^[A-Za-z0-9_-]{1,64}$", var.contact_list_name))
    error_message = "contact_list_name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "create_contact_list" {
  description = "Create the contact list when it does not exist. false: the list must exist (the workflow fails with ContactListConflict otherwise)."
  type        = bool
  default     = true
}

variable "export_prefix" {
  description = "Key prefix of the segment exports in the data bucket (ends with \"/\")."
  type        = string
  default     = "segments/"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*/$", var.export_prefix))
    error_message = "export_prefix must be a relative S3 key prefix ending with \"/\"."
  }
}

variable "train_prefix" {
  description = "Key prefix of the training data in the data bucket (the users dataset is `<train_prefix><dataset group>/users.csv` or `users/`)."
  type        = string
  default     = "train/"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*/$", var.train_prefix))
    error_message = "train_prefix must be a relative S3 key prefix ending with \"/\"."
  }
}

variable "ses_prefix" {
  description = "Key prefix of this module's objects in the data bucket: `<ses_prefix>imports/<topic>/part-*.csv` (read by SES: the storage module's ses_import_prefix must be `<ses_prefix>imports/`) and `<ses_prefix>topics/` (registry and membership snapshots)."
  type        = string
  default     = "ses/"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*/$", var.ses_prefix))
    error_message = "ses_prefix must be a relative S3 key prefix ending with \"/\"."
  }
}

variable "max_contacts_per_import" {
  description = "Contacts per import file, hence per SES import job (SES accepts at most 1,000,000 per job)."
  type        = number
  default     = 1000000

  validation {
    condition     = var.max_contacts_per_import >= 1 && var.max_contacts_per_import <= 1000000 && floor(var.max_contacts_per_import) == var.max_contacts_per_import
    error_message = "max_contacts_per_import must be a whole number from 1 to 1000000."
  }
}

variable "contacts_memory_mb" {
  description = "Memory of the contacts function. User ids are held as 64-bit hashes (~8.5 bytes each) for the segment, its previous membership and every other topic of this solution: 20 topics of 5M users need ~1 GB."
  type        = number
  default     = 2048

  validation {
    condition     = var.contacts_memory_mb >= 256 && var.contacts_memory_mb <= 10240 && floor(var.contacts_memory_mb) == var.contacts_memory_mb
    error_message = "contacts_memory_mb must be a whole number from 256 to 10240."
  }
}

variable "lock_ttl_seconds" {
  description = "One execution at a time works on the contact list (an import replaces whole contact records); its lock expires after this many seconds if the execution died without releasing it. Keep it above the longest execution (poll_seconds × max_polls per import part). Waiting executions retry for up to ~8 hours."
  type        = number
  default     = 43200

  validation {
    condition     = var.lock_ttl_seconds >= 60 && var.lock_ttl_seconds <= 86400 && floor(var.lock_ttl_seconds) == var.lock_ttl_seconds
    error_message = "lock_ttl_seconds must be a whole number from 60 to 86400."
  }
}

variable "poll_seconds" {
  description = "Seconds between two GetImportJob calls while an import job runs."
  type        = number
  default     = 30

  validation {
    condition     = var.poll_seconds >= 1 && var.poll_seconds <= 3600 && floor(var.poll_seconds) == var.poll_seconds
    error_message = "poll_seconds must be a whole number from 1 to 3600."
  }
}

variable "max_polls" {
  description = "GetImportJob calls per import job before the workflow gives up (failure notification `ImportTimeout`): 30 × 240 = 2 hours."
  type        = number
  default     = 240

  validation {
    condition     = var.max_polls >= 1 && var.max_polls <= 1500 && floor(var.max_polls) == var.max_polls
    error_message = "max_polls must be a whole number from 1 to 1500: each poll adds history events and a Standard workflow allows 25,000."
  }
}

variable "event_retry_attempts" {
  description = "Times EventBridge retries delivering an S3 event to the start function before it goes to the dead-letter queue."
  type        = number
  default     = 185

  validation {
    condition     = var.event_retry_attempts >= 0 && var.event_retry_attempts <= 185 && floor(var.event_retry_attempts) == var.event_retry_attempts
    error_message = "event_retry_attempts must be a whole number from 0 to 185."
  }
}
