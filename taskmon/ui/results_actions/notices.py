"""The notices of the result actions: what was refused or not possible, with the path."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget


def notice(
    parent: QWidget,
    title: str,
    text: str,
    detail: str = "",
    *,
    copy_text: str | None = None,
    copy_label: str = "Copy path",
    warning: bool = True,
) -> QMessageBox:
    """Open (not exec) a message box; `copy_text` adds a button that copies it."""
    box = QMessageBox(parent)
    box.setObjectName("resultNotice")
    box.setIcon(QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(text)
    if detail:
        box.setInformativeText(html.escape(detail))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if copy_text is not None:
        copy = box.addButton(copy_label, QMessageBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(copy_text))
    box.addButton(QMessageBox.StandardButton.Close)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
