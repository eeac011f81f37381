"""Local names for downloaded results: safe on every OS, deterministic, typed by content."""

from __future__ import annotations

import pytest
from pathvalidate import validate_filename

from taskmon.downloads.filenames import (
    FALLBACK_STEM,
    final_name,
    name_from_url,
    numbered,
    safe_name,
)

PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(64)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://cdn.example/a/b/clip.mp4?sig=abc#frag", "clip.mp4"),
        ("https://cdn.example/r%C3%A9sultat.png", "résultat.png"),
        ("https://cdn.example/x/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "passwd"),
        ("https://cdn.example/a%5Cb.png", "b.png"),
        ("https://cdn.example/..", FALLBACK_STEM),
        ("https://cdn.example/", FALLBACK_STEM),
        ("https://cdn.example/.hidden", "hidden"),
        ("https://cdn.example/CON.png", "CON_.png"),
        ("https://cdn.example/lpt1", "lpt1_"),
    ],
)
def test_name_from_url(url: str, expected: str) -> None:
    assert name_from_url(url) == expected


@pytest.mark.parametrize(
    "untrusted",
    ["../../x", "..", ".", "...", ".hidden", "CON", "con.txt", "COM1.mp4", "NUL", "AUX.",
     "a/b", "a\\b", "a\x00b", "tab\there", " spaced ", "x" * 300 + ".png", "é" * 300,
     "a:b*c?d\"e<f>g|h.png", "", "name.", "trailing. . "],
)  # fmt: skip
def test_safe_name_is_valid_on_every_platform(untrusted: str) -> None:
    name = safe_name(untrusted)
    validate_filename(name, platform="universal")
    assert name and not name.startswith(".")
    assert "/" not in name and "\\" not in name
    assert len(name.encode()) <= 200


def test_long_names_keep_their_extension() -> None:
    assert safe_name("x" * 300 + ".png").endswith("x.png")


def test_the_same_url_always_gives_the_same_name() -> None:
    url = "https://cdn.example/out/%E2%9C%93%20video.mp4?token=1"
    assert name_from_url(url) == name_from_url(url) == "✓ video.mp4"


def test_a_hint_replaces_the_url_name_and_borrows_its_extension() -> None:
    assert name_from_url("https://cdn.example/a.png", "task 42") == "task 42.png"
    assert name_from_url("https://cdn.example/a.png", "task.webp") == "task.webp"
    assert name_from_url("https://cdn.example/a.png", "../../CON") == "CON_.png"


@pytest.mark.parametrize(
    ("base", "content_type", "head", "expected"),
    [
        ("clip.mp4", "image/png", PNG_HEAD, "clip.mp4"),  # a media extension in the URL wins
        ("result", "image/jpeg; charset=binary", b"", "result.jpg"),
        ("result", "application/octet-stream", PNG_HEAD, "result.png"),
        ("result", None, MP4_HEAD, "result.mp4"),
        ("result", None, b"plain words", "result"),
        ("evil.exe", None, PNG_HEAD, "evil.png"),
        ("evil.sh", None, b"#!/bin/sh", "evil.bin"),
        ("report.v2", "video/mp4", b"", "report.v2.mp4"),
        ("page", "text/html", b"<html>", "page"),  # not a media or data type
    ],
)
def test_final_name_takes_the_extension_from_the_content(
    base: str, content_type: str | None, head: bytes, expected: str
) -> None:
    assert final_name(base, content_type, head) == expected


def test_numbered_copies_keep_the_extension() -> None:
    assert numbered("clip.mp4", 1) == "clip.mp4"
    assert numbered("clip.mp4", 2) == "clip (2).mp4"
    assert numbered("result", 3) == "result (3)"
