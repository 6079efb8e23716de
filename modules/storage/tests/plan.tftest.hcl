# `terraform test` (command = plan: nothing is created). With a real AWS account it runs against the registry's
# hashicorp/aws; offline, against this repository's local provider:
#   TF_CLI_CONFIG_FILE=<repo>/.cache/tf-mirror/terraformrc terraform init && terraform test   (README, Validation)
# one() reads a nested block whether the provider declares it as a list or a set.

provider "aws" {
  region = "eu-west-1"
}

variables {
  name_prefix = "ct-test"
}

run "buckets_are_named_versioned_private_and_encrypted" {
  command = plan

  assert {
    condition     = startswith(aws_s3_bucket.this["data"].bucket, "ct-test-data-") && startswith(aws_s3_bucket.this["segments"].bucket, "ct-test-segments-")
    error_message = "Bucket names must start with <name_prefix>-data- / <name_prefix>-segments-."
  }

  assert {
    condition     = alltrue([for v in aws_s3_bucket_versioning.this : one(v.versioning_configuration).status == "Enabled"])
    error_message = "Both buckets must be versioned."
  }

  assert {
    condition = alltrue([for b in aws_s3_bucket_public_access_block.this :
    b.block_public_acls && b.block_public_policy && b.ignore_public_acls && b.restrict_public_buckets])
    error_message = "Public access must be blocked on both buckets."
  }

  assert {
    condition     = alltrue([for c in aws_s3_bucket_ownership_controls.this : one(c.rule).object_ownership == "BucketOwnerEnforced"])
    error_message = "Object ownership must be BucketOwnerEnforced (no ACLs)."
  }

  assert {
    condition     = alltrue([for e in aws_s3_bucket_server_side_encryption_configuration.this : one(one(e.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"])
    error_message = "Without kms_key_arn the buckets use SSE-S3."
  }
}

run "a_customer_key_turns_on_sse_kms_with_bucket_keys" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition = alltrue([for e in aws_s3_bucket_server_side_encryption_configuration.this :
      one(one(e.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms" &&
      one(one(e.rule).apply_server_side_encryption_by_default).kms_master_key_id == var.kms_key_arn &&
    one(e.rule).bucket_key_enabled])
    error_message = "With kms_key_arn both buckets use SSE-KMS with that key and S3 bucket keys."
  }
}

run "name_prefix_is_validated" {
  command = plan

  variables {
    name_prefix = "Not_Valid"
  }

  expect_failures = [var.name_prefix]
}
