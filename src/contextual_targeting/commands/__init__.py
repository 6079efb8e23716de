"""CLI subcommands: every module in this package that defines ``register(subparsers)`` becomes a subcommand.

A module adds itself by existing; ``cli.py`` needs no edit, so capabilities can land independently.
"""
