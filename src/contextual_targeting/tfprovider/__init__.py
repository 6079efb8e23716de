"""A local Terraform provider that serves the hashicorp/aws schema and plans, offline (``make validate``).

Terraform cannot download hashicorp/aws where this repository is built, and a real ``terraform plan`` is what a
user's first ``terraform apply`` exercises. This package is that provider for planning only:

* :mod:`.schema` converts the hashicorp/aws 6.69.1 schema in the ``cdktn-provider-aws`` wheel's jsii manifest into
  Terraform's schema form (attribute types, required/optional/computed, nested blocks with nesting mode and
  min/max items);
* :mod:`.server` answers Terraform's plugin protocol (tfplugin6 over gRPC, through the PyPI framework ``tf``):
  configured values pass through, unset computed values are unknown, ``tags_all`` merges ``default_tags``;
  ``aws_partition``, ``aws_region``, ``aws_caller_identity`` answer from the provider configuration and
  :mod:`.policy_document` renders ``aws_iam_policy_document`` as the real provider does. Apply is refused;
* :mod:`.mirror` writes a filesystem mirror and a CLI configuration so ``terraform init`` finds it offline;
* :mod:`.plan` runs ``terraform init/validate/plan`` on the root (every destination combination) and the examples.

Never bundled into Lambda zips (``build.py`` packages ``core/`` only).
"""

from __future__ import annotations

PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"
PROVIDER_VERSION = "6.69.1"  # the version the cdktn-provider-aws wheel in requirements.lock was generated from
