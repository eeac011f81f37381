"""One poller per data directory: `taskmon run` or the window, never both.

The lock is an OS file lock (flock on Unix, via filelock), which the kernel
drops when its holder exits in any way, kill -9 included, so no stale lock is
ever left behind. The holder's PID goes into a side file only to tell the
loser who holds it; the locking itself never trusts that file.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Final

from filelock import FileLock, Timeout

from taskmon.store import StoreError

LOCK_FILE_NAME: Final = "taskmon.lock"
PID_FILE_NAME: Final = "taskmon.pid"

log = logging.getLogger(__name__)


class AlreadyTracking(StoreError):
    """Another taskmon process polls this data directory."""


class InstanceLock:
    """Non-blocking, process-wide lock on an existing data directory (see ensure_data_dir)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._pid_path = data_dir / PID_FILE_NAME
        # thread_local=False: the thread that releases may not be the one that acquired.
        self._lock = FileLock(data_dir / LOCK_FILE_NAME, thread_local=False)

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self) -> bool:
        """Take the lock if it is free; False when another process holds it."""
        if self._lock.is_locked:
            return True
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        self._write_pid()
        return True

    def acquire_or_raise(self) -> None:
        """Take the lock or raise AlreadyTracking with the message for the user."""
        if not self.acquire():
            raise AlreadyTracking(self.busy_message())

    def release(self) -> None:
        """Give the lock up (no-op when not held)."""
        if not self._lock.is_locked:
            return
        # Remove the PID first: while we still hold the lock nobody else can write it.
        with contextlib.suppress(FileNotFoundError):
            self._pid_path.unlink()
        self._lock.release(force=True)

    def holder_pid(self) -> int | None:
        """The PID the current holder wrote, if readable (advice for messages only)."""
        try:
            return int(self._pid_path.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            return None

    def busy_message(self) -> str:
        """What to tell the user when acquire() returned False."""
        pid = self.holder_pid()
        who = "another taskmon (PID unknown)" if pid is None else f"another taskmon (PID {pid})"
        return f"{who} is already tracking this data dir ({self.data_dir})"

    def __enter__(self) -> InstanceLock:
        self.acquire_or_raise()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def _write_pid(self) -> None:
        # Only the lock's holder writes here: a `.part` of another PID was left by a
        # process killed between its write and its rename.
        for stale in self._pid_path.parent.glob(f"{PID_FILE_NAME}.*.part"):
            with contextlib.suppress(OSError):
                stale.unlink()
        # Atomic replace: a loser reading at the same moment sees the old PID or the new one.
        part = self._pid_path.with_name(f"{PID_FILE_NAME}.{os.getpid()}.part")
        try:
            part.write_text(f"{os.getpid()}\n", encoding="ascii")
            os.replace(part, self._pid_path)
        except OSError:
            # Only the loser's message needs it (it then says "PID unknown"); the lock holds.
            log.warning("cannot write %s", self._pid_path, exc_info=True)
            with contextlib.suppress(OSError):
                part.unlink()
            with contextlib.suppress(OSError):
                self._pid_path.unlink()  # a stale PID would name the wrong process
