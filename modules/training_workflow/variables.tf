# Root inputs (DEVELOPERS.md, "Root module inputs for workflow modules"): same names and types as the root passes.

variable "name_prefix" {
  description = "Prefix of every physical name: `<name_prefix>-training` (state machine, its role and log group), `<name_prefix>-training-*` (functions, roles, rule, queue, schedule), `<name_prefix>-personalize` (the role Amazon Personalize assumes)."
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
  description = "Name of the Personalize data bucket (EventBridge notifications on): the rule matches Object Created events of `train/**.json` in it."
  type        = string
}

variable "data_bucket_arn" {
  description = "ARN of the Personalize data bucket: the Personalize role reads `train/` and `batch/` and writes batch output under `batch-output/`; the validate function reads `train/` and `batch/`."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.data_bucket_arn))
    error_message = "data_bucket_arn must be an S3 bucket ARN (arn:<partition>:s3:::<bucket>)."
  }
}

variable "event_bus_name" {
  description = "Custom event bus receiving the `solutions.aws.personalize` state-change events (a batch segment job's event starts post-processing)."
  type        = string
}

variable "event_bus_arn" {
  description = "ARN of that bus: the state machine may put events on it only."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._-]+$", var.event_bus_arn))
    error_message = "event_bus_arn must be an EventBridge event bus ARN."
  }
}

variable "notification_topic_arn" {
  description = "SNS topic for the success, invalid-input and failure notifications."
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
  description = "Customer managed KMS key of the buckets, the topic, the bus and the queue; null: SSE-S3 / AWS managed keys. When set, the roles (Personalize's included) get the KMS permissions they need on it."
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

variable "powertools_layer_arn" {
  description = "Powertools for AWS Lambda (Python) v3 layer for python3.13/arm64, attached to the validate function."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.powertools_layer_arn))
    error_message = "powertools_layer_arn must be a versioned Lambda layer ARN."
  }
}

variable "lambda_package_dir" {
  description = "Directory of the `make build` zips (`validate_training_input.zip`, `start_execution.zip`)."
  type        = string
}

# Module-specific tunables. Each asynchronous resource is polled every <kind>_poll_seconds for at most
# <kind>_timeout_minutes; the state machine gets ceil(timeout / poll) as its loop bound.

variable "resource_poll_seconds" {
  description = "Seconds between two Describe calls while a dataset group, dataset or solution is being created."
  type        = number
  default     = 10

  validation {
    condition     = var.resource_poll_seconds >= 1 && var.resource_poll_seconds <= 3600 && floor(var.resource_poll_seconds) == var.resource_poll_seconds
    error_message = "resource_poll_seconds must be a whole number from 1 to 3600."
  }
}

variable "resource_timeout_minutes" {
  description = "Minutes a dataset group, dataset or solution may take to become ACTIVE."
  type        = number
  default     = 30

  validation {
    condition     = var.resource_timeout_minutes >= 1 && var.resource_timeout_minutes <= 1440
    error_message = "resource_timeout_minutes must be from 1 to 1440."
  }
}

variable "import_poll_seconds" {
  description = "Seconds between two DescribeDatasetImportJob calls."
  type        = number
  default     = 60

  validation {
    condition     = var.import_poll_seconds >= 1 && var.import_poll_seconds <= 3600 && floor(var.import_poll_seconds) == var.import_poll_seconds
    error_message = "import_poll_seconds must be a whole number from 1 to 3600."
  }
}

variable "import_timeout_minutes" {
  description = "Minutes a dataset import job may run (failure `DatasetImportJobNotActive` after that)."
  type        = number
  default     = 180

  validation {
    condition     = var.import_timeout_minutes >= 1 && var.import_timeout_minutes <= 2880
    error_message = "import_timeout_minutes must be from 1 to 2880."
  }
}

variable "training_poll_seconds" {
  description = "Seconds between two DescribeSolutionVersion calls while the model trains."
  type        = number
  default     = 300

  validation {
    condition     = var.training_poll_seconds >= 1 && var.training_poll_seconds <= 3600 && floor(var.training_poll_seconds) == var.training_poll_seconds
    error_message = "training_poll_seconds must be a whole number from 1 to 3600."
  }
}

variable "training_timeout_minutes" {
  description = "Minutes a solution version may train (failure `SolutionVersionNotActive` after that)."
  type        = number
  default     = 720

  validation {
    condition     = var.training_timeout_minutes >= 1 && var.training_timeout_minutes <= 10080
    error_message = "training_timeout_minutes must be from 1 to 10080 (7 days)."
  }
}

variable "batch_poll_seconds" {
  description = "Seconds between two DescribeBatchSegmentJob calls."
  type        = number
  default     = 120

  validation {
    condition     = var.batch_poll_seconds >= 1 && var.batch_poll_seconds <= 3600 && floor(var.batch_poll_seconds) == var.batch_poll_seconds
    error_message = "batch_poll_seconds must be a whole number from 1 to 3600."
  }
}

variable "batch_timeout_minutes" {
  description = "Minutes a batch segment job may run (failure `BatchSegmentJobNotActive` after that)."
  type        = number
  default     = 240

  validation {
    condition     = var.batch_timeout_minutes >= 1 && var.batch_timeout_minutes <= 2880
    error_message = "batch_timeout_minutes must be from 1 to 2880."
  }
}

variable "validation_full_check_max_mb" {
  description = "CSV files up to this size are checked row by row before training; larger ones on their header and a sample (the report says so). null: the function's default."
  type        = number
  default     = null

  validation {
    condition     = var.validation_full_check_max_mb == null || try(var.validation_full_check_max_mb > 0, false)
    error_message = "validation_full_check_max_mb must be a positive number of MB or null."
  }
}

variable "schedule_expression" {
  description = "Optional EventBridge Scheduler expression (`rate(7 days)`, `cron(0 3 ? * MON *)`) that re-runs training for schedule_config_key: same dataset group, fresh imports, a new solution version and new batch segment jobs. null: no schedule."
  type        = string
  default     = null

  validation {
    condition     = var.schedule_expression == null || can(regex("^(rate\\(\\d+ (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\)|at\\(.+\\))$", var.schedule_expression))
    error_message = "schedule_expression must be rate(...), cron(...) or at(...)."
  }
}

variable "schedule_timezone" {
  description = "Time zone of a cron schedule_expression (IANA name)."
  type        = string
  default     = "UTC"
}

variable "schedule_config_key" {
  description = "Key of the training config the schedule re-runs, e.g. `train/bingewatch/config.json` (the data next to it is re-imported as it is then)."
  type        = string
  default     = "train/bingewatch/config.json"

  validation {
    condition     = can(regex("^train/.+\\.json$", var.schedule_config_key))
    error_message = "schedule_config_key must be a key under train/ ending in .json."
  }
}

variable "event_retry_attempts" {
  description = "Times EventBridge (and the scheduler) retry delivering an event to the start function before it goes to the dead-letter queue."
  type        = number
  default     = 185

  validation {
    condition     = var.event_retry_attempts >= 0 && var.event_retry_attempts <= 185 && floor(var.event_retry_attempts) == var.event_retry_attempts
    error_message = "event_retry_attempts must be a whole number from 0 to 185."
  }
}
