"""`contextual-targeting` console script: one subcommand per module in ``contextual_targeting.commands``."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from contextual_targeting import __version__, commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="contextual-targeting",
        description="Personalize Item-Attribute-Affinity segments: data, validation, post-processing, local runs.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    _complete_help(parser)
    return parser


def _complete_help(parser: argparse.ArgumentParser) -> None:
    """Every option of every (sub)command shows a help text and its default in ``--help``.

    An option registered without help gets its metavar and default; one whose help does not name its default
    gets ``(default: …)`` appended. Flags (``store_true``) and options without a default are left as written.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                _complete_help(sub)
            continue
        if action.help == argparse.SUPPRESS or not action.option_strings:
            continue
        has_default = action.default not in (None, False, argparse.SUPPRESS) and action.nargs != 0
        if not action.help:
            name = action.dest.replace("_", " ")
            action.help = f"{name} (default: %(default)s)" if has_default else name
        elif has_default and "default" not in action.help:
            action.help += " (default: %(default)s)"


EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command stopped by Ctrl-C


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; exit status 0 OK, 1 the work failed, 2 usage error, 130 interrupted (Ctrl-C).

    Ctrl-C prints one line, not a traceback; the commands write their outputs under temporary names and rename
    them when complete, so nothing an interrupted command leaves looks finished.
    """
    command = "contextual-targeting"
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        command += f" {args.command}"
        result = args.func(args)
    except KeyboardInterrupt:
        sys.stderr.write(f"{command}: interrupted (Ctrl-C)\n")
        sys.stderr.flush()
        return EXIT_INTERRUPTED
    except Exception as error:  # the last guard: unreadable input is reported where it is read (file, line, fix)
        if os.environ.get("CT_DEBUG"):
            raise
        text = " ".join(str(error).split()) or "no detail"
        sys.stderr.write(f"{command}: {type(error).__name__}: {text} (CT_DEBUG=1 shows the traceback)\n")
        sys.stderr.flush()
        return 1
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
