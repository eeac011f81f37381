"""Settings → Results: save folder, name pattern and its live example, sidecars, auto-save."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from saving_views import finished_task
from window_app import App

from taskmon.downloads import DEFAULT_PATTERN
from taskmon.providers import provider_catalog
from taskmon.ui.banners import Banner
from taskmon.ui.saving import result_settings
from taskmon.ui.saving.results_page import EXAMPLE, ResultsPage
from taskmon.ui.settings.settings_dialog import SettingsDialog


def open_page(app: App) -> ResultsPage:
    app.window.open_settings()
    dialog = app.window.findChildren(SettingsDialog)[-1]
    page = dialog.findChild(ResultsPage)
    assert page is not None
    page.show_itself()
    return page


def test_the_defaults_are_the_cli_pattern_sidecars_on_and_auto_save_off(
    app: App, qtbot: Any
) -> None:
    page = open_page(app)
    assert page.pattern.text() == DEFAULT_PATTERN == "{provider}_{task_id}_{index}.{ext}"
    assert page.metadata.isChecked()
    assert not page.auto_save.isChecked() and not page.auto_folder.isEnabled()
    assert page.folder.path() == result_settings.default_folder()
    assert page.folder.path().name == "taskmon"
    assert page.preview.text().endswith(f"/<b>{EXAMPLE.provider}_task_f131b16c9e27_1.png</b>")


def test_the_examples_model_is_one_its_provider_names_in_the_catalog() -> None:
    assert EXAMPLE.model
    assert provider_catalog()[EXAMPLE.provider].example_model == EXAMPLE.model


def test_the_example_names_its_model_beside_its_own_provider(app: App, qtbot: Any) -> None:
    page = open_page(app)
    page.pattern.clear()
    qtbot.keyClicks(page.pattern, "{provider}_{model}_{index}.{ext}")

    info = provider_catalog()[EXAMPLE.provider]
    assert f"<b>{info.name}_{info.example_model}_1.png</b>" in page.preview.text()


def test_the_example_follows_the_pattern_as_it_is_typed(
    app: App, qtbot: Any, qsettings: QSettings
) -> None:
    page = open_page(app)
    page.pattern.clear()
    qtbot.keyClicks(page.pattern, "{provider}/{date}/{label}_{index}of{n}.{ext}")

    assert page.preview.property("valid") is True
    assert f"{EXAMPLE.provider}/2026-03-01/portrait set_1of2.png" in page.preview.text()
    assert result_settings.load(qsettings).pattern_text == (
        "{provider}/{date}/{label}_{index}of{n}.{ext}"
    )


def test_a_pattern_that_does_not_parse_is_said_and_never_kept(
    app: App, qtbot: Any, qsettings: QSettings
) -> None:
    page = open_page(app)
    for bad, words in (
        ("{nope}.{ext}", "unknown placeholder {nope}"),
        ("../{index}.{ext}", "'..'"),
        ("/abs/{index}", "must be relative"),
        ("", "empty"),
    ):
        page.pattern.setText(bad)
        assert page.preview.property("valid") is False
        assert "Not used: " in page.preview.text() and words in page.preview.text(), bad
        assert result_settings.load(qsettings).pattern_text == DEFAULT_PATTERN


def test_switching_auto_save_on_in_the_page_starts_it_in_the_chosen_folder(
    app: App, qtbot: Any, qsettings: QSettings, tmp_path: Path
) -> None:
    page = open_page(app)
    folder = tmp_path / "auto here"
    page.auto_folder.edit.setText(str(folder))
    page.auto_save.setChecked(True)

    saving = app.window.saving
    qtbot.waitUntil(lambda: saving.auto_save.target is not None, timeout=5000)
    assert saving.auto_save.target.folder == folder.resolve()
    assert saving.auto_save.target.metadata is True
    view = finished_task(app, qtbot)
    saved = folder / f"xenodia_{view.ref.task_id}_1.png"
    qtbot.waitUntil(saved.exists, timeout=10000)

    page.auto_save.setChecked(False)
    qtbot.waitUntil(lambda: saving.auto_save.target is None, timeout=5000)
    assert result_settings.load(qsettings).auto_save is False


def test_sidecars_off_saves_the_file_alone(
    app: App, qtbot: Any, qsettings: QSettings, tmp_path: Path
) -> None:
    page = open_page(app)
    page.metadata.setChecked(False)
    assert result_settings.load(qsettings).metadata is False
    view = finished_task(app, qtbot)
    saving = app.window.saving

    saving.save_to_folder([view], tmp_path / "plain")
    qtbot.waitUntil(lambda: not saving.jobs, timeout=20000)

    assert [p.name for p in (tmp_path / "plain").iterdir()] == [f"xenodia_{view.ref.task_id}_1.png"]


def test_an_auto_save_folder_that_cannot_be_used_is_a_banner_with_the_way_to_fix_it(
    app: App, qtbot: Any, qsettings: QSettings, tmp_path: Path
) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    result_settings.set_auto_save(qsettings, True, a_file)
    saving = app.window.saving
    app.run(saving.apply_settings())

    banners = app.window.banners.findChildren(Banner)
    texts = [b.label.text() for b in banners]
    assert any(t.startswith("Auto-save: auto-save is off: ") and str(a_file) in t for t in texts)
    assert saving.auto_save.target is None
    buttons = [b.button for b in banners if b.button is not None]
    assert [b.text() for b in buttons] == ["Results settings…"]
    buttons[0].click()
    dialog = app.window.findChildren(SettingsDialog)[-1]
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    page = dialog.findChild(ResultsPage)
    assert page is not None and page.isVisibleTo(dialog)
    dialog.close()
