"""Server text made safe for a terminal or a table cell."""

from __future__ import annotations

import pytest

from taskmon.domain import printable
from taskmon.providers import clip
from taskmon.providers.fields import to_url


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain words, 100 % ok", "plain words, 100 % ok"),
        ("\x1b]0;owned\x07", "\\x1b]0;owned\\x07"),
        ("a\rb\nc\td", "a\\rb\\nc\\td"),
        ("left\u202eright", "left\\u202eright"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("ünïcödé 画像", "ünïcödé 画像"),
    ],
)
def test_control_and_format_characters_are_made_visible(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_a_clipped_message_folds_whitespace_and_shows_escapes() -> None:
    assert clip("Content\x1b[2J violates\n  policy") == "Content\\x1b[2J violates policy"


def test_a_url_keeps_working_and_prints_safely() -> None:
    assert to_url("https://cdn.example/ok.png") == "https://cdn.example/ok.png"
    assert to_url("https://cdn.example/a b\x1b.png") == "https://cdn.example/a%20b%1B.png"
