variable "region" {
  description = "AWS region of the deployment and of the KMS key."
  type        = string
  default     = "eu-west-1"
}

variable "name_prefix" {
  description = "Prefix of every physical name."
  type        = string
  default     = "ct-complete"
}

variable "notification_emails" {
  description = "E-mail addresses subscribed to the notification topic."
  type        = list(string)
  default     = ["ops@example.com", "marketing@example.com"]
}

variable "segment_destinations" {
  description = "Destinations besides the S3 export: [\"ses\"] (SES contact-list topics; sending needs a verified identity and SES production access), [] for the export only. [\"pinpoint\"] only with an existing Pinpoint project: Pinpoint's engagement features reached end of support on 2026-10-30."
  type        = set(string)
  default     = ["ses"]
}

variable "ses_contact_list_name" {
  description = "The account's existing SES contact list to add the segment topics to; null creates <name_prefix>-segments."
  type        = string
  default     = null
}

variable "pinpoint_application_id" {
  description = "Existing Pinpoint project id to import into; null creates one (with the pinpoint destination)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default = {
    Environment = "staging"
    CostCenter  = "marketing-analytics"
  }
}
