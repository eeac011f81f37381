"""Save…, Save all and auto-save in the window, over the simulator and real files.

The file dialogs are Qt's own (not the desktop's), found and answered the way a
person would; every save goes the real way: the SaveController, the service's
save_tracked_results, the engine's media cache, and files on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtWidgets import QFileDialog, QMessageBox
from saving_views import SIDECAR_KEYS, StallingOrigin, finished_task, prepared_saving, select
from window_app import App

from taskmon.domain import TaskView
from taskmon.service import read_save_folder
from taskmon.sim import TaskScript
from taskmon.ui.saving import result_settings
from taskmon.ui.saving.save_actions import SaveController


@pytest.fixture
def saving(app: App, qsettings: QSettings, tmp_path: Path) -> SaveController:
    return prepared_saving(app, qsettings, tmp_path)


def answer_dialog(app: App, qtbot: Any, chosen: Path) -> QFileDialog:
    """Wait for the save dialog, choose `chosen` in it and accept, as a person would."""
    found: list[QFileDialog] = []

    def shown() -> bool:
        dialog = app.window.findChild(QFileDialog, "saveResultsDialog")
        if dialog is not None and dialog.isVisible():
            found.append(dialog)
            return True
        return False

    qtbot.waitUntil(shown, timeout=5000)
    dialog = found[0]
    dialog.selectFile(str(chosen))
    dialog.accept()
    return dialog


def wait_saved(saving: SaveController, qtbot: Any) -> str:
    qtbot.waitUntil(lambda: not saving.jobs, timeout=20000)
    return saving.notice.text()


def media_of(app: App, view: TaskView) -> list[bytes]:
    return [app.sim.expected_media(o.url) for o in view.outputs]


def test_ctrl_s_on_one_result_saves_it_where_the_file_dialog_says_with_its_sidecar(
    app: App, saving: SaveController, qtbot: Any, tmp_path: Path
) -> None:
    view = finished_task(app, qtbot, label="cats")
    select(app, [view])
    app.window.table.setFocus()

    qtbot.keyClick(app.window.table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    dialog = answer_dialog(app, qtbot, tmp_path / "picked" / "my cat.png")

    # The dialog suggested the pattern's name for this result, in the remembered folder.
    assert dialog.defaultSuffix() == "png"
    copy = tmp_path / "picked" / "my cat.png"
    assert wait_saved(saving, qtbot) == f"Saved my cat.png to {copy.parent}"
    assert copy.read_bytes() == media_of(app, view)[0]
    sidecar = json.loads((tmp_path / "picked" / "my cat.png.json").read_text(encoding="utf-8"))
    assert set(sidecar) == SIDECAR_KEYS
    assert sidecar["sha256"] == hashlib.sha256(copy.read_bytes()).hexdigest()
    assert (sidecar["provider"], sidecar["task_id"], sidecar["label"]) == (
        "xenodia",
        view.ref.task_id,
        "cats",
    )
    assert sidecar["source_url"] == view.outputs[0].url
    assert sorted(p.name for p in copy.parent.iterdir()) == ["my cat.png", "my cat.png.json"]
    # The folder is remembered for the next save, and Show folder opens it.
    assert result_settings.load(app.window.settings).folder == copy.parent
    opened: list[QUrl] = []
    saving.notice.open_url = opened.append  # type: ignore[method-assign]
    saving.notice.show_folder_button.click()
    assert opened == [QUrl.fromLocalFile(str(copy.parent))]


def test_the_file_dialog_suggests_the_name_the_pattern_gives(
    app: App, saving: SaveController, qtbot: Any, qsettings: QSettings
) -> None:
    result_settings.set_pattern(qsettings, "{label}-{index}of{n}.{ext}")
    view = finished_task(app, qtbot, label="fox")
    select(app, [view])
    saving.save_selected()
    dialog = app.window.findChild(QFileDialog, "saveResultsDialog")
    assert dialog is not None
    assert [Path(f).name for f in dialog.selectedFiles()] == ["fox-1of1.png"]
    dialog.reject()


def test_several_tasks_go_into_a_folder_named_by_the_default_pattern(
    app: App, saving: SaveController, qtbot: Any, tmp_path: Path
) -> None:
    two = finished_task(app, qtbot, outputs=2)
    one = finished_task(app, qtbot)
    select(app, [two, one])

    app.window.table.setFocus()
    qtbot.keyClick(app.window.table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    folder = tmp_path / "album"
    folder.mkdir()
    answer_dialog(app, qtbot, folder)

    assert wait_saved(saving, qtbot) == f"Saved 3 files to {folder}"
    for view in (two, one):
        for index, media in enumerate(media_of(app, view), start=1):
            name = f"xenodia_{view.ref.task_id}_{index}.png"
            assert (folder / name).read_bytes() == media
            assert json.loads((folder / f"{name}.json").read_text())["task_id"] == view.ref.task_id
    assert len(list(folder.iterdir())) == 6


def test_hostile_labels_in_the_pattern_never_leave_the_chosen_folder(
    app: App, saving: SaveController, qtbot: Any, qsettings: QSettings, tmp_path: Path
) -> None:
    result_settings.set_pattern(qsettings, "{label}/{label}_{index}.{ext}")
    labels = ["../../x", "CON", "a/b\\c", "\"quoted\" 'too'", "line\nbreak", "é" * 300]
    views = [finished_task(app, qtbot, label=label) for label in labels]
    root = tmp_path / "root"
    folder = root / "chosen"
    folder.mkdir(parents=True)

    saving.save_to_folder(views, folder)

    assert wait_saved(saving, qtbot) == f"Saved {len(labels)} files to {folder}"
    written = [p for p in root.rglob("*") if p.is_file()]
    assert len(written) == 2 * len(labels)  # each copy and its sidecar
    for path in written:
        assert path.resolve().is_relative_to(folder.resolve())
        assert len(path.name.encode()) <= 255
        assert not path.name.startswith(".")
        assert "\n" not in str(path.relative_to(folder))
    assert {p.name for p in folder.iterdir()}.isdisjoint({"..", "CON", "a"})
    saved = sorted(p.read_bytes() for p in written if p.suffix == ".png")
    assert saved == sorted(media_of(app, v)[0] for v in views)


def test_a_name_already_taken_gets_a_number_and_nothing_is_replaced(
    app: App, saving: SaveController, qtbot: Any, tmp_path: Path
) -> None:
    view = finished_task(app, qtbot)
    folder = tmp_path / "twice"
    name = f"xenodia_{view.ref.task_id}_1.png"
    folder.mkdir()
    (folder / name).write_bytes(b"someone else's file")

    saving.save_to_folder([view], folder)
    wait_saved(saving, qtbot)

    assert (folder / name).read_bytes() == b"someone else's file"
    assert (folder / f"xenodia_{view.ref.task_id}_1 (2).png").read_bytes() == media_of(app, view)[0]


def test_the_folder_a_save_went_to_is_where_taskmon_save_saves_next(
    app: App, saving: SaveController, qtbot: Any, tmp_path: Path
) -> None:
    """The CLI cannot read QSettings: the window shares its save folder in the data dir."""
    view = finished_task(app, qtbot)
    folder = tmp_path / "picked in the window"
    saving.save_to_folder([view], folder)
    wait_saved(saving, qtbot)
    directory = app.service.directory
    assert directory is not None
    assert read_save_folder(directory) == folder
    assert result_settings.load(saving.settings).folder == folder


def test_save_all_saves_every_finished_task_the_filters_show(
    app: App, saving: SaveController, qtbot: Any, tmp_path: Path
) -> None:
    shown = finished_task(app, qtbot, label="keep")
    hidden = finished_task(app, qtbot, label="other")
    app.window.filter_bar.search.setText("keep")
    qtbot.waitUntil(lambda: app.window.proxy.rowCount() == 1, timeout=3000)

    app.window.table.setFocus()
    qtbot.keyClick(
        app.window.table,
        Qt.Key.Key_S,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    folder = tmp_path / "all"
    folder.mkdir()
    answer_dialog(app, qtbot, folder)

    assert wait_saved(saving, qtbot) == f"Saved xenodia_{shown.ref.task_id}_1.png to {folder}"
    assert [p.name for p in folder.glob("*.png")] == [f"xenodia_{shown.ref.task_id}_1.png"]
    assert hidden.ref.task_id not in "".join(p.name for p in folder.iterdir())


def test_what_cannot_be_saved_is_said_per_result_and_the_rest_is_saved(
    app: App, saving: SaveController, qtbot: Any, tmp_path: Path
) -> None:
    good = finished_task(app, qtbot)
    dead_ref = app.add(
        TaskScript(
            "xenodia", "image", run_s=0.2, output_urls=[f"{app.sim.media_url}/media/gone.png"]
        )
    )
    app.run(app.bridge.add([dead_ref]))
    engine = app.service.engine
    assert engine is not None
    qtbot.waitUntil(
        lambda: (v := engine.task(dead_ref.key)) is not None and v.is_done, timeout=20000
    )
    running_ref = app.add(TaskScript("xenodia", "image", run_s=600))
    app.run(app.bridge.add([running_ref]))
    views = [good, engine.task(dead_ref.key), engine.task(running_ref.key)]
    folder = tmp_path / "partly"

    saving.save_to_folder([v for v in views if v is not None], folder)

    text = wait_saved(saving, qtbot)
    assert text == f"Saved xenodia_{good.ref.task_id}_1.png to {folder}; 2 not saved"
    problems = saving.notice.problems
    assert len(problems) == 2
    assert any(dead_ref.task_id in p and "HTTP 404" in p for p in problems), problems
    assert any(running_ref.task_id in p and "not finished" in p for p in problems), problems
    assert saving.notice.details_button.isVisibleTo(saving.notice)
    saving.notice.details_button.click()
    box = app.window.findChildren(QMessageBox)[-1]
    assert all(p in box.informativeText() for p in problems)
    box.close()
    assert [p.name for p in folder.iterdir() if p.suffix == ".png"] == [
        f"xenodia_{good.ref.task_id}_1.png"
    ]


def test_a_folder_that_cannot_be_used_saves_nothing_and_says_why(
    app: App, saving: SaveController, qtbot: Any, tmp_path: Path
) -> None:
    view = finished_task(app, qtbot)
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")

    saving.save_to_folder([view], a_file / "below")

    text = wait_saved(saving, qtbot)
    assert text.startswith("Nothing saved: ") and str(a_file) in text
    assert a_file.read_text() == "x"


def test_a_result_not_downloaded_yet_is_fetched_first_then_saved(
    app: App, saving: SaveController, qtbot: Any, tmp_path: Path
) -> None:
    view = finished_task(app, qtbot)
    # The cache lost it: the engine fetches it again before the copy.
    for path in view.files:
        os.unlink(path)
    tracked = app.service.engine.tracked(view.key) if app.service.engine else None
    assert tracked is not None
    tracked.file_paths.clear()  # what the engine knows after a failed download

    saving.save_to_folder([view], tmp_path / "fetched")

    assert wait_saved(saving, qtbot) == (
        f"Saved xenodia_{view.ref.task_id}_1.png to {tmp_path / 'fetched'}"
    )
    copy = tmp_path / "fetched" / f"xenodia_{view.ref.task_id}_1.png"
    assert copy.read_bytes() == media_of(app, view)[0]


# -- auto-save -------------------------------------------------------------------------


def test_with_auto_save_on_a_result_that_lands_is_saved_without_a_click(
    app: App, saving: SaveController, qtbot: Any, qsettings: QSettings, tmp_path: Path
) -> None:
    folder = tmp_path / "auto"
    result_settings.set_pattern(qsettings, "{provider}/{task_id}_{index}.{ext}")
    result_settings.set_auto_save(qsettings, True, folder)
    app.run(saving.apply_settings())
    assert saving.auto_save.target is not None

    view = finished_task(app, qtbot, outputs=2)

    expected = [folder / "xenodia" / f"{view.ref.task_id}_{i}.png" for i in (1, 2)]
    qtbot.waitUntil(lambda: all(p.exists() for p in expected), timeout=10000)
    app.run(saving.auto_save.drain())
    assert [p.read_bytes() for p in expected] == media_of(app, view)
    assert all(p.with_name(p.name + ".json").exists() for p in expected)  # sidecars on
    assert saving.notice.text().startswith("Auto-saved ")


def test_auto_save_is_off_by_default_and_switching_it_off_stops_it(
    app: App, saving: SaveController, qtbot: Any, qsettings: QSettings, tmp_path: Path
) -> None:
    assert result_settings.load(qsettings).auto_save is False
    assert saving.auto_save.target is None
    folder = tmp_path / "auto"
    result_settings.set_auto_save(qsettings, True, folder)
    app.run(saving.apply_settings())
    result_settings.set_auto_save(qsettings, False)
    app.run(saving.apply_settings())

    finished_task(app, qtbot)

    assert not any(folder.rglob("*.png"))


def test_a_copy_that_fails_is_said_for_that_result_and_the_others_are_saved(
    app: App, saving: SaveController, qtbot: Any, qsettings: QSettings, tmp_path: Path
) -> None:
    result_settings.set_pattern(qsettings, "{label}/{index}.{ext}")
    blocked = finished_task(app, qtbot, label="blocked")
    fine = finished_task(app, qtbot, label="fine")
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "blocked").write_text("a file where the pattern wants a folder")

    saving.save_to_folder([blocked, fine], folder)

    assert wait_saved(saving, qtbot) == f"Saved 1 file to {folder}; 1 not saved"
    (problem,) = saving.notice.problems
    assert problem.startswith(f"xenodia {blocked.ref.task_id}: the result could not be copied: ")
    assert (folder / "fine" / "1.png").read_bytes() == media_of(app, fine)[0]
    assert (folder / "blocked").read_text() == "a file where the pattern wants a folder"


def test_a_result_still_downloading_when_the_wait_ends_is_said_not_dropped(
    app: App, qtbot: Any, tmp_path: Path
) -> None:
    from taskmon.downloads import DEFAULT_PATTERN, SavePattern
    from taskmon.service import SaveTarget, save_tracked_results

    origin = StallingOrigin(size=100_000, sent=10_000)
    app.run(origin.start())
    try:
        ref = app.add(TaskScript("xenodia", "image", run_s=0.2, output_urls=[origin.url]))
        app.run(app.bridge.add([ref]))
        engine = app.service.engine
        assert engine is not None
        qtbot.waitUntil(
            lambda: (v := engine.task(ref.key)) is not None and v.downloads_pending,
            timeout=20000,
        )
        target = SaveTarget(tmp_path, SavePattern.parse(DEFAULT_PATTERN))
        waiting: list[int] = []

        report = app.run(
            save_tracked_results(
                app.service, [ref.key], target, on_waiting=waiting.append, wait_s=0.5
            )
        )

        assert waiting == [1]
        assert report.saved == []
        assert report.problems == [
            f"xenodia {ref.task_id}: the result is still downloading; "
            "save it again once it has landed"
        ]
    finally:
        app.run(origin.stop())
