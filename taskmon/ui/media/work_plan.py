"""What the thumbnail workers do next, in order: shared between the GUI thread and the pool.

The GUI thread sets the order (`replace()`: the rows on screen top to bottom,
then what was asked elsewhere, the next page, results that just landed); each
worker takes the next item when it is free (`take()`), so a new order counts
at once and no job queued long ago runs first. Every path goes through two
steps: a *look* (the disk cache, the file's kind by its first bytes: well under
a millisecond) and, when the cache had nothing, a *make* (decoding: tens of
milliseconds). The order comes in tiers (what is on screen, then what may be
next); within a tier every path is looked at before any is made, so a restart
shows every cached thumbnail on screen at once and videos on screen reach the
media thread right away (their frames take longest) instead of after the images
above them, and nothing of a later tier takes a core while the screen waits.
Urgent jobs (storing a video frame) go before all.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from taskmon.domain import MediaKind

LOOK: Final = "look"
MAKE: Final = "make"
URGENT: Final = "urgent"


@dataclass(frozen=True)
class Looked:
    """What a look found that a make needs: the cache key and the file's kind."""

    key: str
    kind: MediaKind


@dataclass(frozen=True)
class Step:
    """One piece of work: look at `path`, make it (with what the look found), or `job`."""

    what: str
    path: str = ""
    looked: Looked | None = None
    job: Callable[[], Any] | None = None


class WorkPlan:
    """The ordered paths still to do and the workers' share of them (thread-safe)."""

    def __init__(self, workers: int) -> None:
        self._lock = threading.Lock()
        self._order: list[str] = []
        self._tier_of: dict[str, int] = {}
        self._looked: dict[str, Looked] = {}  # looked at, waiting to be made
        self._taken: set[str] = set()  # a worker has it now
        self._urgent: deque[tuple[Callable[[], Any], str]] = deque()
        self._workers = max(1, workers)
        self._active = 0

    def replace(self, tiers: Iterable[Iterable[str]]) -> None:
        """The paths to do, in tiers, most wanted first (paths no longer in it are dropped)."""
        with self._lock:
            self._tier_of = {}
            for number, tier in enumerate(tiers):
                for path in tier:
                    self._tier_of.setdefault(path, number)
            self._order = list(self._tier_of)
            wanted = self._tier_of
            for path in [p for p in self._looked if p not in wanted]:
                del self._looked[path]

    def add_urgent(self, job: Callable[[], Any], path: str = "") -> None:
        """A job before any look or make (`path`: the file it is about, for its failure)."""
        with self._lock:
            self._urgent.append((job, path))

    def take(self) -> Step | None:
        """The next step for a worker; None when there is nothing (the worker then ends)."""
        with self._lock:
            if self._urgent:
                job, path = self._urgent.popleft()
                return Step(URGENT, path, job=job)
            waiting: str | None = None
            for path in self._order:
                if path in self._taken:
                    continue
                if waiting is not None and self._tier_of[path] > self._tier_of[waiting]:
                    break  # make what this tier needs before looking further
                if path not in self._looked:
                    self._taken.add(path)
                    return Step(LOOK, path)
                if waiting is None:
                    waiting = path
            if waiting is not None:
                self._taken.add(waiting)
                return Step(MAKE, waiting, self._looked.pop(waiting))
            self._active -= 1
            return None

    def looked(self, path: str, found: Looked) -> None:
        """A look found that `path` must be made: it waits in its place in the order."""
        with self._lock:
            self._taken.discard(path)
            if path in self._tier_of:
                self._looked[path] = found

    def finished(self, path: str) -> None:
        """`path` is done (made, or handed to the media thread): out of the plan."""
        with self._lock:
            self._taken.discard(path)
            self._looked.pop(path, None)
            if self._tier_of.pop(path, None) is not None:
                self._order.remove(path)

    def workers_to_start(self) -> int:
        """How many more workers the work needs (counted as started)."""
        with self._lock:
            todo = len(self._urgent) + sum(1 for p in self._order if p not in self._taken)
            more = max(0, min(self._workers - self._active, todo))
            self._active += more
            return more

    def busy_with(self, path: str) -> bool:
        with self._lock:
            return path in self._taken

    def paths(self) -> set[str]:
        """Paths planned or being worked on."""
        with self._lock:
            return set(self._order) | self._taken

    def clear(self) -> None:
        with self._lock:
            self._order.clear()
            self._tier_of.clear()
            self._looked.clear()
            self._urgent.clear()
