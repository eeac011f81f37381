"""Sorting and filtering of the task table: by provider, by state, by text.

Search: every word must match, each at the start of a word of some field
("batch C" is not "batch A" with a "c" somewhere; the prompt the provider
echoed is a field too); in task IDs any run of at least MIN_ID_SUBSTRING
characters matches too, since IDs have no words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt

from taskmon.domain import TaskView
from taskmon.ui.table.keep_text import needs_attention
from taskmon.ui.table.task_model import SORT_ROLE, VIEW_ROLE, TaskTableModel

MIN_ID_SUBSTRING: Final = 3


class TaskFilterModel(QSortFilterProxyModel):
    """Rows that match the chosen providers, states and search text."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)
        self._providers: frozenset[str] | None = None  # None = all
        self._states: frozenset[str] | None = None
        self._attention = False  # only tasks that need attention (failed, lost, not saved)
        self._words: tuple[str, ...] = ()
        self._patterns: tuple[tuple[str, re.Pattern[str]], ...] = ()

    def set_providers(self, names: Iterable[str] | None) -> None:
        self._set(providers=None if names is None else frozenset(names))

    def set_states(self, states: Iterable[str] | None) -> None:
        self._set(states=None if states is None else frozenset(states))

    def set_text(self, text: str) -> None:
        words = tuple(text.casefold().split())
        # A word starts where no letter or digit comes before it (`_`, `-`, `/` split).
        patterns = tuple((w, re.compile(r"(?<![^\W_])" + re.escape(w))) for w in words)
        self._set(words=words, patterns=patterns)

    def set_attention(self, only: bool) -> None:
        self._set(attention=only)

    def providers(self) -> frozenset[str] | None:
        return self._providers

    def states(self) -> frozenset[str] | None:
        return self._states

    def _set(self, **changes: Any) -> None:
        self.beginFilterChange()
        for name, value in changes.items():
            setattr(self, f"_{name}", value)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def accepts(self, view: TaskView) -> bool:
        if self._providers is not None and view.ref.provider not in self._providers:
            return False
        if self._states is not None and view.state.value not in self._states:
            return False
        if self._attention and not needs_attention(view):
            return False
        if self._patterns:
            ids, text = _haystack(view)
            return all(
                pattern.search(text) is not None
                or (len(word) >= MIN_ID_SUBSTRING and word in ids)
                for word, pattern in self._patterns
            )
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The task model sorts itself on plain keys; the proxy keeps its order.

        Qt's own proxy sort calls into Python twice per comparison (about
        20,000 calls for 1,000 rows) and again for each changed row; see
        `TaskTableModel.sort`.
        """
        source = self.sourceModel()
        if isinstance(source, TaskTableModel):
            source.sort(column, order)
        else:
            super().sort(column, order)

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        source = self.sourceModel()
        view = source.data(source.index(source_row, 0, source_parent), VIEW_ROLE)
        return view is None or self.accepts(view)


def _haystack(view: TaskView) -> tuple[str, str]:
    """What a search may match: the IDs, then the words of label, model, provider,
    state, errors and prompt (lines apart, so no word runs into the next field)."""
    ids = "\n".join((view.ref.task_id, view.provider_task_id or "")).casefold()
    parts = [  # not the IDs: `task_c6ff…` must not answer to the word "c"
        view.label or "",
        view.model or "",
        view.ref.provider,
        view.state.value,
        view.raw_status or "",
        view.media_kind.value if view.media_kind else "",
        view.error.message if view.error else "",
        view.problem or "",
        view.prompt or "",
    ]
    return ids, "\n".join(parts).casefold()
