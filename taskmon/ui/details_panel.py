"""The details panel: every field of the selected task, its history, raw response, results."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase, QGuiApplication, QIcon, QResizeEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from taskmon.domain import Cost, TaskView
from taskmon.ui.media.thumbnail_strip import ThumbnailStrip
from taskmon.ui.request_echo import RequestEchoView
from taskmon.ui.table import cell_text, keep_cells

RAW_MAX_CHARS: Final = 200_000  # a details view, not a hex editor
# Narrow enough to leave the table its needed columns at 1100 px (task_table.fit_columns).
MIN_WIDTH_PX: Final = 280


def _when(value: datetime | None) -> str:
    if value is None:
        return cell_text.DASH
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _cost_lines(cost: Cost) -> str:
    parts = []
    if cost.credits is not None:
        parts.append(f"{cost.credits:g} credits")
    if cost.estimated_credits is not None:
        parts.append(f"estimated {cost.estimated_credits:g} credits")
    if cost.micro_usdc is not None:
        parts.append(f"{cost.micro_usdc:,} micro-USDC (${cost.micro_usdc / 1e6:.4f})")
    if cost.processing_s is not None:
        parts.append(f"{cost.processing_s:g} s of processing")
    return "; ".join(parts) or cell_text.DASH


class _MiddleElidedLabel(QLabel):
    """One line that keeps both ends of a long task ID in sight; the whole ID on hover."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str, tip: str = "") -> None:
        self._full = text
        self.setToolTip(tip)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = self.contentsRect().width()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, width)
        if shown != self.text():
            self.setText(shown)


class DetailsPanel(QWidget):
    """Shows one TaskView; `show_view(None)` shows a hint."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPanel")
        self.setMinimumWidth(MIN_WIDTH_PX)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)

        header = QHBoxLayout()
        self._icon = QLabel(self)
        self._title = _MiddleElidedLabel(self)
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self._title.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self._title.setFont(font)
        self._copy = QToolButton(self)
        self._copy.setText("Copy ID")
        self._copy.setAutoRaise(True)
        self._copy.clicked.connect(self._copy_id)
        header.addWidget(self._icon)
        header.addWidget(self._title, 1)
        header.addWidget(self._copy)
        layout.addLayout(header)
        self.strip = ThumbnailStrip(self)  # every result file; thumbnails set by the window
        layout.addWidget(self.strip)

        self._tabs = QTabWidget(self)
        self._tabs.setDocumentMode(True)
        layout.addWidget(self._tabs, 1)

        fields = QWidget()
        self._form = QFormLayout(fields)
        self._form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._values: dict[str, QLabel] = {}
        for name in _FIELDS:
            value = QLabel(cell_text.DASH)
            value.setWordWrap(True)
            # The panel's width, never the longest word's: no sideways scrolling.
            value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            value.setTextFormat(Qt.TextFormat.RichText)  # every field is escaped first
            value.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse
                | Qt.TextInteractionFlag.LinksAccessibleByMouse
            )
            value.setOpenExternalLinks(False)
            value.linkActivated.connect(self._open_link)
            self._form.addRow(f"{name}:", value)
            self._values[name] = value
        self.request_echo = RequestEchoView(fields)  # what the provider echoed (prompt…)
        self._form.addRow("Request:", self.request_echo)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(fields)
        self._tabs.addTab(scroll, "Overview")

        self._history = QTreeWidget()
        self._history.setHeaderLabels(["When", "State", "Provider said"])
        self._history.setRootIsDecorated(False)
        self._history.setColumnWidth(0, 150)
        self._tabs.addTab(self._history, "History")

        self._raw = QPlainTextEdit()
        self._raw.setReadOnly(True)
        self._raw.setObjectName("rawResponse")
        self._raw.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._raw.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._tabs.addTab(self._raw, "Raw response")

        self._view: TaskView | None = None
        self.open_failure: QMessageBox | None = None  # the last "cannot open" notice
        self.show_view(None)

    def current(self) -> TaskView | None:
        return self._view

    def value_label(self, name: str) -> QLabel:
        """The label showing field `name` ("Task ID", "Error", ...)."""
        return self._values[name]

    def show_view(self, view: TaskView | None, icon: QIcon | None = None) -> None:
        """Show `view` (or a hint when nothing is selected)."""
        self._view = view
        self.strip.show_view(view)
        self._copy.setEnabled(view is not None)
        if view is None:
            self._title.set_full_text("Select a task to see its details")
            self._icon.clear()
            for label in self._values.values():
                label.setText(cell_text.DASH)
            self.request_echo.show_request(None)
            self._history.clear()
            self._raw.setPlainText("")
            return
        if icon is not None:
            self._icon.setPixmap(icon.pixmap(24, 24))
        self._title.set_full_text(view.ref.task_id, view.ref.task_id)
        now = datetime.now(UTC)
        for name, getter in _FIELDS.items():
            label = self._values[name]
            shown = getter(view, now)
            label.setText(shown)
            # A long word was broken (or a link shortened) to fit: the whole value on hover.
            whole = _FULL_TEXT[name](view) if name in _FULL_TEXT else ""
            label.setToolTip(whole if ZWSP in shown or (whole and whole not in shown) else "")
        self.request_echo.show_request(view.request)
        self._fill_history(view)
        raw = _raw_text(view.raw)
        if raw != self._raw.toPlainText():
            self._raw.setPlainText(raw)

    def _fill_history(self, view: TaskView) -> None:
        if self._history.topLevelItemCount() == len(view.history):
            return
        self._history.clear()
        for entry in view.history:
            item = QTreeWidgetItem([_when(entry.at), entry.state.value, entry.raw_status or ""])
            self._history.addTopLevelItem(item)

    def _copy_id(self) -> None:
        if self._view is not None:
            QGuiApplication.clipboard().setText(self._view.ref.task_id)

    def _open_link(self, link: str) -> None:
        url = QUrl(link)
        if url.isLocalFile() and not Path(url.toLocalFile()).is_dir():
            # A result file: opened only when its bytes are media (never a script).
            from taskmon.ui.results_actions.opening import open_result

            self.open_failure = open_result(self, url.toLocalFile())
            return
        if QDesktopServices.openUrl(url):
            return
        # No launcher (a bare desktop, a server): Qt only logs it. Say so, with the path.
        target = url.toLocalFile() if url.isLocalFile() else url.toString()
        what = "link"
        if url.isLocalFile():
            what = "folder" if Path(target).is_dir() else "file"
        box = QMessageBox(self)
        box.setObjectName("openFailed")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(f"Cannot open the {what}")
        box.setText(
            f"No program to open it was found on this computer. The {what} is:<br><b>"
            f"{html.escape(target)}</b>"
        )
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        words = "Copy path" if url.isLocalFile() else "Copy link"
        copy = box.addButton(words, QMessageBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(target))
        box.addButton(QMessageBox.StandardButton.Close)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.open_failure = box
        box.open()


def _links(view: TaskView, _now: datetime) -> str:
    if not view.outputs:
        return cell_text.DASH
    rows = []
    for i, output in enumerate(view.outputs):
        url = html.escape(output.url, quote=True)
        extra = [output.kind.value]
        if output.resolution:
            extra.append(output.resolution)
        if output.duration_s is not None:
            extra.append(f"{output.duration_s:g} s")
        shown = html.escape(breakable(_short(output.url)))
        line = f'{i + 1}. <a href="{url}">{shown}</a> ({", ".join(extra)})'
        if output.last_frame_url:
            frame = html.escape(output.last_frame_url, quote=True)
            line += f' · <a href="{frame}">last frame</a>'
        rows.append(line)
    return "<br>".join(rows)


def _files(view: TaskView, _now: datetime) -> str:
    if not view.files:
        return "downloading…" if view.downloads_pending else cell_text.DASH
    rows = []
    for path in view.files:
        uri = html.escape(QUrl.fromLocalFile(path).toString(), quote=True)
        rows.append(f'<a href="{uri}">{html.escape(breakable(Path(path).name))}</a>')
    folder = QUrl.fromLocalFile(str(Path(view.files[0]).parent)).toString()
    rows.append(f'<a href="{html.escape(folder, quote=True)}">open folder</a>')
    return "<br>".join(rows)


def _short(url: str, limit: int = 60) -> str:
    return url if len(url) <= limit else url[: limit - 25] + "…" + url[-24:]


ZWSP: Final = "\u200b"
_LONG_WORD: Final = re.compile(r"\S{25,}")


def breakable(text: str, every: int = 16) -> str:
    """`text` with a zero-width space every `every` characters of a word longer than 24.

    A label wraps at spaces only: a long ID, URL or file name would make the
    panel scroll sideways. Selecting such a word copies the spaces too; the
    tooltip and the Copy ID button give the value as it is.
    """
    return _LONG_WORD.sub(
        lambda m: ZWSP.join(m[0][i : i + every] for i in range(0, len(m[0]), every)), text
    )


def _error_words(view: TaskView) -> str | None:
    if view.error is None:
        return None
    code = f" (code {view.error.code})" if view.error.code else ""
    return view.error.message + code


def _error(view: TaskView, _now: datetime) -> str:
    words = _error_words(view)
    return cell_text.DASH if words is None else html.escape(breakable(words))


def _text(getter: Any) -> Any:
    """A field whose words are plain text, escaped for the rich-text label."""
    return lambda view, now: html.escape(breakable(str(getter(view, now))))


_FIELDS: Final = {
    "Provider": _text(lambda v, _: cell_text.provider_name(v.ref.provider)),
    "Task ID": _text(lambda v, _: v.ref.task_id),
    "Provider's ID": _text(lambda v, _: v.provider_task_id or cell_text.DASH),
    "Label": _text(lambda v, _: v.label or cell_text.DASH),
    "Model": _text(lambda v, _: v.model or cell_text.DASH),
    "Media": _text(lambda v, _: v.media_kind.value if v.media_kind else cell_text.DASH),
    "State": lambda v, _: keep_cells.state_html(v),  # a warning colour when not saved
    "Provider status": _text(lambda v, _: v.raw_status or cell_text.DASH),
    "Progress": _text(lambda v, now: cell_text.progress(v, now).text or "unknown"),
    "Created": _text(lambda v, _: _when(v.created_at)),
    "Added": _text(lambda v, _: _when(v.first_seen_at)),
    "Started": _text(lambda v, _: _when(v.started_at)),
    "Finished": _text(lambda v, _: _when(v.finished_at)),
    "Queued for": _text(
        lambda v, now: cell_text.duration(cell_text.queued_s(v, now)) or cell_text.DASH
    ),
    "Running for": _text(
        lambda v, now: cell_text.duration(cell_text.running_s(v, now)) or cell_text.DASH
    ),
    "ETA": _text(
        lambda v, now: (
            cell_text.overdue_text(v, now) or cell_text.eta_text(v, now) or cell_text.DASH
        )
    ),
    "Next check": _text(lambda v, _: _when(v.next_poll_at)),
    "Status checks": _text(lambda v, _: v.polls),
    "Cost": _text(lambda v, _: _cost_lines(v.cost)),
    "Error": _error,
    "Last problem": _text(lambda v, _: v.problem or cell_text.DASH),
    "Result links": _links,
    "Links expire": _text(lambda v, now: cell_text.expires_text(v, now) or cell_text.DASH),
    "Saved files": _files,
}


# The whole value, for the tooltip of a field shown broken or shortened.
_FULL_TEXT: Final = {
    "Task ID": lambda v: v.ref.task_id,
    "Provider's ID": lambda v: v.provider_task_id or "",
    "Error": lambda v: (
        ""
        if v.error is None
        else v.error.message + (f" (code {v.error.code})" if v.error.code else "")
    ),
    "Last problem": lambda v: v.problem or "",
    "Label": lambda v: v.label or "",
    "Model": lambda v: v.model or "",
    "Result links": lambda v: "\n".join(o.url for o in v.outputs),
    "Saved files": lambda v: "\n".join(v.files),
}


def _raw_text(raw: Any) -> str:
    if raw is None:
        return "(no response yet)"
    try:
        text = json.dumps(raw, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    except (TypeError, ValueError):
        text = repr(raw)
    if len(text) > RAW_MAX_CHARS:
        text = text[:RAW_MAX_CHARS] + "\n… (cut)"
    return text
