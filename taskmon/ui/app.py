"""Starting the window: Qt application, qasync loop, engine, single instance, demo.

`run_app()` is what `taskmon` (no command) and `taskmon --demo` call. The
engine runs on the Qt thread's event loop through qasync; the window never
waits on the network or the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from taskmon import __version__
from taskmon.keys import KeyStore, preload_keyring
from taskmon.service import (
    Command,
    HandoverServer,
    HolderRole,
    TrackingService,
    asend_to_holder,
    ensure_data_dir,
)
from taskmon.store import StoreError
from taskmon.tracking import EngineConfig
from taskmon.ui import theme
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.main_thread_gc import MainThreadCollector
from taskmon.ui.settings.provider_settings import load_provider_settings
from taskmon.ui.startup_probe import install_first_paint_probe
from taskmon.ui.tray.install import install_tray
from taskmon.ui.window import MainWindow

if TYPE_CHECKING:
    from taskmon.ui.demo import DemoEnvironment

log = logging.getLogger(__name__)

EXIT_OK: Final = 0
EXIT_USAGE: Final = 2
WINDOW_STARTS_PER_TICK: Final = 12  # the headless default is 25 (tracking/config.py)


def no_display_reason(env: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why no window can open here (Qt would abort the process), or None."""
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
        "the headless commands work here: see taskmon --help"
    )


def run_app(
    *, demo: bool = False, hidden: bool = False, argv: Sequence[str] | None = None
) -> int:
    """Open the window (or bring a running one forward); returns the exit status.

    `hidden`: start in the tray, the window not shown (start at login); without a
    tray the window starts minimized.
    """
    if (reason := no_display_reason(os.environ)) is not None:
        print(f"taskmon: {reason}", file=sys.stderr)
        return EXIT_USAGE
    app = QApplication.instance() or QApplication([sys.argv[0], *(argv or [])])
    assert isinstance(app, QApplication)
    install_first_paint_probe(app)  # only with TASKMON_FIRST_PAINT_EPOCH set
    app.setApplicationName("taskmon")
    app.setOrganizationName("taskmon")
    app.setApplicationVersion(__version__)
    # The desktop entry's ID (packaging/linux): on Wayland the compositor finds the icon by it.
    app.setDesktopFileName("io.github.taskmon.Taskmon")
    # Closing the window may mean "keep polling in the background": we quit ourselves.
    app.setQuitOnLastWindowClosed(False)
    collector = MainThreadCollector(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    # qasync's run_forever skips what asyncio's does on its way in: installing the
    # async-generator hooks. Without them an unfinished stream generator is closed
    # synchronously by the garbage collector ("ignored GeneratorExit" on stderr)
    # instead of by the loop, and shutdown_asyncgens() cannot reach it.
    old_hooks = sys.get_asyncgen_hooks()
    sys.set_asyncgen_hooks(
        firstiter=loop._asyncgen_firstiter_hook,
        finalizer=loop._asyncgen_finalizer_hook,
    )
    try:
        with loop:
            return loop.run_until_complete(_run(app, demo, hidden))
    finally:
        sys.set_asyncgen_hooks(*old_hooks)
        collector.stop()


async def _run(app: QApplication, demo: bool, hidden: bool = False) -> int:
    done = asyncio.Event()
    _quit_on_signals(done)  # SIGTERM, SIGINT: leave the way Quit does, cleaning up
    if not demo:
        return await _run_window(app, done, None, hidden=hidden)
    # Only a demo needs the simulator (aiohttp's server side): a plain start, where
    # time to first paint counts, does not import it (bench/NOTES.md).
    from taskmon.ui.demo import DemoEnvironment, DemoRendezvous

    rendezvous = DemoRendezvous()
    if not await asyncio.to_thread(rendezvous.claim):
        # A demo runs already: bring it forward rather than start a second one.
        holder = await asend_to_holder(rendezvous.directory, Command.SHOW)
        if holder is not None:
            print("taskmon: a taskmon demo is already running; brought it to the front")
            return EXIT_OK
        print("taskmon: a taskmon demo is starting already", file=sys.stderr)
        return EXIT_USAGE
    shows: list[Callable[[], None]] = []  # the window's bring_to_front, once it is there

    def on_command(command: Command) -> None:
        if command is Command.SHOW:
            for show in shows:
                show()

    server = HandoverServer(rendezvous.directory, HolderRole.WINDOW, on_command)
    environment: DemoEnvironment | None = None
    try:
        await server.start()
        environment = await asyncio.to_thread(DemoEnvironment.start)
        return await _run_window(app, done, environment, shows, hidden=hidden)
    finally:
        await server.close()
        if environment is not None:  # its throw-away data dir goes, on every way out
            await asyncio.to_thread(environment.close)
        rendezvous.release()


def _quit_on_signals(done: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # Windows
            loop.add_signal_handler(signum, done.set)


async def _run_window(
    app: QApplication,
    done: asyncio.Event,
    environment: DemoEnvironment | None,
    shows: list[Callable[[], None]] | None = None,
    *,
    hidden: bool = False,
) -> int:
    demo = environment is not None
    if environment is not None:
        directory: Path = environment.directory
        settings = QSettings(str(directory / "window.ini"), QSettings.Format.IniFormat)
        keys = KeyStore(env={**os.environ, **environment.key_env})
        overrides = environment.base_urls
        disabled: set[str] = set()
    else:
        preload_keyring()  # while nothing is on screen: the window's first paints then run alone
        try:
            directory = await asyncio.to_thread(ensure_data_dir)
        except StoreError as exc:
            print(f"taskmon: {exc}", file=sys.stderr)
            return EXIT_USAGE
        # A window already open for this data dir comes forward instead of a second one.
        holder = await asend_to_holder(directory, Command.SHOW)
        if holder is not None and holder.role == HolderRole.WINDOW:
            print("taskmon: a taskmon window is already open; brought it to the front")
            return EXIT_OK
        if holder is not None:
            print(
                f"taskmon: {holder.describe()} is tracking {directory}; stop it to open "
                "the window (the window tracks the same tasks)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        settings = QSettings()
        keys = KeyStore()
        overrides, disabled = load_provider_settings(settings)

    theme.follow_system(
        app, lambda: theme.Scheme(str(settings.value("appearance/scheme", "system", str)))
    )
    # The window's engine shares its thread with the painting: the calls a tick starts come
    # back as answers handled there too. 12 a tick (120/s, more than the rate budgets give
    # one provider) cut the longest start-up stall at 1,000 rows from 127 to 81 ms
    # against 25 (bench/ui.py, medians of 3; bench/NOTES.md).
    config = EngineConfig(base_url_overrides=overrides, starts_per_tick=WINDOW_STARTS_PER_TICK)
    service = TrackingService(directory, keys, config, role=HolderRole.WINDOW)
    bridge = EngineBridge(service, keys)
    for name in disabled:
        service.set_enabled(name, False)
    try:
        await bridge.start()
    except StoreError as exc:
        await service.stop()
        QMessageBox.critical(None, "taskmon cannot start", str(exc))
        print(f"taskmon: {exc}", file=sys.stderr)
        return EXIT_USAGE

    suffix = " — demo (built-in simulator, nothing leaves this computer)" if demo else ""
    # Built a stage per loop turn, then the tray in a turn of its own, then shown: the
    # start-up holds the main thread for no long stretch (bench/ui.py, start-up stall).
    window = await MainWindow.open(bridge, settings, title_suffix=suffix, demo=demo)
    if shows is not None:
        shows.append(window.bring_to_front)
    window.quit_requested = done.set
    app.aboutToQuit.connect(done.set)
    await asyncio.sleep(0)
    tray = install_tray(window, bridge, settings)
    await asyncio.sleep(0)
    try:
        if not hidden:
            window.show()
        elif tray.tray is None:
            window.showMinimized()  # no tray to start in

        if environment is not None:
            for ref, label in environment.refs:  # each demo task says what it will do
                await bridge.add([ref], label)
        else:
            await window.check_keyring()
        await done.wait()
    finally:
        window.hide()
        await tray.aclose()
        await bridge.stop()
        # Streams' async generators are closed now, while the loop still runs,
        # instead of by the garbage collector after it closed (noise on stderr).
        await asyncio.get_running_loop().shutdown_asyncgens()
    return EXIT_OK
