# Inputs of the internal trigger module; the workflow modules (training_workflow, segment_postprocessing,
# pinpoint_import, ses_destination) call it with their own names, rule pattern and state machine.

variable "name_prefix" {
  description = "Prefix of every physical name (the calling workflow module's name_prefix)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-24 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "name" {
  description = "The workflow's part of the physical names: the rule is `<name_prefix>-<name>`, the start function (its role and log group) `<name_prefix>-<name>-start`, the dead-letter queue `<name_prefix>-<name>-dlq` (e.g. `training`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*[a-z0-9]$", var.name))
    error_message = "name must be lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "description" {
  description = "Description of the start function."
  type        = string
}

variable "role_description" {
  description = "Description of the start function's role."
  type        = string
}

variable "rule_description" {
  description = "Description of the EventBridge rule."
  type        = string
}

variable "state_machine_arn" {
  description = "The one state machine the start function may start (`states:StartExecution` on this ARN only; passed as `STATE_MACHINE_ARN`)."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]+$", var.state_machine_arn))
    error_message = "state_machine_arn must be a Step Functions state machine ARN."
  }
}

variable "event_bus_name" {
  description = "Bus of the rule and its target: null for the account's default bus (S3 events), the custom bus's name for Personalize state changes."
  type        = string
  default     = null
}

variable "event_pattern" {
  description = "The rule's event pattern as a JSON string (the caller renders its `event_patterns/<rule>.json` template with templatefile())."
  type        = string

  validation {
    condition     = can(jsondecode(var.event_pattern))
    error_message = "event_pattern must be a JSON document."
  }
}

variable "event_retry_attempts" {
  description = "Times EventBridge retries delivering an event to the start function before it goes to the dead-letter queue."
  type        = number
  default     = 185

  validation {
    condition     = var.event_retry_attempts >= 0 && var.event_retry_attempts <= 185 && floor(var.event_retry_attempts) == var.event_retry_attempts
    error_message = "event_retry_attempts must be a whole number from 0 to 185."
  }
}

variable "lambda_package_dir" {
  description = "Directory of the `make build` zips (`start_execution.zip`)."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the start function's log group."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch Logs' retention values."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key of the dead-letter queue; null: SQS-managed SSE. When set, the start function's role may use it through SQS."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:[a-z-]+:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic the module's CloudWatch alarms notify (the root passes the events module's `<name_prefix>-alarms` topic)."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be an SNS topic ARN."
  }
}

variable "tags" {
  description = "Tags merged onto every taggable resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
