"""Start-up time to the first painted window: the PyInstaller bundle against a pip install.

Each run starts the real window (`taskmon`, no command) under Xvfb with an empty
data dir of its own, no keyring and no session bus, and `TASKMON_FIRST_PAINT_EPOCH`
set to the moment of `Popen`, so the app prints when the task table is first
painted (taskmon/ui/startup_probe.py; the interpreter's start and every import
count; a one-folder bundle unpacks nothing). Then SIGTERM, and the next
run. Runs are interleaved (bundle, pip, bundle, ...) after one unmeasured warm-up
each, so the shared machine's drift hits both alike; medians are printed, with the
CPU time the process had used by its first paint (steadier than wall time on a
busy machine).

    python bench/startup.py                                  # dist/taskmon/taskmon vs .venv
    python bench/startup.py --bundle dist/taskmon/taskmon --pip .venv/bin/taskmon --runs 5
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIRST_PAINT = re.compile(r"taskmon: first paint ([0-9.]+) s after start")
TIMEOUT_S = 60.0


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """Xvfb on a free display number (it writes the number it took to -displayfd)."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    if not number:
        xvfb.kill()
        xvfb.wait()
        raise SystemExit("Xvfb did not start")
    return xvfb, f":{number}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(command: list[str], display: str) -> tuple[float, float]:
    """Seconds from Popen to the first paint of one fresh window, and CPU seconds by then."""
    with tempfile.TemporaryDirectory(prefix="taskmon-startup-") as tmp:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TASKMON_", "QT_", "WAYLAND_DISPLAY", "DBUS_SESSION"))
        }
        for name in ("data", "config", "run"):
            Path(tmp, name).mkdir(mode=0o700)
        env.update(
            DISPLAY=display,
            TASKMON_DATA_DIR=str(Path(tmp, "data", "taskmon")),
            XDG_CONFIG_HOME=str(Path(tmp, "config")),
            XDG_DATA_HOME=str(Path(tmp, "data")),
            XDG_RUNTIME_DIR=str(Path(tmp, "run")),
            DBUS_SESSION_BUS_ADDRESS=f"unix:path={tmp}/no-bus",  # no keyring prompt, no autolaunch
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        env["TASKMON_FIRST_PAINT_EPOCH"] = repr(time.time())
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            deadline = time.monotonic() + TIMEOUT_S
            assert process.stderr is not None
            for line in process.stderr:
                if match := FIRST_PAINT.search(line):
                    return float(match.group(1)), cpu_seconds(process.pid)
                if time.monotonic() > deadline:
                    break
            raise SystemExit(f"{command[0]}: no first paint (exit {process.poll()})")
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=str(REPO / "dist" / "taskmon" / "taskmon"))
    parser.add_argument("--pip", default=str(REPO / ".venv" / "bin" / "taskmon"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    commands = {"bundle": [args.bundle], "pip install": [args.pip]}
    xvfb, display = start_xvfb()
    try:
        for command in commands.values():
            one_run(command, display)  # warm-up: the page cache, fontconfig's cache
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                wall, used = one_run(command, display)
                times[name].append(wall)
                cpu[name].append(used)
    finally:
        xvfb.terminate()
        xvfb.wait()
    for name, values in times.items():
        shown = ", ".join(f"{v:.2f}" for v in values)
        print(
            f"{name:12} first paint median {statistics.median(values):.2f} s  ({shown}); "
            f"CPU by then median {statistics.median(cpu[name]):.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
