"""The notifications of a tracking service: engine events in, announcements out.

Subscribed to the service (`service.subscribe(notifier)`) by the window and by
`taskmon run --notify` alike; the rules say which events are news, the batcher
makes a burst one notification, and a sender (DesktopNotices, or a test's
recorder) shows it. Runs on the service's loop; never blocks it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Final, Protocol

from taskmon.domain import TaskView
from taskmon.service.notifications.batching import Announcement, NoticeBatcher
from taskmon.service.notifications.rules import Notice, NoticeRules, NotifySettings
from taskmon.tracking import EngineEvent, TaskRemoved

log = logging.getLogger(__name__)

EXPIRY_CHECK_S: Final = 60.0  # how often unsaved results are checked for links about to die


class Sender(Protocol):
    async def show(self, announcement: Announcement, *, sound: bool = False) -> bool: ...


class TaskNotifier:
    """Announces tasks that end, by the user's settings, a burst at a time."""

    def __init__(
        self,
        sender: Sender,
        settings: Callable[[], NotifySettings] = NotifySettings,
        *,
        views: Callable[[], Iterable[TaskView]] = tuple,
        suppressed: Callable[[str], bool] = lambda _key: False,
        fallback: Callable[[Announcement], None] | None = None,
        quiet_s: float | None = None,
    ) -> None:
        """`views`: every tracked task (for links about to expire); `suppressed(key)`: the
        window shows that very task to a user looking at it; `fallback`: where an
        announcement goes when the notification service cannot be reached."""
        self._sender = sender
        self._settings = settings
        self._views = views
        self._suppressed = suppressed
        self._fallback = fallback
        self._loop: asyncio.AbstractEventLoop | None = None
        self.rules = NoticeRules(settings)
        batch_options = {} if quiet_s is None else {"quiet_s": quiet_s}
        self.batcher = NoticeBatcher(self._now, **batch_options)
        self._timer: asyncio.TimerHandle | None = None
        self._expiry_timer: asyncio.TimerHandle | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self._closed = False
        self.announced: list[Announcement] = []  # for the tray's "last completions" and tests

    def __call__(self, event: EngineEvent) -> None:
        if self._closed:
            return
        if isinstance(event, TaskRemoved):
            self.rules.forget(event.key)
            self.batcher.discard(event.key)
            return
        notice = self.rules.on_event(event)
        if notice is not None:
            self._add(notice)
        if self._expiry_timer is None:
            self._expiry_timer = self._loop_now().call_later(EXPIRY_CHECK_S, self._check_expiry)

    async def aclose(self, *, say_pending: bool = False) -> None:
        """Stop the timers and wait for announcements on their way; `say_pending`: announce
        what is held now instead of dropping it (a run that ends with its last tasks)."""
        self._closed = True
        for timer in (self._timer, self._expiry_timer):
            if timer is not None:
                timer.cancel()
        if say_pending:
            announcement = self.batcher.take_all(lambda n: not self._suppressed(n.key))
            if announcement is not None:
                self._start_sending(announcement)
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)

    def _add(self, notice: Notice) -> None:
        self.batcher.add(notice)
        self._arm()

    def _arm(self) -> None:
        due = self.batcher.due_at()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if due is not None:
            self._timer = self._loop_now().call_at(due, self._flush)

    def _flush(self) -> None:
        self._timer = None
        announcement = self.batcher.take_due(lambda n: not self._suppressed(n.key))
        self._arm()
        if announcement is not None:
            self._start_sending(announcement)

    def _start_sending(self, announcement: Announcement) -> None:
        self.announced.append(announcement)
        del self.announced[:-50]
        job = asyncio.ensure_future(self._send(announcement))
        self._sending.add(job)
        job.add_done_callback(self._sending.discard)

    async def _send(self, announcement: Announcement) -> None:
        try:
            shown = await self._sender.show(announcement, sound=self._settings().sound)
        except Exception:  # a sender's bug must not stop the next notification
            log.exception("notification failed")
            shown = False
        if not shown and self._fallback is not None:
            self._fallback(announcement)

    def _check_expiry(self) -> None:
        self._expiry_timer = None
        if self._closed:
            return
        for notice in self.rules.expiring(self._views(), datetime.now(UTC)):
            self._add(notice)
        self._expiry_timer = self._loop_now().call_later(EXPIRY_CHECK_S, self._check_expiry)

    def _loop_now(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def _now(self) -> float:
        return self._loop_now().time()

