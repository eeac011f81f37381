"""The task table widget: sorting, column sizes, and a friendly empty state."""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import Final

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QIcon, QPainter, QPaintEvent, QPixmap, QRegion, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from taskmon.ui.table.progress_delegate import ProgressDelegate
from taskmon.ui.table.task_model import Column

EMPTY_HINT = (
    "No tasks yet.\n\n"
    "Paste task IDs, status URLs or JSON responses with Ctrl+V,\n"
    "drop .txt or .json files here, or click “Add tasks”."
)
# Starting widths, as the words each column must show in full (the font decides the
# pixels); the user's own widths are restored from the settings.
WIDTH_SAMPLES: Final = {
    Column.PROVIDER: "BytesPike",
    Column.TASK_ID: "task_01k9x…f0a2c4e",
    Column.LABEL: "portrait set",
    Column.MODEL: "seedream-4",
    Column.KIND: "video",
    Column.STATE: "succeeded, saving",
    Column.PROGRESS: "downloading…",
    Column.QUEUED: "10 m 00 s",
    Column.RUNNING: "10 m 00 s",
    Column.ETA: "longer than usual",
    Column.COST: "$0.0125",
    Column.RESULTS: "1 (saving 0/1)",
    Column.EXPIRES: "in 23 h 59 m",
    Column.THUMBNAIL: "",  # a picture: PICTURE_WIDTHS
}
PICTURE_WIDTHS: Final = {Column.THUMBNAIL: 44}  # columns that show no words
UNTITLED: Final[dict[int, str]] = {Column.THUMBNAIL: "Preview"}  # what the column menu calls them
ICON_COLUMNS: Final = frozenset({Column.PROVIDER, Column.STATE})
# Around the words: the style's margins (3 px a side in Fusion) and some air; an icon takes
# its own margins as well.
CELL_PADDING_PX: Final = 16
ICON_MARGINS_PX: Final = 6
# What the last column (the error, stretched) keeps at least before others give way.
PROBLEM_SAMPLE: Final = "Content violates usage policy"
# Columns that give way when the window is narrow, first to go first; the state,
# progress, ETA, results and error columns always stay (the details panel and the
# task ID's tooltip still name the provider).
OPTIONAL_COLUMNS: Final = (
    Column.KIND,
    Column.EXPIRES,
    Column.COST,
    Column.MODEL,
    Column.LABEL,
    Column.QUEUED,
    Column.THUMBNAIL,
    Column.RUNNING,
    Column.PROVIDER,
)
# Narrower still (1100 px with the details panel open), the task ID gives up its
# middle down to this; it elides in the middle, the whole ID is on hover.
TASK_ID_NARROW_SAMPLE: Final = "task_01…a2c4e"
# What the cells write with: drawn once before the first rows (`warm_up`).
GLYPHS: Final = string.digits + string.ascii_letters + string.punctuation + " …–—“”"


class _MiddleElideDelegate(QStyledItemDelegate):
    """Task IDs differ at both ends (`task_01k9…xyr6h`): keep both in sight."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


_RELAYOUT: Final = -1  # TaskTable._appended_from_y: Qt lays the view out in full
_RELAYOUT_SIGNALS: Final = (
    "layoutChanged",
    "modelReset",
    "rowsRemoved",
    "rowsMoved",
    "columnsInserted",
    "columnsRemoved",
    "columnsMoved",
)


class TaskTable(QTableView):
    """A QTableView set up for tasks; shows a hint instead of an empty grid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("taskTable")
        self.setSortingEnabled(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setItemDelegateForColumn(Column.TASK_ID, _MiddleElideDelegate(self))
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Always there: a scroll bar that appeared with the rows narrowed the stretched
        # last column, and QTableView repaints the whole viewport for a resized column, so
        # the first rows were drawn twice (the start-up's longest stall); columns stay put.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.setItemDelegateForColumn(Column.PROGRESS, ProgressDelegate(self))
        vertical = self.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(max(26, self.fontMetrics().height() + 10))
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsMovable(True)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        self._hidden_widths = {}

    # -- rows appended after the last one ------------------------------------------

    # What the changes since the last layout need: None (no change yet), _RELAYOUT (Qt's
    # full layout and repaint), or, when every change only appended rows after the last
    # one, the viewport y from which they show (the viewport's height or more: none do).
    # Qt lays the view out again after any change of the row count and repaints the whole
    # viewport then: 1,000 rows restored in chunks were a full repaint (20-40 ms) per chunk
    # that changed no pixel but the scroll bar's, and the first rows, landing in an empty
    # view, repainted those already there.
    _appended_from_y: int | None = None

    def setModel(self, model: QAbstractItemModel | None) -> None:
        old = self.model()
        if old is not None:
            for signal in _RELAYOUT_SIGNALS:
                getattr(old, signal).disconnect(self._relayout_needed)
        super().setModel(model)
        if model is not None:
            for signal in _RELAYOUT_SIGNALS:
                getattr(model, signal).connect(self._relayout_needed)
        self._appended_from_y = _RELAYOUT

    def _relayout_needed(self, *_args: object) -> None:
        self._appended_from_y = _RELAYOUT

    def rowsInserted(
        self, parent: QModelIndex | QPersistentModelIndex, start: int, end: int
    ) -> None:
        super().rowsInserted(parent, start, end)
        height = self.viewport().height()
        model = self.model()
        rows_before = (model.rowCount() if model is not None else 0) - (end - start + 1)
        y = _RELAYOUT
        if not parent.isValid() and 0 < rows_before == start:  # after the last row
            last_shown = self.rowAt(height - 1)  # -1: rows do not fill the view
            if 0 <= last_shown < start:
                y = height  # below the last row on screen: nothing to draw
            else:  # the old last row's bottom, if it is on screen
                bottom = self.rowViewportPosition(start - 1) + self.rowHeight(start - 1)
                y = bottom if 0 <= bottom < height else _RELAYOUT
        earlier = self._appended_from_y
        if earlier is not None and (earlier == _RELAYOUT or y == _RELAYOUT):
            self._appended_from_y = _RELAYOUT
        else:
            self._appended_from_y = y if earlier is None else min(y, earlier)

    def doItemsLayout(self) -> None:
        y, self._appended_from_y = self._appended_from_y, None
        if y is None or y == _RELAYOUT:
            super().doItemsLayout()
            return
        self.updateGeometries()  # the scroll bar's range
        viewport = self.viewport()
        if y < viewport.height():  # rows drawn into the empty space below the last one
            viewport.update(QRect(0, y, viewport.width(), viewport.height() - y))

    def warm_up(self, icons: Iterable[QIcon]) -> None:
        """Draw what the first paint of rows needs and an empty table never drew: `icons`
        at the rows' icon size and the font's glyphs, off screen.

        That first paint was the longest stretch of a start-up with stored tasks
        (bench/ui.py): every icon rendered from its SVG and every glyph rasterised there.
        """
        size = self.row_icon_size()
        ratio = self.devicePixelRatioF()
        for icon in icons:  # as unselected rows show them (a selection comes later)
            icon.pixmap(size, ratio, QIcon.Mode.Normal)
        metrics = self.fontMetrics()
        width, height = metrics.horizontalAdvance(GLYPHS) + 8, metrics.height() + 4
        canvas = QPixmap(round(width * ratio), round(height * ratio))  # device pixels
        canvas.setDevicePixelRatio(ratio)
        canvas.fill(self.palette().base().color())
        painter = QPainter(canvas)
        painter.setFont(self.font())
        painter.drawText(4, metrics.ascent() + 2, GLYPHS)
        painter.end()

    def lay_out_now(self) -> None:
        """Run the layout a change of rows left pending, now.

        Qt lays the view out on a zero timer, and a paint that comes first runs the
        layout itself, whose repaint request, made inside that paint, is another full
        paint: the first rows of a start-up were drawn twice. Called after a change, the
        layout's repaint joins the one the change asked for.
        """
        self.executeDelayedItemsLayout()

    def setSelectionModel(self, selectionModel: QItemSelectionModel) -> None:
        """The rows' selection, and an empty one of its own for the column header.

        The header asks the selection whether each column is wholly selected
        (for its "selected position" look, even with highlighting off): after a
        select-all of 1,000 rows that is an index per row and column, each
        asking Python for the counts (28,000 calls, most of a select-all).
        Nothing in this table selects whole columns, so the header has nothing to ask.
        """
        super().setSelectionModel(selectionModel)
        header = self.horizontalHeader()
        model = self.model()
        if model is not None and header.selectionModel() is selectionModel:
            header.setSelectionModel(QItemSelectionModel(model, header))

    def _choose_column(self, column: int, visible: bool) -> None:
        self.auto_columns = False  # the user's choice stands at every width
        self.horizontalHeader().setSectionHidden(column, not visible)

    def _column_menu(self, pos: QPoint) -> None:
        """Right-click on the header: show or hide columns (saved with the header state)."""
        header = self.horizontalHeader()
        model = self.model()
        if model is None:
            return
        menu = QMenu(self)
        for column in range(model.columnCount()):
            title = model.headerData(column, Qt.Orientation.Horizontal)
            action = menu.addAction(str(title) or UNTITLED.get(column, ""))
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            # Keep at least one column: the last visible one cannot be hidden.
            visible = header.count() - header.hiddenSectionCount()
            action.setEnabled(header.isSectionHidden(column) or visible > 1)
            action.toggled.connect(lambda on, c=column: self._choose_column(c, on))
        menu.exec(header.mapToGlobal(pos))

    auto_columns = True  # narrow windows hide optional columns until the user picks
    _id_width_before = 0  # the task ID's width before a narrow window narrowed it
    _hidden_widths: dict[int, int]  # the width of each column fit_columns hid

    def row_icon_size(self) -> QSize:
        """The size the rows' icons are drawn at (the style's small icon size unless set)."""
        size = self.iconSize()
        if size.isValid():
            return size
        side = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize, None, self)
        return QSize(side, side)

    def text_width(self, text: str, column: int | None = None) -> int:
        """Pixels a cell needs to show `text` whole."""
        if column in PICTURE_WIDTHS:
            return PICTURE_WIDTHS[Column(column)]
        icon = self.row_icon_size().width() + ICON_MARGINS_PX if column in ICON_COLUMNS else 0
        return self.fontMetrics().horizontalAdvance(text) + icon + CELL_PADDING_PX

    def apply_default_widths(self) -> None:
        for column, sample in WIDTH_SAMPLES.items():
            self.setColumnWidth(column, self.text_width(sample, column))

    def fit_columns(self) -> None:
        """Hide optional columns (in order) until the needed ones fit, or show them again.

        The needed ones get their room first; when even they do not fit, every
        optional column is hidden and the task ID column narrows (elided in the
        middle) before the error column would be pushed out of sight.
        """
        if not self.auto_columns or self.model() is None or not self.isVisible():
            return
        header = self.horizontalHeader()
        # The scroll bar's room, counted before it is laid out (it always shows).
        scroll_bar = self.verticalScrollBar().sizeHint().width()
        available = self.width() - 2 * self.frameWidth() - scroll_bar
        shown = [c for c in WIDTH_SAMPLES if c not in OPTIONAL_COLUMNS and c != Column.TASK_ID]
        needed = self.text_width(PROBLEM_SAMPLE) + sum(self.columnWidth(c) for c in shown)
        # The ID's own width (the user's, restored) unless it had to narrow.
        id_full = self._id_width_before or self.columnWidth(Column.TASK_ID)
        id_width = max(self.text_width(TASK_ID_NARROW_SAMPLE), min(id_full, available - needed))
        needed += id_width
        hidden = set(OPTIONAL_COLUMNS)
        counted: dict[int, int] = {}
        for column in reversed(OPTIONAL_COLUMNS):  # the most useful come back first
            # A hidden section's width reads 0: count the one it had when this hid it.
            width = (
                self.columnWidth(column)
                or self._hidden_widths.get(column)
                or self.text_width(WIDTH_SAMPLES[column], column)
            )
            if id_width < id_full or needed + width > available:
                break
            needed += width
            counted[column] = width
            hidden.discard(column)
        for column in OPTIONAL_COLUMNS:
            hide = column in hidden
            if header.isSectionHidden(column) == hide:
                continue
            if hide:
                self._hidden_widths[column] = self.columnWidth(column)
            header.setSectionHidden(column, hide)
            # Shown at the width counted above, whatever Qt kept: a wider one overflowed,
            # the horizontal scroll bar came and went, and the columns with it, for ever.
            if not hide and self.columnWidth(column) != counted[column]:
                self.setColumnWidth(column, counted[column])
        if id_width < id_full:
            self._id_width_before = id_full
            self.setColumnWidth(Column.TASK_ID, id_width)
        elif self._id_width_before:
            self.setColumnWidth(Column.TASK_ID, self._id_width_before)
            self._id_width_before = 0

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            # The model keeps the icons and colours it answered: they follow the new look.
            proxy = self.model()
            source = proxy.sourceModel() if hasattr(proxy, "sourceModel") else proxy
            forget = getattr(source, "forget_cells", None)
            if forget is not None:
                forget()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def repaint_columns(self, columns: Iterable[int]) -> None:
        """Schedule a repaint of the visible part of `columns` only.

        Drawing the whole table costs tens of milliseconds at 1,000 rows on a
        slow machine (text is drawn in software); the clock moves a third of it.
        """
        viewport = self.viewport()
        region = QRegion()
        for column in columns:
            if self.isColumnHidden(column):
                continue
            x = self.columnViewportPosition(column)
            width = self.columnWidth(column)
            if x + width > 0 and x < viewport.width():
                region += QRect(x, 0, width, viewport.height())
        if not region.isEmpty():
            viewport.update(region)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(self.palette().ColorRole.PlaceholderText))
            rect: QRect = self.viewport().rect().adjusted(24, 24, -24, -24)
            text = self.property("emptyHint") or EMPTY_HINT
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
            painter.end()
