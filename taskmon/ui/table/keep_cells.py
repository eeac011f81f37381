"""The task table's warning colours for results not kept: the model asks, this answers.

A succeeded task whose results could not be saved gets the `unsaved` colour and
icon in its state cell (never success green); the "Links expire" cell of
results not saved turns to a warning, on a tinted background when the links stop
working within the hour.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any, Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from taskmon.domain import TaskView
from taskmon.ui import theme
from taskmon.ui.table import cell_text, keep_text

FOREGROUND: Final = int(Qt.ItemDataRole.ForegroundRole)
BACKGROUND: Final = int(Qt.ItemDataRole.BackgroundRole)
ROLES: Final = frozenset({FOREGROUND, BACKGROUND})
UNSAVED: Final = "unsaved"
# The columns that change colour, by their `Column` name (that enum's module imports this one).
STATE_COLUMN: Final = "STATE"
EXPIRES_COLUMN: Final = "EXPIRES"
_TINT_ALPHA: Final = 56  # of 255: a background that keeps the text readable


def icon_state(view: TaskView) -> str:
    """The state icon's name: `unsaved` for results not saved; "" before the first answer."""
    if not view.observed:
        return ""
    return UNSAVED if keep_text.results_unsaved(view) else view.state.value


def colour(view: TaskView, column: str, role: int, now: datetime) -> Any:
    """A brush for `role` of the cell in `column` (a `Column` name), or None: the style's."""
    if column == STATE_COLUMN:
        if role == FOREGROUND and keep_text.results_unsaved(view):
            return QBrush(theme.state_colour(UNSAVED))
        return None
    if column != EXPIRES_COLUMN or not keep_text.results_unsaved(view):
        return None
    soon = keep_text.expiring_soon(view, now)
    if role == BACKGROUND:
        if not soon:
            return None
        tint = QColor(theme.state_colour(UNSAVED))
        tint.setAlpha(_TINT_ALPHA)
        return QBrush(tint)
    return QBrush(theme.state_colour(UNSAVED))


def state_html(view: TaskView) -> str:
    """The state in words for a rich-text label; in the warning colour when not saved."""
    words = html.escape(cell_text.state_text(view))
    if not keep_text.results_unsaved(view):
        return words
    return f'<span style="color:{theme.state_colour(UNSAVED).name()}">{words}</span>'
