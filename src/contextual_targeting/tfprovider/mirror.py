"""A Terraform filesystem mirror serving the local provider as ``registry.terraform.io/hashicorp/aws``.

Layout (Terraform's "unpacked" mirror layout, https://developer.hashicorp.com/terraform/cli/config/config-file#filesystem_mirror)::

    <mirror>/registry.terraform.io/hashicorp/aws/6.69.1/<os>_<arch>/terraform-provider-aws_v6.69.1
    <mirror>/terraformrc      CLI configuration: provider_installation { filesystem_mirror { … } }

The executable is a launcher that runs this environment's Python on :mod:`.server`. Set ``TF_CLI_CONFIG_FILE`` to
``<mirror>/terraformrc`` (what :func:`terraform_env` returns) and ``terraform init`` installs it without network;
``dev_overrides`` is not used because ``init`` still queries the registry with it. The framework ``tf`` caches its
TLS certificate under ``$HOME/.cache``: the launcher points ``HOME`` into the mirror so nothing is written to the
user's home.
"""

from __future__ import annotations

import os
import platform
import shlex
import sys
from pathlib import Path

from contextual_targeting.tfprovider import PROVIDER_SOURCE, PROVIDER_VERSION


def platform_dir() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{sys.platform}_{arch}"


def default_mirror_dir() -> Path:
    from contextual_targeting.tfcheck import REPO_ROOT

    return REPO_ROOT / ".cache" / "tf-mirror"


def build(mirror: Path | None = None, python: str | None = None) -> Path:
    """Write (or refresh) the mirror; returns the CLI configuration file. Idempotent, no network."""
    mirror = (mirror or default_mirror_dir()).resolve()
    target = mirror / PROVIDER_SOURCE / PROVIDER_VERSION / platform_dir()
    target.mkdir(parents=True, exist_ok=True)
    home = mirror / ".home"
    home.mkdir(exist_ok=True)
    launcher = target / f"terraform-provider-aws_v{PROVIDER_VERSION}"
    script = (
        "#!/bin/sh\n"
        "# contextual-targeting: the local plan-only hashicorp/aws provider (src/contextual_targeting/tfprovider)\n"
        f"HOME={shlex.quote(str(home))} exec {shlex.quote(python or sys.executable)} "
        '-m contextual_targeting.tfprovider.server "$@"\n'
    )
    if not launcher.exists() or launcher.read_text() != script:
        tmp = launcher.with_suffix(".tmp")
        tmp.write_text(script)
        tmp.chmod(0o755)
        tmp.replace(launcher)
    rc = mirror / "terraformrc"
    rc_text = (
        "# Written by contextual-targeting (make validate): install hashicorp/aws from the local mirror only.\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        f'    include = ["{PROVIDER_SOURCE}"]\n'
        "  }\n"
        "}\n"
    )
    if not rc.exists() or rc.read_text() != rc_text:
        rc.write_text(rc_text)
    return rc


def terraform_env(rc: Path, data_dir: Path | None = None) -> dict[str, str]:
    """The environment for terraform commands that must use the mirror (and never the registry)."""
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    # Plans are cached by tree hash, so they must not depend on the caller's region (pytest sets us-east-1, a shell
    # may set anything): they are made for CT_PLAN_REGION, eu-west-1 unless set.
    env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = os.environ.get("CT_PLAN_REGION", "eu-west-1")
    env.pop("TF_PLUGIN_CACHE_DIR", None)
    if data_dir is not None:
        env["TF_DATA_DIR"] = str(data_dir)
    return env
