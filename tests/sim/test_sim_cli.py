"""`taskmon sim` as a real process: prints copy-pasteable setup, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from taskmon.sim import PROVIDERS, demo_scripts

STARTUP_TIMEOUT_S = 15.0


def _read_banner(proc: subprocess.Popen[str]) -> list[str]:
    """stdout lines up to the closing '# Ctrl-C' line (a thread reads, so a hang cannot block)."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        # The thread reads stdout to its end, so it is the one to close it.
        assert proc.stdout is not None
        with proc.stdout:
            for line in proc.stdout:
                lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if line.startswith("# Ctrl-C"):
            return seen
    stderr = ""
    if proc.poll() is not None and proc.stderr is not None:
        stderr = proc.stderr.read()[-2000:]
    pytest.fail(f"no complete banner from taskmon sim: {seen!r}\n{stderr}")


@pytest.fixture(params=[["-m", "taskmon", "sim"], ["-m", "taskmon.cli.sim"]], ids=["cli", "module"])
def sim_process(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    proc = subprocess.Popen(
        [sys.executable, *request.param, "--port", "0", "--seed", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        yield proc, _read_banner(proc)
    finally:
        if proc.poll() is None:  # stop by PID, whatever the test did
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(5)
        assert proc.stderr is not None
        proc.stderr.close()


def test_prints_exports_and_watch_commands_then_stops_on_sigterm(sim_process) -> None:
    proc, lines = sim_process
    exports = dict(
        re.fullmatch(r"export (TASKMON_\w+)=(\S+)", line).groups()  # type: ignore[union-attr]
        for line in lines
        if line.startswith("export ")
    )
    for provider in PROVIDERS:
        assert f"TASKMON_{provider.upper()}_BASE_URL" in exports
        assert f"TASKMON_{provider.upper()}_API_KEY" in exports
    watches = [line for line in lines if line.startswith("taskmon watch --provider ")]
    assert len(watches) == len(demo_scripts())
    assert any("--model nano-banana" in w for w in watches)
    # The printed URL and key work: ask for the first reAPI demo task.
    base, key = exports["TASKMON_REAPI_BASE_URL"], exports["TASKMON_REAPI_API_KEY"]
    reapi_id = next(w.split()[4] for w in watches if "--provider reapi" in w)
    response = httpx.get(
        f"{base}/api/v1/tasks/{reapi_id}", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200 and response.json()["status"] == "processing"
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(10) == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/_sim/stats")


def test_no_demo_starts_empty() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "taskmon.cli.sim", "--port", "0", "--no-demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = _read_banner(proc)
        assert not any(line.startswith("taskmon watch") for line in lines)
        base = next(line.split("=", 1)[1] for line in lines if "XENODIA_BASE_URL" in line)
        assert httpx.get(f"{base}/_sim/stats").json()["tasks"] == 0
        os.kill(proc.pid, signal.SIGINT)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(5)
        assert proc.stderr is not None
        proc.stderr.close()


def test_busy_port_is_reported_not_a_traceback() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "taskmon.cli.sim", "--port", str(port), "--no-demo"],
            capture_output=True,
            text=True,
            timeout=15,
        )
    assert done.returncode == 1
    assert "cannot listen" in done.stderr and "Traceback" not in done.stderr
