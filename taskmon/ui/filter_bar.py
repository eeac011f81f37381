"""The row above the table: state chips with counts, a provider menu, a search field.

Beside the state chips, **Needs attention** shows failed and lost tasks and
succeeded ones whose results could not be saved (not a set of states: the
proxy asks `keep_text.needs_attention` of each task).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Final

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QIcon, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QToolButton,
    QWidget,
)

from taskmon.domain import State
from taskmon.ui.table.cell_text import provider_name

# Chip name -> the states it shows (None: every state).
CHIPS: Final[dict[str, frozenset[str] | None]] = {
    "All": None,
    "Active": frozenset({State.QUEUED.value, State.RUNNING.value}),
    "Succeeded": frozenset({State.SUCCEEDED.value}),
    "Failed": frozenset({State.FAILED.value}),
    "Cancelled": frozenset({State.CANCELLED.value}),
    "Lost": frozenset({State.LOST.value}),
}
ALL_PROVIDERS: Final = ""
NEEDS_ATTENTION: Final = "Needs attention"


class FilterBar(QWidget):
    """Emits what to show; the window hands it to the proxy model."""

    statesChanged = Signal(object)  # frozenset[str] | None
    attentionChanged = Signal(bool)  # the Needs attention chip was chosen (or left)
    providerChanged = Signal(object)  # str | None
    textChanged = Signal(str)

    def __init__(
        self,
        providers: Iterable[str],
        provider_icon: Callable[[str], QIcon] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(4)
        self._chips: dict[str, QToolButton] = {}
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        for name in [*CHIPS, NEEDS_ATTENTION]:
            chip = QToolButton(self)
            chip.setCheckable(True)
            chip.setAutoRaise(True)
            chip.setObjectName(f"chip{name}")
            chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            chip.clicked.connect(lambda _=False, n=name: self._chip_clicked(n))
            self._group.addButton(chip)
            layout.addWidget(chip)
            self._chips[name] = chip
        self._chips["All"].setChecked(True)
        layout.addStretch(1)

        self.provider_box = QComboBox(self)
        self.provider_box.setObjectName("providerFilter")
        self.provider_box.addItem("All providers", ALL_PROVIDERS)
        for name in providers:
            icon = provider_icon(name) if provider_icon is not None else QIcon()
            self.provider_box.addItem(icon, provider_name(name), name)
        self.provider_box.currentIndexChanged.connect(self._provider_picked)
        layout.addWidget(self.provider_box)

        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search IDs, labels, prompts, errors…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self.search.textChanged.connect(self.textChanged)
        self.search.installEventFilter(self)  # Escape clears it
        layout.addWidget(self.search)
        self.set_counts(Counter())
        self.set_attention_count(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self.search.text()
        ):
            self.search.clear()
            return True
        return super().eventFilter(watched, event)

    def _chip_clicked(self, name: str) -> None:
        self.attentionChanged.emit(name == NEEDS_ATTENTION)
        self.statesChanged.emit(CHIPS.get(name))

    def _provider_picked(self, _index: int) -> None:
        data = self.provider_box.currentData()
        self.providerChanged.emit(data or None)

    def set_counts(self, counts: Counter[str]) -> None:
        """Show how many tasks each chip holds."""
        total = sum(counts.values())
        for name, states in CHIPS.items():
            n = total if states is None else sum(counts[s] for s in states)
            self._chips[name].setText(f"{name}  {n}")

    def set_attention_count(self, n: int) -> None:
        """How many tasks need attention (failed, lost, results not saved)."""
        chip = self._chips[NEEDS_ATTENTION]
        chip.setText(f"{NEEDS_ATTENTION}  {n}")
        chip.setToolTip("Failed and lost tasks, and succeeded ones whose results are not saved")

    # -- persisted choices -----------------------------------------------------

    def chip(self) -> str:
        return next((n for n, c in self._chips.items() if c.isChecked()), "All")

    def set_chip(self, name: str) -> None:
        if name in self._chips:
            self._chips[name].setChecked(True)
            self._chip_clicked(name)

    def provider(self) -> str:
        return str(self.provider_box.currentData() or ALL_PROVIDERS)

    def set_provider(self, name: str) -> None:
        index = self.provider_box.findData(name)
        self.provider_box.setCurrentIndex(max(0, index))
