"""contextual-targeting: Personalize Item-Attribute-Affinity segments for Pinpoint, SES or any e-mail tool.

Only ``contextual_targeting.core`` (and this file) is bundled into the Lambda zips; everything else in the
package (CLI, data generator, local runtime, emulators, model, Terraform checks) runs on a workstation or in CI.
"""

__version__ = "0.1.0"
