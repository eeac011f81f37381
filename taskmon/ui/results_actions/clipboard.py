"""Copy file, Copy image and Copy link: what goes on the clipboard for each.

Copy file puts the files' URLs as `text/uri-list` (KDE, Windows, macOS and
most apps) and `x-special/gnome-copied-files` ("copy" then one URI a line:
what Nautilus, Nemo, Caja and Thunar paste as a copy of the file), with the
paths as plain text for a terminal or a text field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from PySide6.QtCore import QByteArray, QMimeData, QUrl
from PySide6.QtGui import QGuiApplication, QImage

from taskmon.domain import MediaKind
from taskmon.ui.quicklook.loading import Prepared

GNOME_COPIED_FILES: Final = "x-special/gnome-copied-files"


def files_mime(paths: Sequence[str]) -> QMimeData:
    """Mime data a file manager pastes as a copy of `paths`."""
    mime = QMimeData()
    urls = [QUrl.fromLocalFile(p) for p in paths]
    mime.setUrls(urls)
    encoded = [u.toString(QUrl.ComponentFormattingOption.FullyEncoded) for u in urls]
    mime.setData(GNOME_COPIED_FILES, QByteArray("\n".join(["copy", *encoded]).encode()))
    mime.setText("\n".join(paths))
    return mime


def copy_files(paths: Sequence[str]) -> None:
    QGuiApplication.clipboard().setMimeData(files_mime(paths))


def clipboard_image(prepared: Prepared) -> QImage | str:
    """The pixels to copy of what `prepare_preview` read (in a worker), or why not in words.

    Decoded under the same bounds as the quick look (no gigapixel allocations).
    """
    if prepared.kind is not MediaKind.IMAGE:
        return prepared.problem or "it is not an image"
    if prepared.image is None:
        return prepared.problem or "it does not decode"
    if prepared.full_size and prepared.full_size != (
        prepared.image.width(),
        prepared.image.height(),
    ):
        return "it is too large to copy as pixels: use Copy file"
    return QImage(prepared.image)


def copy_links(urls: Sequence[str]) -> None:
    QGuiApplication.clipboard().setText("\n".join(urls))
