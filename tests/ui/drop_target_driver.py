"""The drop target for test_drag_xdnd.py: a small window that records what is dropped on it.

    python drop_target_driver.py DIR
Shows a 260×260 window at (1000, 120), writes DIR/target.json when it is
mapped, and DIR/dropped.json with the formats, URLs and actions of the
first drop; then quits.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel


class DropTarget(QLabel):
    def __init__(self, folder: Path) -> None:
        super().__init__("drop here")
        self.folder = folder
        self.setAcceptDrops(True)
        self.setStyleSheet("background: #ff00ff; font-size: 20px;")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        record = {
            "formats": mime.formats(),
            "urls": [u.toString() for u in mime.urls()],
            "possible": event.possibleActions().value,
            "proposed": event.proposedAction().value,
        }
        event.acceptProposedAction()
        (self.folder / "dropped.json").write_text(json.dumps(record))
        QTimer.singleShot(200, QApplication.quit)


def main() -> int:
    folder = Path(sys.argv[1])
    app = QApplication(sys.argv[:1])
    target = DropTarget(folder)
    target.setGeometry(1000, 120, 260, 260)
    target.show()

    def ready() -> None:
        top_left = target.mapToGlobal(target.rect().topLeft())
        (folder / "target.json").write_text(
            json.dumps({"x": top_left.x(), "y": top_left.y(), "size": 260})
        )

    QTimer.singleShot(500, ready)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
