"""Adding tasks: paste IDs, status URLs or JSON; choose a provider or model where needed.

`parse_paste` (taskmon/intake.py) says what each part of the text is; this
dialog shows every item, lets the user settle the ambiguous ones (provider
preselected with the last one used, Apixo's model from the recent ones) and
adds the rest. When nothing needs deciding, a paste adds at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from taskmon.domain import TaskRef
from taskmon.intake import (
    Ambiguous,
    Duplicate,
    NeedsModel,
    PasteItem,
    PasteResult,
    Rejected,
    Resolved,
    parse_paste,
    resolve,
)
from taskmon.providers import PROVIDERS, BadReference
from taskmon.ui import icons
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.cell_text import provider_name

RECENT_MODELS: Final = 10
PARSE_DELAY_MS: Final = 250
_LAST_PROVIDER = "add/last_provider"


def _recent_key(provider: str) -> str:
    return f"add/recent_models/{provider}"


def recent_models(settings: QSettings, provider: str) -> list[str]:
    value = settings.value(_recent_key(provider), [])
    if isinstance(value, str):  # QSettings gives a lone string for a one-item list
        value = [value]
    return [str(v) for v in value] if isinstance(value, Iterable) else []


def remember_model(settings: QSettings, provider: str, model: str) -> None:
    models = [model, *(m for m in recent_models(settings, provider) if m != model)]
    settings.setValue(_recent_key(provider), models[:RECENT_MODELS])


class Row:
    """One item of the paste and the user's choices for it."""

    def __init__(self, item: PasteItem) -> None:
        self.item = item
        self.provider_box: QComboBox | None = None
        self.model_box: QComboBox | None = None

    def ref(self) -> TaskRef | None:
        """The task this row adds, or None (raises BadReference when a choice is missing)."""
        item = self.item
        if isinstance(item, Resolved):
            return item.ref
        if isinstance(item, Ambiguous | NeedsModel):
            provider = (
                str(self.provider_box.currentData())
                if self.provider_box is not None
                else (item.provider if isinstance(item, NeedsModel) else "")
            )
            model = self.model_box.currentText() if self.model_box is not None else None
            if PROVIDERS[provider].requires_model and not (model or "").strip():
                raise BadReference(f"{item.task_id}: {provider_name(provider)} needs the model")
            return resolve(item, provider, model)
        return None


class AddTasksDialog(QDialog):
    """Emits `added(summary)` after tasks went into the store."""

    added = Signal(str)

    def __init__(
        self,
        bridge: EngineBridge,
        settings: QSettings,
        parent: QWidget | None = None,
        *,
        text: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("addTasksDialog")
        self.setWindowTitle("Add tasks")
        self.resize(760, 520)
        self.bridge = bridge
        self.settings = settings
        self.rows: list[Row] = []
        self.result_: PasteResult = PasteResult()

        layout = QVBoxLayout(self)
        intro = QLabel(
            "Paste task IDs (one per line, or separated by commas or spaces), status URLs, "
            "or the JSON a provider answered. The provider is recognised where it can be."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("pasteEditor")
        self.editor.setPlaceholderText(
            "task_01k9s419324drezfbwnsvxyr6h\nhttps://api.vidgo.ai/api/generate/status/…"
        )
        self.editor.setPlainText(text)
        layout.addWidget(self.editor, 2)

        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("pasteItems")
        self.table.setHorizontalHeaderLabels(["", "Pasted", "Provider", "Model"])
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(3, 180)
        layout.addWidget(self.table, 3)

        form = QFormLayout()
        self.label_field = QLineEdit(self)
        self.label_field.setPlaceholderText("optional note shown beside each task")
        form.addRow("Label:", self.label_field)
        layout.addLayout(form)
        self.summary = QLabel(self)
        self.summary.setObjectName("pasteSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.add_button = QPushButton("Add", self)
        self.add_button.setDefault(True)
        self.buttons.addButton(self.add_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self._add_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self._parse_timer = QTimer(self)
        self._parse_timer.setSingleShot(True)
        self._parse_timer.setInterval(PARSE_DELAY_MS)
        self._parse_timer.timeout.connect(self.reparse)
        self.editor.textChanged.connect(self._parse_timer.start)
        self.reparse()

    # -- parsing -----------------------------------------------------------------

    def reparse(self) -> None:
        self.result_ = parse_paste(self.editor.toPlainText())
        self.rows = [Row(item) for item in self.result_.items]
        self.table.setRowCount(len(self.rows))
        last = str(self.settings.value(_LAST_PROVIDER, "", str))
        for r, row in enumerate(self.rows):
            self._fill_row(r, row, last)
        self._update_summary()

    def _fill_row(self, r: int, row: Row, last_provider: str) -> None:
        item = row.item
        status, icon_state = _STATUS[type(item)]
        status_item = QTableWidgetItem(icons.state_icon(icon_state), status)
        self.table.setItem(r, 0, status_item)
        text = item.text
        pasted = QTableWidgetItem(text)
        reason = getattr(item, "reason", None)
        pasted.setToolTip(reason or text)
        if reason:
            pasted.setText(f"{text}  — {reason}")
        self.table.setItem(r, 1, pasted)
        if isinstance(item, Resolved):
            self.table.setItem(
                r, 2, QTableWidgetItem(icons.provider_icon(item.ref.provider), _name(item.ref))
            )
            self.table.setItem(r, 3, QTableWidgetItem(item.ref.model or ""))
        elif isinstance(item, Ambiguous):
            box = QComboBox(self.table)
            for name in item.candidates:
                box.addItem(icons.provider_icon(name), provider_name(name), name)
            box.setCurrentIndex(max(0, box.findData(last_provider)))
            box.currentIndexChanged.connect(lambda _i, rr=r: self._provider_changed(rr))
            row.provider_box = box
            self.table.setCellWidget(r, 2, box)
            self._provider_changed(r)
        elif isinstance(item, NeedsModel):
            self.table.setItem(
                r,
                2,
                QTableWidgetItem(icons.provider_icon(item.provider), provider_name(item.provider)),
            )
            row.model_box = self._model_box(item.provider)
            self.table.setCellWidget(r, 3, row.model_box)
        else:
            self.table.setItem(r, 2, QTableWidgetItem(""))
            self.table.setItem(r, 3, QTableWidgetItem(""))

    def _model_box(self, provider: str) -> QComboBox:
        box = QComboBox(self.table)
        box.setEditable(True)
        box.addItems(recent_models(self.settings, provider))
        line_edit = box.lineEdit()
        assert line_edit is not None  # setEditable(True) gave the box one
        line_edit.setPlaceholderText("model, e.g. seedream-4")
        box.currentTextChanged.connect(lambda _t: self._update_summary())
        return box

    def _provider_changed(self, r: int) -> None:
        row = self.rows[r]
        assert row.provider_box is not None
        provider = str(row.provider_box.currentData())
        if PROVIDERS[provider].requires_model:
            row.model_box = self._model_box(provider)
            self.table.setCellWidget(r, 3, row.model_box)
        else:
            row.model_box = None
            self.table.removeCellWidget(r, 3)
            self.table.setItem(r, 3, QTableWidgetItem(""))
        self._update_summary()

    def _update_summary(self) -> None:
        refs, problems = self.chosen_refs()
        self.add_button.setText(f"Add {len(refs)} task{'s' if len(refs) != 1 else ''}")
        self.add_button.setEnabled(bool(refs))
        text = self.result_.summary()
        if problems:
            text += " — " + "; ".join(problems[:3]) + (" …" if len(problems) > 3 else "")
        self.summary.setText(text)

    def chosen_refs(self) -> tuple[list[TaskRef], list[str]]:
        """The tasks the Add button would add, and what stops the others."""
        refs: list[TaskRef] = []
        problems: list[str] = []
        seen: set[str] = set()
        for row in self.rows:
            try:
                ref = row.ref()
            except BadReference as exc:
                problems.append(str(exc))
                continue
            if ref is not None and ref.key not in seen:
                seen.add(ref.key)
                refs.append(ref)
        return refs, problems

    # -- adding ------------------------------------------------------------------

    def add_without_asking(self) -> bool:
        """Add at once when every recognised item is settled; False: the user must look."""
        needs_choice = any(isinstance(i, Ambiguous | NeedsModel) for i in self.result_.items)
        if needs_choice or not self.result_.refs:
            return False
        self.bridge.run(self._add(list(self.result_.refs)))
        return True

    def _add_clicked(self) -> None:
        refs, _problems = self.chosen_refs()
        if not refs:
            return
        for row in self.rows:
            if row.provider_box is not None:
                self.settings.setValue(_LAST_PROVIDER, row.provider_box.currentData())
            if row.model_box is not None and row.model_box.currentText().strip():
                provider = (
                    str(row.provider_box.currentData())
                    if row.provider_box is not None
                    else getattr(row.item, "provider", "")
                )
                remember_model(self.settings, provider, row.model_box.currentText().strip())
        self.add_button.setEnabled(False)
        self.bridge.run(self._add(refs, close=True))

    async def _add(self, refs: list[TaskRef], close: bool = False) -> None:
        label = self.label_field.text().strip() or None
        try:
            result = await self.bridge.add(refs, label)
        except Exception as exc:  # a store problem: say it, keep the dialog
            self.summary.setText(f"Could not add: {exc}")
            self.add_button.setEnabled(True)
            self.open()
            return
        words = [f"Added {len(result.added)} task{'s' if len(result.added) != 1 else ''}"]
        if result.duplicates:
            words.append(f"{len(result.duplicates)} already tracked, skipped")
        skipped = [i for i in self.result_.items if isinstance(i, Rejected | Duplicate)]
        if skipped:
            words.append(
                f"{len(skipped)} not added: "
                + "; ".join(getattr(i, "reason", i.text) for i in skipped[:3])
            )
        self.added.emit(", ".join(words))
        if close:
            self.accept()
        else:  # added without being shown: nothing will close it
            self.deleteLater()


def _name(ref: TaskRef) -> str:
    return provider_name(ref.provider) + (" (by your out_task_id)" if ref.by_out_task_id else "")


_STATUS: Final[dict[type, tuple[str, str]]] = {
    Resolved: ("Ready", "succeeded"),
    Ambiguous: ("Choose provider", "queued"),
    NeedsModel: ("Needs model", "queued"),
    Duplicate: ("Duplicate", "cancelled"),
    Rejected: ("Not an ID", "failed"),
}
