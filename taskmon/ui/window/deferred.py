"""Parts of the main window that its first paint does not need, built afterwards.

Each part is built in its own event-loop turn once the window has painted (or
after `FALLBACK_MS` when it never paints: started hidden to the tray), so no
single stretch of main-thread work holds the start-up; a part may name
`prepare` steps (importing its modules) that get a turn each before it.
Any part is built at once, with those registered before it, when something
asks for it sooner (`ensure`), so code and tests that use a part right after
constructing the window work either way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Final

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

FALLBACK_MS: Final = 1000
# While `busy()` says the window's first rows are arriving, a step waits this long and
# asks again; at most HOLD_MAX_MS in all. A step (10-20 ms) in the same turn as a
# chunk's paint made the longest stalls of a start with 1,000 rows (bench/NOTES.md).
HOLD_RETRY_MS: Final = 30
HOLD_MAX_MS: Final = 3000


class DeferredParts(QObject):
    """Named builders run in registration order: after the first paint, or on demand."""

    def __init__(self, painted: QWidget, parent: QObject) -> None:
        super().__init__(parent)
        self._builders: list[tuple[str, Callable[[], Any]]] = []
        self._prepares: dict[str, list[Callable[[], object]]] = {}
        self._built: dict[str, Any] = {}
        self._after_paint: list[Callable[[], object]] = []
        self._started = False
        self._painted = painted
        painted.installEventFilter(self)
        # Owned timer (not a static singleShot): it dies with the window.
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.timeout.connect(self._start)
        self._fallback.start(FALLBACK_MS)
        self._after = QTimer(self)
        self._after.setSingleShot(True)
        self._after.setInterval(1)
        self._after.timeout.connect(self._start)
        self._next = QTimer(self)
        self._next.setSingleShot(True)
        self._next.setInterval(0)
        self._next.timeout.connect(self._build_step)
        self._busy: Callable[[], bool] | None = None
        self._held_since: float | None = None

    def add(
        self, name: str, build: Callable[[], Any], prepare: Sequence[Callable[[], object]] = ()
    ) -> None:
        """Register part `name`; each `prepare` step (say, imports) runs a turn before `build`."""
        self._builders.append((name, build))
        self._prepares[name] = list(prepare)

    def after_paint(self, callback: Callable[[], object]) -> None:
        """Call `callback` in the turn after the first paint, before the parts are built."""
        if self._started:
            callback()
        else:
            self._after_paint.append(callback)

    def hold_while(self, busy: Callable[[], bool]) -> None:
        """Build nothing on the timer while `busy()` is true (at most `HOLD_MAX_MS`);
        `ensure` still builds at once."""
        self._busy = busy

    def ensure(self, name: str) -> Any:
        """The part `name`, built now (with every part before it) if not yet."""
        while name not in self._built:
            if not self._build_next():
                raise KeyError(name)
        return self._built[name]

    def built(self, name: str) -> Any | None:
        return self._built.get(name)

    @property
    def started(self) -> bool:
        """Whether the window has painted (or the fallback fired): parts are on their way."""
        return self._started

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._painted and event.type() == QEvent.Type.Paint:
            self._painted.removeEventFilter(self)
            self._fallback.stop()
            # After this paint is through, as a timer: a 0 ms single shot is a posted
            # call, handled before timers and input that were due during the paint, so
            # the first rows' work joined the first show's stretch (bench/NOTES.md).
            self._after.start()
        return False

    def _start(self) -> None:
        if not self._started:
            self._started = True
            callbacks, self._after_paint = self._after_paint, []
            for callback in callbacks:
                callback()
            self._next.start()

    def _build_next(self, *, whole: bool = True) -> bool:
        """Build the first part not built yet; False when none is left.

        From the timer (`whole` False) a part with `prepare` steps not run yet
        gets only the next of them in this turn.
        """
        for name, build in self._builders:
            if name not in self._built:
                steps = self._prepares[name]
                while steps:
                    steps.pop(0)()
                    if not whole:
                        self._next.start()  # the rest in later turns
                        return True
                self._built[name] = build()
                if self._started:
                    self._next.start()  # the next one in a later turn
                return True
        return False

    def _build_step(self) -> None:
        if self._busy is not None and self._busy():
            now = time.monotonic()
            if self._held_since is None:
                self._held_since = now
            if now - self._held_since < HOLD_MAX_MS / 1000:
                self._next.start(HOLD_RETRY_MS)
                return
        self._busy = None  # once free (or held long enough), the rest follow as before
        self._next.setInterval(0)
        self._build_next(whole=False)
