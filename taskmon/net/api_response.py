"""One API call's answer: its body read within a bound, and what its headers ask for.

Nothing here sends: http_api.py makes the call, outcomes.py judges the answer.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Final

import httpx

from taskmon.net.redaction import KeyRedactor

MAX_RESPONSE_BYTES: Final = 4 * 1024 * 1024


def retry_after_s(headers: Mapping[str, str], now_epoch_s: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), or None."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when - (time.time() if now_epoch_s is None else now_epoch_s))


class ResponseTooLarge(Exception):
    """An API answer over MAX_RESPONSE_BYTES; refused unread."""


@dataclass(frozen=True, slots=True)
class ApiResponse:
    """One API call's answer: status, headers and the (size-capped, key-redacted) body."""

    status: int
    headers: httpx.Headers
    body: bytes
    # The key's redactor when the call carried one: what is parsed from the body
    # is cleaned again (see net/redaction.py).
    redactor: KeyRedactor | None = None


async def read_bounded(response: httpx.Response) -> bytes:
    """The whole (decoded) body, refused past MAX_RESPONSE_BYTES."""
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise ResponseTooLarge(f"response of {declared} bytes refused")
    chunks: list[bytes] = []
    size = 0
    # Where nothing is to be decoded, the transport's bytes as they come: httpx's
    # decoding and re-chunking layers cost a tenth of a call's CPU.
    encoded = "content-encoding" in response.headers
    stream = response.stream
    assert isinstance(stream, httpx.AsyncByteStream)
    async for chunk in response.aiter_bytes() if encoded else stream:
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise ResponseTooLarge(f"response over {MAX_RESPONSE_BYTES} bytes refused")
        chunks.append(chunk)
    return b"".join(chunks)
