"""`taskmon run`: track every stored task headlessly, exactly as the window will."""

from __future__ import annotations

import argparse
import contextlib
import gc
import signal
import sys
from typing import TYPE_CHECKING

from taskmon.cli import EXIT_OK, EXIT_TASK_FAILED, EXIT_USAGE
from taskmon.cli.live_view import describe
from taskmon.cli.save import add_save_to_arguments, save_target
from taskmon.domain import State, counted
from taskmon.tracking import EngineEvent, ProviderEvent, StoreEvent, TaskEvent

if TYPE_CHECKING:
    from asyncio import AbstractEventLoop

    from taskmon.domain import TaskView
    from taskmon.service import (
        Announcement,
        DesktopNotices,
        SaveTarget,
        TaskNotifier,
        TrackingService,
    )

# The service (the engine, the store writer, asyncio) is imported when the
# command runs, not when `taskmon --help` builds its parser.


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run",
        help="track every stored task and download results into the media cache",
        description=(
            "Track every task in the store (see `taskmon add`) and download finished "
            "results into the media cache under the data dir (TASKMON_DATA_DIR). Tasks added "
            "while it runs are picked up at once. Without --until-done it runs until "
            "SIGINT/SIGTERM. Only one `run` or window tracks a data dir at a time."
        ),
    )
    parser.add_argument(
        "--until-done",
        action="store_true",
        help="exit when no task is queued or running and no download is pending "
        "(0 when all succeeded and their results are saved, 1 otherwise)",
    )
    parser.add_argument(
        "--notify",
        action="store_true",
        help="show a desktop notification when tasks end (a burst within 2 s is one summary: "
        "'7 tasks finished: 6 succeeded, 1 failed') or when results are at risk (not saved, "
        "or unsaved links expiring within the hour); with Open (media results only) and "
        "Show in folder; which ones, as the window's Notifications settings say. Needs the "
        "desktop's notification service (D-Bus on Linux)",
    )
    add_save_to_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    try:
        target = save_target(args)
    except ValueError as exc:
        print(f"taskmon run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return asyncio.run(_run(args.until_done, target, notify=args.notify))


async def _run(until_done: bool, target: SaveTarget | None = None, *, notify: bool = False) -> int:
    import asyncio

    from taskmon.keys import KeyStore
    from taskmon.service import AutoSaver, HolderRole, TrackingService
    from taskmon.store import StoreError

    service = TrackingService(None, KeyStore(), role=HolderRole.RUN)
    service.subscribe(_Reporter(asyncio.get_running_loop()))
    notices = _notifications(service) if notify else None
    saver = None
    if target is not None:
        saver = AutoSaver(
            target,
            lambda key: service.engine.task(key) if service.engine is not None else None,
            on_saved=lambda _path: None,  # stdout stays one line per state change
            on_problem=lambda text: print(f"taskmon run: {text}", file=sys.stderr, flush=True),
        )
        service.subscribe(saver)
    try:
        await service.start()
    except StoreError as exc:
        print(f"taskmon run: {exc}", file=sys.stderr)
        await service.stop()
        return EXIT_USAGE
    # What start-up loaded (modules, every stored task) lives as long as the run:
    # leave it out of the collector's full passes, which re-scanned all of it.
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        count = service.engine.tracked_count() if service.engine else 0
        tracking = f"tracking {counted(count, 'task')} in {service.directory}"
        print(f"taskmon run: {tracking}", file=sys.stderr)
        if not until_done:
            await stop.wait()
            return EXIT_OK
        finished = asyncio.ensure_future(service.wait_until_done())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({finished, stopped}, return_when=asyncio.FIRST_COMPLETED)
        for job in (finished, stopped):
            job.cancel()
        if not finished.done() or finished.cancelled():
            return 130
        assert service.engine is not None
        if saver is not None:
            await saver.drain()
        views = service.engine.tasks()
        ok = all(
            v.state is State.SUCCEEDED
            and not v.download_failed
            and len(v.files) >= len(v.outputs)
            and (saver is None or v.key not in saver.failed)
            for v in views
        )
        return EXIT_OK if ok else EXIT_TASK_FAILED
    finally:
        if saver is not None:
            await saver.aclose()
        if notices is not None:
            notifier, sender = notices
            await notifier.aclose(say_pending=True)
            await sender.aclose()
        await service.stop()


def _notifications(service: TrackingService) -> tuple[TaskNotifier, DesktopNotices]:
    """Desktop notifications of the headless run: Open and Show in folder, no window;
    what to announce as the window's Notifications settings say."""
    from taskmon.service import (
        DesktopNotices,
        NoticeActions,
        SharedNotifySettings,
        TaskNotifier,
        data_dir,
        open_result,
        show_in_folder,
    )

    sender = DesktopNotices(NoticeActions(open_result, show_in_folder))

    def views() -> list[TaskView]:
        return service.engine.tasks() if service.engine is not None else []

    said: set[str] = set()

    def unsent(announcement: Announcement) -> None:
        problem = sender.problem or "a notification could not be shown"
        if problem not in said:  # once, not once per notification
            said.add(problem)
            print(f"taskmon run: {problem}", file=sys.stderr, flush=True)

    # As the window chose them (it shares them in the data dir), re-read when they change.
    settings = SharedNotifySettings(data_dir())
    notifier = TaskNotifier(sender, settings, views=views, fallback=unsent)
    service.subscribe(notifier)
    return notifier, sender


class _Reporter:
    """One plain line per state change (a success once its files are in), and every
    problem that needs a person."""

    def __init__(self, loop: AbstractEventLoop) -> None:
        self._loop = loop
        self._printed: dict[str, State] = {}
        self._flush_due = False

    def __call__(self, event: EngineEvent) -> None:
        if isinstance(event, TaskEvent):
            view = event.view
            if not view.observed or (view.state.is_terminal and view.downloads_pending):
                return
            if self._printed.get(view.key) is not view.state:
                self._printed[view.key] = view.state
                print(describe(view).rstrip())
                self._flush_soon()
        elif isinstance(event, ProviderEvent) and event.problem:
            print(f"taskmon run: {event.problem}", file=sys.stderr, flush=True)
        elif isinstance(event, StoreEvent):
            message = event.problem or "saving to the store works again"
            print(f"taskmon run: {message}", file=sys.stderr, flush=True)

    def _flush_soon(self) -> None:
        """Flush stdout once this loop turn is over: a reader sees each line at once,
        and a turn that ends many tasks costs one write, not one per line."""
        if not self._flush_due:
            self._flush_due = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_due = False
        sys.stdout.flush()
