"""The tray's pieces in the window, offscreen: pause, close and quit rules, the tray's words,
the notification settings. (The tray and notifications on a real desktop: test_tray_xvfb.py.)"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from ui_views import T0, make_view
from window_app import App

from taskmon.domain import State
from taskmon.service import Announcement, read_notify_settings
from taskmon.sim import TaskScript
from taskmon.ui.tray import status
from taskmon.ui.tray.background import ASK_QUIT_KEY, NO_TRAY_WHY
from taskmon.ui.tray.install import TrayFeatures, install_tray, show_tasks
from taskmon.ui.tray.window_notices import notify_settings


class Shown:
    def __init__(self) -> None:
        self.announcements: list[Announcement] = []

    async def show(self, announcement: Announcement, *, sound: bool = False) -> bool:
        self.announcements.append(announcement)
        return True


@pytest.fixture
def features(app: App, qsettings: QSettings) -> Any:
    shown = Shown()
    installed = install_tray(app.window, app.bridge, qsettings, tray_available=False, sender=shown)
    installed.shown = shown  # type: ignore[attr-defined]
    yield installed
    # pytest-qt has closed the window and deleted it later by now: not a loop turn may run
    # before App.stop() hides it, so the close is left for that stop's own turns.
    app.tray_closing = asyncio.ensure_future(installed.aclose())  # type: ignore[attr-defined]


def _running_task(app: App, qtbot: Any) -> str:
    ref = app.add(TaskScript("reapi", run_s=120))
    app.run(app.bridge.add([ref]))
    qtbot.waitUntil(lambda: app.rows().get(ref.task_id) == "running", timeout=10000)
    return ref.key


def test_pause_in_the_window_stops_polling_and_says_paused(
    app: App, features: TrayFeatures, qtbot: Any
) -> None:
    features.pause.action.trigger()
    assert app.service.polling_paused
    qtbot.waitUntil(lambda: features.pause.label.isVisible(), timeout=2000)
    assert features.pause.label.text() == "Paused"
    assert features.pause.action.text() == "Resume polling"
    features.pause.action.trigger()
    assert not app.service.polling_paused
    assert not features.pause.label.isVisible()


def test_closing_without_a_tray_while_tasks_run_minimizes_and_says_why(
    app: App, features: TrayFeatures, qtbot: Any, qsettings: QSettings
) -> None:
    qsettings.setValue("close/choice", "")
    _running_task(app, qtbot)
    app.window.close()
    assert app.window.isVisible()
    assert app.window.isMinimized()
    assert app.window.statusBar().currentMessage() == NO_TRAY_WHY
    assert not app.quit_called


def test_quit_while_tasks_run_asks_first_and_can_remember(
    app: App, features: TrayFeatures, qtbot: Any, qsettings: QSettings
) -> None:
    _running_task(app, qtbot)
    asked: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, answer)
            return
        asked.append(box.text())
        box.checkBox().setChecked(True)
        next(b for b in box.buttons() if b.text() == "Quit").click()

    QTimer.singleShot(50, answer)
    app.window.quit_app()
    assert asked == ["1 task is still running or saving results."]
    assert app.quit_called
    assert qsettings.value(ASK_QUIT_KEY, True, bool) is False
    app.quit_called = False
    app.window.quit_app()  # remembered: no question this time
    assert app.quit_called and len(asked) == 1


def test_a_notification_s_show_opens_the_window_on_its_task(
    app: App, features: TrayFeatures, qtbot: Any
) -> None:
    key = _running_task(app, qtbot)
    app.window.hide()
    show_tasks(app.window, [key])
    assert app.window.isVisible()
    assert [v.key for v in app.window.selected_views()] == [key]
    assert app.window.details.isVisible()
    current = app.window.details.current()
    assert current is not None and current.key == key


def test_the_window_s_notifier_announces_an_ending(
    app: App, features: TrayFeatures, qtbot: Any
) -> None:
    ref = app.add(TaskScript("reapi", run_s=1.0))
    app.run(app.bridge.add([ref], "a red bicycle"))
    shown = features.shown  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bool(shown.announcements), timeout=20000)
    assert shown.announcements[0].summary == "Finished: a red bicycle"


def test_the_tooltip_counts_running_tasks_and_those_done_today() -> None:
    running = make_view("a", state=State.RUNNING)
    done = dataclasses.replace(make_view("b", state=State.SUCCEEDED), finished_at=T0)
    yesterday = dataclasses.replace(
        make_view("c", state=State.FAILED), finished_at=T0 - timedelta(days=1)
    )
    text = status.tooltip([running, done, yesterday], T0)
    assert text == "taskmon: 1 running · 1 done today"
    paused = status.tooltip([], T0, paused=True)
    assert paused == "taskmon: 0 running · 0 done today · polling paused"


def test_the_menu_lists_the_last_five_completions_newest_first() -> None:
    views = [
        dataclasses.replace(
            make_view(f"t{n}", state=State.SUCCEEDED), finished_at=T0 + timedelta(minutes=n)
        )
        for n in range(7)
    ]
    views.append(make_view("running", state=State.RUNNING))
    recent = status.recent_completions(views)
    assert [v.ref.task_id for v in recent] == ["t6", "t5", "t4", "t3", "t2"]


def test_the_notifications_tab_saves_what_the_notifier_reads(
    qtbot: Any, qsettings: QSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taskmon.ui.settings.notification_page import NotificationPage

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    page = NotificationPage(qsettings)
    qtbot.addWidget(page)
    assert notify_settings(qsettings).sound is False  # off by default
    page.kinds["succeeded"].setChecked(False)
    first_provider = next(iter(page.muted))
    page.muted[first_provider].setChecked(True)
    page.sound.setChecked(True)
    settings = notify_settings(qsettings)
    assert (settings.succeeded, settings.failed, settings.sound) == (False, True, True)
    assert settings.muted_providers == {first_provider}
    page.autostart.setChecked(True)
    entry = tmp_path / "config" / "autostart" / "taskmon.desktop"
    assert "--hidden" in entry.read_text()
    page.autostart.setChecked(False)
    assert not entry.exists()


def test_the_window_shares_its_notification_settings_with_taskmon_run(
    app: App, qsettings: QSettings
) -> None:
    qsettings.setValue("notify/failed", False)
    installed = install_tray(
        app.window, app.bridge, qsettings, tray_available=False, sender=Shown()
    )
    try:
        shared = read_notify_settings(app.data_dir)  # `run --notify` reads this file
        assert shared == notify_settings(qsettings) and shared.failed is False
    finally:
        app.tray_closing = asyncio.ensure_future(installed.aclose())  # type: ignore[attr-defined]


def test_a_change_in_the_notifications_tab_reaches_taskmon_run(
    app: App, qsettings: QSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taskmon.ui.settings.notification_page import NotificationPage
    from taskmon.ui.settings.settings_dialog import SettingsDialog

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # the autostart file
    app.window.open_settings()
    page = app.window.findChildren(SettingsDialog)[-1].findChild(NotificationPage)
    assert page is not None
    page.kinds["succeeded"].setChecked(False)
    muted = next(iter(page.muted))
    page.muted[muted].setChecked(True)
    shared = read_notify_settings(app.data_dir)
    assert shared.succeeded is False and shared.muted_providers == {muted}
    page.kinds["succeeded"].setChecked(True)
    assert read_notify_settings(app.data_dir).succeeded is True
