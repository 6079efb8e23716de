"""Load a Lambda handler from its built zip, in this process, the way the Lambda runtime would see the code.

The zip's own copy of ``contextual_targeting`` (and of its handler module) is imported from the zip, isolated
from the copy installed in the virtualenv: the installed modules are set aside while the handler is imported and
restored afterwards, so the handler keeps references to the zipped code only. Third-party packages vendored in
the zip are built for the Lambda platform (arm64); where they are already imported here (ijson), the local build
of the same pinned version is used instead, since native extensions cannot be imported from a zip anyway.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import sys
import zipimport
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

_PACKAGE = "contextual_targeting"
_counter = itertools.count()


def _is_ours(name: str) -> bool:
    return name == _PACKAGE or name.startswith(_PACKAGE + ".") or name == "handler"


def load_module(zip_path: str | Path, module: str = "handler") -> ModuleType:
    zip_path = Path(zip_path)
    if not zip_path.exists():
        raise FileNotFoundError(f"{zip_path} does not exist: run `make build` first")
    for dependency in ("ijson",):  # prefer the locally built native backend of the same pinned version
        with contextlib.suppress(ImportError):
            importlib.import_module(dependency)
    saved = {name: mod for name, mod in sys.modules.items() if _is_ours(name)}
    for name in saved:
        del sys.modules[name]
    # zipimport caches a zip's directory by path; a rebuilt zip at the same path must be read afresh
    zipimport._zip_directory_cache.pop(str(zip_path), None)  # type: ignore[attr-defined]
    sys.path.insert(0, str(zip_path))
    try:
        loaded = importlib.import_module(module)
        if not str(getattr(loaded, "__file__", "")).startswith(str(zip_path)):
            raise ImportError(f"{module} was not imported from {zip_path}")
        # keep the handler reachable under a private name; it holds the zip's core modules through its globals
        sys.modules[f"_lambda_{zip_path.stem}_{next(_counter)}"] = loaded
        return loaded
    finally:
        sys.path.remove(str(zip_path))
        for name in [n for n in sys.modules if _is_ours(n)]:
            del sys.modules[name]
        sys.modules.update(saved)


def load_handler(zip_path: str | Path, entrypoint: str = "handler.lambda_handler") -> Callable[..., Any]:
    module_name, _, function = entrypoint.rpartition(".")
    module = load_module(zip_path, module_name)
    return getattr(module, function)  # type: ignore[no-any-return]


class FakeContext:
    """The parts of the Lambda context object the handlers use."""

    def __init__(self, function_name: str = "local", timeout_ms: int = 900_000) -> None:
        import time

        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.memory_limit_in_mb = 1024
        self.aws_request_id = "00000000-0000-0000-0000-000000000000"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        import time

        return max(0, int((self._deadline - time.monotonic()) * 1000))
