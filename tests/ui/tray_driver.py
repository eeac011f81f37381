"""The window with its tray on a real X server, driven through a user's day; for test_tray_xvfb.py.

    python tray_driver.py OUT.json SHOTS_DIR

Run by the test as a child process with DISPLAY (Xvfb with `trayer`) and
DBUS_SESSION_BUS_ADDRESS (a private bus with `dunst`) set. The simulator runs
in here, so requests can be counted; what went over D-Bus is read by the test
from `dbus-monitor`. Each step writes what it saw to OUT.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import QPoint, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

sys.path.insert(0, str(Path(__file__).resolve().parent))

from window_app import StaticKeys

from taskmon.domain import TaskRef
from taskmon.providers import PROVIDERS
from taskmon.service import HolderRole, TrackingService
from taskmon.sim import SimulatorThread, TaskScript
from taskmon.tracking import EngineConfig
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.tray.install import install_tray, show_tasks
from taskmon.ui.window import MainWindow

STEP_TIMEOUT_S = 40.0


async def until(
    condition: Callable[[], bool], what: str, timeout_s: float = STEP_TIMEOUT_S
) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def dunstctl(*args: str) -> int:
    """Ask dunst, as its user would (`dunstctl action 0` clicks the newest notification)."""
    process = await asyncio.create_subprocess_exec(
        "dunstctl", *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    return await process.wait()


def requests(sim: SimulatorThread) -> int:
    return sum(sim.requests_by_provider.values())


def grab_screen(path: Path) -> None:
    QGuiApplication.primaryScreen().grabWindow(0).save(str(path))


async def scenario(app: QApplication, out: Path, shots: Path, work: Path) -> dict[str, Any]:
    report: dict[str, Any] = {"tray_available": QSystemTrayIcon.isSystemTrayAvailable()}

    def save() -> None:
        out.write_text(json.dumps(report, indent=1))

    sim = SimulatorThread(seed=13)
    sim.start()
    settings = QSettings(str(work / "window.ini"), QSettings.Format.IniFormat)
    config = EngineConfig(base_url_overrides=dict.fromkeys(PROVIDERS, sim.api_url))
    service = TrackingService(work / "data", StaticKeys(sim.keys), config, role=HolderRole.WINDOW)
    bridge = EngineBridge(service, StaticKeys(sim.keys))
    await bridge.start()
    window = MainWindow(bridge, settings)
    window.quit_requested = lambda: None
    features = install_tray(window, bridge, settings)
    sender = features.notices.sender
    window.resize(1100, 640)
    window.show()

    def add(script: TaskScript, label: str | None = None) -> TaskRef:
        task = sim.add_task(script)
        ref = TaskRef(script.provider, task.task_id)
        bridge.run(bridge.add([ref], label))
        return ref

    try:
        # 0. The task the user is looking at in the active window ends: no notification.
        watched = add(TaskScript("reapi", run_s=2.0), "watched while it ends")
        await until(lambda: window.model.row_of(watched.key) is not None, "the watched row")
        show_tasks(window, [watched.key])
        window.activateWindow()
        await until(lambda: window.isActiveWindow(), "the window to be active", 10)
        await until(
            lambda: (v := service.engine.task(watched.key)) is not None and v.is_done,
            "the watched task's end",
        )
        await asyncio.sleep(3.0)  # past the two quiet seconds
        report["watched"] = {
            "active": window.isActiveWindow(),
            "sent": sender.sent,
            "announced": [a.summary for a in features.notices.notifier.announced],
        }
        save()

        # 1. One task ends: one notification, with Open and Show in folder.
        cat = add(TaskScript("reapi", run_s=1.0), "a cat on a skateboard")
        await until(lambda: sender.sent >= 1, "the first notification")
        report["single"] = {"key": cat.key, "sent": sender.sent}
        await asyncio.sleep(1.0)  # dunst draws it
        grab_screen(shots / "notification.png")
        save()

        # 2. The window closed (to the tray); a click on the notification opens the task.
        window.close()
        report["closed_to_tray"] = {"visible": window.isVisible()}
        report["dunstctl"] = await dunstctl("action", "0")
        await until(lambda: window.isVisible(), "the window after the click")
        await until(lambda: window.details.current() is not None, "the task in the details")
        current = window.details.current()
        report["click"] = {
            "visible": window.isVisible(),
            "details_key": current.key if current else None,
            "selected": [v.key for v in window.selected_views()],
        }
        save()
        await dunstctl("close-all")
        await asyncio.sleep(2.5)  # the next burst is a burst of its own

        # 3. Eight tasks end within a second: one summary.
        before = sender.sent
        refs = [
            TaskRef("reapi", sim.add_task(TaskScript("reapi", run_s=1.0)).task_id)
            for _ in range(8)
        ]
        for n, ref in enumerate(refs, 1):
            await bridge.add([ref], f"poster variant {n}")
        await until(lambda: sender.sent > before, "the burst's notification")
        await asyncio.sleep(3.0)  # nothing more comes of it
        report["burst"] = {
            "sent": sender.sent - before,
            "summary": features.notices.notifier.announced[-1].summary,
            "finished_at": sorted(
                v.finished_at.timestamp() for r in refs if (v := service.engine.task(r.key))
            ),
        }
        save()
        await dunstctl("close-all")

        # 4. With the window closed, polling goes on and an ending is still notified.
        window.close()
        before_sent, before_requests = sender.sent, requests(sim)
        late = add(TaskScript("reapi", run_s=3.0), "ends while closed")
        await until(lambda: sender.sent > before_sent, "the notification while closed")
        report["background"] = {
            "visible": window.isVisible(),
            "requests": requests(sim) - before_requests,
            "summary": features.notices.notifier.announced[-1].summary,
            "key": late.key,
        }
        save()

        # 5. Pause from the tray's menu: no call at all for ten seconds, then it resumes.
        add(TaskScript("reapi", run_s=60.0), "a long video")
        add(TaskScript("bytespike", kind="video", run_s=60.0), "a streamed video")
        await asyncio.sleep(2.0)
        pause_action = features.pause.action
        assert pause_action in features.tray.menu.actions()  # type: ignore[union-attr]
        pause_action.trigger()
        await asyncio.sleep(0.5)  # a call already on the wire may still land
        window.bring_to_front()
        paused_at = requests(sim)
        await asyncio.sleep(10.0)
        report["pause"] = {
            "during": requests(sim) - paused_at,
            "label": features.pause.label.text() if features.pause.label.isVisible() else None,
            "tooltip": features.tray.icon.toolTip(),  # type: ignore[union-attr]
        }
        window.statusBar().clearMessage()
        await asyncio.sleep(0.3)
        window.grab().save(str(shots / "window-paused.png"))
        pause_action.trigger()
        resumed_at = requests(sim)
        await asyncio.sleep(3.0)
        report["pause"]["after_resume"] = requests(sim) - resumed_at
        save()

        # 6. The tray menu, open, as a person sees it.
        window.hide()
        features.tray.refresh()  # type: ignore[union-attr]
        geometry = features.tray.icon.geometry()  # type: ignore[union-attr]
        menu = features.tray.menu  # type: ignore[union-attr]
        menu.popup(QPoint(max(geometry.x(), 40), geometry.bottom() + 4))
        await asyncio.sleep(1.0)
        report["menu"] = [a.text() for a in menu.actions() if a.text()]
        grab_screen(shots / "tray-menu.png")
        menu.hide()
        save()
    finally:
        await features.aclose()
        window.close_handler = None
        window.hide()
        await bridge.stop()
        sim.stop()
    return report


def main() -> int:
    out, shots = Path(sys.argv[1]), Path(sys.argv[2])
    shots.mkdir(parents=True, exist_ok=True)
    work = out.parent / "work"
    work.mkdir(exist_ok=True)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("taskmon")
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(scenario(app, out, shots, work))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    sys.exit(main())
