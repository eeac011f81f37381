"""Open a result in the default application, only when it really is an image, video or audio.

A provider chooses a result's bytes and name: a script named `result.desktop`
or `x.bat` would run if handed to the desktop. `open_refusal` (taskmon.downloads)
checks the bytes and the name first; a refused file is named in the notice.
When the desktop has no program for it (`QDesktopServices.openUrl` returns
False, as on a bare X server where Qt logs "Unable to detect a launcher"),
the notice gives the path and a Copy path button.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from taskmon.domain import counted
from taskmon.downloads import open_refusal
from taskmon.ui.results_actions.notices import notice

MAX_OPENED: Final = 10  # a select-all must not start a thousand viewers


def open_result(parent: QWidget, path: str) -> QMessageBox | None:
    """Open `path` when it is media; otherwise, or when nothing opens it, a notice says why."""
    return open_results(parent, [path])


def open_results(parent: QWidget, paths: Sequence[str]) -> QMessageBox | None:
    """Open each of `paths` (at most MAX_OPENED); one notice names those not opened."""
    refused: list[str] = []
    unopened: list[str] = []
    for path in paths[:MAX_OPENED]:
        refusal = open_refusal(path)
        if refusal is not None:
            refused.append(f"{refusal}.")
        elif not QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
            unopened.append(path)
    if len(paths) == 1 and refused:
        return notice(
            parent,
            "Not opened",
            f"taskmon did not open <b>{html.escape(Path(paths[0]).name)}</b>.",
            f"{refused[0]} Only images, videos and audio are opened. The file is: {paths[0]}",
            copy_text=paths[0],
        )
    if refused:
        return notice(
            parent,
            "Not opened",
            f"taskmon did not open {counted(len(refused), 'file')}: only images, videos and "
            "audio are opened.",
            "\n".join(refused),
        )
    if unopened:
        return notice(
            parent,
            "Cannot open the file",
            "No program to open it was found on this computer. The file is:<br>"
            f"<b>{html.escape(unopened[0])}</b>",
            "\n".join(unopened[1:]),
            copy_text="\n".join(unopened),
        )
    return None


def open_folder(parent: QWidget, folder: str) -> QMessageBox | None:
    """Open a folder in the file manager; a notice with the path when nothing can."""
    if QDesktopServices.openUrl(QUrl.fromLocalFile(folder)):
        return None
    return notice(
        parent,
        "Cannot open the folder",
        "No file manager was found on this computer. The folder is:<br>"
        f"<b>{html.escape(folder)}</b>",
        copy_text=folder,
    )
