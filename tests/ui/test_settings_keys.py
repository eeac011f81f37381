"""Settings → Providers against a real Secret Service: save, test, delete a key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring_fixture import SecretServiceSession
from PySide6.QtCore import QSettings, Qt

from taskmon.domain.task import TaskRef
from taskmon.keys import KeyStore
from taskmon.providers import PROVIDERS
from taskmon.service.tracking_service import TrackingService
from taskmon.sim import SimulatorThread, TaskScript
from taskmon.tracking.config import EngineConfig
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.settings.settings_dialog import SettingsDialog
from taskmon.ui.table.task_model import Column
from taskmon.ui.window import MainWindow

pytestmark = pytest.mark.keyring


@pytest.fixture
def window(
    secret_service: SecretServiceSession,
    sim_thread: SimulatorThread,
    tmp_path: Path,
    qsettings: QSettings,
    run_async: Any,
    qtbot: Any,
) -> Iterator[MainWindow]:
    keys = KeyStore(env={})  # the real keyring only: no TASKMON_*_API_KEY
    config = EngineConfig(base_url_overrides={name: sim_thread.api_url for name in PROVIDERS})
    service = TrackingService(tmp_path / "data", keys, config)
    bridge = EngineBridge(service, keys)
    run_async(bridge.start())
    main = MainWindow(bridge, qsettings)
    qtbot.addWidget(main)
    main.show()
    yield main
    run_async(bridge.stop())


def _dialog(window: MainWindow, qtbot: Any, provider: str) -> SettingsDialog:
    window.open_settings(provider)
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: "Looking" not in dialog.provider_pages[provider].key_state.text())
    return dialog


def test_saving_a_key_puts_it_in_the_keyring_and_never_shows_it(
    window: MainWindow, qtbot: Any, sim_thread: SimulatorThread
) -> None:
    page = _dialog(window, qtbot, "reapi").provider_pages["reapi"]
    assert "No key yet" in page.key_state.text()
    secret = sim_thread.keys["reapi"]
    page.key_field.setText(secret)
    qtbot.mouseClick(page.save_key, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "saved in the system keyring" in page.key_state.text(), timeout=5000)
    assert keyring.get_password("taskmon", "reapi") == secret
    assert page.key_field.text() == ""  # the field never holds or shows a saved key
    assert secret not in page.key_state.text() and secret not in page.outcome.text()

    qtbot.mouseClick(page.delete_key, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "No key yet" in page.key_state.text(), timeout=5000)
    assert keyring.get_password("taskmon", "reapi") is None


def test_the_test_button_says_works_or_rejected_in_words(
    window: MainWindow, qtbot: Any, sim_thread: SimulatorThread
) -> None:
    page = _dialog(window, qtbot, "vidgo").provider_pages["vidgo"]

    def answered() -> bool:
        text = page.outcome.text()
        return bool(text) and "Testing" not in text

    page.key_field.setText(sim_thread.keys["vidgo"])
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(answered, timeout=15000)
    assert "works" in page.outcome.text().lower()
    page.outcome.clear()
    page.key_field.setText("sk-wrong-key")
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(answered, timeout=15000)
    assert "rejected" in page.outcome.text().lower()
    assert "sk-wrong-key" not in page.outcome.text()


def test_a_task_without_a_key_says_so_and_moves_once_a_key_is_saved(
    window: MainWindow, qtbot: Any, sim_thread: SimulatorThread, run_async: Any
) -> None:
    task = sim_thread.add_task(TaskScript("reapi", run_s=1))
    run_async(window.bridge.add([TaskRef("reapi", task.task_id)]))
    model = window.model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=3000)
    qtbot.waitUntil(lambda: "no API key" in (model.index(0, Column.PROBLEM).data() or ""))
    assert "provider:reapi" in window.banners.topics()
    page = _dialog(window, qtbot, "reapi").provider_pages["reapi"]
    page.key_field.setText(sim_thread.keys["reapi"])
    qtbot.mouseClick(page.save_key, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: model.index(0, Column.STATE).data() == "succeeded", timeout=20000)
    assert "provider:reapi" not in window.banners.topics()
