"""What a save says in the status bar: "Saved 3 files to ~/Pictures/taskmon", Show folder.

A status bar's temporary message hides its normal widgets, so showing a
notice clears that message; problems stay one click away (Details…), listed
per file, for longer than a success.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QStatusBar, QToolButton, QWidget

SHOWN_MS: Final = 15_000
SHOWN_WITH_PROBLEMS_MS: Final = 60_000


class SaveNotice(QWidget):
    """One line about the last save, with Show folder and, after a problem, Details…."""

    def __init__(self, status_bar: QStatusBar) -> None:
        super().__init__(status_bar)
        self.setObjectName("saveNotice")
        self._status_bar = status_bar
        self.folder: Path | None = None
        self.problems: list[str] = []
        # A seam: tests check what would open instead of starting a file manager.
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self)
        self.label.setObjectName("saveNoticeText")
        self.show_folder_button = QToolButton(self)
        self.show_folder_button.setText("Show folder")
        self.show_folder_button.setObjectName("saveNoticeShowFolder")
        self.show_folder_button.clicked.connect(self.show_folder)
        self.details_button = QToolButton(self)
        self.details_button.setText("Details…")
        self.details_button.clicked.connect(self.show_problems)
        layout.addWidget(self.label)
        layout.addWidget(self.show_folder_button)
        layout.addWidget(self.details_button)
        layout.addStretch(1)
        self._hide = QTimer(self)
        self._hide.setSingleShot(True)
        self._hide.timeout.connect(self.hide)
        self.hide()

    def working(self, text: str) -> None:
        """A save under way: no buttons, no time limit."""
        self._show(text, None, [], 0)

    def done(self, text: str, folder: Path | None, problems: Sequence[str] = ()) -> None:
        """A save ended: `text`, Show folder when something was written, Details… on problems."""
        self._show(text, folder, list(problems), SHOWN_WITH_PROBLEMS_MS if problems else SHOWN_MS)

    def text(self) -> str:
        return self.label.text()

    def _show(self, text: str, folder: Path | None, problems: list[str], shown_ms: int) -> None:
        self.folder, self.problems = folder, problems
        self.label.setText(text)
        self.label.setToolTip("\n".join(problems))
        self.show_folder_button.setVisible(folder is not None)
        self.details_button.setVisible(bool(problems))
        self._status_bar.clearMessage()  # a temporary message would hide this widget
        self.show()
        self._hide.stop()
        if shown_ms:
            self._hide.start(shown_ms)

    def show_folder(self) -> None:
        if self.folder is not None:
            self.open_url(QUrl.fromLocalFile(str(self.folder)))

    def show_problems(self) -> None:
        box = QMessageBox(self.window())
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Results not saved")
        box.setText(self.label.text())
        box.setInformativeText(
            "A result that could not be copied stays in taskmon's media cache: "
            "save it again once the cause is fixed.\n\n"
            + "\n".join(f"• {p}" for p in self.problems)
        )
        box.open()
