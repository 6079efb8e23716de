# Root inputs (DEVELOPERS.md, "Root module inputs for workflow modules"): same names and types as the root passes.

variable "name_prefix" {
  description = "Prefix of every physical name: `<name_prefix>-connect-destination` (state machine, rule, queue), `<name_prefix>-connect-segment-*` (functions, roles), a created domain `<name_prefix>-profiles`."
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
  description = "ARN of the data bucket: the functions read exports and the users dataset and write upload files under connect_prefix."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.data_bucket_arn))
    error_message = "data_bucket_arn must be an S3 bucket ARN (arn:<partition>:s3:::<bucket>)."
  }
}

variable "notification_topic_arn" {
  description = "SNS topic for the success (counts, the segment definition ARN) and failure notifications."
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
  description = "Customer managed KMS key of the buckets, the topic and the queue; null: SSE-S3 / alias/aws/sns / SQS-managed SSE. When set, the roles get the KMS permissions they need on it, and a created Customer Profiles domain is encrypted with it (the key policy must let profile.amazonaws.com use it)."
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
  description = "Directory of the `make build` zips (`connect_segment_prepare.zip`, `connect_segment_release.zip`, `connect_segment_profiles.zip`, `connect_segment_upload.zip`, `start_execution.zip`)."
  type        = string
}

variable "powertools_layer_arn" {
  description = "Powertools for AWS Lambda (Python) v3 layer for python3.13/arm64, attached to the prepare, release, profiles and upload functions (the zips do not bundle Powertools)."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.powertools_layer_arn))
    error_message = "powertools_layer_arn must be a versioned Lambda layer ARN."
  }
}

# Module-specific inputs.

variable "domain_name" {
  description = "Customer Profiles domain to put the segments in (the domain of your Amazon Connect instance: Connect outbound campaigns send to segments of that domain). null with create_domain = true: `<name_prefix>-profiles`."
  type        = string
  default     = null

  validation {
    condition     = var.domain_name == null || can(regex("^[a-zA-Z0-9_-]{1,64}$", var.domain_name))
    error_message = "domain_name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "create_domain" {
  description = "Create the Customer Profiles domain (aws_customerprofiles_domain). false (default): domain_name must name an existing domain."
  type        = bool
  default     = false
}

variable "domain_expiration_days" {
  description = "DefaultExpirationDays of a created domain (profiles not written by our upload jobs expire after this many days)."
  type        = number
  default     = 366

  validation {
    condition     = var.domain_expiration_days >= 1 && var.domain_expiration_days <= 1098 && floor(var.domain_expiration_days) == var.domain_expiration_days
    error_message = "domain_expiration_days must be a whole number from 1 to 1098."
  }
}

variable "field_mapping" {
  description = "users.csv column → Customer Profiles field for the profiles of segment members: a standard field (EmailAddress, PhoneNumber, MobilePhoneNumber, FirstName, LastName, GenderString, BirthDate…) or `Attributes.<name>`. At least one contact field (an e-mail or phone field): users with none of them are counted and not imported. The default fits the Bingewatch sample."
  type        = map(string)
  default = {
    E_MAIL = "EmailAddress"
    GENDER = "GenderString"
    AGE    = "Attributes.AGE"
  }

  validation {
    condition = length(var.field_mapping) > 0 && alltrue([
      for column, target in var.field_mapping :
      can(regex("^[A-Za-z0-9_.-]{1,64}$", column)) && upper(column) != "USER_ID" && upper(column) != "CT_SEGMENT_VERSION" &&
      (contains(["AccountNumber", "AdditionalInformation", "FirstName", "MiddleName", "LastName", "BusinessName", "BirthDate", "GenderString", "PartyTypeString", "PhoneNumber", "MobilePhoneNumber", "HomePhoneNumber", "BusinessPhoneNumber", "EmailAddress", "PersonalEmailAddress", "BusinessEmailAddress"], target) || can(regex("^Attributes\\.[A-Za-z0-9_-]{1,255}$", target)))
    ])
    error_message = "field_mapping: columns are 1-64 of [A-Za-z0-9_.-] (not USER_ID or CT_SEGMENT_VERSION); targets are standard profile fields or Attributes.<name>."
  }

  validation {
    condition     = length(setintersection(values(var.field_mapping), ["EmailAddress", "PersonalEmailAddress", "BusinessEmailAddress", "PhoneNumber", "MobilePhoneNumber", "HomePhoneNumber", "BusinessPhoneNumber"])) > 0
    error_message = "field_mapping must map at least one contact field (an e-mail address or phone number field): campaigns could reach nobody."
  }
}

variable "user_id_field" {
  description = "Profile field that holds the user id (the upload jobs' unique key, USER_ID)."
  type        = string
  default     = "AccountNumber"

  validation {
    condition     = contains(["AccountNumber", "AdditionalInformation"], var.user_id_field) || can(regex("^Attributes\\.[A-Za-z0-9_-]{1,255}$", var.user_id_field))
    error_message = "user_id_field must be AccountNumber, AdditionalInformation or Attributes.<name>."
  }
}

variable "data_expiry_days" {
  description = "DataExpiry of the upload jobs: days the imported profiles are kept after their last upload (the API's default is 14 days, too short for a segment re-run monthly)."
  type        = number
  default     = 365

  validation {
    condition     = var.data_expiry_days >= 1 && var.data_expiry_days <= 1098 && floor(var.data_expiry_days) == var.data_expiry_days
    error_message = "data_expiry_days must be a whole number from 1 to 1098 (the API's range)."
  }
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

variable "connect_prefix" {
  description = "Key prefix of this module's objects in the data bucket: `<connect_prefix>uploads/<definition>/<version>/part-*.csv` (upload files) and `<connect_prefix>locks/` (one execution per segment definition at a time)."
  type        = string
  default     = "connect/"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*/$", var.connect_prefix))
    error_message = "connect_prefix must be a relative S3 key prefix ending with \"/\"."
  }
}

variable "max_upload_bytes" {
  description = "Largest upload file (header row included); bigger segments are split, one upload job per part. Customer Profiles takes files under 1 GB."
  type        = number
  default     = 1000000000

  validation {
    condition     = var.max_upload_bytes >= 1024 && var.max_upload_bytes <= 1000000000 && floor(var.max_upload_bytes) == var.max_upload_bytes
    error_message = "max_upload_bytes must be a whole number from 1024 to 1000000000."
  }
}

variable "profiles_memory_mb" {
  description = "Memory of the profiles function. The segment's user ids are held as 64-bit hashes (~8.5 bytes each) plus one bit per member: a 5M-user segment needs ~45 MB of it."
  type        = number
  default     = 1024

  validation {
    condition     = var.profiles_memory_mb >= 256 && var.profiles_memory_mb <= 10240 && floor(var.profiles_memory_mb) == var.profiles_memory_mb
    error_message = "profiles_memory_mb must be a whole number from 256 to 10240."
  }
}

variable "lock_ttl_seconds" {
  description = "One execution at a time works on a segment definition; its lock expires after this many seconds if the execution died without releasing it. Keep it above the longest execution (poll_seconds × max_polls per upload part)."
  type        = number
  default     = 43200

  validation {
    condition     = var.lock_ttl_seconds >= 60 && var.lock_ttl_seconds <= 86400 && floor(var.lock_ttl_seconds) == var.lock_ttl_seconds
    error_message = "lock_ttl_seconds must be a whole number from 60 to 86400."
  }
}

variable "poll_seconds" {
  description = "Seconds between two GetUploadJob calls while an upload job runs."
  type        = number
  default     = 30

  validation {
    condition     = var.poll_seconds >= 1 && var.poll_seconds <= 3600 && floor(var.poll_seconds) == var.poll_seconds
    error_message = "poll_seconds must be a whole number from 1 to 3600."
  }
}

variable "max_polls" {
  description = "GetUploadJob calls per upload job before the workflow gives up (failure notification `UploadTimeout`, the definition unchanged): 30 × 240 = 2 hours."
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
