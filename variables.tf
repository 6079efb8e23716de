variable "name_prefix" {
  description = "Prefix of every physical name (buckets, bus, topic, functions, roles, state machines), so two deployments can share an account. 3-24 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen. 24 keeps `<prefix>-segments-<account>-<region>` within S3's 63 characters in every region."
  type        = string
  default     = "contextual-targeting"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix)) && !strcontains(var.name_prefix, "--") && !startswith(var.name_prefix, "xn-") && !startswith(var.name_prefix, "sthree-")
    error_message = "name_prefix must be 3-24 characters of lowercase letters, digits and single hyphens, start with a letter, not end with a hyphen, and not start with the reserved S3 prefixes \"xn-\" or \"sthree-\"."
  }
}

variable "region" {
  description = "AWS region to deploy into. null uses the standard AWS configuration chain (AWS_REGION, the profile's region)."
  type        = string
  default     = null

  validation {
    condition     = var.region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.region))
    error_message = "region must look like an AWS region code, e.g. \"eu-west-1\"."
  }
}

variable "tags" {
  description = "Tags applied to every resource through the provider's default_tags (merged over the project tags)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for key in keys(var.tags) : !startswith(lower(key), "aws:")])
    error_message = "Tag keys must not start with the reserved \"aws:\" prefix."
  }
}

variable "notification_emails" {
  description = "E-mail addresses subscribed to the notification topic (each must confirm the subscription e-mail)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for email in var.notification_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", email))])
    error_message = "Every notification_emails entry must be an e-mail address (name@domain.tld)."
  }

  validation {
    condition     = length(distinct(var.notification_emails)) == length(var.notification_emails)
    error_message = "notification_emails must not contain duplicates."
  }
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for the buckets (SSE-KMS with bucket keys), the SNS topic, the event bus and its archive. null: SSE-S3 for the buckets, the AWS managed key alias/aws/sns for the topic, AWS owned keys for EventBridge. The key policy must let the services use it (see examples/complete)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:[a-z-]+:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key id>), not an alias."
  }
}

variable "segment_destinations" {
  description = "Where segments go besides the always-on S3 export (`segments/<dataset group>/<job>/<segment>.csv`). Default `[]`: the S3 export only, which works in any AWS account as created today with nothing else to set up. `ses`: topics of the account's one Amazon SES contact list (sending to them needs a verified identity and SES production access). `connect`: Amazon Connect Customer Profiles segment definitions, the audience of Connect outbound campaigns (needs a Customer Profiles domain: customer_profiles_domain_name or create_customer_profiles_domain). `pinpoint`: Amazon Pinpoint static segments — WARNING: Pinpoint's engagement features (endpoints, segments, imports, campaigns) reached end of support on 2026-10-30 and cannot be used in an account that has no Pinpoint project; choose it only for such an existing project."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for d in var.segment_destinations : contains(["pinpoint", "ses", "connect"], d)])
    error_message = "segment_destinations may only contain \"pinpoint\", \"ses\" and \"connect\"."
  }
}

variable "ses_contact_list_name" {
  description = "SES destination: contact list the segment topics go to (SES allows one per account). null: `<name_prefix>-segments`, created if missing. Name the account's existing list to add topics to it (topics not created by this solution are never removed)."
  type        = string
  default     = null

  validation {
    condition     = var.ses_contact_list_name == null || can(regex("^[A-Za-z0-9_-]{1,64}$", var.ses_contact_list_name))
    error_message = "ses_contact_list_name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "customer_profiles_domain_name" {
  description = "Connect destination: Customer Profiles domain the segment definitions go to (the domain of your Amazon Connect instance). Required with the connect destination unless create_customer_profiles_domain = true (null then: `<name_prefix>-profiles`)."
  type        = string
  default     = null

  validation {
    condition     = var.customer_profiles_domain_name == null || can(regex("^[a-zA-Z0-9_-]{1,64}$", var.customer_profiles_domain_name))
    error_message = "customer_profiles_domain_name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "create_customer_profiles_domain" {
  description = "Connect destination: create the Customer Profiles domain (aws_customerprofiles_domain) instead of using an existing one."
  type        = bool
  default     = false
}

variable "connect_field_mapping" {
  description = "Connect destination: users.csv column → Customer Profiles field (a standard field such as EmailAddress, PhoneNumber, FirstName, GenderString, or `Attributes.<name>`); at least one e-mail or phone field. Users without a value in any mapped contact field are counted and not imported."
  type        = map(string)
  default = {
    E_MAIL = "EmailAddress"
    GENDER = "GenderString"
    AGE    = "Attributes.AGE"
  }
}

variable "connect_data_expiry_days" {
  description = "Connect destination: days Customer Profiles keeps an imported profile after its last upload (DataExpiry of the upload jobs; the API's default is 14)."
  type        = number
  default     = 365

  validation {
    condition     = var.connect_data_expiry_days >= 1 && var.connect_data_expiry_days <= 1098 && floor(var.connect_data_expiry_days) == var.connect_data_expiry_days
    error_message = "connect_data_expiry_days must be a whole number from 1 to 1098."
  }
}

variable "pinpoint_application_id" {
  description = "Existing Pinpoint application (project) id to import segments into. null with the pinpoint destination creates a new aws_pinpoint_app."
  type        = string
  default     = null

  validation {
    condition     = var.pinpoint_application_id == null || can(regex("^[a-f0-9]{32}$", var.pinpoint_application_id))
    error_message = "pinpoint_application_id must be a Pinpoint application id (32 lowercase hex characters)."
  }
}

variable "segment_import_prefix" {
  description = "Key prefix in the segment import bucket that the Pinpoint import workflow watches. Must end with \"/\"."
  type        = string
  default     = "pinpoint/"

  validation {
    # the same pattern as modules/pinpoint_import (tests/terraform/test_validation_patterns.py): no "*", which would widen
    # the IAM resource ARNs built from the prefix
    condition     = can(regex("^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*/$", var.segment_import_prefix))
    error_message = "segment_import_prefix must be a relative S3 key prefix ending with \"/\" (e.g. \"pinpoint/\"), without \"*\", a leading \"/\" or empty path segments."
  }
}

variable "log_retention_days" {
  description = "Retention of every CloudWatch log group the modules create (Lambda and Step Functions)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch Logs' retention values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "powertools_layer_arn" {
  description = "ARN of the Powertools for AWS Lambda (Python) v3 layer for python3.13/arm64. null uses AWS's public layer in the deployment region (aws and aws-cn partitions); set it in other partitions or to pin another version."
  type        = string
  default     = null

  validation {
    condition     = var.powertools_layer_arn == null || can(regex("^arn:[a-z-]+:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.powertools_layer_arn))
    error_message = "powertools_layer_arn must be a Lambda layer version ARN (arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>)."
  }
}

variable "lambda_package_dir" {
  description = "Directory holding the Lambda zips written by `make build` (`<function>.zip`). null uses build/ next to this root module."
  type        = string
  default     = null
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

variable "force_destroy" {
  description = "Let terraform destroy delete both buckets with every object and object version in them (uploads, exports, job output). false (the default): destroy fails while a bucket is not empty — see the README, \"Remove everything\"."
  type        = bool
  default     = false
}

variable "dashboard_enabled" {
  description = "Create the CloudWatch dashboard `<name_prefix>` (executions per workflow, the functions' segment, user and contact counts, errors, dead letters; modules/dashboard)."
  type        = bool
  default     = true
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

variable "event_archive_retention_days" {
  description = "Days the custom event bus archive keeps events for replay (0 keeps them indefinitely)."
  type        = number
  default     = 30

  validation {
    condition     = var.event_archive_retention_days >= 0 && floor(var.event_archive_retention_days) == var.event_archive_retention_days
    error_message = "event_archive_retention_days must be a whole number >= 0 (0 = indefinitely)."
  }
}

variable "training_schedule_expression" {
  description = "Optional EventBridge Scheduler expression (`rate(7 days)`, `cron(0 3 ? * MON *)`) that re-runs training for training_schedule_config_key. null: retrain only on upload."
  type        = string
  default     = null
}

variable "training_schedule_config_key" {
  description = "Training config the schedule re-runs (a key under train/ ending in .json)."
  type        = string
  default     = "train/bingewatch/config.json"
}
