"""What the provider echoed about a task's request, as a key/value list for the details panel.

The echo is already bounded and cleaned by the provider module (providers/
`request_echo`); here it is only laid out: the prompt first and wrapped,
then the other keys in the provider's order, every value selectable text.
"""

from __future__ import annotations

from typing import Any, Final

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

NOTHING: Final = "—"
FIRST_KEYS: Final = ("prompt", "negative_prompt")


def value_text(value: Any) -> str:
    """One echoed value in words: lists joined with commas, booleans as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    if value is None:
        return NOTHING
    return str(value)


def key_text(key: str) -> str:
    """`aspect_ratio` → `Aspect ratio`."""
    words = key.replace("_", " ").replace("-", " ").strip()
    return (words[:1].upper() + words[1:]) if words else key


def ordered(request: dict[str, Any]) -> list[tuple[str, Any]]:
    """The prompt (and its negative) first, then the rest as the provider sent them."""
    first = [(k, request[k]) for k in FIRST_KEYS if k in request]
    return first + [(k, v) for k, v in request.items() if k not in FIRST_KEYS]


class RequestEchoView(QWidget):
    """A key/value list of the echoed request; a dash when the provider echoed nothing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("requestEcho")
        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._shown: dict[str, Any] | None = None
        self._rows: list[tuple[str, QLabel]] = []
        self.show_request(None)

    def show_request(self, request: dict[str, Any] | None) -> None:
        """Lay out `request` (None or empty: a dash); nothing is redone when it is unchanged."""
        request = request or None
        if request == self._shown and self._rows:
            return
        self._shown = None if request is None else dict(request)
        while self._form.rowCount():
            self._form.removeRow(0)
        self._rows = []
        items = ordered(request) if request else []
        if not items:
            self._add("", NOTHING)
            return
        for key, value in items:
            self._add(f"{key_text(key)}:", value_text(value))

    def _add(self, key: str, text: str) -> None:
        value = QLabel(text, self)
        value.setTextFormat(Qt.TextFormat.PlainText)  # provider text is never markup
        value.setWordWrap(True)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if key:
            self._form.addRow(key, value)
        else:
            self._form.addRow(value)
        self._rows.append((key.rstrip(":"), value))

    def rows(self) -> list[tuple[str, str]]:
        """What is shown: (key, value) in order (for tests and accessibility)."""
        return [(key, label.text()) for key, label in self._rows]
