"""`contextual-targeting validate <config.json>`: check a training upload locally, exactly as the Lambda does in S3.

Exit status 0 when valid (a short summary and any notes are printed), 1 when invalid (every problem printed),
2 for usage errors. ``--json`` prints ``{"valid", "problems", "notes", "summary"}`` (and the plan when valid).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from contextual_targeting.core.training_sources import LocalSource
from contextual_targeting.core.training_validation import Options, build_plan, validate_training_input


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="validate a training config.json, its CSVs and the batch job_config.json (no AWS calls)",
        description=(
            "Validate an MPE-style training upload before uploading it: the config sections, the Avro schemas, "
            "the CSVs next to the config (<dataset>.csv or <dataset>/ parts) and "
            "<root>/batch/<dataset group>/<solution>/job_config.json, where <root> is the folder above train/."
        ),
    )
    parser.add_argument("config", type=Path, help="path to train/<dataset group>/config.json")
    parser.add_argument("--data-dir", type=Path, help="folder holding the dataset CSVs (default: the config's folder)")
    parser.add_argument(
        "--job-config",
        type=Path,
        help="the batch segment job input (default: <root>/batch/<dataset group>/<solution>/job_config.json)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--full-check-max-mb",
        type=float,
        default=1024.0,
        help="files larger than this are checked on their header and a sample only (default: 1024)",
    )
    parser.add_argument("--sample-mb", type=float, default=64.0, help="size of that sample (default: 64)")
    parser.add_argument(
        "--run-id", default="local", help="run id the plan's per-run names derive from (default: local)"
    )
    parser.set_defaults(func=run)


def batch_root(data_dir: Path) -> str:
    """The folder holding ``batch/``: the one above ``train/`` (MPE layout), else the data folder's parent.

    Worked out on the resolved path, so ``validate config.json`` inside ``train/<dg>/`` finds ``../../batch/``.
    """
    resolved = data_dir.resolve()
    parts = resolved.parts
    train = len(parts) - 1 - parts[::-1].index("train") if "train" in parts[1:] else len(parts) - 1
    root = Path(*parts[:train])
    # keep the form the user gave: absolute stays absolute, relative is shown relative to here
    return root.as_posix() if data_dir.is_absolute() else Path(os.path.relpath(root)).as_posix()


def _usage_error(config: Path) -> str | None:
    """Why ``config`` cannot be validated at all (exit 2), with the likely fix; None when it is a file."""
    if config.is_file():
        return None
    if config.is_dir():
        found = sorted(p.name for p in config.glob("*.json"))
        hint = f"; did you mean {config / found[0]}?" if len(found) == 1 else ""
        if len(found) > 1:
            hint = f"; it holds {', '.join(found)}: pass one of them"
        return f"{config} is a folder, not a training config{hint or ' (no .json file in it)'}"
    return f"{config} does not exist (pass the path of train/<dataset group>/config.json)"


def run(args: argparse.Namespace) -> int:
    problem = _usage_error(args.config)
    if problem:
        print(f"validate: {problem}", file=sys.stderr)
        return 2
    options = Options(
        full_check_max_bytes=int(args.full_check_max_mb * 1024**2), sample_bytes=int(args.sample_mb * 1024**2)
    )
    data_dir = args.data_dir if args.data_dir is not None else args.config.parent
    result = validate_training_input(
        LocalSource(),
        args.config.as_posix(),
        data_prefix=data_dir.as_posix(),
        job_config_key=args.job_config.as_posix() if args.job_config is not None else None,
        batch_root=batch_root(data_dir),
        options=options,
    )
    if args.json:
        output: dict[str, Any] = {"valid": result.valid, **result.report.as_dict()}
        if result.valid:
            output["summary"] = result.summary()
            output["plan"] = build_plan(result, args.run_id)
        print(json.dumps(output, indent=2))
    elif result.valid:
        print(result.text())
        print(f"  {result.summary()}")
        if result.job_config_key:
            print(f"  batch queries: {result.job_config_key}")
    else:
        print(result.text(), file=sys.stdout)
    return 0 if result.valid else 1
