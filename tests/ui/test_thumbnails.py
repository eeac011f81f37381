"""Thumbnails: real files decoded off the GUI thread, checked by their pixels, cached on disk."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from media_files import DATA, copy_data, huge_png
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage

from taskmon.domain import MediaKind
from taskmon.ui.media import (
    Thumbnail,
    Thumbnails,
    image_loading,
    load_scaled_image,
    video_frames,
)
from taskmon.ui.media.waveform import WAVE_COLOUR


@pytest.fixture
def thumbnails(tmp_path: Path, qtbot: Any) -> Any:
    made = Thumbnails(tmp_path / "data")
    yield made
    made.shutdown()


def _made(
    thumbnails: Thumbnails, qtbot: Any, *paths: str, timeout_ms: int = 20_000
) -> list[Thumbnail]:
    for path in paths:
        assert thumbnails.get(path) is None  # not known yet: asked, made in the background
    qtbot.waitUntil(lambda: all(thumbnails.get(p) is not None for p in paths), timeout=timeout_ms)
    return [thumbnails.get(p) for p in paths]  # type: ignore[misc]


def _near(colour: QColor, expected: str, tolerance: int = 40) -> bool:
    want = QColor(expected)
    return all(
        abs(a - b) <= tolerance
        for a, b in zip(
            (colour.red(), colour.green(), colour.blue()),
            (want.red(), want.green(), want.blue()),
            strict=True,
        )
    )


def _centre_and_corner(image: QImage) -> tuple[QColor, QColor]:
    return image.pixelColor(image.width() // 2, image.height() // 2), image.pixelColor(2, 2)


@pytest.mark.parametrize(
    ("name", "centre", "corner"),
    [
        ("image.png", "#ffffff", "#ff00ff"),  # white disc on a magenta-to-blue gradient
        ("image.jpg", "#ffd000", "#20c040"),  # yellow rectangle on green
        ("image.webp", "#004080", "#ff8000"),  # navy disc on orange
    ],
)
def test_image_thumbnails_show_the_pictures_pixels(
    thumbnails: Thumbnails, qtbot: Any, tmp_path: Path, name: str, centre: str, corner: str
) -> None:
    (path,) = copy_data(tmp_path / "results", name)
    (thumbnail,) = _made(thumbnails, qtbot, path)
    assert thumbnail.problem is None and thumbnail.kind is MediaKind.IMAGE
    image = thumbnail.image
    assert image is not None and image.size() == QSize(256, 192)  # 320×240 fitted, aspect kept
    middle, edge = _centre_and_corner(image)
    assert _near(middle, centre), middle.name()
    assert _near(edge, corner), edge.name()


@pytest.mark.parametrize("name", ["video.mp4", "video.ogv"])  # H.264; Theora in Ogg
def test_a_video_thumbnail_is_a_frame_from_the_middle(
    thumbnails: Thumbnails, qtbot: Any, tmp_path: Path, name: str
) -> None:
    (path,) = copy_data(tmp_path / "results", name)
    (thumbnail,) = _made(thumbnails, qtbot, path)
    assert thumbnail.problem is None and thumbnail.kind is MediaKind.VIDEO
    image = thumbnail.image
    assert image is not None and image.size() == QSize(256, 192)
    # ffmpeg's testsrc: colour bars, a gradient and a counter, not one flat colour.
    colours = {image.pixel(x, y) for x in range(0, 256, 8) for y in range(0, 192, 8)}
    assert len(colours) > 20


def test_a_wav_thumbnail_draws_its_waveform(
    thumbnails: Thumbnails, qtbot: Any, tmp_path: Path
) -> None:
    (path,) = copy_data(tmp_path / "results", "audio.wav")
    (thumbnail,) = _made(thumbnails, qtbot, path)
    assert thumbnail.problem is None and thumbnail.kind is MediaKind.AUDIO
    image = thumbnail.image
    assert image is not None
    # A steady 440 Hz tone: the wave fills the band around the middle line at every column.
    x_values = range(4, image.width() - 60, 16)  # the duration's words sit bottom right
    middle = image.height() // 2
    assert all(_near(image.pixelColor(x, middle), WAVE_COLOUR.name(), 10) for x in x_values)
    top = image.pixelColor(image.width() // 2, 1)
    assert not _near(top, WAVE_COLOUR.name(), 10)  # the background above the wave


def test_a_restart_reads_the_disk_cache_and_decodes_nothing(tmp_path: Path, qtbot: Any) -> None:
    paths = copy_data(tmp_path / "results", "image.png", "image.jpg", "video.mp4", "audio.wav")
    paths.append(str(DATA / "truncated.png"))
    first = Thumbnails(tmp_path / "data")
    try:
        made = _made(first, qtbot, *paths)
        assert first.decodes == len(paths) and first.disk_hits == 0
    finally:
        first.shutdown()
    assert len(list((tmp_path / "data" / "thumbnails").iterdir())) == len(paths)

    again = Thumbnails(tmp_path / "data")  # a new window after a restart
    try:
        found = _made(again, qtbot, *paths)
        assert again.decodes == 0 and again.disk_hits == len(paths)
    finally:
        again.shutdown()
    for before, after in zip(made, found, strict=True):
        assert after.problem == before.problem
        if before.image is not None:
            assert after.image is not None and after.image.size() == before.image.size()
            assert _centre_and_corner(after.image) == _centre_and_corner(before.image)


def test_a_changed_file_is_decoded_again(tmp_path: Path, qtbot: Any) -> None:
    (path,) = copy_data(tmp_path / "results", "image.png")
    first = Thumbnails(tmp_path / "data")
    _made(first, qtbot, path)
    first.shutdown()
    Path(path).write_bytes((DATA / "image.jpg").read_bytes())  # same name, new content
    again = Thumbnails(tmp_path / "data")
    try:
        (thumbnail,) = _made(again, qtbot, path)
        assert again.decodes == 1
        assert thumbnail.image is not None
        assert _near(_centre_and_corner(thumbnail.image)[0], "#ffd000")
    finally:
        again.shutdown()


def test_broken_huge_and_hostile_files_say_why_they_are_not_shown(
    thumbnails: Thumbnails, qtbot: Any, tmp_path: Path
) -> None:
    results = tmp_path / "results"
    copy_data(results, "truncated.png", "result.desktop")
    huge = huge_png(results / "huge.png")
    empty = results / "empty.png"
    empty.write_bytes(b"")
    lying = results / "clip.mp4"  # a PNG header, then garbage: sniffs as image
    lying.write_bytes((DATA / "truncated.png").read_bytes()[:40] + b"\x00" * 500)
    paths = [str(results / "truncated.png"), str(results / "result.desktop"), huge]
    paths += [str(empty), str(lying), str(results / "gone.png")]
    found = _made(thumbnails, qtbot, *paths)
    words = [t.problem for t in found]
    assert all(t.image is None for t in found)
    assert words == [
        "can't preview: it is damaged or truncated",
        "can't preview: its content is not an image, video or audio",
        "can't preview: too large (30,000 × 30,000 pixels)",
        "can't preview: the file is empty",
        "can't preview: its header is damaged",
        "can't preview: the file is gone",
    ]


def test_a_script_named_like_media_never_reaches_a_decoder(
    thumbnails: Thumbnails, qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    results = tmp_path / "results"
    (script,) = copy_data(results, "result.desktop")
    disguised = results / "cat.png"
    disguised.write_bytes(Path(script).read_bytes())
    opened: list[str] = []
    real_reader = image_loading.QImageReader

    def counting_reader(path: str) -> Any:
        opened.append(path)
        return real_reader(path)

    monkeypatch.setattr(image_loading, "QImageReader", counting_reader)
    found = _made(thumbnails, qtbot, script, str(disguised))
    assert [t.problem for t in found] == [
        "can't preview: its content is not an image, video or audio"
    ] * 2
    assert opened == [] and thumbnails.decodes == 2  # sniffed, never decoded
    (png,) = copy_data(tmp_path / "other", "image.png")
    assert not load_scaled_image(png, QSize(64, 64)).isNull()
    assert opened == [png]  # the counter does see real decodes


def test_the_scaled_loader_bounds_what_it_decodes(tmp_path: Path) -> None:
    huge = huge_png(tmp_path / "huge.png")
    with pytest.raises(image_loading.CantPreview, match="too large"):
        load_scaled_image(huge, QSize(256, 256))
    image = load_scaled_image(DATA / "image.png", QSize(100, 100))
    assert image.size() == QSize(100, 75)
    small = load_scaled_image(DATA / "image.png", QSize(1000, 1000))
    assert small.size() == QSize(320, 240)  # never scaled up


def test_a_broken_video_says_why_and_the_next_one_still_gets_its_frame(
    thumbnails: Thumbnails, qtbot: Any, tmp_path: Path
) -> None:
    results = tmp_path / "results"
    (good,) = copy_data(results, "video.mp4")
    cut = results / "cut.mp4"  # the header and a little of the pictures: sniffs as video
    cut.write_bytes(Path(good).read_bytes()[:1500])
    garbage = results / "noise.mp4"
    garbage.write_bytes(Path(good).read_bytes()[:32] + bytes(range(256)) * 40)
    # FFmpeg sometimes stalls on a cut stream instead of failing it: the probe's own
    # timeout (per file, one file at a time) ends it, so allow both broken ones theirs.
    wait = 2 * video_frames.TIMEOUT_MS + 20_000
    broken, noise, frame = _made(thumbnails, qtbot, str(cut), str(garbage), good, timeout_ms=wait)
    for thumbnail in (broken, noise):
        assert thumbnail.image is None and thumbnail.kind is MediaKind.VIDEO
        assert thumbnail.problem is not None and thumbnail.problem.startswith("can't preview: ")
    assert frame.problem is None and frame.image is not None and not frame.image.isNull()


def test_audio_that_is_not_wav_shows_a_note_with_its_duration(
    thumbnails: Thumbnails, qtbot: Any, tmp_path: Path
) -> None:
    (path,) = copy_data(tmp_path / "results", "audio.ogg")
    (thumbnail,) = _made(thumbnails, qtbot, path)
    assert thumbnail.problem is None and thumbnail.kind is MediaKind.AUDIO
    image = thumbnail.image
    assert image is not None
    note = [
        (x, y)
        for x in range(image.width() // 3, 2 * image.width() // 3)
        for y in range(image.height() // 4, 3 * image.height() // 4)
        if _near(image.pixelColor(x, y), WAVE_COLOUR.name(), 30)
    ]
    assert len(note) > 100  # the note glyph in the middle
    # "0:02" bottom right, in white, where a player found the length.
    corner = image.copy(image.width() - 70, image.height() - 40, 70, 40)
    white = sum(
        _near(corner.pixelColor(x, y), "#ffffff", 60)
        for x in range(corner.width())
        for y in range(corner.height())
    )
    assert white > 20


def test_no_file_is_read_or_decoded_on_the_gui_thread(
    thumbnails: Thumbnails, qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from taskmon.ui.media import thumbnail_cache, thumbnail_jobs

    threads: list[int] = []

    def on_thread(function: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            threads.append(threading.get_ident())
            return function(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(thumbnail_jobs, "sniff_file", on_thread(thumbnail_jobs.sniff_file))
    monkeypatch.setattr(
        thumbnail_jobs, "load_scaled_image", on_thread(thumbnail_jobs.load_scaled_image)
    )
    monkeypatch.setattr(thumbnail_jobs, "draw_waveform", on_thread(thumbnail_jobs.draw_waveform))
    cache = thumbnail_cache.ThumbnailCache
    monkeypatch.setattr(cache, "key_for", on_thread(cache.key_for))
    monkeypatch.setattr(cache, "load", on_thread(cache.load))
    monkeypatch.setattr(cache, "store", on_thread(cache.store))
    paths = copy_data(tmp_path / "results", "image.png", "audio.wav", "video.mp4")
    _made(thumbnails, qtbot, *paths)
    assert threads and threading.get_ident() not in threads


def test_memory_holds_a_bounded_number_of_pictures_and_the_disk_the_rest(
    tmp_path: Path, qtbot: Any, monkeypatch: Any
) -> None:
    from taskmon.ui.media import thumbnails as module

    monkeypatch.setattr(module, "MEMORY_BYTES", 3 * 256 * 192 * 4)  # three pictures
    paths = copy_data(tmp_path / "results", "image.png", "image.jpg", "image.webp")
    paths += copy_data(tmp_path / "more", "image.png", "image.jpg")
    made = Thumbnails(tmp_path / "data")
    try:
        for path in paths:
            assert made.get(path) is None
        qtbot.waitUntil(lambda: made.pending() == 0, timeout=20_000)
        assert made.decodes == 5
        assert sum(made.known(p) for p in paths) == 3  # the two made first were let go
        dropped = next(p for p in paths if not made.known(p))
        (again,) = _made(made, qtbot, dropped)  # asked again: read back from the disk
        assert again.image is not None and made.decodes == 5 and made.disk_hits == 1
    finally:
        made.shutdown()


def test_the_disk_cache_lets_the_least_recently_used_go_past_its_size(
    tmp_path: Path, qtbot: Any
) -> None:
    from taskmon.ui.media import ThumbnailCache

    paths = copy_data(tmp_path / "results", "image.png", "image.jpg", "image.webp", "audio.wav")
    first = Thumbnails(tmp_path / "data")
    try:
        _made(first, qtbot, *paths)
    finally:
        first.shutdown()
    folder = tmp_path / "data" / "thumbnails"
    stored = sorted(folder.iterdir())
    assert len(stored) == 4
    for age, picture in enumerate(stored):  # used long ago, one day apart
        os.utime(picture, (1_000_000 + age * 86_400,) * 2)
    left = folder / ".0123456789ab.part.png"  # a write a crash interrupted
    left.write_bytes(b"x")
    os.utime(left, (1_000_000,) * 2)
    cache = ThumbnailCache(folder, QSize(256, 256))
    sizes = {p: p.stat().st_size for p in stored}
    budget = sum(sizes.values()) - 1  # one byte too many: prune down to 3/4
    assert cache.prune(budget) >= 2
    kept = sorted(folder.iterdir())
    assert left not in kept and stored[-1] in kept  # the most recently used stays
    assert stored[0] not in kept
    assert sum(p.stat().st_size for p in kept) <= budget * 3 // 4


def test_a_request_arriving_as_the_last_file_ends_is_still_answered(
    qtbot: Any, tmp_path: Path
) -> None:
    """Ending a file queues the probe's next step; a request handled before that step
    starts at once, and the step must then not take the probe for idle (it did: that
    file's player was ignored for good and its thumbnail never came, a CI hang)."""
    results = tmp_path / "results"
    (good,) = copy_data(results, "video.mp4")
    noise = results / "noise.mp4"
    noise.write_bytes(Path(good).read_bytes()[:32] + bytes(range(256)) * 40)
    probe = video_frames.MediaProbe()  # on this thread, so that the order below is exact
    answered: list[tuple[str, bool]] = []
    probe.finished.connect(lambda path, image, _why: answered.append((path, image is not None)))
    box = QSize(64, 48)
    probe._enqueue(video_frames.ProbeRequest(str(noise), box, audio=False))  # starts it
    probe._finish(None, "ended by the test")  # queues the next step...
    probe._enqueue(video_frames.ProbeRequest(good, box, audio=False))  # ...handled before it
    try:
        qtbot.waitUntil(lambda: len(answered) == 2, timeout=video_frames.TIMEOUT_MS + 5000)
        assert answered == [(str(noise), False), (good, True)]
    finally:
        probe._drop_player()
