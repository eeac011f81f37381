"""The media origin: result files on a second port, like a provider's CDN.

`GET /media/<token>/<name>`: the token alone identifies the file, so a
hostile name ("../../x", "", "CON") is only decoration a client must not
trust. Supports HEAD, Range (one range) and If-Range, answers 403 once a
signed URL has expired and can cut the first download of a file short.
Bodies are streamed in blocks (see `files.MediaFile.pieces`), and the bytes
sent are counted (`MediaLibrary.bytes_sent`) so a test can tell how much a
resume fetched.
"""

from __future__ import annotations

import hmac
import math
import re

from aiohttp import web

from taskmon.sim.media.files import MediaFile, MediaLibrary, sign

LIBRARY_KEY: web.AppKey[MediaLibrary] = web.AppKey("taskmon_sim_media", MediaLibrary)
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _signature_ok(request: web.Request, media: MediaFile, secret: bytes) -> bool:
    try:
        expires = int(request.query.get("expires", ""))
    except ValueError:
        return False
    expected = sign(secret, media.token, expires)
    return expires == math.ceil(media.expires_at_epoch or 0) and hmac.compare_digest(
        expected, request.query.get("signature", "")
    )


def _parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """(start, end inclusive); None = ignore the header; "unsatisfiable" = 416."""
    match = _RANGE.match(header.strip())
    if not match:
        return None  # multi-range or junk: a full 200 is a valid answer
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix range: the last N bytes
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return "unsatisfiable"
    return start, end


def _if_range_matches(value: str, media: MediaFile) -> bool:
    value = value.strip()
    if value.startswith(('"', "W/")):
        return value == media.etag  # strong comparison: a weak tag never matches
    return value == media.last_modified


async def handle_media(request: web.Request) -> web.StreamResponse:
    library = request.app[LIBRARY_KEY]
    library.requests.append((request.raw_path, dict(request.headers)))
    media = library.files.get(request.match_info["token"])
    now = library.clock()
    if media is None or not media.available or now < media.ready_at_epoch:
        return web.Response(status=404, text="Not Found")
    if media.expires_at_epoch is not None and (
        now >= media.expires_at_epoch or not _signature_ok(request, media, library.secret)
    ):
        # What an object store says for an expired pre-signed URL.
        denied = "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
        return web.Response(status=403, text=denied, content_type="application/xml")
    size = media.length
    headers = {
        "ETag": media.etag,
        "Last-Modified": media.last_modified,
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=3600",
    }
    status, start, end = 200, 0, size - 1
    range_header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if range_header and (if_range is None or _if_range_matches(if_range, media)):
        parsed = _parse_range(range_header, size)
        if parsed == "unsatisfiable":
            headers["Content-Range"] = f"bytes */{size}"
            return web.Response(status=416, headers=headers)
        if isinstance(parsed, tuple):
            status, (start, end) = 206, parsed
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    cut = request.method == "GET" and media.cut_after is not None and media.gets == 0
    if request.method == "GET":
        media.gets += 1
    # Streamed block by block: a 1 GiB file is never held whole, here or in aiohttp.
    response = web.StreamResponse(status=status, headers=headers)
    response.content_type = media.content_type
    response.content_length = end + 1 - start  # announced in full, even when cut
    await response.prepare(request)
    if request.method != "GET":
        return response
    # A cut sends only the first `cut_after` bytes, then drops the connection.
    left = min(media.cut_after or 0, end + 1 - start) if cut else end + 1 - start
    for piece in media.pieces(start, start + left):
        await response.write(piece)
        library.bytes_sent += len(piece)
    if cut:
        if request.transport is not None:
            request.transport.close()
        return response
    await response.write_eof()
    return response


def build_media_app(library: MediaLibrary) -> web.Application:
    app = web.Application()
    app[LIBRARY_KEY] = library
    app.router.add_get("/media/{token}/{name:.*}", handle_media)
    return app
