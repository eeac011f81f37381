"""Where taskmon keeps its data: the store database, the media cache and each task's folder in it.

`TASKMON_DATA_DIR` overrides the platform's user data directory, so tests,
scripts and a second profile can each have their own store.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

import platformdirs

from taskmon.store import StoreUnavailable

if TYPE_CHECKING:
    from taskmon.domain import TaskRef

DATA_DIR_ENV: Final = "TASKMON_DATA_DIR"
DB_FILE_NAME: Final = "taskmon.db"
CACHE_DIR_NAME: Final = "cache"


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """The data directory: `TASKMON_DATA_DIR` if set, else the user data dir (not created)."""
    environ = os.environ if env is None else env
    override = environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser().absolute()
    return Path(platformdirs.user_data_dir("taskmon", appauthor=False))


def db_path(directory: Path) -> Path:
    """The store database inside `directory`."""
    return directory / DB_FILE_NAME


def cache_dir(directory: Path) -> Path:
    """The media cache inside `directory`."""
    return directory / CACHE_DIR_NAME


def ensure_data_dir(directory: Path | None = None) -> Path:
    """Create the data directory and its cache; raise StoreUnavailable when unusable."""
    directory = data_dir() if directory is None else directory
    hint = f"set {DATA_DIR_ENV} to a writable directory"
    try:
        cache_dir(directory).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(
            f"cannot create the taskmon data directory {directory}: {_reason(exc)}; {hint}"
        ) from exc
    # mkdir succeeds on an existing read-only directory: only a real write tells.
    try:
        with tempfile.TemporaryFile(dir=directory, prefix=".probe-"):
            pass
    except OSError as exc:
        raise StoreUnavailable(
            f"the taskmon data directory {directory} is not writable: {_reason(exc)}; {hint}"
        ) from exc
    return directory


def _reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def task_cache_dir(directory: Path, ref: TaskRef) -> Path:
    """Where one task's results live: readable, collision-free, never outside the cache."""
    # Imported here: `taskmon list` and `add` read this module, and need no file naming.
    from taskmon.downloads import safe_name

    digest = hashlib.sha256(ref.key.encode()).hexdigest()[:10]
    return cache_dir(directory) / ref.provider / f"{safe_name(ref.task_id)[:80]}-{digest}"
