"""When result links stop working: stated by a signed link, else estimated from the end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from taskmon.downloads.link_expiry import (
    DEFAULT_LINK_TTL_S,
    expiry_from_link,
    links_expire_at,
)

END = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_an_expires_epoch_in_the_link_is_the_expiry() -> None:
    assert expiry_from_link("https://cdn.example/a.png?expires=1772370000&signature=x") == (
        datetime.fromtimestamp(1772370000, UTC)
    )


def test_s3_and_gcs_signatures_give_date_plus_lifetime() -> None:
    s3 = "https://b.s3.amazonaws.com/a.png?X-Amz-Date=20260301T120000Z&X-Amz-Expires=3600"
    gcs = "https://storage.googleapis.com/a.png?X-Goog-Date=20260301T120000Z&X-Goog-Expires=60"
    assert expiry_from_link(s3) == END + timedelta(hours=1)
    assert expiry_from_link(gcs) == END + timedelta(seconds=60)


def test_an_azure_sas_end_time_is_the_expiry() -> None:
    assert expiry_from_link("https://x.blob.core.windows.net/a?se=2026-03-01T12:00:00Z") == END


def test_a_plain_or_odd_link_states_nothing() -> None:
    for url in (
        "https://cdn.example/a.png",
        "https://cdn.example/a.png?expires=soon",
        "https://cdn.example/a.png?Expires=3600",  # a lifetime without a date
        "https://cdn.example/a.png?X-Amz-Date=garbage&X-Amz-Expires=60",
        "https://cdn.example/a.png?expires=" + "9" * 40,
        "http://[::1/broken",
    ):
        assert expiry_from_link(url) is None, url


def test_without_a_stated_expiry_the_providers_lifetime_counts_from_the_end() -> None:
    assert links_expire_at(["https://a/x.png"], END, 3600.0) == END + timedelta(hours=1)
    assert links_expire_at(["https://a/x.png"], END, None) == END + timedelta(
        seconds=DEFAULT_LINK_TTL_S
    )
    assert links_expire_at(["https://a/x.png"], None, 3600.0) is None


def test_the_first_link_to_expire_decides() -> None:
    urls = ["https://a/x?expires=1772370000", "https://a/y?expires=1772360000"]
    assert links_expire_at(urls, END, None) == datetime.fromtimestamp(1772360000, UTC)
