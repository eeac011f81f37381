"""The Add dialog's "for all" bar: one provider (and one model) for every undecided row.

"12 IDs fit more than one provider. Provider for all 12: [Xenodia]"; each row
of the dialog can still differ. The dialog reacts to the two boxes' signals.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from taskmon.domain import counted
from taskmon.ui import icons
from taskmon.ui.table.cell_text import provider_name


class ForAllBar(QWidget):
    """A provider box (`provider`) and a model box (`model`), each shown when useful."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        self.provider_label = QLabel(self)
        self.provider = QComboBox(self)
        self.provider.setObjectName("providerForAll")
        self.model_label = QLabel("Model for all:", self)
        self.model = QComboBox(self)
        self.model.setObjectName("modelForAll")
        self.model.setEditable(True)
        self.model.setMinimumWidth(160)
        bar.addWidget(self.provider_label)
        bar.addWidget(self.provider)
        bar.addSpacing(12)
        bar.addWidget(self.model_label)
        bar.addWidget(self.model)
        bar.addStretch(1)

    def offer_providers(self, names: Sequence[str], undecided: int, preselect: str | None) -> None:
        """Offer `names` for `undecided` rows (hidden when there are none)."""
        self.provider.clear()
        self.provider.addItem("Choose…", None)
        for name in names:
            self.provider.addItem(icons.provider_icon(name), provider_name(name), name)
        if preselect is not None:
            self.provider.setCurrentIndex(max(0, self.provider.findData(preselect)))
        n = undecided
        self.provider_label.setText(
            f"{counted(n, 'ID fits', 'IDs fit')} more than one provider. "
            f"Provider for {'it' if n == 1 else f'all {n:,}'}:"
        )
        for widget in (self.provider_label, self.provider):
            widget.setVisible(bool(undecided))
        self._show_bar()

    def offer_model(self, models: Sequence[str] | None, hint: str = "") -> None:
        """Offer one model (recent ones listed, `hint` as placeholder); None hides it."""
        if models is not None:
            self.model.blockSignals(True)
            text = self.model.currentText()
            self.model.clear()
            self.model.addItems(list(models))
            self.model.setEditText(text)
            line = self.model.lineEdit()
            assert line is not None  # the box is editable
            line.setPlaceholderText(hint)
            self.model.blockSignals(False)
        self.model_label.setVisible(models is not None)
        self.model.setVisible(models is not None)
        self._show_bar()

    def _show_bar(self) -> None:
        self.setVisible(not self.provider.isHidden() or not self.model.isHidden())
