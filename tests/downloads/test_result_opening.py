"""Whether a result file may be handed to the default application: its bytes and its name."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from taskmon.downloads import open_refusal

DATA = Path(__file__).resolve().parents[1] / "data"


def test_media_files_may_be_opened() -> None:
    for name in ("image.png", "image.jpg", "image.webp", "video.mp4", "audio.wav"):
        assert open_refusal(DATA / name) is None


def test_the_script_posing_as_a_desktop_file_is_refused_by_name() -> None:
    refusal = open_refusal(DATA / "result.desktop")
    assert refusal is not None and refusal.startswith("result.desktop is not an image")


def test_a_script_renamed_to_png_is_refused_for_its_content(tmp_path: Path) -> None:
    fake = tmp_path / "cat.png"
    shutil.copy(DATA / "result.desktop", fake)
    refusal = open_refusal(fake)
    assert refusal is not None and "cat.png" in refusal and "not an image" in refusal


def test_an_svg_is_refused_it_can_carry_scripts(tmp_path: Path) -> None:
    svg = tmp_path / "x.svg"
    svg.write_text('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>')
    refusal = open_refusal(svg)
    assert refusal is not None and "SVG" in refusal


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
    refusal = open_refusal(link)
    assert refusal is not None and "link" in refusal


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "x.png"
    os.mkfifo(fifo)
    assert "not a plain file" in (open_refusal(fifo) or "")


def test_a_missing_file_or_a_folder_is_refused(tmp_path: Path) -> None:
    assert "not on disk" in (open_refusal(tmp_path / "gone.png") or "")
    folder = tmp_path / "d.png"
    folder.mkdir()
    assert "not a plain file" in (open_refusal(folder) or "")
