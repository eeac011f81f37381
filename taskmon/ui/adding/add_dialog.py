"""Adding tasks: paste IDs, status URLs or JSON; choose a provider or model where needed.

`parse_paste` (taskmon/intake.py) says what each part of the text is; this
dialog shows every item, lets the user settle the ambiguous ones (one choice
for all of them, any row may differ; the last provider used is preselected,
models come from the recent ones, hints from the provider's own example) and
adds the rest. When nothing needs deciding, a paste adds at once.

Beside it: the "for all" bar (for_all_bar.py), what is remembered between
pastes (recent_choices.py) and the summary's words (paste_summary.py).
"""

from __future__ import annotations

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

from taskmon.domain import TaskRef, counted
from taskmon.intake import (
    Ambiguous,
    NeedsModel,
    PasteResult,
    Resolved,
    parse_paste,
)
from taskmon.providers import PROVIDERS, BadReference
from taskmon.ui import icons
from taskmon.ui.adding import paste_summary
from taskmon.ui.adding.for_all_bar import ForAllBar
from taskmon.ui.adding.paste_rows import (
    MissingChoice,
    Row,
    first_choice,
    model_hint,
    provider_words,
)
from taskmon.ui.adding.recent_choices import (
    last_provider,
    recent_models,
    remember_model,
    remember_provider,
)
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.table.cell_text import provider_name

PARSE_DELAY_MS: Final = 250


class AddTasksDialog(QDialog):
    """Emits `added(summary, keys)` after tasks went into the store.

    `keys` are the tasks the add was about (added, else already tracked): the
    window says the summary once they are in its table, and selects them.
    """

    added = Signal(str, list)

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
        self._filling = False

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

        # One choice for every ID that fits several providers; each row can still differ.
        self.for_all_bar = ForAllBar(self)
        self.for_all = self.for_all_bar.provider
        self.for_all_label = self.for_all_bar.provider_label
        self.model_for_all = self.for_all_bar.model
        self.for_all.currentIndexChanged.connect(lambda _i: self._provider_for_all())
        self.model_for_all.currentTextChanged.connect(self._model_for_all)
        layout.addWidget(self.for_all_bar)

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
        last = last_provider(self.settings)
        self.rows = [Row(item, first_choice(item, last)) for item in self.result_.items]
        self._filling = True  # no summary per row: one when all rows are there
        try:
            self.table.setRowCount(len(self.rows))
            for r, row in enumerate(self.rows):
                self._fill_row(r, row)
            self._fill_for_all(last)
        finally:
            self._filling = False
        self._update_summary()

    def _fill_row(self, r: int, row: Row) -> None:
        item = row.item
        self.table.setItem(r, 0, QTableWidgetItem())
        text = item.text
        pasted = QTableWidgetItem(text)
        reason = getattr(item, "reason", None)
        pasted.setToolTip(reason or text)
        if reason:
            pasted.setText(f"{text}  — {reason}")
        self.table.setItem(r, 1, pasted)
        if isinstance(item, Resolved):
            icon = icons.provider_icon(item.ref.provider)
            self.table.setItem(r, 2, QTableWidgetItem(icon, provider_words(item.ref)))
            self.table.setItem(r, 3, QTableWidgetItem(item.ref.model or ""))
        elif isinstance(item, Ambiguous):
            box = QComboBox(self.table)
            box.addItem("Choose…", None)
            for name in item.candidates:
                box.addItem(icons.provider_icon(name), provider_name(name), name)
            box.setCurrentIndex(max(0, box.findData(row.provider)))
            box.currentIndexChanged.connect(lambda _i, rr=r: self._provider_changed(rr))
            row.provider_box = box
            self.table.setCellWidget(r, 2, box)
            self._show_model_box(r)
        elif isinstance(item, NeedsModel):
            self.table.setItem(
                r,
                2,
                QTableWidgetItem(icons.provider_icon(item.provider), provider_name(item.provider)),
            )
            self._show_model_box(r)
        else:
            self.table.setItem(r, 2, QTableWidgetItem(""))
            self.table.setItem(r, 3, QTableWidgetItem(""))

    def _fill_for_all(self, last_provider: str) -> None:
        """The "Xenodia for all 12" bar: shown when a provider or a model is to choose."""
        undecided = [r.item for r in self.rows if isinstance(r.item, Ambiguous)]
        names = [n for n in PROVIDERS if any(n in i.candidates for i in undecided)]
        chosen = {r.provider for r in self.rows if isinstance(r.item, Ambiguous)}
        preselect = last_provider if len(chosen) == 1 and last_provider in chosen else None
        self.for_all_bar.offer_providers(names, len(undecided), preselect)
        self._update_model_for_all()

    def _update_model_for_all(self) -> None:
        """Offer one model for every row whose provider needs one, when there are several."""
        needing = {r.provider for r in self._rows_needing_a_model()}
        show = len(self._rows_needing_a_model()) > 1 and len(needing) == 1
        if show:
            (provider,) = needing
            assert provider is not None
            models = recent_models(self.settings, provider)
            self.for_all_bar.offer_model(models, model_hint(provider))
        else:
            self.for_all_bar.offer_model(None)

    def _rows_needing_a_model(self) -> list[Row]:
        return [
            r
            for r in self.rows
            if isinstance(r.item, Ambiguous | NeedsModel)
            and r.provider is not None
            and PROVIDERS[r.provider].requires_model
        ]

    def _model_box(self, provider: str) -> QComboBox:
        box = QComboBox(self.table)
        box.setEditable(True)
        box.addItems(recent_models(self.settings, provider))
        if not self.model_for_all.isHidden():  # a new Apixo row takes the model for all
            box.setEditText(self.model_for_all.currentText())
        line = box.lineEdit()
        assert line is not None  # the box is editable
        line.setPlaceholderText(model_hint(provider))
        box.currentTextChanged.connect(lambda _t: self._update_summary())
        return box

    def _show_model_box(self, r: int) -> None:
        row = self.rows[r]
        if row.provider is not None and PROVIDERS[row.provider].requires_model:
            row.model_box = self._model_box(row.provider)
            self.table.setCellWidget(r, 3, row.model_box)
        else:
            row.model_box = None
            self.table.removeCellWidget(r, 3)
            self.table.setItem(r, 3, QTableWidgetItem(""))

    def _provider_changed(self, r: int) -> None:
        row = self.rows[r]
        assert row.provider_box is not None
        data = row.provider_box.currentData()
        row.provider = None if data is None else str(data)
        self._show_model_box(r)
        if not self._filling:
            self._update_model_for_all()
            self._update_summary()

    def _provider_for_all(self) -> None:
        if self._filling:
            return
        data = self.for_all.currentData()
        self._filling = True
        try:
            for row in self.rows:
                box = row.provider_box
                if box is None or not isinstance(row.item, Ambiguous):
                    continue
                if data is None or data in row.item.candidates:
                    box.setCurrentIndex(max(0, box.findData(data)))
        finally:
            self._filling = False
        self._update_model_for_all()
        self._update_summary()

    def _model_for_all(self, text: str) -> None:
        if self._filling:
            return
        self._filling = True
        try:
            for row in self._rows_needing_a_model():
                if row.model_box is not None:
                    row.model_box.setEditText(text)
        finally:
            self._filling = False
        self._update_summary()

    def _update_summary(self) -> None:
        if self._filling:
            return
        refs, problems = self.chosen_refs()
        self.add_button.setText(f"Add {counted(len(refs), 'task')}")
        self.add_button.setEnabled(bool(refs))
        for r, row in enumerate(self.rows):
            words, icon_state = row.status()
            cell = self.table.item(r, 0)
            if cell is not None and cell.text() != words:
                cell.setText(words)
                cell.setIcon(icons.state_icon(icon_state))
        text = self._summary_text(len(refs))
        if problems:
            text += " — " + "; ".join(problems[:3]) + (" …" if len(problems) > 3 else "")
        self.summary.setText(text)

    def _summary_text(self, ready: int) -> str:
        return paste_summary.summary_text(self.rows, ready)

    def chosen_refs(self) -> tuple[list[TaskRef], list[str]]:
        """The tasks the Add button would add, and what stops the others (not yet chosen aside)."""
        refs: list[TaskRef] = []
        problems: list[str] = []
        seen: set[str] = set()
        for row in self.rows:
            try:
                ref = row.ref()
            except MissingChoice:
                continue  # counted in the summary: "1 needs a provider"
            except BadReference as exc:
                problems.append(str(exc))
                continue
            if ref is not None and ref.key not in seen:
                seen.add(ref.key)
                refs.append(ref)
        return refs, problems

    # -- adding ------------------------------------------------------------------

    def add_without_asking(self) -> bool:
        """Add at once when every recognised item is settled; False: the user must look.

        A paste with nothing to add and nothing to decide is not shown either:
        the window says in one line why nothing was added.
        """
        needs_choice = any(isinstance(i, Ambiguous | NeedsModel) for i in self.result_.items)
        if needs_choice:
            return False
        if not self.result_.refs:
            if not self.result_.items:
                return False
            self.added.emit("Nothing added: " + self.skipped_report(), [])
            self.deleteLater()
            return True
        self.bridge.run(self._add(list(self.result_.refs)))
        return True

    def _add_clicked(self) -> None:
        refs, _problems = self.chosen_refs()
        if not refs:
            return
        for row in self.rows:
            if row.provider_box is not None and row.provider is not None:
                remember_provider(self.settings, row.provider)
            if row.provider is not None and row.model:
                remember_model(self.settings, row.provider, row.model)
        if self.for_all.isVisible() and self.for_all.currentData() is not None:
            remember_provider(self.settings, str(self.for_all.currentData()))
        self.add_button.setEnabled(False)
        self.bridge.run(self._add(refs, close=True))

    def skipped_report(self) -> str:
        """"3 not added: …", counting every entry it names; "" when nothing was skipped."""
        return paste_summary.skipped_report(self.result_.items)

    async def _add(self, refs: list[TaskRef], close: bool = False) -> None:
        label = self.label_field.text().strip() or None
        try:
            result = await self.bridge.add(refs, label)
        except Exception as exc:  # a store problem: say it, keep the dialog
            self.summary.setText(f"Could not add: {exc}")
            self.add_button.setEnabled(True)
            self.open()
            return
        words = [f"Added {counted(len(result.added), 'task')}"]
        if result.duplicates:
            words.append(f"{len(result.duplicates):,} already tracked, skipped")
        if skipped := self.skipped_report():
            words.append(skipped)
        self.added.emit(", ".join(words), list(result.added or result.duplicates))
        if close:
            self.accept()
        else:  # added without being shown: nothing will close it
            self.deleteLater()


