"""The simulator as a separate process, shared by the benchmarks (scale.py, ui.py).

A benchmark measures taskmon in a child process against `taskmon sim` in
another, so neither steals the other's CPU time from the figures.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import httpx

from taskmon.providers import PROVIDERS


def start_simulator(
    seed: int, env: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[str], str]:
    """`taskmon sim` on free ports, without demo tasks; returns the process and its API URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "taskmon", "sim", "--port", "0", "--no-demo", "--seed", str(seed)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        env=None if env is None else dict(env),
    )
    assert proc.stdout is not None
    match = re.search(r"API (http://127\.0\.0\.1:\d+)", proc.stdout.readline())
    if not match:
        stop(proc)
        raise SystemExit("the simulator did not start")
    return proc, match.group(1)


def stop(proc: subprocess.Popen[Any]) -> None:
    """SIGTERM, then SIGKILL if it does not end within 10 s."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)


async def _script_all(api: str, plan: list[dict[str, Any]]) -> list[dict[str, Any]]:
    limit = asyncio.Semaphore(16)

    async def one(client: httpx.AsyncClient, script: dict[str, Any]) -> dict[str, Any]:
        async with limit:
            response = await client.post("/_sim/tasks", json=script)
            response.raise_for_status()
            return response.json()

    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        return list(await asyncio.gather(*(one(client, s) for s in plan)))


def script_tasks(api: str, plan: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add every script of `plan` to the simulator; the tasks it made, in plan order."""
    return asyncio.run(_script_all(api, plan)) if plan else []


def sim_keys(api: str) -> dict[str, str]:
    """The API key the simulator accepts for each provider."""
    return httpx.get(f"{api}/_sim/keys", timeout=30).json()["keys"]


def model_of(task: dict[str, Any]) -> str | None:
    """The model, for a provider whose task reference needs it (Apixo)."""
    return task["model"] if PROVIDERS[task["provider"]].requires_model else None
