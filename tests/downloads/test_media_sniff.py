"""What a result file holds, by its bytes, and whether it may be handed to a viewer."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from taskmon.domain import MediaKind
from taskmon.downloads import open_refusal, sniff_media_kind

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("image.png", MediaKind.IMAGE),
        ("image.jpg", MediaKind.IMAGE),
        ("image.webp", MediaKind.IMAGE),
        ("video.mp4", MediaKind.VIDEO),
        ("audio.wav", MediaKind.AUDIO),
        ("truncated.png", MediaKind.IMAGE),  # a PNG header: media, though it won't decode
        ("result.desktop", None),
    ],
)
def test_the_kind_comes_from_the_bytes(name: str, kind: MediaKind | None) -> None:
    assert sniff_media_kind(DATA / name) is kind


def test_a_script_renamed_to_png_is_not_media(tmp_path: Path) -> None:
    fake = tmp_path / "cat.png"
    shutil.copy(DATA / "result.desktop", fake)
    assert sniff_media_kind(fake) is None
    refusal = open_refusal(fake)
    assert refusal is not None and "cat.png" in refusal and "not an image" in refusal


def test_an_svg_is_not_media_it_can_carry_scripts(tmp_path: Path) -> None:
    svg = tmp_path / "x.svg"
    svg.write_text('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>')
    assert sniff_media_kind(svg) is None


def test_media_files_may_be_opened() -> None:
    for name in ("image.png", "image.jpg", "image.webp", "video.mp4", "audio.wav"):
        assert open_refusal(DATA / name) is None


def test_the_script_posing_as_a_desktop_file_is_refused_by_name() -> None:
    refusal = open_refusal(DATA / "result.desktop")
    assert refusal is not None and "result.desktop" in refusal


def test_media_bytes_under_an_executable_name_are_refused(tmp_path: Path) -> None:
    # Windows and xdg-open choose the program by name: PNG bytes named .bat would run.
    for name in ("x.bat", "x.desktop", "x.exe", "x"):
        target = tmp_path / name
        shutil.copy(DATA / "image.png", target)
        refusal = open_refusal(target)
        assert refusal is not None and "extension" in refusal


@pytest.mark.skipif(os.name != "posix", reason="symlinks need privileges on Windows")
def test_a_link_is_refused_and_not_followed(tmp_path: Path) -> None:
    link = tmp_path / "link.png"
    link.symlink_to(DATA / "image.png")
    assert sniff_media_kind(link) is None
    refusal = open_refusal(link)
    assert refusal is not None and "link" in refusal


def test_a_missing_file_or_a_folder_is_refused(tmp_path: Path) -> None:
    assert sniff_media_kind(tmp_path / "gone.png") is None
    assert "not on disk" in (open_refusal(tmp_path / "gone.png") or "")
    folder = tmp_path / "d.png"
    folder.mkdir()
    assert sniff_media_kind(folder) is None
    assert "not a plain file" in (open_refusal(folder) or "")
