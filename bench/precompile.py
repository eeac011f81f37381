"""Byte-compile a checkout's taskmon before a benchmark starts it.

An installation has its bytecode: pip compiles a wheel's modules when it installs
it, and the bundle carries compiled modules only. A checkout run with
PYTHONDONTWRITEBYTECODE set (as on these machines) has none, and every start
compiled every module from source again: the UI benchmarks saw compiles of
modules imported late (after the first paint) inside their stall figures.
"""

from __future__ import annotations

import compileall
from pathlib import Path


def compile_package(tree: Path) -> None:
    """Write `tree/taskmon`'s `__pycache__` (does nothing where it is up to date)."""
    if not compileall.compile_dir(str(tree / "taskmon"), quiet=1):
        raise SystemExit(f"could not byte-compile {tree / 'taskmon'}")
