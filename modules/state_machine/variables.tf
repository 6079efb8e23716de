# Inputs of the internal state machine module; the workflow modules (training_workflow, segment_postprocessing,
# pinpoint_import, ses_destination) call it with their own name, rendered definition and workflow statements.

variable "name_prefix" {
  description = "Prefix of every physical name (the calling workflow module's name_prefix)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-24 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "name" {
  description = "The workflow's part of the physical names: the state machine and its role are `<name_prefix>-<name>`, the log group `/aws/vendedlogs/states/<name_prefix>-<name>` (e.g. `training`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*[a-z0-9]$", var.name))
    error_message = "name must be lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "definition" {
  description = "The rendered ASL definition (the caller's `jsonencode(jsondecode(templatefile(\"…/statemachines/<x>.asl.json\", local.asl_vars)))`)."
  type        = string

  validation {
    condition     = can(jsondecode(var.definition).States)
    error_message = "definition must be an ASL JSON document with States."
  }
}

variable "role_description" {
  description = "Description of the state machine's role."
  type        = string
}

variable "policy_name" {
  description = "Name of the role's inline policy."
  type        = string
}

variable "policy_json" {
  description = "The workflow's own statements (an `aws_iam_policy_document`'s json); the module adds log delivery and X-Ray. Sids `LogDelivery` and `Tracing` are taken."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the state machine's log group."
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
