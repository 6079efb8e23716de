# One CloudWatch dashboard per deployment, `<name_prefix>`: executions of every workflow (Step Functions metrics,
# found by search expression on the `<name_prefix>-` state machines, so every workflow module — destinations added
# later included — appears without being listed here), and what the functions count with Powertools metrics in
# `ContextualTargeting/<name_prefix>` (dimension `service`): training input checks, segments, users split and
# resolved, SES contacts; function errors and dead-letter messages. The widget JSON is dashboard.json, rendered by
# templatefile() — tests/terraform/test_alarms_dashboard.py checks every metric in it against what the functions emit.

data "aws_region" "current" {}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name_prefix
  dashboard_body = jsonencode(jsondecode(templatefile("${path.module}/dashboard.json", {
    name_prefix = var.name_prefix
    namespace   = "ContextualTargeting/${var.name_prefix}"
    region      = data.aws_region.current.region
  })))
}
