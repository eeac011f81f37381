"""`taskmon --self-test [--json]`: check this installation, one line per check.

The checks without Qt run here; the Qt ones run in a child process (see
taskmon.ui.install_checks), so a platform plugin that cannot load is reported,
not fatal. Exit 0 when every check needed to run passes (warnings about the
optional keyring, tray and notification service do not fail it), 1 otherwise.

`--json` prints one object:
    {"version": str, "platform": str, "frozen": bool, "ok": bool,
     "checks": [{"name", "title", "status", "detail", "fix", "required"}, ...]}
with `status` one of ok / warning / problem / skipped, and `ok` the same verdict
as the exit status.
"""

from __future__ import annotations

import asyncio
import json
import platform
import sys
from typing import TYPE_CHECKING, Any

from taskmon import __version__

if TYPE_CHECKING:
    from taskmon.service import CheckResult

EXIT_OK = 0
EXIT_FAILED = 1
_MARK = {"ok": "ok     ", "warning": "warning", "problem": "PROBLEM", "skipped": "skipped"}


def collect() -> list[CheckResult]:
    """Every check, Qt ones first (in a child), in the order the report shows them."""
    from taskmon.ui.install_checks import qt_checks_in_child

    return [*qt_checks_in_child(), *asyncio.run(_service_checks())]


async def _service_checks() -> list[CheckResult]:
    from taskmon.service import (
        check_data_dir,
        check_keyring,
        check_notifications,
        check_simulator,
        check_tls,
    )

    return [
        await check_keyring(),
        await check_notifications(),
        await asyncio.to_thread(check_data_dir),
        await check_tls(),
        await check_simulator(),
    ]


def report(results: list[CheckResult]) -> str:
    """The report as text: a header, one line per check (and its fix), a verdict."""
    where = "bundle" if getattr(sys, "frozen", False) else sys.prefix
    lines = [f"taskmon {__version__} self-test ({platform.platform()}; {where})"]
    for result in results:
        optional = "" if result.required else " (optional)"
        lines.append(f"  {_MARK[result.status.value]}  {result.title}{optional}: {result.detail}")
        if result.fix and result.status.value in ("warning", "problem"):
            lines.append(f"             fix: {result.fix}")
    failing = [r.title for r in results if r.fails]
    if failing:
        lines.append(f"FAILED: taskmon cannot run properly here ({', '.join(failing)})")
    else:
        warnings = sum(r.status.value == "warning" for r in results)
        extra = f" ({warnings} optional feature{'s' if warnings != 1 else ''} missing)"
        lines.append("OK: everything taskmon needs to run works" + (extra if warnings else ""))
    return "\n".join(lines)


def as_json(results: list[CheckResult]) -> dict[str, Any]:
    return {
        "version": __version__,
        "platform": platform.platform(),
        "frozen": bool(getattr(sys, "frozen", False)),
        "ok": not any(r.fails for r in results),
        "checks": [r.to_json() for r in results],
    }


def run(json_output: bool) -> int:
    results = collect()
    if json_output:
        print(json.dumps(as_json(results), indent=2))
    else:
        print(report(results))
    return EXIT_FAILED if any(r.fails for r in results) else EXIT_OK
