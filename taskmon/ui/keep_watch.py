"""Keeping results in the window: the Needs attention count, the link-expiry banner and
the countdown's minute tick, the optional Prompt column and the per-provider link lifetimes.

`install_keep(window)` wires it all to the window's model, filter bar, banners
and bridge; main_window.py only calls it. The clock is handed in, so tests move
time by hand instead of sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final, Protocol

from PySide6.QtCore import QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QStatusBar

from taskmon.domain import TaskView, counted
from taskmon.providers import PROVIDERS
from taskmon.ui.banners import BannerArea
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.filter_bar import NEEDS_ATTENTION, FilterBar
from taskmon.ui.table.filter_model import TaskFilterModel
from taskmon.ui.table.keep_text import LIFETIMES, expires_at, expiring_soon, needs_attention
from taskmon.ui.table.task_model import Column, TaskTableModel
from taskmon.ui.table.task_table import TaskTable

MINUTE_MS: Final = 60_000  # the countdown reads in minutes: the column is redrawn as often
BANNER_TOPIC: Final = "links-expire"
PROMPT_SAMPLE: Final = "A cinematic close-up of a red fox in the snow"
LIFETIME_KEY: Final = "providers/{}/link_lifetime_h"
# Whether the user showed the Prompt column: a header state saved before the column
# existed would show it (Qt shows sections it has no state for).
PROMPT_SHOWN_KEY: Final = "window/prompt_column"

Clock = Callable[[], datetime]


class KeepWindow(Protocol):
    """What of the main window this needs (a Protocol: main_window imports this module)."""

    model: TaskTableModel
    proxy: TaskFilterModel
    filter_bar: FilterBar
    banners: BannerArea
    table: TaskTable
    bridge: EngineBridge
    settings: QSettings

    def statusBar(self) -> QStatusBar: ...  # Qt's name


def link_lifetime_h(settings: QSettings, provider: str) -> float | None:
    """The user's link lifetime for `provider`, in hours (None: not set)."""
    value = settings.value(LIFETIME_KEY.format(provider))
    try:
        hours = float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return hours if hours is not None and hours > 0 else None


def set_link_lifetime_h(settings: QSettings, provider: str, hours: float) -> None:
    """Save the setting and use it at once."""
    settings.setValue(LIFETIME_KEY.format(provider), hours)
    LIFETIMES.choose({provider: hours * 3600})


def load_link_lifetimes(settings: QSettings) -> None:
    """Use the saved per-provider link lifetimes (providers that document none)."""
    chosen = {p: h * 3600 for p in PROVIDERS if (h := link_lifetime_h(settings, p)) is not None}
    LIFETIMES.reset(chosen)


def unsaved_results(view: TaskView) -> int:
    return max(0, len(view.outputs) - len(view.files))


def expiry_banner_text(count: int) -> str:
    """`2 results expire within 1 h and are not saved`."""
    verb, be = ("expires", "is") if count == 1 else ("expire", "are")
    return f"{counted(count, 'result')} {verb} within 1 h and {be} not saved"


class KeepWatch(QObject):
    """Counts tasks that need attention and announces results whose links run out soon."""

    def __init__(
        self, window: KeepWindow, clock: Clock | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._clock = clock or (lambda: datetime.now(UTC))
        self._expiring: tuple[str, ...] = ()  # keys of the tasks the banner names
        self._banner_text: str | None = None
        # One recount per batch of model changes; owned, so it dies with the window.
        self._deferred = QTimer(self)
        self._deferred.setSingleShot(True)
        self._deferred.setInterval(0)
        self._deferred.timeout.connect(self.refresh)
        model = window.model
        for signal in (model.rowsInserted, model.rowsRemoved, model.dataChanged):
            signal.connect(self._soon)
        model.modelReset.connect(self._soon)
        self._minute = QTimer(self)
        self._minute.setInterval(MINUTE_MS)
        self._minute.timeout.connect(self.minute)
        self._minute.start()

    def _soon(self, *_args: object) -> None:
        """Recount once the current batch of model changes is through."""
        if not self._deferred.isActive():
            self._deferred.start()

    def expiring(self) -> list[str]:
        """Keys of the tasks the expiry banner speaks of (results not saved, links < 1 h)."""
        return list(self._expiring)

    def refresh(self) -> None:
        """The Needs attention count and the expiry banner, from the model's rows now."""
        self._deferred.stop()
        now = self._clock()
        views = self._window.model.views()
        self._window.filter_bar.set_attention_count(sum(1 for v in views if needs_attention(v)))
        soon = [v for v in views if expiring_soon(v, now)]
        keys = tuple(v.key for v in soon)
        text = expiry_banner_text(sum(unsaved_results(v) for v in soon)) if soon else None
        if keys == self._expiring and text == self._banner_text:
            return  # unchanged: a banner the user closed stays closed
        self._expiring, self._banner_text = keys, text
        self._window.banners.set(BANNER_TOPIC, text, "warning", ("Retry now", self.retry_now))

    def minute(self) -> None:
        """Redraw the countdown column (its rows only, one dataChanged per run), recount."""
        model = self._window.model
        model.tick()
        # Rows whose countdown shows: results not all kept (a saved one just says "saved").
        rows = [
            r
            for r, v in enumerate(model.views())
            if unsaved_results(v) and expires_at(v) is not None
        ]
        roles = [
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.BackgroundRole,
        ]
        start = prev = rows[0] if rows else 0
        for row in [*rows[1:], None] if rows else []:
            if row is not None and row == prev + 1:
                prev = row
                continue
            first, last = model.index(start, Column.EXPIRES), model.index(prev, Column.EXPIRES)
            model.dataChanged.emit(first, last, roles)
            if row is not None:
                start = prev = row
        self.refresh()

    def retry_now(self) -> None:
        """Retry every task the banner names: fetch again, asking for fresh links first."""
        keys = list(self._expiring)
        if keys:
            self._window.bridge.run(self._retry(keys))

    async def _retry(self, keys: list[str]) -> None:
        bridge = self._window.bridge
        answers = await asyncio.gather(*(bridge.retry(k) for k in keys), return_exceptions=True)
        failed = sum(1 for a in answers if isinstance(a, BaseException))
        words = f"Retrying {counted(len(keys) - failed, 'task')} whose links expire soon"
        if failed:
            words += f"; {counted(failed, 'retry', 'retries')} failed"
        self._window.statusBar().showMessage(words, 8000)


def install_keep(window: KeepWindow, clock: Clock | None = None) -> KeepWatch:
    """Wire the Needs attention chip, the expiry banner and the Prompt column into `window`.

    Called after the window restored its settings: the chip it restored is
    applied here, and the Prompt column is hidden unless the user showed it.
    """
    load_link_lifetimes(window.settings)
    bar = window.filter_bar
    bar.attentionChanged.connect(window.proxy.set_attention)
    window.proxy.set_attention(bar.chip() == NEEDS_ATTENTION)
    _install_prompt_column(window.table, window.settings)
    watch = KeepWatch(window, clock, window.table)  # lives as long as the window's table
    watch.refresh()
    return watch


def _install_prompt_column(table: TaskTable, settings: QSettings) -> None:
    header = table.horizontalHeader()
    shown = bool(settings.value(PROMPT_SHOWN_KEY, False, bool))
    if header.sectionSize(Column.PROMPT) == 0 or not shown:
        table.setColumnWidth(Column.PROMPT, table.text_width(PROMPT_SAMPLE))
    table.setColumnHidden(Column.PROMPT, not shown)

    def resized(section: int, _old: int, new: int) -> None:
        if section == Column.PROMPT:  # hiding a section resizes it to 0, showing it back
            settings.setValue(PROMPT_SHOWN_KEY, new > 0)

    header.sectionResized.connect(resized)
