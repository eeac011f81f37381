"""The lenient field readers every provider module builds on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from taskmon.domain.snapshot import MediaKind
from taskmon.providers.fields import (
    MAX_OUTPUTS,
    ItemList,
    LenientModel,
    Url,
    from_iso,
    from_unix_ms,
    from_unix_s,
    kind_from_label,
    kind_from_url,
    path_segment,
    scalar_extras,
    to_number,
    to_percent,
    to_token,
    to_url,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3.0), (1.5, 1.5), ("42", 42.0), (" 1.25 ", 1.25), ("1e3", 1000.0)],
)
def test_numbers_and_numeric_strings_are_read(value: Any, expected: float) -> None:
    assert to_number(value) == expected


@pytest.mark.parametrize(
    "junk", [True, False, None, "", "abc", "nan", "inf", float("nan"), 10**400, [1], {"a": 1}]
)
def test_bools_non_finite_and_junk_are_not_numbers(junk: Any) -> None:
    assert to_number(junk) is None


def test_unix_seconds_are_aware_utc() -> None:
    assert from_unix_s(1760000000) == datetime(2025, 10, 9, 8, 53, 20, tzinfo=UTC)


def test_unix_seconds_may_arrive_as_strings() -> None:
    assert from_unix_s("1760000000") == from_unix_s(1760000000)


def test_unix_milliseconds_are_aware_utc() -> None:
    assert from_unix_ms(1704067212500) == datetime(2024, 1, 1, 0, 0, 12, 500000, tzinfo=UTC)


@pytest.mark.parametrize("junk", [0, -1, 1e20, 10**30, "later", None, True, float("inf")])
def test_out_of_range_or_junk_epochs_are_none(junk: Any) -> None:
    assert from_unix_s(junk) is None
    assert from_unix_ms(junk) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-12T10:30:00", datetime(2025, 11, 12, 10, 30, tzinfo=UTC)),
        ("2025-11-12T10:30:00Z", datetime(2025, 11, 12, 10, 30, tzinfo=UTC)),
        ("2025-11-12T12:30:00+02:00", datetime(2025, 11, 12, 10, 30, tzinfo=UTC)),
        ("2025-11-12T10:30:00.250", datetime(2025, 11, 12, 10, 30, 0, 250000, tzinfo=UTC)),
    ],
)
def test_iso_times_with_or_without_zone_are_aware_utc(text: str, expected: datetime) -> None:
    parsed = from_iso(text)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "junk", ["", "soon", "2025-02-30T00:00:00", "9999-12-31T23:00:00-05:00", 1760000000, "2" * 100]
)
def test_unreadable_or_out_of_range_iso_times_are_none(junk: Any) -> None:
    assert from_iso(junk) is None


def test_progress_is_clamped_to_0_100() -> None:
    assert (to_percent(-5), to_percent("55.5"), to_percent(250)) == (0.0, 55.5, 100.0)


def test_codes_are_strings_whether_sent_as_strings_or_integers() -> None:
    assert (to_token(80006), to_token("CONTENT_VIOLATION"), to_token(True)) == (
        "80006",
        "CONTENT_VIOLATION",
        None,
    )


def test_urls_are_kept_exactly_as_given() -> None:
    assert to_url("javascript:alert(1)") == "javascript:alert(1)"  # the downloader vets schemes


@pytest.mark.parametrize("junk", [None, "", "   ", 5, ["https://x"], "https://x/" + "a" * 20_000])
def test_empty_non_string_or_absurdly_long_urls_are_dropped(junk: Any) -> None:
    assert to_url(junk) is None


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://cdn.example.com/a/b.PNG", MediaKind.IMAGE),
        ("https://cdn.example.com/a.jpg?sig=abc.mp4", MediaKind.IMAGE),
        ("https://cdn.example.com/v.mp4#t=2", MediaKind.VIDEO),
        ("https://cdn.example.com/voice.mp3", MediaKind.AUDIO),
        ("https://cdn.example.com/file", MediaKind.OTHER),
        ("https://cdn.example.com/.mp4", MediaKind.OTHER),
        ("https://cdn.example.com/archive.zip", MediaKind.OTHER),
        ("http://[::1/x.png", MediaKind.OTHER),
    ],
)
def test_kind_is_guessed_from_the_path_extension(url: str, kind: MediaKind) -> None:
    assert kind_from_url(url) is kind


def test_provider_labels_name_a_kind_case_insensitively() -> None:
    assert (kind_from_label(" Video "), kind_from_label("gif"), kind_from_label(None)) == (
        MediaKind.VIDEO,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("segment", "encoded"),
    [("../x?y", "..%2Fx%3Fy"), ("..", "%2E%2E"), (".", "%2E"), ("a b", "a%20b")],
)
def test_path_segments_are_percent_encoded(segment: str, encoded: str) -> None:
    assert path_segment(segment) == encoded


class _Files(LenientModel):
    urls: ItemList[Url] = None


def test_item_lists_are_capped_first_then_invalid_items_dropped() -> None:
    urls = [None, 3, *(f"https://x/{i}" for i in range(MAX_OUTPUTS * 2))]
    parsed = _Files.model_validate({"urls": urls}).urls
    assert parsed is not None
    assert len(parsed) == MAX_OUTPUTS - 2
    assert parsed[0] == "https://x/0"


def test_a_lone_item_counts_as_a_one_item_list() -> None:
    assert _Files.model_validate({"urls": "https://x/a"}).urls == ["https://x/a"]


def test_a_missing_list_stays_distinguishable_from_an_empty_one() -> None:
    assert (_Files.model_validate({}).urls, _Files.model_validate({"urls": []}).urls) == (None, [])


def test_extras_keep_only_bounded_scalars() -> None:
    fields = {"w": 1024, "ok": True, "r": 1.5, "s": "y" * 1000, "n": None, "l": [1], "big": 10**40}
    extras = scalar_extras(fields)
    assert set(extras) == {"w", "ok", "r", "s"}
    assert len(extras["s"]) <= 200


def test_extras_are_capped_in_number() -> None:
    assert len(scalar_extras({f"k{i}": i for i in range(1000)})) == 20
