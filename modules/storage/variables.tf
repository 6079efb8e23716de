variable "name_prefix" {
  description = "Prefix of the bucket names: `<name_prefix>-data-<account>-<region>` and `<name_prefix>-segments-<account>-<region>`."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-24 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key ARN for SSE-KMS (with S3 bucket keys). null: SSE-S3 (AES256)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:[a-z-]+:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "work_retention_days" {
  description = "Days after which scratch objects under work/ in the data bucket expire."
  type        = number
  default     = 7

  validation {
    condition     = var.work_retention_days >= 1 && floor(var.work_retention_days) == var.work_retention_days
    error_message = "work_retention_days must be a whole number of days >= 1."
  }
}

variable "batch_output_retention_days" {
  description = "Days after which batch segment job output (batch-output/ in the data bucket) expires. The job inputs under batch/ and the training data under train/ never expire."
  type        = number
  default     = 90

  validation {
    condition     = var.batch_output_retention_days >= 1 && floor(var.batch_output_retention_days) == var.batch_output_retention_days
    error_message = "batch_output_retention_days must be a whole number of days >= 1."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days after which noncurrent object versions expire: in the data bucket under the prefixes the workflows write (work/, batch-output/, segments/, ses/, connect/; never train/ or batch/), in the segment import bucket everywhere."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_retention_days >= 1 && floor(var.noncurrent_version_retention_days) == var.noncurrent_version_retention_days
    error_message = "noncurrent_version_retention_days must be a whole number of days >= 1."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the buckets with every object and object version in them (uploads, exports, job output). false: destroy fails while a bucket is not empty."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags merged onto the buckets (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "ses_import_prefix" {
  description = "Data-bucket key prefix (ends with \"/\") whose objects Amazon SES may read for contact import jobs (the SES destination's import files, e.g. `ses/imports/`); null: no SES statement in the bucket policy."
  type        = string
  default     = null

  validation {
    condition     = var.ses_import_prefix == null || can(regex("^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*/$", var.ses_import_prefix))
    error_message = "ses_import_prefix must be a relative S3 key prefix ending with \"/\", without \"*\" or a leading \"/\"."
  }
}
