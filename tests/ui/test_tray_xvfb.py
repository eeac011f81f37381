"""The tray and desktop notifications for real: Xvfb, a tray host (`trayer`), a notification
daemon (`dunst`) on a private D-Bus session bus, and `dbus-monitor` reading that bus.

One driver run (tray_driver.py) goes through a user's day; each test checks one
behaviour of it: what went over D-Bus, what the window did, what the simulator
received. Every helper process is started here and stopped by its PID.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
DISPLAY_NUMBER = 88
NEEDED = ("Xvfb", "dbus-daemon", "dbus-monitor", "trayer", "dunst", "dunstctl")

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


@dataclass
class Notify:
    """One Notify call as dbus-monitor printed it."""

    app: str
    icon: str
    summary: str
    body: str
    actions: list[str]


@dataclass
class Day:
    report: dict[str, Any]
    notifies: list[Notify]
    monitor: str
    shots: Path


def parse_notifies(monitor: str) -> list[Notify]:
    """The Notify calls in dbus-monitor's output (strings hold no quotes here)."""
    calls = []
    blocks = re.split(r"\n(?=(?:method call|method return|signal|error) )", monitor)
    for block in blocks:
        if "member=Notify" not in block or not block.startswith("method call"):
            continue
        head, _, rest = block.partition("array [")
        strings = re.findall(r'string "(.*?)"', head, flags=re.DOTALL)
        actions_text = rest.split("]", 1)[0]
        actions = re.findall(r'string "(.*?)"', actions_text)
        app, icon, summary, body = strings[:4]
        calls.append(Notify(app, icon, summary, body, actions))
    return calls


def _start(command: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, env=env, stdout=kwargs.pop("stdout", subprocess.DEVNULL),
        stderr=subprocess.DEVNULL, **kwargs,
    )  # fmt: skip


def _stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@dataclass
class Desktop:
    env: dict[str, str]
    monitor_file: Path
    work: Path

    def monitor(self) -> str:
        time.sleep(0.5)  # the monitor prints the last calls
        return self.monitor_file.read_text(errors="replace")


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    """Xvfb, a private session bus, dbus-monitor on it, trayer and dunst; stopped by PID."""
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (scripts/test.sh installs them)")
    work = tmp_path_factory.mktemp("tray")
    display = f":{DISPLAY_NUMBER}"
    base_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TASKMON_", "QT_QPA", "DBUS_SESSION", "DISPLAY"))
    }
    base_env.update(
        DISPLAY=display, XDG_CONFIG_HOME=str(work / "config"), XDG_DATA_HOME=str(work / "data")
    )
    started: list[subprocess.Popen[Any]] = []
    try:
        xvfb = _start(
            ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"], base_env
        )
        started.append(xvfb)
        socket = Path(f"/tmp/.X11-unix/X{DISPLAY_NUMBER}")
        deadline = time.monotonic() + 10
        while not socket.exists():
            if xvfb.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Xvfb did not start on {display}")
            time.sleep(0.05)
        # A session bus of our own: its address on stdout, then it runs until stopped.
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            env=base_env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        started.append(bus)
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()
        assert address, "dbus-daemon printed no address"
        env = {**base_env, "DBUS_SESSION_BUS_ADDRESS": address}
        monitor_file = work / "monitor.txt"
        with open(monitor_file, "wb") as monitor_out:
            started.append(
                _start(
                    ["dbus-monitor", "interface='org.freedesktop.Notifications'"],
                    env,
                    stdout=monitor_out,
                )
            )
        started.append(
            _start(["trayer", "--edge", "top", "--align", "right", "--widthtype", "request",
                    "--height", "28", "--transparent", "false"], env)
        )  # fmt: skip
        started.append(_start(["dunst"], env))
        deadline = time.monotonic() + 10
        while subprocess.run(["dunstctl", "count"], env=env, capture_output=True).returncode:
            if time.monotonic() > deadline:
                pytest.fail("dunst did not answer on the private bus")
            time.sleep(0.1)
        yield Desktop(env, monitor_file, work)
    finally:
        for process in reversed(started):
            _stop(process)
        for process in started:
            if process.stdout is not None:
                process.stdout.close()


@pytest.fixture(scope="module")
def day(desktop: Desktop) -> Day:
    """The driver's run through a user's day, and what dbus-monitor saw of it."""
    out = desktop.work / "report.json"
    shots = desktop.work / "shots"
    script = Path(__file__).with_name("tray_driver.py")
    run_env = {
        **desktop.env,
        "QT_QPA_PLATFORM": "xcb",
        "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path]),
    }
    done = subprocess.run(
        [sys.executable, str(script), str(out), str(shots)],
        env=run_env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(out.read_text())
    OUTPUT.mkdir(exist_ok=True)
    for shot in shots.glob("*.png"):
        shutil.copy(shot, OUTPUT / f"tray-{shot.name}")
    monitor = desktop.monitor()
    return Day(report, parse_notifies(monitor), monitor, shots)


def _about(day: Day, summary_start: str) -> list[Notify]:
    return [n for n in day.notifies if n.summary.startswith(summary_start)]


def test_a_tray_host_makes_the_tray_available(day: Day) -> None:
    assert day.report["tray_available"] is True


def test_no_notification_for_the_task_the_user_is_looking_at(day: Day) -> None:
    watched = day.report["watched"]
    assert watched["active"] is True
    assert watched["sent"] == 0 and watched["announced"] == []
    assert not _about(day, "Finished: watched while it ends")


def test_a_completion_sends_one_notify_with_summary_body_and_actions(day: Day) -> None:
    sent = _about(day, "Finished: a cat on a skateboard")
    assert len(sent) == 1
    notify = sent[0]
    assert notify.app == "taskmon"
    assert re.fullmatch(r"\S+: image saved as \S+\.png", notify.body), notify.body
    assert notify.actions == [
        "default", "", "open", "Open", "show-in-folder", "Show in folder",
    ]  # fmt: skip
    # The image result is the notification's picture.
    assert notify.icon.startswith("file://") and notify.icon.endswith(".png")


def test_eight_completions_within_a_second_are_one_summary_notification(day: Day) -> None:
    burst = day.report["burst"]
    ends = burst["finished_at"]
    assert len(ends) == 8 and ends[-1] - ends[0] < 1.0
    assert burst["sent"] == 1
    summaries = _about(day, "8 tasks finished")
    assert [n.summary for n in summaries] == ["8 tasks finished: 8 succeeded"]
    assert not _about(day, "Finished: poster variant")  # none of them alone
    assert summaries[0].actions == ["default", "", "show", "Show"]


def test_a_click_on_the_notification_opens_the_task_in_the_window(day: Day) -> None:
    assert day.report["closed_to_tray"]["visible"] is False
    assert day.report["dunstctl"] == 0
    assert re.search(r"member=ActionInvoked\n\s+uint32 \d+\n\s+string \"default\"", day.monitor)
    click = day.report["click"]
    key = day.report["single"]["key"]
    assert click["visible"] is True
    assert click["details_key"] == key
    assert click["selected"] == [key]


def test_closing_the_window_keeps_polling_and_a_task_ending_then_is_notified(day: Day) -> None:
    background = day.report["background"]
    assert background["visible"] is False
    assert background["requests"] >= 2  # it was polled while the window was closed
    assert len(_about(day, "Finished: ends while closed")) == 1
    assert len(_about(day, "taskmon keeps tracking in the background")) == 1  # said once


def test_pause_stops_every_call_for_ten_seconds_and_resume_polls_again(day: Day) -> None:
    pause = day.report["pause"]
    assert pause["during"] == 0
    assert pause["label"] == "Paused"
    assert "polling paused" in pause["tooltip"]
    assert pause["after_resume"] > 0


def test_the_tray_menu_offers_the_window_pause_recent_tasks_clipboard_and_quit(day: Day) -> None:
    menu = day.report["menu"]
    assert menu[:3] == ["Show window", "Pause polling", "Last finished"]
    assert menu[-2:] == ["Add tasks from clipboard", "Quit"]
    recent = menu[3:-2]
    assert len(recent) == 5
    assert recent[0] == "ends while closed — succeeded"
    for name in ("tray-menu.png", "notification.png"):
        assert (day.shots / name).stat().st_size > 5000


def test_run_notify_sends_the_same_notification_headless(desktop: Desktop, tmp_path: Path) -> None:
    from taskmon.sim import SimulatorThread, TaskScript

    with SimulatorThread(seed=21) as sim:
        provider = "REAPI"
        env = {
            **desktop.env,
            "TASKMON_DATA_DIR": str(tmp_path / "data"),
            f"TASKMON_{provider}_BASE_URL": sim.api_url,
            f"TASKMON_{provider}_API_KEY": sim.keys["reapi"],
            "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path]),
        }
        taskmon = [sys.executable, "-m", "taskmon"]
        run = subprocess.Popen(
            [*taskmon, "run", "--notify"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert run.stderr is not None
            assert "tracking" in run.stderr.readline()  # it runs: what is added now is news
            task = sim.add_task(TaskScript("reapi", run_s=3.0))
            add = [*taskmon, "add", "--provider", "reapi", "--label", "headless cat", task.task_id]
            subprocess.run(add, env=env, check=True, capture_output=True, timeout=60)
            deadline = time.monotonic() + 60
            while "Finished: headless cat" not in desktop.monitor():
                assert time.monotonic() < deadline, "no notification from taskmon run --notify"
        finally:
            run.send_signal(signal.SIGTERM)
            _out, err = run.communicate(timeout=30)
    assert run.returncode == 0, err
    notifies = parse_notifies(desktop.monitor())
    sent = [n for n in notifies if n.summary == "Finished: headless cat"]
    assert len(sent) == 1
    assert sent[0].actions == [
        "default", "", "open", "Open", "show-in-folder", "Show in folder",
    ]  # fmt: skip
