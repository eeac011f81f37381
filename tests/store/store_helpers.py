"""Shared helpers for the store tests (fixtures live in conftest.py)."""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Callable

from taskmon.domain.records import NewTask, Observation
from taskmon.domain.task import TaskRef, TaskView

ChildFactory = Callable[..., subprocess.Popen[str]]


def ref(i: int, provider: str = "reapi") -> TaskRef:
    """A distinct, valid reference per number."""
    return TaskRef(provider, f"task-{i:06d}")


def new_tasks(numbers: range, provider: str = "reapi") -> list[NewTask]:
    return [NewTask(ref(i, provider)) for i in numbers]


def observation_of(view: TaskView) -> Observation:
    """Every field an Observation has, copied from a published view."""
    return Observation(**{f.name: getattr(view, f.name) for f in dataclasses.fields(Observation)})
