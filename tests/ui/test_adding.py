"""Adding tasks as a new user meets it (issue 11): pastes that need a choice, counts, drops."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QComboBox, QMessageBox
from window_app import App

from taskmon.providers import PROVIDERS
from taskmon.sim import TaskScript
from taskmon.ui.adding.add_dialog import AddTasksDialog
from taskmon.ui.table.task_model import Column


def xenodia_ids(app: App, n: int, run_s: float = 1.0) -> list[str]:
    """IDs of new simulated Xenodia tasks: each has the shape of an Apixo ID too."""
    return [app.add(TaskScript("xenodia", run_s=run_s)).task_id for _ in range(n)]


def open_dialog(app: App) -> AddTasksDialog:
    dialog = app.window.findChild(AddTasksDialog)
    assert dialog is not None and dialog.isVisible(), "the add dialog did not open"
    return dialog


def status_texts(dialog: AddTasksDialog) -> list[str]:
    return [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]


def test_pasting_two_ids_that_each_need_a_provider_opens_the_dialog(app: App) -> None:
    ids = xenodia_ids(app, 2)
    app.window.add_text("\n".join(ids))
    dialog = open_dialog(app)
    assert len(dialog.rows) == 2
    assert "need a provider" in dialog.summary.text()


def test_typing_two_such_ids_into_the_add_dialog_lists_both(app: App, qtbot: Any) -> None:
    ids = xenodia_ids(app, 2)
    app.window.open_add_dialog()
    dialog = open_dialog(app)
    dialog.editor.setPlainText(" ".join(ids))
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=2000)
    assert "nothing to add" not in dialog.summary.text()
    assert "2 need a provider" in dialog.summary.text()


def test_twelve_xenodia_ids_are_settled_with_one_choice_and_added(
    app: App, qtbot: Any, qsettings: QSettings
) -> None:
    ids = xenodia_ids(app, 12)
    app.window.add_text("\n".join(ids))
    dialog = open_dialog(app)
    # No provider was used before: nothing is guessed, the user chooses.
    assert dialog.add_button.text() == "Add 0 tasks"
    assert not dialog.add_button.isEnabled()
    for_all = dialog.findChild(QComboBox, "providerForAll")
    assert for_all is not None and for_all.isVisible()
    assert "12" in dialog.for_all_label.text()
    for_all.setCurrentIndex(for_all.findData("xenodia"))
    assert dialog.add_button.text() == "Add 12 tasks"
    assert status_texts(dialog) == ["Ready"] * 12
    assert dialog.summary.text() == "12 tasks"
    # One ID overridden: Apixo, which needs the model the task was submitted with.
    first = dialog.rows[0]
    assert first.provider_box is not None
    first.provider_box.setCurrentIndex(first.provider_box.findData("apixo"))
    assert dialog.add_button.text() == "Add 11 tasks"
    assert status_texts(dialog)[0] == "Needs model"
    assert first.model_box is not None
    first.model_box.setEditText("nano-banana")
    assert dialog.add_button.text() == "Add 12 tasks"
    refs, problems = dialog.chosen_refs()
    assert problems == []
    assert [r.provider for r in refs] == ["apixo"] + ["xenodia"] * 11
    first.provider_box.setCurrentIndex(first.provider_box.findData("xenodia"))
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: set(app.rows()) == set(ids), timeout=5000)
    assert qsettings.value("add/last_provider") == "xenodia"


def test_five_hundred_pasted_ids_are_settled_with_one_choice(app: App, qtbot: Any) -> None:
    ids = xenodia_ids(app, 500, run_s=120)
    app.window.add_text("\n".join(ids))
    dialog = open_dialog(app)
    for_all = dialog.findChild(QComboBox, "providerForAll")
    assert for_all is not None
    for_all.setCurrentIndex(for_all.findData("xenodia"))
    assert dialog.add_button.text() == "Add 500 tasks"


def test_the_last_provider_used_settles_a_new_paste_at_once_in_the_dialog(
    app: App, qsettings: QSettings
) -> None:
    qsettings.setValue("add/last_provider", "xenodia")
    ids = xenodia_ids(app, 3)
    app.window.add_text(" ".join(ids))
    dialog = open_dialog(app)  # still shown: the guess is the user's to confirm
    assert dialog.add_button.text() == "Add 3 tasks"
    assert status_texts(dialog) == ["Ready"] * 3


def test_choosing_a_provider_updates_the_row_and_the_summary(app: App) -> None:
    (task_id,) = xenodia_ids(app, 1)
    app.window.add_text(task_id)
    dialog = open_dialog(app)
    assert status_texts(dialog) == ["Choose provider"]
    assert dialog.summary.text() == "1 needs a provider"
    box = dialog.rows[0].provider_box
    assert box is not None
    box.setCurrentIndex(box.findData("xenodia"))
    assert status_texts(dialog) == ["Ready"]
    assert dialog.summary.text() == "1 task"
    assert dialog.add_button.text() == "Add 1 task"


def test_the_model_hint_is_the_chosen_providers_own_example(app: App) -> None:
    (task_id,) = xenodia_ids(app, 1)
    app.window.add_text(task_id)
    dialog = open_dialog(app)
    box = dialog.rows[0].provider_box
    assert box is not None
    box.setCurrentIndex(box.findData("apixo"))
    model_box = dialog.rows[0].model_box
    assert model_box is not None
    example = PROVIDERS["apixo"].example_model
    assert example
    assert model_box.lineEdit().placeholderText() == f"model, e.g. {example}"


def test_counts_read_as_words_not_task_s(app: App, qtbot: Any, monkeypatch: Any) -> None:
    ref = app.add(TaskScript("reapi", run_s=1))
    app.run(app.bridge.add([ref]))
    qtbot.waitUntil(lambda: len(app.rows()) == 1, timeout=3000)
    app.window.table.selectRow(0)
    app.window.copy_ids()
    assert app.window.statusBar().currentMessage() == "Copied 1 task ID"
    asked: list[str] = []

    def answer(box: QMessageBox) -> QMessageBox.StandardButton:
        asked.append(box.text())
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "exec", answer)
    app.window.remove_selected()
    assert asked == ["Stop tracking 1 task?"]


def test_the_paste_report_counts_every_entry_it_lists(app: App, qtbot: Any) -> None:
    refs = [app.add(TaskScript("reapi", run_s=1)) for _ in range(2)]
    words = "hello there\nfoo bar baz"
    QGuiApplication.clipboard().setText("\n".join(r.task_id for r in refs) + "\n" + words)
    app.window.table.setFocus()
    qtbot.keyClick(app.window.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Added" in app.window.statusBar().currentMessage(), timeout=5000)
    message = app.window.statusBar().currentMessage()
    assert "Added 2 tasks" in message
    assert "5 not added" in message
    for word in words.split():
        assert repr(word) in message


def test_an_id_with_a_control_character_is_refused_with_its_reason(app: App, qtbot: Any) -> None:
    QGuiApplication.clipboard().setText("task_018f5a3a1b6e\x07d9f8c2b4d6e8f0a2c4e")
    app.window.table.setFocus()
    qtbot.keyClick(app.window.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    message = app.window.statusBar().currentMessage()
    assert "control characters" in message
    assert "\n" not in message
    dialog = app.window.findChild(AddTasksDialog)
    assert dialog is None or not dialog.isVisible()  # one line, no dialog to dismiss


def test_a_dropped_file_is_copied_never_moved(app: App, qtbot: Any, tmp_path: Any) -> None:
    ref = app.add(TaskScript("reapi", run_s=1))
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(ref.task_id + "\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(ids_file))])
    both = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    enter = QDragEnterEvent(
        QPoint(50, 50), both, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier
    )
    # Shift: the platform proposes a Move, as a file manager does for a same-disk drag.
    assert enter.proposedAction() == Qt.DropAction.MoveAction
    app.window.dragEnterEvent(enter)
    assert enter.isAccepted() and enter.dropAction() == Qt.DropAction.CopyAction
    drop = QDropEvent(
        QPointF(50, 50), both, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier
    )
    app.window.dropEvent(drop)
    assert drop.isAccepted() and drop.dropAction() == Qt.DropAction.CopyAction
    qtbot.waitUntil(lambda: ref.task_id in app.rows(), timeout=5000)
    assert ids_file.exists()


def test_added_tasks_are_selected_and_shown_once_they_are_in_the_table(
    app: App, qtbot: Any
) -> None:
    earlier = [app.add(TaskScript("reapi", run_s=120)) for _ in range(60)]
    app.run(app.bridge.add(earlier))
    qtbot.waitUntil(lambda: len(app.rows()) == 60, timeout=5000)
    app.window.table.scrollToTop()
    new = [app.add(TaskScript("reapi", run_s=120)) for _ in range(500)]
    rows_when_said: list[int] = []

    def heard(message: str) -> None:
        if message.startswith("Added"):
            rows_when_said.append(app.window.model.rowCount())

    app.window.statusBar().messageChanged.connect(heard)
    app.window.add_text("\n".join(r.task_id for r in new))
    qtbot.waitUntil(lambda: bool(rows_when_said), timeout=10000)
    assert rows_when_said == [560]  # said once every new row is in the table
    assert app.window.statusBar().currentMessage().startswith("Added 500 tasks")
    selected = {v.ref.task_id for v in app.window.selected_views()}
    assert selected == {r.task_id for r in new}
    table = app.window.table
    first = min(table.selectionModel().selectedRows(), key=lambda i: i.row())
    assert first.data() is not None
    cell = table.visualRect(first.siblingAtColumn(Column.TASK_ID))
    assert table.viewport().rect().intersects(cell), "the first new row is out of sight"
