"""Render ``statemachines/*.asl.json`` exactly as Terraform's ``templatefile()`` does for these files.

The templates use only plain interpolation: ``${name}`` is replaced by the value (Terraform turns numbers and
bools into their string form), ``$${`` is a literal ``${`` and ``%%{`` a literal ``%{``. Template directives
(``%{ if }``, ``%{ for }``) and expressions other than a bare variable name are rejected, so a template that
renders here renders the same in Terraform (``tests/statemachines/test_render.py`` compares both with the terraform
binary).
Placeholders sit inside JSON strings, so every template is valid JSON before and after rendering.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
STATEMACHINES_DIR = REPO_ROOT / "statemachines"

_TOKEN = re.compile(r"\$\$\{|%%\{|\$\{([^}]*)\}|%\{")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class TemplateError(ValueError):
    """A template uses something Terraform would reject or render differently."""


def placeholders(text: str) -> set[str]:
    """Names of the ``${name}`` placeholders in a template (escaped ``$${`` ones excluded)."""
    names: set[str] = set()
    for match in _TOKEN.finditer(text):
        if match.group(0).startswith("${"):
            names.add(_checked_name(match.group(1)))
    return names


def _checked_name(expr: str) -> str:
    name = expr.strip()
    if not _NAME.match(name):
        raise TemplateError(f"unsupported template expression ${{{expr}}}: only bare variable names are allowed")
    return name


def _stringify(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise TemplateError(f"template values must be strings, numbers or bools, got {type(value).__name__}")


def render_text(text: str, variables: Mapping[str, Any], *, source: str = "<template>") -> str:
    needed = placeholders(text)
    missing = sorted(needed - set(variables))
    extra = sorted(set(variables) - needed)
    if missing:
        raise TemplateError(f"{source}: no value for {', '.join(missing)}")
    if extra:
        raise TemplateError(f"{source}: values given for names the template does not use: {', '.join(extra)}")

    def substitute(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "$${":
            return "${"
        if token == "%%{":
            return "%{"
        if token == "%{":
            raise TemplateError(f"{source}: template directives (%{{...}}) are not supported")
        return _stringify(variables[_checked_name(match.group(1))])

    return _TOKEN.sub(substitute, text)


def render(path: str | Path, variables: Mapping[str, Any]) -> str:
    """Render a template file; the result is checked to be JSON, like ``jsonencode(jsondecode(...))``."""
    path = Path(path)
    text = render_text(path.read_text(encoding="utf-8"), variables, source=str(path))
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"{path}: rendered definition is not JSON: {exc}") from exc
    return text


def render_state_machine(name: str, variables: Mapping[str, Any]) -> dict[str, Any]:
    """``statemachines/<name>.asl.json`` rendered and parsed."""
    return json.loads(render(STATEMACHINES_DIR / f"{name}.asl.json", variables))  # type: ignore[no-any-return]
