"""The Results page of the settings: where saves go, how files are named, sidecars, auto-save.

The name pattern is checked as it is typed, with an example name beside it;
a pattern that does not parse is said in red and never kept. Every change
is handed to the window's SaveController (`apply_settings`), which switches
auto-save at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from taskmon.downloads import PLACEHOLDERS, PatternError, ResultFields, SavePattern
from taskmon.providers import provider_catalog
from taskmon.ui import theme
from taskmon.ui.saving import result_settings
from taskmon.ui.saving.result_settings import shown_path

TAB_TITLE: Final = "Results"


def _example_result() -> ResultFields:
    """The result the preview names: one a provider would describe, with a model of that
    provider's own (its catalog's example), so the example never pairs a provider with
    another provider's model."""
    info = next(info for info in provider_catalog().values() if info.example_model)
    return ResultFields(
        provider=info.name,
        task_id="task_f131b16c9e27",
        model=info.example_model,
        kind="image",
        label="portrait set",
        prompt="A red fox in the snow, watercolour, soft morning light",
        index=1,
        n=2,
        ext="png",
        finished_at=datetime(2026, 3, 1, 12, 34, 56, tzinfo=UTC),
    )


EXAMPLE: Final = _example_result()


def example_name(pattern_text: str) -> str:
    """What `pattern_text` names the example result; PatternError says why it cannot."""
    return SavePattern.parse(pattern_text).render(EXAMPLE).as_posix()


class _FolderField(QWidget):
    """A folder path with a Browse… button."""

    def __init__(self, name: str, path: Path, chosen: Callable[[Path], None], parent: QWidget):
        super().__init__(parent)
        self._chosen = chosen
        self.native_dialogs = True
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(str(path), self)
        self.edit.setObjectName(name)
        self.edit.editingFinished.connect(self._edited)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self.browse)
        row.addWidget(self.edit, 1)
        row.addWidget(browse)

    def path(self) -> Path:
        return Path(self.edit.text().strip()).expanduser()

    def _edited(self) -> None:
        if self.edit.text().strip():
            self._chosen(self.path())

    def browse(self) -> None:
        dialog = QFileDialog(self.window(), "Choose a folder")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        if not self.native_dialogs:
            dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        start = self.path()
        while not start.is_dir() and start != start.parent:
            start = start.parent
        dialog.setDirectory(str(start))
        dialog.fileSelected.connect(self._picked)
        dialog.open()

    def _picked(self, path: str) -> None:
        self.edit.setText(path)
        self._chosen(Path(path))


class ResultsPage(QWidget):
    """Settings → Results."""

    def __init__(
        self,
        settings: QSettings,
        parent: QWidget | None = None,
        on_changed: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("resultsPage")
        self.settings = settings
        self._on_changed = on_changed
        current = result_settings.load(settings)
        outer = QVBoxLayout(self)
        form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch(1)  # rows keep their height; the page's spare room goes below
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.folder = _FolderField("saveFolder", current.folder, self._folder_chosen, self)
        form.addRow("Save to:", self.folder)
        hint = QLabel("Save… and Save all open here; each save remembers its folder.", self)
        hint.setEnabled(False)
        form.addRow("", hint)

        self.pattern = QLineEdit(current.pattern_text, self)
        self.pattern.setObjectName("namePattern")
        self.pattern.textChanged.connect(self._pattern_edited)
        form.addRow("File names:", self.pattern)
        self.preview = QLabel(self)
        self.preview.setObjectName("patternPreview")
        self.preview.setWordWrap(True)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("", self.preview)
        placeholders = QLabel(
            " ".join("{" + p + "}" for p in PLACEHOLDERS)
            + "<br>{prompt}: its first 60 characters · {index}: from 1 · {n}: how many"
            "<br>{date}, {time}: when the task ended (UTC) · a / makes subfolders",
            self,
        )
        # Lines broken by hand: a word-wrapped label asks a form for far more height.
        placeholders.setEnabled(False)
        form.addRow("", placeholders)

        self.metadata = QCheckBox(
            "Write a metadata file beside each saved file (cat.png → cat.png.json)", self
        )
        self.metadata.setObjectName("saveMetadata")
        self.metadata.setChecked(current.metadata)
        self.metadata.toggled.connect(self._metadata_toggled)
        form.addRow("Metadata:", self.metadata)

        self.auto_save = QCheckBox("Also save every result to this folder as it lands", self)
        self.auto_save.setObjectName("autoSave")
        self.auto_save.setChecked(current.auto_save)
        self.auto_save.toggled.connect(self._auto_save_toggled)
        form.addRow("Auto-save:", self.auto_save)
        self.auto_folder = _FolderField(
            "autoSaveFolder", current.auto_save_folder, self._auto_folder_chosen, self
        )
        form.addRow("", self.auto_folder)
        self.auto_folder.setEnabled(current.auto_save)
        self._pattern_edited(current.pattern_text)

    def show_itself(self) -> None:
        """Bring this page's tab forward (from the auto-save banner)."""
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QTabWidget):
            parent = parent.parentWidget()
        if isinstance(parent, QTabWidget):
            parent.setCurrentWidget(self)

    def _changed(self) -> None:
        if self._on_changed is not None:
            self._on_changed()

    def _folder_chosen(self, folder: Path) -> None:
        result_settings.remember_folder(self.settings, folder)
        self._pattern_edited(self.pattern.text())

    def _pattern_edited(self, text: str) -> None:
        colour = theme.state_colour("failed", self.palette()).name()
        try:
            name = example_name(text)
        except PatternError as exc:
            self.preview.setText(
                f'<span style="color:{colour}">Not used: {_html(str(exc))}</span>'
            )
            self.preview.setProperty("valid", False)
            return
        self.preview.setProperty("valid", True)
        folder = shown_path(self.folder.path())
        self.preview.setText(f"Example: {_html(folder)}/<b>{_html(name)}</b>")
        if text != result_settings.load(self.settings).pattern_text:
            result_settings.set_pattern(self.settings, text)
            self._changed()

    def _metadata_toggled(self, on: bool) -> None:
        result_settings.set_metadata(self.settings, on)
        self._changed()

    def _auto_save_toggled(self, on: bool) -> None:
        result_settings.set_auto_save(self.settings, on, self.auto_folder.path())
        self.auto_folder.setEnabled(on)
        self._changed()

    def _auto_folder_chosen(self, folder: Path) -> None:
        result_settings.set_auto_save(self.settings, self.auto_save.isChecked(), folder)
        self._changed()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def add_results_page(tabs: QTabWidget, settings: QSettings, window: object) -> ResultsPage:
    """The Results tab, wired to the window's SaveController (`window.saving`) when it has one."""
    saving = getattr(window, "saving", None)
    page = ResultsPage(settings, tabs, getattr(saving, "apply_settings", None))
    tabs.addTab(page, TAB_TITLE)
    return page
