"""What a paste is read into: one item per task or per part that names none, in paste order."""

from __future__ import annotations

from dataclasses import dataclass

from taskmon.domain import TaskRef
from taskmon.providers import clip

MAX_SHOWN_CHARS = 80


@dataclass(frozen=True, slots=True)
class Resolved:
    """A task ready to track."""

    ref: TaskRef
    text: str  # what was pasted, clipped for display
    line: int  # 1-based line where it starts


@dataclass(frozen=True, slots=True)
class NeedsModel:
    """A task of a known provider that needs the model it was submitted with."""

    provider: str
    task_id: str
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """An ID several providers may use: the user picks one of `candidates`."""

    task_id: str
    candidates: tuple[str, ...]  # provider names, in PROVIDERS order
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A task already given earlier in the same paste: skipped."""

    text: str
    line: int
    first_line: int
    reason: str  # human sentence


@dataclass(frozen=True, slots=True)
class Rejected:
    """Pasted text that names no usable task, and why."""

    text: str
    line: int
    reason: str  # human sentence, e.g. "not a task ID: 'hello'"
    count: int = 1  # pasted entries this item stands for ("not task IDs: 'a', 'b'" is 2)


PasteItem = Resolved | NeedsModel | Ambiguous | Duplicate | Rejected
_SUMMARY_WORDS: tuple[tuple[type, str, str], ...] = (
    (Resolved, "task", "tasks"),
    (Ambiguous, "needs a provider", "need a provider"),
    (NeedsModel, "needs a model", "need a model"),
    (Duplicate, "duplicate skipped", "duplicates skipped"),
    (Rejected, "not recognised", "not recognised"),
)


@dataclass(frozen=True, slots=True)
class PasteResult:
    """What a paste holds, in paste order."""

    items: tuple[PasteItem, ...] = ()

    @property
    def refs(self) -> tuple[TaskRef, ...]:
        """The tasks ready to track."""
        return tuple(item.ref for item in self.items if isinstance(item, Resolved))

    def summary(self) -> str:
        """One line for a status bar, e.g. "2 tasks, 1 needs a provider, 1 not recognised"."""
        parts = []
        for kind, one, many in _SUMMARY_WORDS:
            n = sum(entries(item) for item in self.items if isinstance(item, kind))
            if n:
                parts.append(f"{n} {one if n == 1 else many}")
        return ", ".join(parts) or "nothing to add"


def entries(item: PasteItem) -> int:
    """How many pasted entries `item` stands for (a line of plain words is one item)."""
    return item.count if isinstance(item, Rejected) else 1


def shown(text: str) -> str:
    """Pasted text bounded for a list row or a message."""
    return clip(text[: MAX_SHOWN_CHARS * 4], MAX_SHOWN_CHARS)
