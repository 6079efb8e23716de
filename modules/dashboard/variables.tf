variable "name_prefix" {
  description = "Prefix of every physical name: the dashboard is `<name_prefix>`, it shows the `<name_prefix>-` workflows and the metrics namespace `ContextualTargeting/<name_prefix>`."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-24 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}
