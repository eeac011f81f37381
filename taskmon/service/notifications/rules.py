"""Which task events deserve a notification, and what each says (pure: no I/O, no clock).

A task is announced when this process saw it end: a task resumed from the
store already finished, or added when it had already ended, is not news. A
success waits for its result files, so "Open" has something to open. Results
at risk (a download that failed for good, or unsaved results whose links die
within the hour) are announced once per task and run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Final

from taskmon.domain import MediaKind, State, TaskView
from taskmon.downloads import links_expire_at
from taskmon.providers import PROVIDERS
from taskmon.tracking import EngineEvent, TaskEvent, TaskRemoved

EXPIRY_WARNING: Final = timedelta(hours=1)  # unsaved links dying sooner than this are at risk


class NoticeKind(StrEnum):
    """The kinds a user switches on or off."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"  # failed or lost
    AT_RISK = "at_risk"  # results not saved, or their links expire within the hour


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """What the user wants to hear about (the window's settings; `run --notify`'s defaults)."""

    succeeded: bool = True
    failed: bool = True
    at_risk: bool = True
    muted_providers: frozenset[str] = frozenset()
    sound: bool = False  # off by default: a burst of results should not beep

    def wants(self, kind: NoticeKind, provider: str) -> bool:
        if provider in self.muted_providers:
            return False
        return {
            NoticeKind.SUCCEEDED: self.succeeded,
            NoticeKind.FAILED: self.failed,
            NoticeKind.AT_RISK: self.at_risk,
        }[kind]


@dataclass(frozen=True, slots=True)
class Notice:
    """One task's news: what happened, to which task, and the files it has."""

    key: str
    kind: NoticeKind
    state: State
    name: str  # the label, else the task ID
    provider: str  # display name
    detail: str  # one line: the error, why results are at risk, the media kind
    files: tuple[str, ...] = ()
    media_kind: MediaKind | None = None

    @property
    def outcome(self) -> str:
        """The word a summary counts it under: succeeded, failed, lost or at risk."""
        if self.kind is NoticeKind.AT_RISK:
            return "at risk"
        return self.state.value


def notice_for(view: TaskView, kind: NoticeKind, detail: str | None = None) -> Notice:
    """The notice `view` gives as `kind`."""
    provider = PROVIDERS.get(view.ref.provider)
    display = provider.display_name if provider is not None else view.ref.provider
    if detail is None:
        if view.state is State.SUCCEEDED:
            kind_word = view.media_kind.value if view.media_kind else "result"
            saved = len(view.files)
            detail = f"{kind_word}, {saved} of {len(view.outputs)} saved" if view.outputs else ""
            if view.outputs and saved == len(view.outputs):
                detail = f"{kind_word} saved as {Path(view.files[0]).name}"
                if saved > 1:
                    detail += f" and {saved - 1} more"
        elif view.error is not None:
            detail = view.error.message
        else:
            detail = view.problem or view.state.value
    return Notice(
        key=view.key,
        kind=kind,
        state=view.state,
        name=view.label or view.ref.task_id,
        provider=display,
        detail=" ".join(detail.split()),
        files=view.files,
        media_kind=view.media_kind,
    )


@dataclass
class NoticeRules:
    """Turns engine events into notices, by the user's settings."""

    settings: Callable[[], NotifySettings]
    _ending: set[str] = field(default_factory=set)  # ended while watched, files on their way
    _at_risk_said: set[str] = field(default_factory=set)

    def on_event(self, event: EngineEvent) -> Notice | None:
        """The notice `event` makes, if any."""
        if isinstance(event, TaskRemoved):
            self._ending.discard(event.key)
            return None
        if not isinstance(event, TaskEvent):
            return None
        view = event.view
        if view.state.is_terminal and event.state_changed and not event.first:
            self._ending.add(view.key)
        if view.key not in self._ending or not view.is_done:
            return None
        self._ending.discard(view.key)
        notice = self._ended(view)
        if notice is None or not self.settings().wants(notice.kind, view.ref.provider):
            return None
        if notice.kind is NoticeKind.AT_RISK:
            self._at_risk_said.add(view.key)
        return notice

    def forget(self, key: str) -> None:
        """The user removed `key`: nothing more is said about it."""
        self._ending.discard(key)

    def expiring(self, views: Iterable[TaskView], now: datetime) -> list[Notice]:
        """Succeeded tasks whose unsaved results stop working within the hour (once each)."""
        notices = []
        settings = self.settings()
        for view in views:
            if view.state is not State.SUCCEEDED or view.key in self._at_risk_said:
                continue
            if not view.outputs or len(view.files) >= len(view.outputs):
                continue
            if not settings.wants(NoticeKind.AT_RISK, view.ref.provider):
                continue
            provider = PROVIDERS.get(view.ref.provider)
            ttl = provider.result_url_ttl_s if provider is not None else None
            ended = view.finished_at or view.first_seen_at
            expires = links_expire_at((o.url for o in view.outputs), ended, ttl)
            if expires is None or not now < expires <= now + EXPIRY_WARNING:
                continue
            minutes = max(1, round((expires - now).total_seconds() / 60))
            detail = f"not saved, and its links expire in {minutes} min"
            self._at_risk_said.add(view.key)
            notices.append(notice_for(view, NoticeKind.AT_RISK, detail))
        return notices

    def _ended(self, view: TaskView) -> Notice | None:
        if view.state is State.SUCCEEDED:
            if view.download_failed:
                return notice_for(view, NoticeKind.AT_RISK, _not_saved(view))
            return notice_for(view, NoticeKind.SUCCEEDED)
        if view.state in (State.FAILED, State.LOST):
            return notice_for(view, NoticeKind.FAILED)
        return None  # cancelled: someone asked for it


def _not_saved(view: TaskView) -> str:
    missing = len(view.outputs) - len(view.files)
    which = "the result" if len(view.outputs) == 1 else f"{missing} of {len(view.outputs)} results"
    return f"{which} could not be saved: {view.problem or 'the download failed'}"
