provider "aws" {
  # null => the standard AWS chain (AWS_REGION, AWS_DEFAULT_REGION, the profile's region).
  region = var.region

  default_tags {
    tags = local.tags
  }
}
