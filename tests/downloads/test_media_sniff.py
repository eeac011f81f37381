"""What a file really holds, by its first bytes: media kinds, scripts, links and FIFOs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from taskmon.domain import MediaKind
from taskmon.downloads import sniff_file, sniff_media_kind

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("image.png", MediaKind.IMAGE),
        ("image.jpg", MediaKind.IMAGE),
        ("image.webp", MediaKind.IMAGE),
        ("video.mp4", MediaKind.VIDEO),
        ("audio.wav", MediaKind.AUDIO),
        ("audio.ogg", MediaKind.AUDIO),  # puremagic says application/ogg
        ("video.ogv", MediaKind.VIDEO),  # Ogg too, but its first stream is Theora
        ("truncated.png", MediaKind.IMAGE),  # the header is real: decoding says the rest
        ("result.desktop", None),
    ],
)
def test_the_kind_comes_from_the_content(name: str, kind: MediaKind | None) -> None:
    assert sniff_media_kind(DATA / name) is kind


def test_a_name_proves_nothing(tmp_path: Path) -> None:
    script = tmp_path / "sunset.png"
    script.write_bytes((DATA / "result.desktop").read_bytes())
    sniffed = sniff_file(script)
    assert sniffed.kind is None and "not an image, video or audio" in sniffed.reason
    renamed = tmp_path / "notes.txt"
    renamed.write_bytes((DATA / "video.mp4").read_bytes())
    assert sniff_media_kind(renamed) is MediaKind.VIDEO


def test_empty_missing_links_and_fifos_are_not_media(tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    assert sniff_file(empty).reason == "the file is empty"
    assert sniff_file(tmp_path / "gone.png").reason == "the file is gone"
    link = tmp_path / "link.png"
    link.symlink_to(DATA / "image.png")
    assert sniff_media_kind(link) is None  # a link planted where a result was is not followed
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    assert sniff_file(fifo).reason == "it is not a regular file"  # and the read never blocks
    assert sniff_media_kind(tmp_path) is None
