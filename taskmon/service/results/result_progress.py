"""How far a task's result downloads have come, read from the media cache's `.part` files.

The engine writes each download to `<name>.part` beside `<name>.part.meta`,
whose JSON names the URL and, once the response said, the total size (see
downloads/part_files.py). That is enough to say "still downloading (42 %)"
without the engine reporting every chunk. A few `lstat`s and one small read
per download: cheap enough to ask when a drag starts.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

from taskmon.domain import TaskView
from taskmon.downloads import read_part_meta
from taskmon.service.data_paths import task_cache_dir

_META_SUFFIX: Final = ".part.meta"
_MAX_ENTRIES: Final = 256  # a task's cache folder holds a handful; never scan a huge one


def _plain_size(path: Path | str) -> int | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def download_progress(directory: Path, view: TaskView) -> float | None:
    """The fraction (0–1) of `view`'s result bytes on disk, or None when a size is unknown.

    Files already downloaded count whole; a download under way counts what its
    `.part` holds of the total its sidecar records (a finished download leaves
    no sidecar behind). An output with neither (not started yet, or a server
    that sent no length) makes the answer None.
    """
    missing = len(view.outputs) - len(view.files)
    if missing <= 0:
        return 1.0 if view.outputs else None
    have = total = 0
    for path in view.files:
        size = _plain_size(path)
        if size is None:
            return None
        have, total = have + size, total + size
    wanted = {o.url for o in view.outputs}
    partial: dict[str, tuple[int, int]] = {}
    try:
        with os.scandir(task_cache_dir(directory, view.ref)) as entries:
            for count, entry in enumerate(entries):
                if count >= _MAX_ENTRIES:
                    break
                if not entry.name.endswith(_META_SUFFIX):
                    continue
                meta = read_part_meta(Path(entry.path))
                if meta is None or meta.url not in wanted or meta.total is None:
                    continue
                part_size = _plain_size(entry.path.removesuffix(".meta")) or 0
                partial[meta.url] = (min(part_size, meta.total), meta.total)
    except OSError:
        return None
    if len(partial) < missing:
        return None
    for part_have, part_total in partial.values():
        have, total = have + part_have, total + part_total
    return have / total if total > 0 else None
