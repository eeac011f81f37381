"""Whether a stored task's results are safe, until when their links work, and what is wrong.

The three `taskmon list --json` keys `saved`, `expires_at` and `problem`.
"""

from __future__ import annotations

import os
import stat
from datetime import datetime

from taskmon.domain import FileState, State, StoredTask


def results_saved(task: StoredTask) -> bool | None:
    """True when every output is complete in the cache; None before the task succeeded."""
    if task.state is not State.SUCCEEDED:
        return None
    complete = {f.index for f in task.files if f.state is FileState.COMPLETE and _on_disk(f.path)}
    return all(index in complete for index in range(len(task.outputs)))


def links_expire_at(
    task: StoredTask, ttl_s: float | None, ended: datetime | None
) -> datetime | None:
    """When the result links stop working (stated by a link, else estimated from the end).

    None when unknown, before the task succeeded, or once every result is saved.
    """
    from taskmon.downloads import links_expire_at as expiry

    if task.state is not State.SUCCEEDED or not task.outputs or results_saved(task):
        return None
    return expiry((o.url for o in task.outputs), ended, ttl_s)


def results_problem(task: StoredTask, now: datetime, expires_at: datetime | None) -> str | None:
    """A short sentence on why the results are not saved, or the last passing problem."""
    failed = [f for f in sorted(task.files, key=lambda f: f.index) if f.state is FileState.FAILED]
    if task.state is State.SUCCEEDED and not results_saved(task):
        if failed:
            f = failed[0]
            which = f"result {f.index + 1}" if len(task.outputs) > 1 else "the result"
            return f"{which} could not be saved: {_one_line(f.error or 'the download failed')}"
        if task.problem:
            return _one_line(task.problem)
        if expires_at is not None and expires_at <= now:
            return "the results are not saved and their links have probably expired"
        missing = [f for f in task.files if f.state is FileState.COMPLETE and not _on_disk(f.path)]
        if missing:
            return f"a cached file is gone: {missing[0].path}"
        return "the results are not downloaded yet"
    return _one_line(task.problem) if task.problem else None


def _on_disk(path: str | None) -> bool:
    if not path:
        return False
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _one_line(text: str) -> str:
    return " ".join(text.split())
