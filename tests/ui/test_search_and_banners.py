"""Search, the keyring banner, base URLs in Settings and opening folders (issue 11)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring.backends.fail
import pytest
from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QPushButton
from ui_views import make_view
from window_app import StaticKeys

from taskmon.domain.task import TaskRef
from taskmon.keys import KeyStore, env_var
from taskmon.providers import PROVIDERS
from taskmon.service.handover import HolderRole
from taskmon.service.tracking_service import TrackingService
from taskmon.sim import SimulatorThread, TaskScript
from taskmon.tracking.config import EngineConfig
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.details_panel import DetailsPanel
from taskmon.ui.filter_bar import FilterBar
from taskmon.ui.settings.settings_dialog import SettingsDialog
from taskmon.ui.table.filter_model import TaskFilterModel
from taskmon.ui.window import MainWindow

# --- search ----------------------------------------------------------------------


def matches(query: str, *views: Any) -> list[str | None]:
    model = TaskFilterModel()
    model.set_text(query)
    return [v.label for v in views if model.accepts(v)]


def test_search_words_match_at_the_start_of_a_word() -> None:
    a = make_view("task_c1c2c3c4c5c6c7c8c9cacbcccdcec0", label="batch A")
    c = make_view("task_0123456789abcdef0123456789abcdef", label="batch C")
    assert matches("batch C", a, c) == ["batch C"]
    assert matches("bat", a, c) == ["batch A", "batch C"]
    assert matches("atch", a, c) == []  # inside a word: not a match


def test_search_finds_any_three_characters_of_an_id() -> None:
    a = make_view("task_c1c2c3c4c5c6c7c8c9cacbcccdcec0", label="batch A")
    c = make_view("task_0123456789abcdef0123456789abcdef", label="batch C")
    assert matches("c7c", a, c) == ["batch A"]
    assert matches("9ab", a, c) == ["batch C"]
    assert matches("c7", a, c) == []  # two characters inside an ID: too many hits to mean one


def test_every_search_word_is_required() -> None:
    a = make_view(label="poster draft", model="flux")
    b = make_view(label="poster final", model="flux")
    assert matches("poster fin", a, b) == ["poster final"]


def test_escape_in_the_search_field_clears_it(qtbot: Any) -> None:
    bar = FilterBar(PROVIDERS)
    qtbot.addWidget(bar)
    bar.show()
    heard: list[str] = []
    bar.textChanged.connect(heard.append)
    bar.search.setText("batch C")
    bar.search.setFocus()
    qtbot.keyClick(bar.search, Qt.Key.Key_Escape)
    assert bar.search.text() == ""
    assert heard[-1] == ""


# --- the keyring banner ------------------------------------------------------------


@pytest.fixture
def no_keyring_window(
    sim_thread: SimulatorThread, tmp_path: Path, qsettings: QSettings, run_async: Any, qtbot: Any
) -> Iterator[tuple[MainWindow, SimulatorThread]]:
    """A window whose keyring has no backend; only reAPI's key is in the environment."""
    env = {env_var("reapi"): sim_thread.keys["reapi"]}
    keys = KeyStore(env=env, backend=keyring.backends.fail.Keyring())
    config = EngineConfig(base_url_overrides={name: sim_thread.api_url for name in PROVIDERS})
    service = TrackingService(tmp_path / "data", keys, config, role=HolderRole.WINDOW)
    bridge = EngineBridge(service, keys)
    run_async(bridge.start())
    window = MainWindow(bridge, qsettings)
    qtbot.addWidget(window)
    window.show()
    yield window, sim_thread
    run_async(bridge.stop())


def test_no_keyring_banner_while_every_provider_in_use_has_a_key_from_the_environment(
    no_keyring_window: tuple[MainWindow, SimulatorThread], run_async: Any, qtbot: Any
) -> None:
    window, sim = no_keyring_window
    task = sim.add_task(TaskScript("reapi", run_s=60))
    run_async(window.bridge.add([TaskRef("reapi", task.task_id)]))
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    run_async(window.check_keyring())
    assert "keyring" not in window.banners.topics()


def test_no_keyring_banner_names_the_providers_without_a_key_in_one_sentence(
    no_keyring_window: tuple[MainWindow, SimulatorThread], run_async: Any, qtbot: Any
) -> None:
    window, sim = no_keyring_window
    refs = [
        TaskRef("reapi", sim.add_task(TaskScript("reapi", run_s=60)).task_id),
        TaskRef("vidgo", sim.add_task(TaskScript("vidgo", run_s=60)).task_id),
    ]
    run_async(window.bridge.add(refs))
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=3000)
    run_async(window.check_keyring())
    qtbot.waitUntil(lambda: "keyring" in window.banners.topics(), timeout=3000)
    text = window.banners.text("keyring") or ""
    assert PROVIDERS["vidgo"].display_name in text
    assert PROVIDERS["reapi"].display_name not in text
    assert "\n" not in text and text.count(". ") == 0 and text.endswith(".")
    buttons = [b.text() for b in window.banners.findChildren(QPushButton)]
    assert "How to fix" in buttons, buttons


# --- base URLs in Settings ----------------------------------------------------------


def test_settings_show_the_address_in_use_and_where_it_comes_from(
    sim_thread: SimulatorThread,
    tmp_path: Path,
    qsettings: QSettings,
    run_async: Any,
    qtbot: Any,
    monkeypatch: Any,
) -> None:
    monkeypatch.setenv("TASKMON_APIXO_BASE_URL", sim_thread.api_url)
    keys = StaticKeys(sim_thread.keys)
    service = TrackingService(
        tmp_path / "data",
        keys,  # type: ignore[arg-type]
        EngineConfig(),
        role=HolderRole.WINDOW,
    )
    bridge = EngineBridge(service, keys)  # type: ignore[arg-type]
    run_async(bridge.start())
    try:
        window = MainWindow(bridge, qsettings)
        qtbot.addWidget(window)
        dialog = SettingsDialog(bridge, qsettings, window, provider="apixo")
        qtbot.addWidget(dialog)
        apixo = dialog.provider_pages["apixo"]
        shown = apixo.address.text()
        assert sim_thread.api_url in shown and "TASKMON_APIXO_BASE_URL" in shown
        reapi = dialog.provider_pages["reapi"].address.text()
        assert PROVIDERS["reapi"].default_base_url in reapi and "default" in reapi
        # A setting wins over the environment; clearing it goes back to the environment.
        other = sim_thread.api_url.replace("127.0.0.1", "localhost")
        apixo.base_url.setText(other)
        apixo.base_url.editingFinished.emit()
        assert other in apixo.address.text() and "this setting" in apixo.address.text()
        apixo.base_url.setText("")
        apixo.base_url.editingFinished.emit()
        assert sim_thread.api_url in apixo.address.text()
        assert "TASKMON_APIXO_BASE_URL" in apixo.address.text()
        assert "provider's own address" not in apixo.outcome.text()
    finally:
        run_async(bridge.stop())


# --- opening files and folders -----------------------------------------------------


def test_open_folder_without_a_launcher_says_so_with_the_path_to_copy(
    qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    opened: list[QUrl] = []

    def no_launcher(url: QUrl) -> bool:
        opened.append(url)
        return False  # what Qt answers when no launcher is installed

    monkeypatch.setattr(QDesktopServices, "openUrl", no_launcher)
    panel = DetailsPanel()
    qtbot.addWidget(panel)
    panel.show()
    folder = tmp_path / "results"
    folder.mkdir()
    panel._open_link(QUrl.fromLocalFile(str(folder)).toString())
    assert opened
    notice = panel.open_failure
    assert notice is not None and notice.isVisible()
    assert str(folder) in notice.text()
    copy = next(b for b in notice.findChildren(QPushButton) if b.text() == "Copy path")
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == str(folder)

