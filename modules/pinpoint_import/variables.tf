# Root inputs (DEVELOPERS.md, "Root module inputs for workflow modules"): same names and types as the root passes.

variable "name_prefix" {
  description = "Prefix of every physical name: `<name_prefix>-pinpoint-import` (state machine, rule; `-start`, `-dlq`: start function, queue), `<name_prefix>-pinpoint-*` (functions and their roles), `<name_prefix>-pinpoint-service` (the role Pinpoint assumes to read the import files)."
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
  description = "Name of the data bucket (EventBridge notifications on): the rule matches the segment exports written there, and the chunk files of a resolution go under `work/pinpoint/`."
  type        = string
}

variable "data_bucket_arn" {
  description = "ARN of the data bucket: the chunk function reads only the exports (`<export_prefix>*`); chunks, stats and manifests live under `work/pinpoint/`."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.data_bucket_arn))
    error_message = "data_bucket_arn must be an S3 bucket ARN (arn:<partition>:s3:::<bucket>)."
  }
}

variable "export_prefix" {
  description = "Key prefix of the segment exports in the data bucket (`<prefix><dataset group>/<job>/<segment>.csv`), as segment post-processing writes them."
  type        = string
  default     = "segments/"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*/$", var.export_prefix))
    error_message = "export_prefix must be a relative S3 key prefix ending with \"/\", without \"*\", a leading \"/\" or empty path segments."
  }
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
  description = "Retention of the log groups this module creates (its functions, the start function, the state machine)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch Logs' retention values."
  }
}

variable "lambda_package_dir" {
  description = "Directory of the `make build` zips (`pinpoint_chunk_export.zip`, `pinpoint_resolve_endpoints.zip`, `pinpoint_segment_ready.zip`, `pinpoint_import_prepare.zip`, `start_execution.zip`)."
  type        = string
}

variable "powertools_layer_arn" {
  description = "Powertools for AWS Lambda (Python) v3 layer for python3.13/arm64, attached to the workflow's functions (the zips do not bundle Powertools)."
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

variable "channel_type" {
  description = "Endpoint channel type taken into the import parts (EMAIL, SMS, PUSH …, or ALL for every channel). Opted-out and inactive endpoints are always skipped."
  type        = string
  default     = "EMAIL"

  validation {
    condition     = contains(["ALL", "EMAIL", "SMS", "VOICE", "PUSH", "GCM", "APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX", "ADM", "BAIDU", "CUSTOM", "IN_APP"], var.channel_type)
    error_message = "channel_type must be ALL or a Pinpoint channel type."
  }
}

variable "chunk_size" {
  description = "User ids per chunk (one Distributed Map child execution and one import part each). At the default, a 5,000,000-user segment is 100 chunks."
  type        = number
  default     = 50000

  validation {
    condition     = var.chunk_size >= 100 && var.chunk_size <= 500000 && floor(var.chunk_size) == var.chunk_size
    error_message = "chunk_size must be an integer between 100 and 500000."
  }
}

variable "max_concurrency" {
  description = "Chunks resolved at the same time (Distributed Map MaxConcurrency). Mind Pinpoint's GetUserEndpoints quota: max_concurrency × resolve_concurrency requests in flight."
  type        = number
  default     = 4

  validation {
    condition     = var.max_concurrency >= 1 && var.max_concurrency <= 1000 && floor(var.max_concurrency) == var.max_concurrency
    error_message = "max_concurrency must be an integer between 1 and 1000."
  }
}

variable "resolve_concurrency" {
  description = "GetUserEndpoints calls in flight per chunk (threads in the resolve function)."
  type        = number
  default     = 16

  validation {
    condition     = var.resolve_concurrency >= 1 && var.resolve_concurrency <= 64 && floor(var.resolve_concurrency) == var.resolve_concurrency
    error_message = "resolve_concurrency must be an integer between 1 and 64."
  }
}
