"""Which tasks the table shows: by provider, by state, by search text (no Qt).

Search: every word must match, each at the start of a word of some field
("batch C" is not "batch A" with a "c" somewhere; the prompt the provider
echoed is a field too); in task IDs any run of at least MIN_ID_SUBSTRING
characters matches too, since IDs have no words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from taskmon.domain import TaskView
from taskmon.ui.table.keep_text import needs_attention

MIN_ID_SUBSTRING: Final = 3


class TaskFilter:
    """The chosen providers, states and search words; `accepts(view)` applies them."""

    def __init__(self) -> None:
        self.providers: frozenset[str] | None = None  # None = all
        self.states: frozenset[str] | None = None
        self.attention = False  # only tasks that need attention (failed, lost, not saved)
        self._patterns: tuple[tuple[str, re.Pattern[str]], ...] = ()

    def set_providers(self, names: Iterable[str] | None) -> None:
        self.providers = None if names is None else frozenset(names)

    def set_states(self, states: Iterable[str] | None) -> None:
        self.states = None if states is None else frozenset(states)

    def set_attention(self, only: bool) -> None:
        self.attention = only

    def set_text(self, text: str) -> None:
        words = tuple(text.casefold().split())
        # A word starts where no letter or digit comes before it (`_`, `-`, `/` split).
        self._patterns = tuple((w, re.compile(r"(?<![^\W_])" + re.escape(w))) for w in words)

    def is_active(self) -> bool:
        return (
            self.providers is not None
            or self.states is not None
            or self.attention
            or bool(self._patterns)
        )

    def accepts(self, view: TaskView) -> bool:
        if self.providers is not None and view.ref.provider not in self.providers:
            return False
        if self.states is not None and view.state.value not in self.states:
            return False
        if self.attention and not needs_attention(view):
            return False
        if self._patterns:
            ids, text = _haystack(view)
            return all(
                pattern.search(text) is not None or (len(word) >= MIN_ID_SUBSTRING and word in ids)
                for word, pattern in self._patterns
            )
        return True


def _haystack(view: TaskView) -> tuple[str, str]:
    """What a search may match: the IDs, then the words of label, model, provider,
    state, errors and prompt (lines apart, so no word runs into the next field)."""
    ids = "\n".join((view.ref.task_id, view.provider_task_id or "")).casefold()
    parts = [  # not the IDs: `task_c6ff…` must not answer to the word "c"
        view.label or "",
        view.model or "",
        view.ref.provider,
        view.state.value,
        view.raw_status or "",
        view.media_kind.value if view.media_kind else "",
        view.error.message if view.error else "",
        view.problem or "",
        view.prompt or "",
    ]
    return ids, "\n".join(parts).casefold()
