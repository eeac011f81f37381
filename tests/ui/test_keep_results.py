"""Issue 12, Keep: results not saved are not green, need attention, and their links count down.

The window runs over a real engine, store and simulator (window_app.App). Result
links are the simulator's, or those of a small loopback origin that answers 404
until the test lets it serve a real PNG (a link dead at first, then working).
The window's clock is a list the test moves by hand: no sleeping for time to pass.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QPushButton, QToolButton
from ui_views import T0, make_view
from window_app import App

from taskmon.domain.snapshot import MediaKind, Output, State, TaskError
from taskmon.domain.task import TaskRef
from taskmon.sim import SimulatorThread, TaskScript
from taskmon.ui import theme
from taskmon.ui.filter_bar import NEEDS_ATTENTION
from taskmon.ui.keep_watch import BANNER_TOPIC
from taskmon.ui.table import keep_text
from taskmon.ui.table.task_model import Column, TaskTableModel

PNG = (Path(__file__).resolve().parents[1] / "data" / "image.png").read_bytes()
WAIT_MS = 20_000


class Origin:
    """A loopback result host: 404 until `serving`, then the PNG; counts its GETs."""

    def __init__(self) -> None:
        self.serving = False
        self.gets = 0
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                origin.gets += 1
                if not origin.serving:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(PNG)))
                self.end_headers()
                self.wfile.write(PNG)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture
def origin() -> Iterator[Origin]:
    host = Origin()
    yield host
    host.close()


class Clock:
    """The window's clock: real time until the test sets it."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def __call__(self) -> datetime:
        return self.at or datetime.now(UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keep_app(
    sim_thread: SimulatorThread,
    tmp_path: Path,
    qsettings: QSettings,
    run_async: Any,
    qtbot: Any,
    clock: Clock,
) -> Iterator[App]:
    application = App(sim_thread, tmp_path / "data", qsettings, run_async, clock=clock)
    qtbot.addWidget(application.window)
    yield application
    application.stop()


def track(app: App, script: TaskScript) -> TaskRef:
    ref = app.add(script)
    app.run(app.bridge.add([ref]))
    return ref


def row_of(app: App, task_id: str) -> int:
    model = app.window.model
    return next(r for r in range(model.rowCount()) if model.view_at(r).ref.task_id == task_id)


def view_of(app: App, task_id: str) -> Any:
    return app.window.model.view_at(row_of(app, task_id))


def not_saved(app: App, task_id: str) -> bool:
    rows = app.rows()
    return rows.get(task_id) == "not saved"


def chip(app: App) -> QToolButton:
    return app.window.filter_bar._chips[NEEDS_ATTENTION]


def proxy_ids(app: App) -> set[str]:
    proxy = app.window.proxy
    return {proxy.index(r, Column.TASK_ID).data() for r in range(proxy.rowCount())}


def dead_link_task(app: App, origin: Origin, name: str = "r.png") -> TaskRef:
    """A task that succeeds with one result whose link answers 404 (until `origin` serves)."""
    return track(app, TaskScript("xenodia", run_s=0.2, output_urls=[f"{origin.url}/{name}"]))


# -- not green when not saved ----------------------------------------------------------


def test_a_succeeded_task_whose_download_fails_is_not_drawn_as_success(
    keep_app: App, origin: Origin, qtbot: Any
) -> None:
    ref = dead_link_task(keep_app, origin)
    qtbot.waitUntil(lambda: not_saved(keep_app, ref.task_id), timeout=WAIT_MS)
    model = keep_app.window.model
    row = row_of(keep_app, ref.task_id)
    state = model.index(row, Column.STATE)
    words = "succeeded, results not saved: result 1: the link expired or is gone (HTTP 404)"
    assert state.data() == "not saved"  # the narrow cell; the whole sentence on hover
    assert words in state.data(Qt.ItemDataRole.ToolTipRole)
    brush = state.data(Qt.ItemDataRole.ForegroundRole)
    assert isinstance(brush, QBrush)
    assert brush.color() == theme.state_colour("unsaved")
    assert brush.color() != theme.state_colour("succeeded")
    progress = keep_text.results_unsaved(model.view_at(row))
    assert progress and model.index(row, Column.PROGRESS).data() == "not saved"
    keep_app.window.table.selectRow(keep_app.window.proxy.mapFromSource(state).row())
    keep_app.window.show_details(True)
    shown = keep_app.window.details._values["State"].text()
    assert "results not saved" in shown and theme.state_colour("unsaved").name() in shown


def test_a_task_whose_results_are_saved_stays_green(keep_app: App, qtbot: Any) -> None:
    ref = track(keep_app, TaskScript("xenodia", run_s=0.2))
    qtbot.waitUntil(lambda: keep_app.rows().get(ref.task_id) == "succeeded", timeout=WAIT_MS)
    state = keep_app.window.model.index(row_of(keep_app, ref.task_id), Column.STATE)
    assert state.data(Qt.ItemDataRole.ForegroundRole) is None
    assert chip(keep_app).text() == f"{NEEDS_ATTENTION}  0"


def test_needs_attention_counts_and_shows_unsaved_failed_and_lost_tasks(
    keep_app: App, origin: Origin, qtbot: Any, sim_thread: SimulatorThread
) -> None:
    saved = track(keep_app, TaskScript("xenodia", run_s=0.2))
    unsaved = dead_link_task(keep_app, origin)
    failed = track(keep_app, TaskScript("reapi", run_s=0.2, outcome="failed"))
    qtbot.waitUntil(
        lambda: (
            not_saved(keep_app, unsaved.task_id)
            and keep_app.rows().get(failed.task_id) == "failed"
            and keep_app.rows().get(saved.task_id) == "succeeded"
        ),
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(lambda: chip(keep_app).text() == f"{NEEDS_ATTENTION}  2", timeout=2000)

    qtbot.mouseClick(chip(keep_app), Qt.MouseButton.LeftButton)
    assert proxy_ids(keep_app) == {unsaved.task_id, failed.task_id}

    # Live: a task lost meanwhile joins the chip and the filtered rows.
    lost = TaskRef("xenodia", "task_nobody_has_this_one")
    keep_app.run(keep_app.bridge.add([lost]))
    qtbot.waitUntil(lambda: keep_app.rows().get(lost.task_id) == "lost", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: chip(keep_app).text() == f"{NEEDS_ATTENTION}  3", timeout=2000)
    assert proxy_ids(keep_app) == {unsaved.task_id, failed.task_id, lost.task_id}

    keep_app.window.filter_bar.set_chip("All")
    assert saved.task_id in proxy_ids(keep_app)


# -- links expire -----------------------------------------------------------------------


def test_the_banner_announces_links_expiring_within_the_hour_and_retry_now_saves_them(
    keep_app: App, origin: Origin, clock: Clock, qtbot: Any
) -> None:
    ref = dead_link_task(keep_app, origin)
    qtbot.waitUntil(lambda: not_saved(keep_app, ref.task_id), timeout=WAIT_MS)
    window = keep_app.window
    view = view_of(keep_app, ref.task_id)
    at = keep_text.expires_at(view)
    assert at is not None and at == view.finished_at + timedelta(hours=24)  # the default
    window.keep.minute()
    assert BANNER_TOPIC not in window.banners.topics()  # a day left: nothing to announce

    clock.at = at - timedelta(minutes=42)
    window.keep.minute()
    cell = window.model.index(row_of(keep_app, ref.task_id), Column.EXPIRES)
    assert cell.data() == "in 42 m"
    assert isinstance(cell.data(Qt.ItemDataRole.BackgroundRole), QBrush)  # highlighted
    assert window.banners.text(BANNER_TOPIC) == "1 result expires within 1 h and is not saved"
    assert window.keep.expiring() == [view.key]

    gets = origin.gets
    origin.serving = True
    (button,) = [b for b in window.banners.findChildren(QPushButton) if b.text() == "Retry now"]
    qtbot.waitUntil(button.isVisible, timeout=2000)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: keep_app.rows().get(ref.task_id) == "succeeded", timeout=WAIT_MS)
    assert origin.gets > gets  # fetched again
    (path,) = view_of(keep_app, ref.task_id).files
    assert Path(path).read_bytes() == PNG
    qtbot.waitUntil(lambda: BANNER_TOPIC not in window.banners.topics(), timeout=2000)
    assert cell.data(Qt.ItemDataRole.BackgroundRole) is None
    assert chip(keep_app).text() == f"{NEEDS_ATTENTION}  0"


def test_the_banner_goes_once_the_links_have_expired(
    keep_app: App, origin: Origin, clock: Clock, qtbot: Any
) -> None:
    ref = dead_link_task(keep_app, origin)
    qtbot.waitUntil(lambda: not_saved(keep_app, ref.task_id), timeout=WAIT_MS)
    window = keep_app.window
    at = keep_text.expires_at(view_of(keep_app, ref.task_id))
    assert at is not None
    clock.at = at - timedelta(minutes=5)
    window.keep.minute()
    qtbot.waitUntil(lambda: BANNER_TOPIC in window.banners.topics(), timeout=2000)
    clock.at = at + timedelta(minutes=1)
    window.keep.minute()
    assert BANNER_TOPIC not in window.banners.topics()
    cell = window.model.index(row_of(keep_app, ref.task_id), Column.EXPIRES)
    assert cell.data() == "expired"
    assert chip(keep_app).text() == f"{NEEDS_ATTENTION}  1"  # still not saved: still counts


def test_retry_of_a_link_dead_from_the_start_asks_the_provider_and_fetches_again(
    keep_app: App, origin: Origin, qtbot: Any, sim_thread: SimulatorThread
) -> None:
    ref = dead_link_task(keep_app, origin)
    qtbot.waitUntil(lambda: not_saved(keep_app, ref.task_id), timeout=WAIT_MS)
    polls = len(sim_thread.stats(ref.task_id).polls)
    gets = origin.gets
    window = keep_app.window
    window.table.selectRow(
        window.proxy.mapFromSource(window.model.index(row_of(keep_app, ref.task_id), 0)).row()
    )
    assert window.retry_action.isEnabled()
    window.retry_action.trigger()
    qtbot.waitUntil(lambda: origin.gets > gets, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not_saved(keep_app, ref.task_id), timeout=WAIT_MS)
    assert len(sim_thread.stats(ref.task_id).polls) == polls + 1  # fresh links asked for once


def test_the_minute_tick_changes_the_expiry_column_only(
    keep_app: App, origin: Origin, qtbot: Any
) -> None:
    ref = dead_link_task(keep_app, origin)
    qtbot.waitUntil(lambda: not_saved(keep_app, ref.task_id), timeout=WAIT_MS)
    model = keep_app.window.model
    changes: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, _roles=None: changes.append((a.row(), b.row(), a.column(), b.column()))
    )
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    keep_app.window.keep.minute()
    row = row_of(keep_app, ref.task_id)
    assert changes == [(row, row, Column.EXPIRES, Column.EXPIRES)] and not resets


# -- countdown words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (3 * 3600 + 12 * 60 + 30, "in 3 h 12 m"),
        (42 * 60 + 59, "in 42 m"),
        (30, "in under 1 m"),
        (0, "expired"),
        (-5, "expired"),
        (3 * 86400 + 4 * 3600, "in 3 d 4 h"),
    ],
)
def test_countdown_words(seconds: float, words: str) -> None:
    assert keep_text.countdown(seconds) == words


def _unsaved_view(provider: str, url: str = "https://cdn.example/a.png") -> Any:
    view = make_view("job-9", provider, State.SUCCEEDED, outputs=(Output(url, MediaKind.IMAGE),))
    fields = {name: getattr(view, name) for name in view.__dataclass_fields__}
    return type(view)(**{**fields, "download_failed": True, "problem": "result 1: HTTP 404"})


def test_links_expire_by_the_provider_the_link_or_the_setting(qtbot: Any) -> None:
    apixo = _unsaved_view("apixo")
    assert keep_text.expires_at(apixo) == T0 + timedelta(hours=24)  # documented
    vidgo = _unsaved_view("vidgo")
    lifetimes = keep_text.LinkLifetimes()
    assert keep_text.expires_at(vidgo, lifetimes) == T0 + timedelta(hours=24)  # the default
    lifetimes.choose({"vidgo": 6 * 3600, "apixo": 3600})
    assert keep_text.expires_at(vidgo, lifetimes) == T0 + timedelta(hours=6)  # the setting
    assert keep_text.expires_at(apixo, lifetimes) == T0 + timedelta(hours=24)  # docs win
    signed = _unsaved_view("vidgo", "https://cdn.example/a.png?Expires=1796040000")
    stated = datetime.fromtimestamp(1796040000, UTC)
    assert keep_text.expires_at(signed, lifetimes) == stated  # what the link says wins

    model = TaskTableModel(clock=lambda: T0 + timedelta(hours=20, minutes=47, seconds=30))
    model.apply([apixo])
    assert model.index(0, Column.EXPIRES).data() == "in 3 h 12 m"


def test_failed_lost_and_unsaved_need_attention_running_and_saved_do_not() -> None:
    failed = make_view("a", "reapi", State.FAILED, error=TaskError("no"))
    lost = make_view("b", "reapi", State.LOST)
    running = make_view("c", "reapi", State.RUNNING)
    saved = make_view("d", "reapi", State.SUCCEEDED)
    wanted = [keep_text.needs_attention(v) for v in (failed, lost, running, saved)]
    assert wanted == [True, True, False, False]
    assert keep_text.needs_attention(_unsaved_view("reapi"))


# -- the per-provider setting ------------------------------------------------------------


def test_the_link_lifetime_setting_moves_the_countdown_of_a_provider_that_documents_none(
    keep_app: App, origin: Origin, clock: Clock, qtbot: Any
) -> None:
    from PySide6.QtWidgets import QLabel, QSpinBox

    from taskmon.ui.keep_watch import link_lifetime_h
    from taskmon.ui.settings.settings_dialog import SettingsDialog

    ref = dead_link_task(keep_app, origin)  # Xenodia documents no lifetime
    qtbot.waitUntil(lambda: not_saved(keep_app, ref.task_id), timeout=WAIT_MS)
    window = keep_app.window
    finished = view_of(keep_app, ref.task_id).finished_at
    clock.at = finished + timedelta(hours=5, minutes=30)
    window.keep.minute()
    cell = window.model.index(row_of(keep_app, ref.task_id), Column.EXPIRES)
    assert cell.data() == "in 18 h 30 m"
    assert BANNER_TOPIC not in window.banners.topics()

    dialog = SettingsDialog(keep_app.bridge, window.settings, window, provider="xenodia")
    qtbot.addWidget(dialog)
    try:
        spin = dialog.findChild(QSpinBox, "linkLifetime_xenodia")
        assert spin is not None and spin.value() == 24
        spin.setValue(6)
        window.keep.minute()
        assert cell.data() == "in 30 m"
        assert window.banners.text(BANNER_TOPIC) == "1 result expires within 1 h and is not saved"
        assert link_lifetime_h(window.settings, "xenodia") == 6  # saved for the next start
        apixo = dialog.findChild(QLabel, "linkLifetime_apixo")
        assert apixo is not None and "as Apixo documents" in apixo.text()
    finally:
        keep_text.LIFETIMES.reset({})  # the window's lifetimes are the process's
        dialog.close()


def test_the_needs_attention_chip_is_remembered_and_filters_after_a_restart(
    sim_thread: SimulatorThread,
    tmp_path: Path,
    qsettings: QSettings,
    run_async: Any,
    qtbot: Any,
    origin: Origin,
) -> None:
    first = App(sim_thread, tmp_path / "data", qsettings, run_async)
    qtbot.addWidget(first.window)
    saved = track(first, TaskScript("xenodia", run_s=0.2))
    unsaved = dead_link_task(first, origin)
    qtbot.waitUntil(
        lambda: (
            not_saved(first, unsaved.task_id) and first.rows().get(saved.task_id) == "succeeded"
        ),
        timeout=WAIT_MS,
    )
    first.window.filter_bar.set_chip(NEEDS_ATTENTION)
    first.window._save()
    first.stop()

    again = App(sim_thread, tmp_path / "data", qsettings, run_async)
    qtbot.addWidget(again.window)
    try:
        qtbot.waitUntil(lambda: again.window.model.rowCount() == 2, timeout=WAIT_MS)
        assert again.window.filter_bar.chip() == NEEDS_ATTENTION
        qtbot.waitUntil(lambda: proxy_ids(again) == {unsaved.task_id}, timeout=WAIT_MS)
    finally:
        again.stop()
