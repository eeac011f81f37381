"""Parts of the main window that its first paint does not need, built afterwards.

Each part is built in its own event-loop turn once the window has painted (or
after `FALLBACK_MS` when it never paints: started hidden to the tray), so no
single stretch of main-thread work holds the start-up; and any part is built
at once, with those registered before it, when something asks for it sooner
(`ensure`), so code and tests that use a part right after constructing the
window work either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

FALLBACK_MS: Final = 1000


class DeferredParts(QObject):
    """Named builders run in registration order: after the first paint, or on demand."""

    def __init__(self, painted: QWidget, parent: QObject) -> None:
        super().__init__(parent)
        self._builders: list[tuple[str, Callable[[], Any]]] = []
        self._built: dict[str, Any] = {}
        self._started = False
        self._painted = painted
        painted.installEventFilter(self)
        # Owned timer (not a static singleShot): it dies with the window.
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.timeout.connect(self._start)
        self._fallback.start(FALLBACK_MS)
        self._next = QTimer(self)
        self._next.setSingleShot(True)
        self._next.setInterval(0)
        self._next.timeout.connect(self._build_next)

    def add(self, name: str, build: Callable[[], Any]) -> None:
        self._builders.append((name, build))

    def ensure(self, name: str) -> Any:
        """The part `name`, built now (with every part before it) if not yet."""
        while name not in self._built:
            if not self._build_next():
                raise KeyError(name)
        return self._built[name]

    def built(self, name: str) -> Any | None:
        return self._built.get(name)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._painted and event.type() == QEvent.Type.Paint:
            self._painted.removeEventFilter(self)
            self._fallback.stop()
            # After this paint is through: a 0 ms timer runs in a later loop turn.
            QTimer.singleShot(0, self, self._start)
        return False

    def _start(self) -> None:
        if not self._started:
            self._started = True
            self._next.start()

    def _build_next(self) -> bool:
        """Build the first part not built yet; False when none is left."""
        for name, build in self._builders:
            if name not in self._built:
                self._built[name] = build()
                if self._started:
                    self._next.start()  # the next one in a later turn
                return True
        return False
