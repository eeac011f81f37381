"""The details panel's strip: every result file of the selected task as a thumbnail."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QSizePolicy, QWidget

from taskmon.domain import TaskView
from taskmon.ui.media.painting import paint_file
from taskmon.ui.media.thumbnails import NOTHING, Thumbnails, Visible

TILE: Final = QSize(128, 96)


class FileTile(QWidget):
    """One result file: its thumbnail, or why it can't be previewed; the name as tooltip."""

    def __init__(self, thumbnails: Thumbnails, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.path = path
        self.setObjectName("fileTile")
        self.setFixedSize(TILE)
        self.setToolTip(Path(path).name)

    def problem(self) -> str | None:
        """The "can't preview: …" words shown, if any."""
        thumbnail = self.thumbnails.get(self.path)
        return thumbnail.problem if thumbnail is not None else None

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        paint_file(
            painter,
            QRect(0, 0, self.width(), self.height()),
            self.thumbnails,
            self.path,
            self.palette(),
        )
        painter.end()


class ThumbnailStrip(QScrollArea):
    """A row of tiles, one per result file; hidden while the task has none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thumbnailStrip")
        self.thumbnails: Thumbnails | None = None
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._inner = QWidget(self)
        self._row = QHBoxLayout(self._inner)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        self._row.addStretch(1)
        self.setWidget(self._inner)
        self.tiles: list[FileTile] = []
        self._files: tuple[str, ...] = ()
        self.setFixedHeight(TILE.height() + self.horizontalScrollBar().sizeHint().height() + 4)
        self.hide()

    def set_thumbnails(self, thumbnails: Thumbnails) -> None:
        self.thumbnails = thumbnails
        thumbnails.arrived.connect(self._on_arrived)
        thumbnails.add_size(TILE)  # workers scale new thumbnails for the tiles too
        # After the list or grid on screen: the strip shows one task's files.
        thumbnails.add_source(self.visible_files, priority=1)
        self._files = ()  # rebuild with the thumbnails on the next show_view

    def visible_files(self) -> Visible:
        """The files shown in the strip, left to right (nothing while it is hidden)."""
        return Visible(list(self._files), []) if self.isVisible() else NOTHING

    def show_view(self, view: TaskView | None) -> None:
        """Show the files of `view` (hidden when it has none or no thumbnails are set)."""
        files = view.files if view is not None and self.thumbnails is not None else ()
        if files == self._files:
            return
        self._files = files
        for tile in self.tiles:
            self._row.removeWidget(tile)
            tile.deleteLater()
        self.tiles = []
        if self.thumbnails is not None:
            for i, path in enumerate(files):
                tile = FileTile(self.thumbnails, path, self._inner)
                self._row.insertWidget(i, tile)
                self.tiles.append(tile)
        self.setVisible(bool(files))
        if self.thumbnails is not None:
            self.thumbnails.plan_soon()

    def _on_arrived(self, paths: frozenset[str]) -> None:
        for tile in self.tiles:
            if tile.path in paths:
                tile.update()
