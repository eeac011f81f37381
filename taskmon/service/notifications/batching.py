"""A burst of endings is one notification (pure; the clock is handed in).

Notices are held until none has come for `quiet_s` (two seconds): tasks that
end within two seconds of each other become one summary, "7 tasks finished: 6
succeeded, 1 failed". A burst that goes on is not held for ever: after
`max_hold_s` what came so far is announced, and the burst's next announcement
counts everything since it began and replaces that one instead of stacking.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from taskmon.domain import counted
from taskmon.service.notifications.rules import Notice

QUIET_S: Final = 2.0
MAX_HOLD_S: Final = 10.0
NAMES_IN_BODY: Final = 5
_OUTCOME_ORDER: Final = ("succeeded", "failed", "lost")


@dataclass(frozen=True, slots=True)
class Announcement:
    """What one notification says, and about which tasks."""

    summary: str
    body: str
    notices: tuple[Notice, ...]
    replaces_previous: bool  # the same burst's earlier summary goes

    @property
    def single(self) -> Notice | None:
        """The one task it is about, or None for a summary."""
        return self.notices[0] if len(self.notices) == 1 else None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(n.key for n in self.notices)


def announcement(notices: Sequence[Notice], replaces_previous: bool = False) -> Announcement:
    """The words for `notices`: the task itself when alone, else a count by outcome."""
    if len(notices) == 1:
        notice = notices[0]
        titles = {
            "succeeded": "Finished",
            "failed": "Failed",
            "lost": "Lost",
            "at risk": "Result at risk",
        }
        title = titles.get(notice.outcome, notice.outcome.capitalize())
        body = f"{notice.provider}: {notice.detail}" if notice.detail else notice.provider
        return Announcement(f"{title}: {notice.name}", body, (notice,), replaces_previous)
    counts = Counter(n.outcome for n in notices)
    finished = sum(counts[o] for o in _OUTCOME_ORDER)
    parts = []
    if finished:
        ways = ", ".join(f"{counts[o]} {o}" for o in _OUTCOME_ORDER if counts[o])
        parts.append(f"{counted(finished, 'task')} finished: {ways}")
    if counts["at risk"]:
        parts.append(f"{counted(counts['at risk'], 'result')} at risk")
    names = [f"{n.name} ({n.outcome})" for n in notices[:NAMES_IN_BODY]]
    if len(notices) > NAMES_IN_BODY:
        names.append(f"and {len(notices) - NAMES_IN_BODY} more")
    return Announcement("; ".join(parts), "\n".join(names), tuple(notices), replaces_previous)


class NoticeBatcher:
    """Holds notices until their burst is over; `take_due()` then gives the announcement."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        quiet_s: float = QUIET_S,
        max_hold_s: float = MAX_HOLD_S,
    ) -> None:
        self._clock = clock
        self._quiet_s = quiet_s
        self._max_hold_s = max_hold_s
        self._pending: list[Notice] = []
        self._announced: list[Notice] = []  # the current burst's, already shown
        self._first_at = 0.0  # when the oldest pending notice came
        self._last_at = -float("inf")  # when the newest notice came

    def add(self, notice: Notice) -> None:
        now = self._clock()
        if now - self._last_at > self._quiet_s:
            self._announced = []  # a new burst: nothing to replace
        if not self._pending:
            self._first_at = now
        self._pending = [n for n in self._pending if n.key != notice.key]
        self._pending.append(notice)
        self._last_at = now

    def discard(self, key: str) -> None:
        """Say nothing of `key` (the user removed it) unless it was said already."""
        self._pending = [n for n in self._pending if n.key != key]

    def pending(self) -> tuple[str, ...]:
        """The keys held for the next announcement."""
        return tuple(n.key for n in self._pending)

    def due_at(self) -> float | None:
        """The clock time of the next announcement, or None with nothing pending."""
        if not self._pending:
            return None
        return min(self._last_at + self._quiet_s, self._first_at + self._max_hold_s)

    def take_due(self, keep: Callable[[Notice], bool] = lambda _n: True) -> Announcement | None:
        """The announcement that is due now (notices `keep` refuses are dropped), or None."""
        due = self.due_at()
        if due is None or self._clock() < due:
            return None
        return self.take_all(keep)

    def take_all(self, keep: Callable[[Notice], bool] = lambda _n: True) -> Announcement | None:
        """Everything pending, due or not (the tracker is stopping)."""
        fresh = [n for n in self._pending if keep(n)]
        self._pending = []
        if not fresh:
            return None
        notices = [n for n in self._announced if n.key not in {f.key for f in fresh}] + fresh
        replaces = bool(self._announced)
        self._announced = notices
        return announcement(notices, replaces)

