# Root configuration: pinned (style.md). `~> 6.0` is ">= 6.0, < 7.0"; `~> 1.5` is ">= 1.5, < 2.0".
# Commit `.terraform.lock.hcl` after the first `terraform init` on a machine with registry access (none can be
# generated offline here).
terraform {
  required_version = "~> 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
