"""Whether a task's results are kept, until when their links work, and how that reads.

Pure functions over `TaskView` (no Qt), as in cell_text: a succeeded task whose
results could not be saved is not "done", and a countdown to its links'
expiry says how long a retry can still save them.

How long links live, per provider: what a link states in its query first
(a signed URL's expiry), else what the provider documents (Apixo: 24 h after
completion), else the user's per-provider setting, else DEFAULT_LINK_TTL_S.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final

from taskmon.domain import State, TaskView
from taskmon.downloads import DEFAULT_LINK_TTL_S, links_expire_at
from taskmon.providers import PROVIDERS

SOON: Final = timedelta(hours=1)  # links expiring within this are announced
ATTENTION_STATES: Final = frozenset({State.FAILED, State.LOST})
_WAITING_PREFIX: Final = "results not saved: "  # how the engine words a waiting retry


class LinkLifetimes:
    """Seconds a provider's result links live after the task ended.

    The documented lifetime wins over the user's setting: the setting is for
    providers that say nothing (all but Apixo today).
    """

    def __init__(self) -> None:
        self._chosen: dict[str, float] = {}

    def documented_s(self, provider: str) -> float | None:
        info = PROVIDERS.get(provider)
        return None if info is None else info.result_url_ttl_s

    def chosen_s(self, provider: str) -> float:
        """The user's setting for `provider` (DEFAULT_LINK_TTL_S unless set)."""
        return self._chosen.get(provider, DEFAULT_LINK_TTL_S)

    def choose(self, lifetimes: Mapping[str, float]) -> None:
        """Take the user's per-provider settings (seconds; others keep theirs)."""
        self._chosen.update({p: s for p, s in lifetimes.items() if s > 0})

    def reset(self, lifetimes: Mapping[str, float]) -> None:
        """Only these settings hold (seconds); every other provider has the default."""
        self._chosen.clear()
        self.choose(lifetimes)

    def ttl_s(self, provider: str) -> float:
        documented = self.documented_s(provider)
        return documented if documented is not None else self.chosen_s(provider)


# The window's one set of lifetimes: the settings dialog changes it, every cell reads it.
LIFETIMES: Final = LinkLifetimes()


def results_unsaved(view: TaskView) -> bool:
    """Succeeded, and some result could not be saved (given up, or waiting for a retry)."""
    if view.state is not State.SUCCEEDED or not view.observed:
        return False
    if view.download_waiting:
        return True
    if view.downloads_pending:
        return False
    return view.download_failed or len(view.files) < len(view.outputs)


def unsaved_reason(view: TaskView) -> str:
    """Why the results are not saved, in a few words."""
    words = " ".join((view.problem or "the download did not finish").split())
    return words.removeprefix(_WAITING_PREFIX) or words  # said once, by the state


def needs_attention(view: TaskView) -> bool:
    """Failed, lost, or succeeded with results that could not be saved."""
    return view.state in ATTENTION_STATES or results_unsaved(view)


def expires_at(view: TaskView, lifetimes: LinkLifetimes = LIFETIMES) -> datetime | None:
    """When the result links stop working (stated by a link, else estimated); None before
    the task succeeded or without results."""
    if view.state is not State.SUCCEEDED or not view.outputs:
        return None
    ended = view.finished_at or view.first_seen_at
    return links_expire_at((o.url for o in view.outputs), ended, lifetimes.ttl_s(view.ref.provider))


def countdown(seconds: float) -> str:
    """`in 3 h 12 m`, `in 42 m`, `in under 1 m`, `expired`: minutes are enough for links."""
    if seconds <= 0:
        return "expired"
    s = int(seconds)
    if s < 60:
        return "in under 1 m"
    if s < 3600:
        return f"in {s // 60} m"
    if s < 2 * 86400:
        return f"in {s // 3600} h {s % 3600 // 60:02d} m"
    return f"in {s // 86400} d {s % 86400 // 3600} h"


def expiring_soon(view: TaskView, now: datetime) -> bool:
    """Results not saved whose links stop working within the hour (not yet stopped)."""
    if not results_unsaved(view):
        return False
    at = expires_at(view)
    return at is not None and now < at <= now + SOON
