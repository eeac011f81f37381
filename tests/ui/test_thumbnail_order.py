"""Which thumbnails are made first, and what the GUI thread does when they arrive.

Real files (tests/data copies), a real table over the real model, real worker
threads; the order is checked with one worker, so it is the plan's order.
"""

from __future__ import annotations

import dataclasses
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from media_files import DATA, copy_data
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QTableView
from ui_views import make_view

from taskmon.domain import MediaKind, State, TaskView
from taskmon.ui.media import Thumbnails, Visible, thumbnail_jobs
from taskmon.ui.media import thumbnails as thumbnails_module
from taskmon.ui.media.landing import watch_landings
from taskmon.ui.media.thumbnail_column import ThumbnailDelegate
from taskmon.ui.media.work_plan import LOOK, MAKE, Looked, WorkPlan
from taskmon.ui.table.task_model import VIEW_ROLE, Column, TaskTableModel


def _task(number: int, files: tuple[str, ...] = ()) -> TaskView:
    view = make_view(f"task_{number:032x}", state=State.SUCCEEDED if files else State.RUNNING)
    return dataclasses.replace(view, files=files)


def _images(folder: Path, count: int) -> list[str]:
    """`count` separate real PNG files (each its own thumbnail)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        target = folder / f"result_{i:03d}.png"
        shutil.copyfile(DATA / "image.png", target)
        paths.append(str(target))
    return paths


class _Recorder:
    """Records, on the worker threads, which steps ran on which file, in order."""

    def __init__(self, monkeypatch: Any) -> None:
        self.steps: list[tuple[str, str]] = []
        self.threads: set[int] = set()
        self._lock = threading.Lock()
        look_at, make_from = thumbnail_jobs.look_at, thumbnail_jobs.make_from

        def looking(path: str, cache: Any) -> Any:
            self._note("look", path)
            return look_at(path, cache)

        def making(path: str, looked: Looked, cache: Any) -> Any:
            self._note("make", path)
            return make_from(path, looked, cache)

        monkeypatch.setattr(thumbnail_jobs, "look_at", looking)
        monkeypatch.setattr(thumbnail_jobs, "make_from", making)

    def _note(self, what: str, path: str) -> None:
        with self._lock:
            self.steps.append((what, Path(path).name))
            self.threads.add(threading.get_ident())

    def made(self) -> list[str]:
        with self._lock:
            return [name for what, name in self.steps if what == "make"]


@pytest.fixture
def table(qtbot: Any) -> Any:
    view = QTableView()
    qtbot.addWidget(view)
    model = TaskTableModel()
    view.setModel(model)
    view.verticalHeader().setDefaultSectionSize(32)
    view.resize(600, 32 * 8 + 4)  # about eight rows on screen
    return view, model


def test_the_rows_on_screen_are_made_first_top_to_bottom_and_rows_far_below_never(
    table: Any, qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    view, model = table
    recorder = _Recorder(monkeypatch)
    files = _images(tmp_path / "results", 60)
    model.apply([_task(i, (path,)) for i, path in enumerate(files)])
    thumbnails = Thumbnails(tmp_path / "data", threads=1)  # one worker: the plan's order
    try:
        delegate = ThumbnailDelegate(thumbnails, VIEW_ROLE, view, Column.THUMBNAIL)
        view.setItemDelegateForColumn(Column.THUMBNAIL, delegate)
        view.show()
        qtbot.waitExposed(view)
        on_screen = delegate.visible_files().now
        assert 6 <= len(on_screen) <= 10
        assert on_screen == files[: len(on_screen)]  # the source lists them top to bottom
        qtbot.waitUntil(lambda: all(thumbnails.known(p) for p in on_screen), timeout=20_000)
        qtbot.waitUntil(lambda: thumbnails.pending() == 0, timeout=20_000)  # the next page too
        made = recorder.made()
        names = [Path(p).name for p in files]
        assert made[: len(on_screen)] == names[: len(on_screen)]
        # Then the next page, and nothing further down: 60 rows, about 16 made.
        assert made[len(on_screen) :] == names[len(on_screen) : len(made)]
        assert len(made) <= 2 * len(on_screen) + 1
        assert recorder.threads and threading.get_ident() not in recorder.threads
    finally:
        thumbnails.shutdown()


def test_every_file_on_screen_is_looked_at_before_any_is_decoded(
    table: Any, qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """A cached thumbnail or a video low on the screen does not wait behind decodes above it."""
    view, model = table
    recorder = _Recorder(monkeypatch)
    files = _images(tmp_path / "results", 5)
    files += copy_data(tmp_path / "results", "video.mp4")  # the last row: a video
    model.apply([_task(i, (path,)) for i, path in enumerate(files)])
    thumbnails = Thumbnails(tmp_path / "data", threads=1)
    try:
        view.setItemDelegateForColumn(
            Column.THUMBNAIL, ThumbnailDelegate(thumbnails, VIEW_ROLE, view, Column.THUMBNAIL)
        )
        view.show()
        qtbot.waitUntil(lambda: all(thumbnails.known(p) for p in files), timeout=30_000)
        steps = recorder.steps
        first_make = next(i for i, (what, _) in enumerate(steps) if what == "make")
        looked_first = [name for what, name in steps[:first_make] if what == "look"]
        assert looked_first == [Path(p).name for p in files]  # the video's included
    finally:
        thumbnails.shutdown()


def test_a_plan_drops_what_scrolled_away_and_keeps_tiers_in_order() -> None:
    plan = WorkPlan(workers=2)
    assert plan.workers_to_start() == 0  # nothing to do: no worker
    plan.replace([["a", "b"], ["asked"], ["next"]])
    assert plan.workers_to_start() == 2
    first, second = plan.take(), plan.take()
    assert first is not None and second is not None
    assert [(first.what, first.path), (second.what, second.path)] == [(LOOK, "a"), (LOOK, "b")]
    plan.looked("a", Looked("key-a", MediaKind.IMAGE))
    step = plan.take()  # "b" is still being looked at: "a" is made before a later tier
    assert step is not None and (step.what, step.path) == (MAKE, "a")
    plan.replace([["x"], ["next"]])  # scrolled: "b" and "asked" are no longer wanted
    plan.looked("b", Looked("key-b", MediaKind.IMAGE))
    plan.finished("a")
    step = plan.take()
    assert step is not None and (step.what, step.path) == (LOOK, "x")
    assert plan.paths() == {"x", "next"}  # "b" dropped when its look came back


def test_thumbnails_arriving_together_cause_one_announcement_and_one_repaint(
    table: Any, qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    view, model = table
    files = _images(tmp_path / "results", 6)
    model.apply([_task(i, (path,)) for i, path in enumerate(files)])
    emitted: list[str] = []
    lock = threading.Lock()
    with_fitted = thumbnail_jobs.with_fitted

    def counting(outcome: Any, sizes: Any) -> Any:  # runs on a worker right before the emit
        with lock:
            emitted.append(outcome.path)
        return with_fitted(outcome, sizes)

    monkeypatch.setattr(thumbnail_jobs, "with_fitted", counting)
    thumbnails = Thumbnails(tmp_path / "data")
    try:
        delegate = ThumbnailDelegate(thumbnails, VIEW_ROLE, view, Column.THUMBNAIL)
        view.setItemDelegateForColumn(Column.THUMBNAIL, delegate)
        view.show()
        qtbot.waitExposed(view)
        batches: list[frozenset[str]] = []
        thumbnails.arrived.connect(batches.append)
        for path in files:
            thumbnails.get(path)
        qtbot.wait(1)  # the plan is made on the next turn of the loop; the workers start
        # The GUI thread busy elsewhere while all six are made: they arrive together.
        deadline = time.monotonic() + 20
        while len(emitted) < len(files) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)  # the last emit reaches the queue
        repaints_before = delegate.repaints
        qtbot.waitUntil(lambda: len(batches) > 0, timeout=5_000)
        assert batches == [frozenset(files)]
        assert delegate.repaints - repaints_before == 1  # one update of those cells
    finally:
        thumbnails.shutdown()


def test_painting_converts_nothing_for_the_sizes_views_registered(
    qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    scaled_on: list[int] = []
    real_fit = thumbnail_jobs.fit_for_painting

    def fit(image: Any, box: QSize) -> Any:
        scaled_on.append(threading.get_ident())
        return real_fit(image, box)

    monkeypatch.setattr(thumbnail_jobs, "fit_for_painting", fit)
    monkeypatch.setattr(thumbnails_module, "fit_for_painting", fit)
    (path,) = copy_data(tmp_path / "results", "image.jpg")
    thumbnails = Thumbnails(tmp_path / "data")
    try:
        thumbnails.add_size(QSize(40, 28))
        thumbnails.get(path)
        qtbot.waitUntil(lambda: thumbnails.known(path), timeout=20_000)
        pixmap = thumbnails.pixmap(path, QSize(40, 28))
        assert pixmap is not None and pixmap.width() == 37 and pixmap.height() == 28
        assert scaled_on and threading.get_ident() not in scaled_on  # scaled by the worker
        assert thumbnails.pixmap(path, QSize(80, 60)) is not None  # a new size: here, once
        assert scaled_on.count(threading.get_ident()) == 1
    finally:
        thumbnails.shutdown()


def test_a_result_that_lands_gets_its_thumbnail_without_its_row_being_shown(
    qtbot: Any, tmp_path: Path
) -> None:
    model = TaskTableModel()
    thumbnails = Thumbnails(tmp_path / "data")
    try:
        watch = watch_landings(model, thumbnails, VIEW_ROLE)
        model.apply([_task(1)])  # running: no file yet
        assert thumbnails.pending() == 0
        (path,) = copy_data(tmp_path / "results", "image.jpg")
        model.apply([_task(1, (path,))])  # its download completed
        assert watch.landed == 1
        qtbot.waitUntil(lambda: thumbnails.known(path), timeout=20_000)
        stored = list((tmp_path / "data" / "thumbnails").iterdir())
        assert [p.suffix for p in stored] == [".jpg"]  # kept on disk: a restart shows it
        thumbnail = thumbnails.get(path)
        assert thumbnail is not None and thumbnail.image is not None
        assert thumbnail.image.size() == QSize(256, 192)
        assert thumbnails.decodes == 1  # no view exists: nothing asked for it
    finally:
        thumbnails.shutdown()


def test_rows_that_arrive_with_their_files_wait_until_they_are_shown(
    qtbot: Any, tmp_path: Path
) -> None:
    model = TaskTableModel()
    thumbnails = Thumbnails(tmp_path / "data")
    try:
        watch = watch_landings(model, thumbnails, VIEW_ROLE)
        files = _images(tmp_path / "results", 3)
        model.apply([_task(i, (path,)) for i, path in enumerate(files)])  # a restart's replay
        model.apply([_task(0, (files[0],))])  # the same files again: nothing landed
        assert watch.landed == 0 and thumbnails.pending() == 0
    finally:
        thumbnails.shutdown()


def test_a_view_that_reports_its_screen_gets_it_before_files_asked_elsewhere(
    qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    recorder = _Recorder(monkeypatch)
    files = _images(tmp_path / "results", 4)
    thumbnails = Thumbnails(tmp_path / "data", threads=1)
    try:
        thumbnails.get(files[0])  # a tooltip, a test: asked, not on any screen
        thumbnails.add_source(lambda: Visible([files[2], files[3]], [files[1]]))
        qtbot.waitUntil(lambda: thumbnails.pending() == 0, timeout=20_000)
        names = [Path(p).name for p in files]
        assert recorder.made() == [names[2], names[3], names[0], names[1]]
    finally:
        thumbnails.shutdown()
