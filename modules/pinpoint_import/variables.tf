# Root inputs (DEVELOPERS.md, "Root module inputs for workflow modules"): same names and types as the root passes.

variable "name_prefix" {
  description = "Prefix of every physical name: `<name_prefix>-segment-import` (state machine), `<name_prefix>-pinpoint-import-*` (functions, roles, rule, queue)."
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

variable "segment_bucket_name" {
  description = "Name of the segment import bucket (EventBridge notifications on): the rule matches its Object Created events."
  type        = string
}

variable "segment_bucket_arn" {
  description = "ARN of the segment import bucket: the import role and the prepare function read only under segment_import_prefix."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.segment_bucket_arn))
    error_message = "segment_bucket_arn must be an S3 bucket ARN (arn:<partition>:s3:::<bucket>)."
  }
}

variable "segment_import_prefix" {
  description = "Key prefix watched in the segment import bucket (ends with \"/\"): endpoint files anywhere under it, segment folders and completion objects under `<prefix>segments/`."
  type        = string
  default     = "pinpoint/"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*/$", var.segment_import_prefix))
    error_message = "segment_import_prefix must be a relative S3 key prefix ending with \"/\", without \"*\", a leading \"/\" or empty path segments."
  }
}

variable "notification_topic_arn" {
  description = "SNS topic for the start (optional), success, skipped and failure notifications."
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
  description = "Customer managed KMS key of the buckets, the topic and the queue; null: SSE-S3 / alias/aws/sns / SQS-managed SSE. When set, the roles get the KMS permissions they need on it."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:[a-z-]+:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "log_retention_days" {
  description = "Retention of the log groups this module creates (two functions, the state machine)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch Logs' retention values."
  }
}

variable "lambda_package_dir" {
  description = "Directory of the `make build` zips (`pinpoint_import_prepare.zip`, `start_execution.zip`)."
  type        = string
}

variable "powertools_layer_arn" {
  description = "Powertools for AWS Lambda (Python) v3 layer for python3.13/arm64, attached to the prepare function (the zips do not bundle Powertools)."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.powertools_layer_arn))
    error_message = "powertools_layer_arn must be a versioned Lambda layer ARN."
  }
}

variable "pinpoint_application_id" {
  description = "Pinpoint application (project) id the segments are imported into."
  type        = string

  validation {
    condition     = can(regex("^[a-f0-9]{32}$", var.pinpoint_application_id))
    error_message = "pinpoint_application_id must be 32 lowercase hex characters."
  }
}

variable "pinpoint_application_arn" {
  description = "ARN of that application: `arn:<partition>:mobiletargeting:<region>:<account>:apps/<id>`; every mobiletargeting permission is scoped to it."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:mobiletargeting:[a-z0-9-]+:[0-9]{12}:apps/[a-f0-9]{32}$", var.pinpoint_application_arn))
    error_message = "pinpoint_application_arn must be arn:<partition>:mobiletargeting:<region>:<account>:apps/<id>."
  }
}

# Module-specific tunables.

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
  description = "GetImportJob calls before the workflow gives up on a job (failure notification `ImportTimeout`). poll_seconds × max_polls is the timeout: 30 × 240 = 2 hours."
  type        = number
  default     = 240

  validation {
    condition     = var.max_polls >= 1 && var.max_polls <= 1500 && floor(var.max_polls) == var.max_polls
    error_message = "max_polls must be a whole number from 1 to 1500: each poll adds 13 history events and a Standard workflow allows 25,000."
  }
}

variable "notify_on_start" {
  description = "Also notify when an import starts (segment name, source, import folder), not only when it ends."
  type        = bool
  default     = false
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
