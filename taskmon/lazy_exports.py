"""Package surfaces that import a module only when one of its names is first used.

`taskmon --help`, `list` and `add` run in scripts' loops: importing the engine,
the HTTP stacks and pydantic for a command that never uses them cost most of
their start-up. A package's `__init__` names its public surface with
`lazy_exports` (and imports the same names under TYPE_CHECKING for the type
checker and the layer contract), so `from taskmon.service import data_dir`
loads only that module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: name -> the submodule (relative) defining it."""

    def __getattr__(name: str) -> Any:
        submodule = exports.get(name)
        if submodule is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{submodule}"), name)
        globals_of_package = importlib.import_module(package).__dict__
        globals_of_package[name] = value  # later lookups skip __getattr__
        return value

    return __getattr__
