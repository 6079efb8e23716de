"""`contextual-targeting teardown --dataset-group NAME`: delete what the workflows created in Amazon Personalize.

Shows the plan (every resource, in the order it will be deleted; what is kept and why; batch and import jobs, which
have no delete API), asks before deleting unless ``--yes``, then deletes and waits step by step
(contextual_targeting.teardown). Exit 0: nothing left (or nothing to delete); 1: refused or failed (the message says
why, and running it again continues); 2: usage error or the answer was not yes.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "teardown",
        help="delete every Personalize resource of a dataset group (filters, trackers, solutions, datasets, schemas)",
        description=(
            "Delete, in dependency order and waiting for each step, everything Amazon Personalize holds for one "
            "dataset group: filters, event trackers, solutions with their versions, datasets, the schemas the group "
            "used that no other dataset uses, and the group itself. Batch segment jobs and dataset import jobs have "
            "no delete API and are listed. Run it before terraform destroy (README, 'Remove everything')."
        ),
    )
    parser.add_argument("--dataset-group", required=True, help="name of the dataset group (the config's datasetGroup)")
    parser.add_argument("--region", help="AWS region (default: the AWS configuration's, e.g. AWS_REGION)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and delete nothing")
    parser.add_argument("--yes", action="store_true", help="delete without asking")
    parser.add_argument(
        "--poll-seconds", type=float, default=10.0, help="seconds between two checks while waiting (default: 10)"
    )
    parser.add_argument(
        "--timeout-minutes", type=float, default=60.0, help="give up waiting for one step after this (default: 60)"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from contextual_targeting.teardown import TeardownError, plan_teardown, run_teardown

    def say(line: str) -> None:
        print(line, flush=True)

    try:
        client = boto3.client("personalize", region_name=args.region)
        plan = plan_teardown(client, args.dataset_group)
    except (ClientError, BotoCoreError) as exc:
        print(f"error: cannot read the dataset group {args.dataset_group}: {exc}", file=sys.stderr)
        return 1
    say(plan.describe())
    if plan.group_arn is None:
        return 0
    if plan.busy:
        print("error: work in progress blocks the deletes; nothing was deleted", file=sys.stderr)
        return 1
    if args.dry_run:
        say("dry run: nothing was deleted")
        return 0
    if not args.yes:
        try:
            answer = input(f"Delete these {len(plan.steps)} resources? Type 'yes' to continue: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            print("not deleted (answer was not 'yes'; use --yes to skip the question)", file=sys.stderr)
            return 2
    try:
        run_teardown(client, plan, say=say, poll_seconds=args.poll_seconds, timeout_seconds=args.timeout_minutes * 60)
    except (TeardownError, ClientError, BotoCoreError) as exc:
        print(f"error: {exc}\nRun teardown again to continue once the cause is fixed.", file=sys.stderr)
        return 1
    say(f"Dataset group {args.dataset_group}: everything deleted.")
    return 0
