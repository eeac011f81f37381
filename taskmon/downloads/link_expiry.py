"""When a result link stops working: what the link itself says, else an estimate.

Signed links often carry their expiry in the query: `Expires=<epoch>`
(CloudFront, GCS v2, many CDNs), `X-Amz-Date` + `X-Amz-Expires` (S3 SigV4),
`X-Goog-Date` + `X-Goog-Expires` (GCS v4), `se=<ISO time>` (Azure SAS). Without
such a parameter, the provider's documented lifetime (or a default) counted
from the task's end is the estimate. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import parse_qsl, urlsplit

DEFAULT_LINK_TTL_S: Final = 24 * 3600.0  # what most providers keep results for
_MAX_URL_CHARS: Final = 16_384
_MAX_QUERY_FIELDS: Final = 64
_MAX_SIGNED_S: Final = 366 * 24 * 3600  # a longer "lifetime" is not an expiry worth showing


def expiry_from_link(untrusted_url: str) -> datetime | None:
    """The expiry a signed link states in its query, or None."""
    if len(untrusted_url) > _MAX_URL_CHARS:
        return None
    try:
        query = parse_qsl(
            urlsplit(untrusted_url).query, keep_blank_values=True, max_num_fields=_MAX_QUERY_FIELDS
        )
    except ValueError:
        return None
    params = {key.lower(): value for key, value in query}
    for prefix in ("x-amz-", "x-goog-"):
        signed_at = _compact_time(params.get(f"{prefix}date"))
        lifetime = _seconds(params.get(f"{prefix}expires"))
        if signed_at is not None and lifetime is not None:
            return signed_at + timedelta(seconds=lifetime)
    epoch = _seconds(params.get("expires"))
    if epoch is not None and epoch > _MAX_SIGNED_S:  # an epoch, not a lifetime
        try:
            return datetime.fromtimestamp(epoch, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return _iso_time(params.get("se"))


def links_expire_at(
    urls: Iterable[str], finished_at: datetime | None, ttl_s: float | None
) -> datetime | None:
    """When the first of these links stops working: stated by a link, else estimated.

    The estimate is `finished_at` plus the provider's documented lifetime `ttl_s`
    (DEFAULT_LINK_TTL_S when it documents none); None without a finish time.
    """
    stated = [at for at in map(expiry_from_link, urls) if at is not None]
    if stated:
        return min(stated)
    if finished_at is None:
        return None
    return finished_at + timedelta(seconds=DEFAULT_LINK_TTL_S if ttl_s is None else ttl_s)


def _seconds(value: str | None) -> int | None:
    if value is None or not value.isdigit() or len(value) > 12:
        return None
    return int(value)


def _compact_time(value: str | None) -> datetime | None:
    """`20260301T120000Z`, as SigV4 writes it."""
    if value is None or len(value) != 16:
        return None
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _iso_time(value: str | None) -> datetime | None:
    if value is None or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
