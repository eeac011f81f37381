"""A bound on what one server-sent event may hold, checked as the bytes arrive.

httpx-sse gathers a line, and an event's lines, in memory until they end: a
server that never ends one (a 300 MB line raised the process to 504 MB) would
take all of it. The stream's bytes pass through this bound first, so a line
or an event over the cap drops the stream before it is gathered.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Final

import httpx

MAX_EVENT_LINE_BYTES: Final = 1024 * 1024  # far above any real task update (a few KB)
MAX_EVENT_BYTES: Final = 1024 * 1024


class EventTooLarge(httpx.DecodingError):
    """An event-stream line or event over its cap: the stream is dropped, polling goes on."""


class BoundedEventStream(httpx.AsyncByteStream):
    """The body of an event stream, refused past a line or an event of the given size."""

    def __init__(
        self,
        untrusted_stream: httpx.AsyncByteStream,
        request: httpx.Request,
        *,
        max_line_bytes: int = MAX_EVENT_LINE_BYTES,
        max_event_bytes: int = MAX_EVENT_BYTES,
    ) -> None:
        self._stream = untrusted_stream
        self._request = request
        self._max_line = max_line_bytes
        self._max_event = max_event_bytes

    async def __aiter__(self) -> AsyncIterator[bytes]:
        line = event = 0  # bytes since the last line end, and since the last blank line
        split_crlf = False  # the chunk before ended on CR: an LF first finishes that line end
        async for chunk in self._stream:
            for match in _LINE.finditer(chunk):
                text, end = match.group(1), match.group(2)
                if not text and not end:
                    continue  # the empty match finditer gives at the chunk's end
                if split_crlf and not text and end == b"\n":
                    split_crlf = False
                    continue
                line += len(text)
                event += len(text)
                if line > self._max_line:
                    raise EventTooLarge(
                        f"an event-stream line over {self._max_line // 1024} KiB; stream dropped",
                        request=self._request,
                    )
                if event > self._max_event:
                    raise EventTooLarge(
                        f"an event over {self._max_event // 1024} KiB; stream dropped",
                        request=self._request,
                    )
                if end:
                    if line == 0:
                        event = 0  # a blank line ends the event
                    line = 0
                split_crlf = end == b"\r" and match.end() == len(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self._stream.aclose()


# A line's text and its end (CRLF, CR or LF; none when the chunk cuts the line).
_LINE: Final = re.compile(rb"([^\r\n]*)(\r\n|\r|\n)?")
