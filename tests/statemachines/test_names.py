"""Every state machine template is named after the module that renders it (one name per workflow)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_each_module_renders_the_template_of_its_own_name() -> None:
    rendered: dict[str, list[str]] = {}
    for main in sorted(REPO.glob("modules/*/main.tf")):
        for template in re.findall(r"statemachines/([a-z_]+)\.asl\.json", main.read_text()):
            rendered.setdefault(main.parent.name, []).append(template)
    assert rendered, "no module renders a state machine template"
    for module, templates in rendered.items():
        assert templates == [module], f"modules/{module} renders {templates}"
    on_disk = {p.name.removesuffix(".asl.json") for p in (REPO / "statemachines").glob("*.asl.json")}
    assert on_disk == {t for templates in rendered.values() for t in templates}
