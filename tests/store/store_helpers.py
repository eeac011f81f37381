"""Shared helpers for the store tests (fixtures live in conftest.py)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from taskmon.domain.records import NewTask
from taskmon.domain.task import TaskRef

ChildFactory = Callable[..., subprocess.Popen[str]]


def ref(i: int, provider: str = "reapi") -> TaskRef:
    """A distinct, valid reference per number."""
    return TaskRef(provider, f"task-{i:06d}")


def new_tasks(numbers: range, provider: str = "reapi") -> list[NewTask]:
    return [NewTask(ref(i, provider)) for i in numbers]
