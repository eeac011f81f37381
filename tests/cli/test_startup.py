"""The commands scripts run in loops start without what they never use.

`--help`, `list` and `add` import neither the providers' parsers (pydantic) nor
the keyring, the HTTP stacks or the engine; `--help` and `list` not even asyncio.
Each runs in a fresh interpreter, which then lists what got imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("pydantic", "keyring", "aiohttp", "httpx", "taskmon.tracking.engine", "taskmon.net")
PROBE = """
import contextlib, io, json, sys
from taskmon.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
    main(sys.argv[1:])
print(json.dumps({"modules": sorted(sys.modules), "out": out.getvalue()}))
"""


def run_probe(args: list[str], data_dir: Path) -> tuple[set[str], str]:
    """The modules a fresh interpreter imported to run `taskmon ARGS`, and what it printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKMON_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env={**env, "TASKMON_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        check=True,
    )
    seen = json.loads(done.stdout)
    return set(seen["modules"]), seen["out"]


def heavy_in(modules: set[str], roots: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == r or m.startswith(f"{r}.") for r in roots))


@pytest.mark.parametrize(
    "args",
    [["--help"], ["list"], ["list", "--json", "--provider", "reapi"], ["add", "--help"]],
    ids=["help", "list", "list-json", "add-help"],
)
def test_help_and_list_import_neither_parsers_keyring_http_engine_nor_asyncio(
    args: list[str], tmp_path: Path
) -> None:
    modules, _ = run_probe(args, tmp_path)

    assert heavy_in(modules, (*HEAVY, "asyncio")) == []


def test_add_imports_neither_parsers_keyring_http_nor_engine(tmp_path: Path) -> None:
    args = ["add", "--provider", "apixo", "--model", "m-1", "task_1a2b3c"]
    modules, out = run_probe(args, tmp_path)

    assert out == "added apixo task_1a2b3c (model m-1)\n"
    assert heavy_in(modules, HEAVY) == []


def test_a_command_imports_no_window(tmp_path: Path) -> None:
    modules, _ = run_probe(["list"], tmp_path)

    assert heavy_in(modules, ("PySide6", "taskmon.ui")) == []
