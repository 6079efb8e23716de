# An account where Amazon Pinpoint is gone (end of support 2026-10-30): segments become topics of the account's
# Amazon SES contact list, plus the always-on S3 export. No Pinpoint project, bucket prefix or permission is created.
module "contextual_targeting" {
  source = "../.."

  name_prefix          = "ct-ses"
  notification_emails  = ["ops@example.com"]
  segment_destinations = ["ses"]

  # SES allows one contact list per account: name the existing one here to add the segment topics to it
  # (topics this solution did not create are never removed); null creates "ct-ses-segments".
  ses_contact_list_name = null
}
