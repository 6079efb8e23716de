# The smallest deployment: defaults everywhere (segments exported to S3 only — segment_destinations = [] —, SSE-S3,
# alias/aws/sns, the public Powertools layer, Lambda zips from the repository's build/). The region comes from AWS_REGION or the profile.
module "contextual_targeting" {
  source = "../.."

  name_prefix         = "ct-minimal"
  notification_emails = ["ops@example.com"]
}
