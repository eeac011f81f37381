"""Result files and views for the quick look and result action tests (real files, real views)."""

from __future__ import annotations

import dataclasses
import shutil
import struct
import zlib
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from ui_views import make_view

from taskmon.domain.snapshot import MediaKind, Output, State
from taskmon.domain.task import TaskView

DATA = Path(__file__).resolve().parents[1] / "data"


def result_view(
    *names: str,
    folder: Path,
    task_id: str = "task_0123456789abcdef0123456789abcdef",
    kind: MediaKind | None = None,
    **changes: object,
) -> TaskView:
    """A succeeded task whose outputs were saved as copies of tests/data files in `folder`."""
    files = []
    outputs = []
    for i, name in enumerate(names):
        target = folder / f"{task_id[-8:]}_{i + 1}_{name}"
        shutil.copy(DATA / name, target)
        files.append(str(target))
        guess = {"png": MediaKind.IMAGE, "mp4": MediaKind.VIDEO, "wav": MediaKind.AUDIO}
        outputs.append(
            Output(
                url=f"https://cdn.example.com/{task_id}/{i}/{name}",
                kind=guess.get(name.rsplit(".", 1)[-1], MediaKind.IMAGE),
            )
        )
    view = make_view(task_id, state=State.SUCCEEDED, outputs=tuple(outputs), kind=kind)
    return dataclasses.replace(view, files=tuple(files), **changes)  # type: ignore[arg-type]


def huge_png(path: Path, side: int = 30_000) -> Path:
    """A valid 1-bit PNG of side × side pixels (110 KB on disk, 3.6 GB as 32-bit pixels)."""

    def chunk(tag: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(tag + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", crc)

    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    packer = zlib.compressobj(6)
    rows_per_block = 1000
    parts = [packer.compress(row * rows_per_block) for _ in range(side // rows_per_block)]
    parts.append(packer.compress(row * (side % rows_per_block)))
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )
    return path


class OpenedUrls(QObject):
    """Records what QDesktopServices.openUrl would hand to the desktop for `file` URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def record(self, url: QUrl) -> None:
        self.urls.append(url)

    def paths(self) -> list[str]:
        return [u.toLocalFile() for u in self.urls]

    def __enter__(self) -> OpenedUrls:
        QDesktopServices.setUrlHandler("file", self, "record")  # type: ignore[arg-type]
        return self

    def __exit__(self, *_exc: object) -> None:
        QDesktopServices.unsetUrlHandler("file")
