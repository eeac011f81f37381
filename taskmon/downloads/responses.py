"""What a download response may be trusted for: its URL, its range, whether it resumes a part."""

from __future__ import annotations

import httpx

from taskmon.downloads.errors import UnsafeUrl
from taskmon.downloads.part_files import PartMeta


def ensure_safe_url(untrusted_url: str) -> httpx.URL:
    """Parse a link we are asked to fetch; raise UnsafeUrl unless it is absolute http(s)."""
    try:
        url = httpx.URL(untrusted_url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise UnsafeUrl(f"not a valid link ({exc})") from None
    if url.scheme not in ("http", "https"):
        what = f"a {url.scheme}: link" if url.scheme else "a relative link"
        raise UnsafeUrl(f"only http(s) links can be downloaded, not {what}")
    if not url.host:
        raise UnsafeUrl("the link has no host")
    if url.userinfo:  # httpx would turn it into an Authorization header
        raise UnsafeUrl("the link carries a user name or password")
    return url


def content_range(value: str | None) -> tuple[int | None, int | None]:
    """(first byte, total) from `bytes 10-99/100` or `bytes */100`; None where unknown."""
    if not value or not value.startswith("bytes "):
        return None, None
    span, _, total = value[6:].partition("/")
    first = span.split("-", 1)[0]
    return (
        int(first) if first.isdigit() else None,
        int(total) if total.isdigit() else None,
    )


def is_encoded(response: httpx.Response) -> bool:
    encoding: str = response.headers.get("content-encoding", "identity")
    return encoding.lower() != "identity"


def continues(meta: PartMeta, response: httpx.Response, offset: int) -> bool:
    """Whether a 206 is the rest of the file whose first `offset` bytes the `.part` holds.

    Its start must be `offset`, its total the one recorded in the sidecar, and its
    validator the recorded one: the strong ETag, else (no strong ETag) Last-Modified.
    """
    untrusted_first, untrusted_total = content_range(response.headers.get("content-range"))
    if untrusted_first != offset:
        return False
    if offset == 0:
        return True  # nothing to continue: this is the whole file, as a 200 would be
    if meta.total is None or untrusted_total != meta.total:
        return False
    if is_encoded(response):
        return False  # ranges count stored bytes; an encoded body cannot continue them
    untrusted_etag: str | None = response.headers.get("etag")
    untrusted_date: str | None = response.headers.get("last-modified")
    if meta.strong_etag is not None:
        return untrusted_etag == meta.strong_etag
    return meta.last_modified is not None and untrusted_date == meta.last_modified
