"""Quick look on real files: images fit and zoom, video and audio play, bad files say why."""

from __future__ import annotations

import dataclasses
import os
import resource
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import QApplication, QWidget
from result_files import DATA, huge_png, result_view

from taskmon.domain.task import TaskView
from taskmon.ui.quicklook.window import QuickLook

TIMEOUT_MS = 10_000


@pytest.fixture
def quicklook(qtbot: Any) -> Iterator[QuickLook]:
    host = QWidget()  # the window it opens over (kept alive here: it owns the quick look)
    host.resize(1000, 700)
    qtbot.addWidget(host)
    ql = QuickLook(host)
    yield ql
    ql.close()


def shown_image(ql: QuickLook, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: ql.stage.currentWidget() is ql.canvas, timeout=TIMEOUT_MS)


def colour_at(widget: QWidget, x: float, y: float) -> QColor:
    return widget.grab().toImage().pixelColor(int(x), int(y))


def near(colour: QColor, hex_rgb: str, tolerance: int = 40) -> bool:
    want = QColor(hex_rgb)
    return all(
        abs(a - b) <= tolerance
        for a, b in zip(
            (colour.red(), colour.green(), colour.blue()),
            (want.red(), want.green(), want.blue()),
            strict=True,
        )
    )


# --- images ---------------------------------------------------------------------------


def test_an_image_is_shown_fitted_to_the_window(
    quicklook: QuickLook, qtbot: Any, tmp_path: Path
) -> None:
    quicklook.show_task(result_view("image.png", folder=tmp_path))
    shown_image(quicklook, qtbot)
    canvas = quicklook.canvas
    assert canvas.is_fitted()
    fit = min(canvas.width() / 320, canvas.height() / 240)
    assert canvas.scale() == pytest.approx(fit)
    rect = canvas.target_rect()
    assert rect.width() == pytest.approx(320 * fit) and rect.height() == pytest.approx(240 * fit)
    # The pixels are the file's: the white disc in the middle, the magenta edge at the left.
    assert near(colour_at(canvas, rect.center().x(), rect.center().y()), "#ffffff")
    assert near(colour_at(canvas, rect.left() + 3, rect.top() + 3), "#ff00ff", 60)
    assert "320 × 240" in quicklook.subtitle.text()


def test_keys_zoom_to_1_to_1_and_back_to_fit(
    quicklook: QuickLook, qtbot: Any, tmp_path: Path
) -> None:
    quicklook.show_task(result_view("image.png", folder=tmp_path))
    shown_image(quicklook, qtbot)
    canvas = quicklook.canvas
    fit = canvas.scale()
    assert fit != pytest.approx(1.0)  # the window is larger than 320 × 240
    qtbot.keyClick(quicklook, Qt.Key.Key_1)
    assert canvas.scale() == pytest.approx(1.0) and not canvas.is_fitted()
    assert canvas.target_rect().width() == pytest.approx(320)
    assert quicklook.zoom_label.text() == "100 %"
    qtbot.keyClick(quicklook, Qt.Key.Key_Plus)
    assert canvas.scale() == pytest.approx(1.25)
    qtbot.keyClick(quicklook, Qt.Key.Key_Minus)
    qtbot.keyClick(quicklook, Qt.Key.Key_Minus)
    assert canvas.scale() == pytest.approx(0.8)
    qtbot.keyClick(quicklook, Qt.Key.Key_0)
    assert canvas.is_fitted() and canvas.scale() == pytest.approx(fit)


def test_the_wheel_zooms_around_the_cursor(
    quicklook: QuickLook, qtbot: Any, tmp_path: Path
) -> None:
    quicklook.show_task(result_view("image.png", folder=tmp_path))
    shown_image(quicklook, qtbot)
    canvas = quicklook.canvas
    before = canvas.scale()
    at = QPointF(canvas.width() / 2, canvas.height() / 2)
    wheel = QWheelEvent(
        at,
        canvas.mapToGlobal(at),
        QPoint(0, 0),
        QPoint(0, 240),  # two notches up
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas, wheel)
    assert canvas.scale() == pytest.approx(before * 1.25**2)


def test_left_and_right_move_between_the_outputs(
    quicklook: QuickLook, qtbot: Any, tmp_path: Path
) -> None:
    view = result_view("image.png", "image.jpg", "image.webp", folder=tmp_path)
    quicklook.show_task(view)
    shown_image(quicklook, qtbot)
    assert quicklook.current_slot().number == 1  # type: ignore[union-attr]
    qtbot.keyClick(quicklook, Qt.Key.Key_Left)  # already the first: stays
    assert quicklook.current_slot().number == 1  # type: ignore[union-attr]
    qtbot.keyClick(quicklook, Qt.Key.Key_Right)
    slot = quicklook.current_slot()
    assert slot is not None and slot.number == 2 and slot.path == view.files[1]
    assert "output 2 of 3" in quicklook.subtitle.text()
    canvas = quicklook.canvas
    # The JPEG: green with a yellow rectangle in the middle.
    qtbot.waitUntil(
        lambda: near(
            colour_at(canvas, canvas.target_rect().left() + 4, canvas.target_rect().center().y()),
            "#20c040",
        ),
        timeout=TIMEOUT_MS,
    )
    qtbot.keyClick(quicklook, Qt.Key.Key_Right)
    qtbot.waitUntil(
        lambda: near(
            colour_at(canvas, canvas.target_rect().left() + 4, canvas.target_rect().top() + 4),
            "#ff8000",
        ),
        timeout=TIMEOUT_MS,
    )
    qtbot.keyClick(quicklook, Qt.Key.Key_Right)  # the last: stays
    assert quicklook.current_slot().number == 3  # type: ignore[union-attr]


def test_up_and_down_ask_for_the_neighbouring_task(
    quicklook: QuickLook, qtbot: Any, tmp_path: Path
) -> None:
    first = result_view("image.png", folder=tmp_path, task_id="task_first000000000000000000000001")
    second = result_view("image.jpg", folder=tmp_path, task_id="task_second00000000000000000000002")
    order = [first, second]

    def neighbour(view: TaskView, step: int) -> TaskView | None:
        i = [v.key for v in order].index(view.key) + step
        return order[i] if 0 <= i < len(order) else None

    shown: list[str] = []
    quicklook.taskShown.connect(lambda v: shown.append(v.key))
    quicklook.set_neighbour(neighbour)
    quicklook.show_task(first)
    qtbot.keyClick(quicklook, Qt.Key.Key_Down)
    assert quicklook.current_view() is second and shown == [second.key]
    qtbot.keyClick(quicklook, Qt.Key.Key_PageDown)  # no task after the last
    assert quicklook.current_view() is second
    qtbot.keyClick(quicklook, Qt.Key.Key_Up)
    assert quicklook.current_view() is first
    shown_image(quicklook, qtbot)


def test_space_and_escape_close_it(quicklook: QuickLook, qtbot: Any, tmp_path: Path) -> None:
    for key in (Qt.Key.Key_Space, Qt.Key.Key_Escape):
        quicklook.show_task(result_view("image.png", folder=tmp_path))
        assert quicklook.isVisible()
        qtbot.keyClick(quicklook, key)
        assert not quicklook.isVisible()


# --- video and audio --------------------------------------------------------------------


def test_a_video_plays_to_a_frame_and_its_controls_change_the_player(
    quicklook: QuickLook, qtbot: Any, tmp_path: Path
) -> None:
    quicklook.show_task(result_view("video.mp4", folder=tmp_path))
    media = quicklook.media
    qtbot.waitUntil(lambda: not media.view.frame.isNull(), timeout=TIMEOUT_MS)
    frame = media.view.frame
    assert (frame.width(), frame.height()) == (320, 240)
    # The test pattern has many colours: a real decoded picture, not a blank.
    colours = {frame.pixel(x, y) for x in range(0, 320, 20) for y in range(0, 240, 20)}
    assert len(colours) > 8
    assert media.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
    assert media.player.duration() == 2000

    qtbot.keyClick(quicklook, Qt.Key.Key_K)
    assert media.player.playbackState() == QMediaPlayer.PlaybackState.PausedState
    assert media.play_button.text() == "Play"
    media.player.setPosition(0)
    qtbot.waitUntil(lambda: media.player.position() == 0, timeout=TIMEOUT_MS)
    qtbot.keyClick(quicklook, Qt.Key.Key_L)
    qtbot.waitUntil(lambda: media.player.position() == 1000, timeout=TIMEOUT_MS)
    assert media.slider.value() == 1000
    qtbot.keyClick(quicklook, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: media.player.position() == 0, timeout=TIMEOUT_MS)

    qtbot.keyClick(quicklook, Qt.Key.Key_M)
    assert media.audio.isMuted() and media.mute_button.isChecked()
    qtbot.mouseClick(media.mute_button, Qt.MouseButton.LeftButton)
    assert not media.audio.isMuted()
    qtbot.mouseClick(media.loop_button, Qt.MouseButton.LeftButton)
    assert media.player.loops() == QMediaPlayer.Loops.Infinite
    qtbot.mouseClick(media.loop_button, Qt.MouseButton.LeftButton)
    assert media.player.loops() == QMediaPlayer.Loops.Once
    qtbot.mouseClick(media.play_button, Qt.MouseButton.LeftButton)
    assert media.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState


def test_audio_plays_to_its_end(quicklook: QuickLook, qtbot: Any, tmp_path: Path) -> None:
    quicklook.show_task(result_view("audio.wav", folder=tmp_path))
    media = quicklook.media
    qtbot.waitUntil(lambda: quicklook.stage.currentWidget() is media, timeout=TIMEOUT_MS)
    assert "audio.wav" in media.view.caption
    qtbot.waitUntil(
        lambda: media.player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia,
        timeout=TIMEOUT_MS,
    )
    assert media.player.duration() == 1000
    assert quicklook.shown_text() == ""  # no complaint


def test_closing_stops_the_player_and_lets_the_file_go(
    quicklook: QuickLook, qtbot: Any, tmp_path: Path
) -> None:
    quicklook.show_task(result_view("video.mp4", folder=tmp_path))
    media = quicklook.media
    qtbot.waitUntil(lambda: not media.view.frame.isNull(), timeout=TIMEOUT_MS)
    quicklook.close()
    assert media.player.playbackState() == QMediaPlayer.PlaybackState.StoppedState
    assert media.player.source().isEmpty()


# --- what cannot be previewed -------------------------------------------------------------


def says(ql: QuickLook, qtbot: Any, words: str) -> str:
    qtbot.waitUntil(lambda: words in ql.shown_text(), timeout=TIMEOUT_MS)
    return ql.shown_text()


def test_a_truncated_png_says_it_cannot_be_previewed(
    quicklook: QuickLook, qtbot: Any, tmp_path: Path
) -> None:
    quicklook.show_task(result_view("truncated.png", folder=tmp_path))
    assert says(quicklook, qtbot, "can't preview").startswith(
        "can't preview: the image does not decode"
    )


def test_a_script_is_never_previewed(quicklook: QuickLook, qtbot: Any, tmp_path: Path) -> None:
    quicklook.show_task(result_view("result.desktop", folder=tmp_path))
    text = says(quicklook, qtbot, "can't preview")
    assert "not an image, video or audio" in text
    assert quicklook.media.player.source().isEmpty()  # never handed to the player either


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_place_of_a_result_neither_blocks_nor_previews(
    quicklook: QuickLook, qtbot: Any, tmp_path: Path
) -> None:
    fifo = tmp_path / "planted.png"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    view = dataclasses.replace(result_view("image.png", folder=tmp_path), files=(str(fifo),))
    quicklook.show_task(view)
    assert "not a regular file" in says(quicklook, qtbot, "can't preview")


def test_a_video_that_does_not_decode_says_so(
    quicklook: QuickLook, qtbot: Any, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes((DATA / "video.mp4").read_bytes()[:600])  # the header, no movie box
    view = result_view("video.mp4", folder=tmp_path)
    view = dataclasses.replace(view, files=(str(cut),))
    quicklook.show_task(view)
    says(quicklook, qtbot, "can't preview")
    assert quicklook.media.player.playbackState() == QMediaPlayer.PlaybackState.StoppedState


def test_a_30000_pixel_square_png_is_refused_without_allocating_it(
    quicklook: QuickLook, qtbot: Any, tmp_path: Path
) -> None:
    big = huge_png(tmp_path / "huge.png")
    view = dataclasses.replace(result_view("image.png", folder=tmp_path), files=(str(big),))
    peak_before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    quicklook.show_task(view)
    text = says(quicklook, qtbot, "can't preview")
    assert "too large" in text and "30,000 × 30,000" in text
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before_kib) / 1024
    assert grown_mib < 200  # 3.4 GiB had it been decoded


def test_results_not_saved_say_why(quicklook: QuickLook, qtbot: Any, tmp_path: Path) -> None:
    base = result_view("image.png", folder=tmp_path)
    downloading = dataclasses.replace(base, files=(), downloads_pending=True)
    quicklook.show_task(downloading)
    assert quicklook.shown_text() == "still downloading"
    failed = dataclasses.replace(
        base, files=(), download_failed=True, problem="the link answered 403 Forbidden"
    )
    quicklook.refresh(failed)
    assert quicklook.shown_text() == "not saved: the link answered 403 Forbidden"
    if "download_waiting" in {f.name for f in dataclasses.fields(base)}:  # with keep-results
        waiting = dataclasses.replace(
            base,
            files=(),
            downloads_pending=True,
            download_waiting=True,  # type: ignore[call-arg]
            problem="the link answered 503",
        )
        quicklook.refresh(waiting)
        assert quicklook.shown_text() == "not saved yet: the link answered 503 (trying again)"
    quicklook.refresh(base)  # the retry landed
    shown_image(quicklook, qtbot)


def test_still_downloading_says_how_far_and_follows_it(
    quicklook: QuickLook, qtbot: Any, tmp_path: Path
) -> None:
    base = result_view("image.png", folder=tmp_path)
    downloading = dataclasses.replace(base, files=(), downloads_pending=True)
    fraction: list[float | None] = [0.42]
    asked: list[str] = []

    def progress(view: TaskView) -> float | None:
        asked.append(view.key)
        return fraction[0]

    quicklook.set_progress(progress)
    quicklook.show_task(downloading)
    assert quicklook.shown_text() == "still downloading (42 %)"
    fraction[0] = 0.999
    qtbot.waitUntil(lambda: quicklook.shown_text() == "still downloading (99 %)", timeout=5000)
    fraction[0] = None  # a size not known (yet)
    qtbot.waitUntil(lambda: quicklook.shown_text() == "still downloading", timeout=5000)
    quicklook.refresh(base)  # it landed: the picture, and no more asking
    shown_image(quicklook, qtbot)
    count = len(asked)
    qtbot.wait(1200)
    assert len(asked) == count and set(asked) == {base.key}


def test_the_last_frame_link_is_shown_where_the_provider_gave_one(
    quicklook: QuickLook, qtbot: Any, tmp_path: Path
) -> None:
    view = result_view("video.mp4", folder=tmp_path)
    frame_url = "https://cdn.example.com/task/last_frame.png"
    output = dataclasses.replace(view.outputs[0], last_frame_url=frame_url)
    quicklook.show_task(dataclasses.replace(view, outputs=(output,)))
    assert quicklook.last_frame.isVisibleTo(quicklook)
    assert frame_url in quicklook.last_frame.text()


def test_a_task_without_outputs_says_it_has_none_yet(
    quicklook: QuickLook, qtbot: Any, tmp_path: Path
) -> None:
    ran: list[str | None] = []
    open_button = quicklook.add_command(
        "Open", lambda s: ran.append(s.path), lambda s: bool(s.path)
    )
    view = result_view("image.png", folder=tmp_path)
    running = dataclasses.replace(view, state=view.state.RUNNING, outputs=(), files=())
    quicklook.show_task(running)
    assert quicklook.shown_text() == "no results yet: the task is running"
    assert not open_button.isEnabled()
    quicklook.refresh(view)  # it finished and its file was saved
    assert open_button.isEnabled()
    qtbot.mouseClick(open_button, Qt.MouseButton.LeftButton)
    assert ran == [view.files[0]]
    assert not open_button.hasFocus()  # Space still belongs to the quick look
