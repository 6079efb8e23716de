# Inputs of the internal Lambda function module; the workflow modules (training_workflow, segment_postprocessing,
# pinpoint_import, ses_destination) call it once per workflow function with its name, zip, environment and statements.

variable "name_prefix" {
  description = "Prefix of every physical name (the calling workflow module's name_prefix)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-24 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "function" {
  description = "The function key, its one name: the `lambdas/<function>` folder and the package `<lambda_package_dir>/<function>.zip`; the function and its role are `<name_prefix>-<function with dashes>`, the log group `/aws/lambda/<name_prefix>-<function with dashes>` (e.g. `split_segments` → `ct-split-segments`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*(_[a-z0-9]+)*$", var.function))
    error_message = "function must be a snake_case function key (the lambdas/<function> folder name), e.g. split_segments."
  }
}

variable "description" {
  description = "Description of the function."
  type        = string
}

variable "role_description" {
  description = "Description of the function's role."
  type        = string
}

variable "lambda_package_dir" {
  description = "Directory of the `make build` zips."
  type        = string
}

variable "powertools_layer_arn" {
  description = "ARN of the Powertools for AWS Lambda (Python) layer for python3.13/arm64."
  type        = string
}

variable "environment" {
  description = "The function's environment variables."
  type        = map(string)
  default     = {}
}

variable "timeout" {
  description = "Function timeout in seconds."
  type        = number

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be between 1 and 900 seconds."
  }
}

variable "memory_size" {
  description = "Function memory in MB."
  type        = number

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240 MB."
  }
}

variable "policy_name" {
  description = "Name of the role's inline policy."
  type        = string
}

variable "policy_json" {
  description = "The function's own statements (an `aws_iam_policy_document`'s json); the module adds writing to the function's log group and X-Ray. Sids `Logs` and `Tracing` are taken."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch Logs' retention values."
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
