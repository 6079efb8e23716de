# Root configuration: pinned (`~> 6.0` is ">= 6.0, < 7.0"). Commit `.terraform.lock.hcl` after `terraform init`.
terraform {
  required_version = "~> 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
