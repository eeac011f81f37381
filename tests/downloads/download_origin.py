"""A loopback origin for the download hardening tests: a CDN with bad habits, over aiohttp."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Resource:
    """One file on the origin and how the origin misbehaves when serving it."""

    data: bytes
    etag: str | None = '"v1"'
    last_modified: str | None = None
    # False: a CDN that answers any Range with 206 from its current file, ignoring If-Range.
    honours_if_range: bool = True
    cut_after: int | None = None  # send this many bytes, then drop the connection
    cuts_left: int = 0
    # Trickle: the body goes out in pieces of `piece_bytes`, `piece_delay_s` apart.
    piece_bytes: int | None = None
    piece_delay_s: float = 0.0
    # Set: the body waits for it (headers are sent first).
    release: asyncio.Event | None = None


@dataclass
class Origin:
    base: str = ""
    files: dict[str, Resource] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def url(self, name: str) -> str:
        return f"{self.base}/files/{name}"

    def headers_for(self, name: str) -> list[dict[str, str]]:
        return [h for p, h in self.requests if p == f"/files/{name}"]


async def _serve(origin: Origin, request: web.Request) -> web.StreamResponse:
    origin.requests.append((request.path, dict(request.headers)))
    resource = origin.files[request.match_info["name"]]
    data, status, start = resource.data, 200, 0
    untrusted_range = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    current = resource.etag or resource.last_modified
    if untrusted_range and (
        not resource.honours_if_range or if_range is None or if_range == current
    ):
        start = int(untrusted_range.removeprefix("bytes=").rstrip("-"))
        if start >= len(data):
            return web.Response(status=416, headers={"Content-Range": f"bytes */{len(data)}"})
        status = 206
    body = data[start:]
    headers = {"Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
    if resource.etag:
        headers["ETag"] = resource.etag
    if resource.last_modified:
        headers["Last-Modified"] = resource.last_modified
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
    response = web.StreamResponse(status=status, headers=headers)
    response.content_length = len(body)
    await response.prepare(request)
    if resource.release is not None:
        await resource.release.wait()
    if resource.cut_after is not None and resource.cuts_left > 0:
        resource.cuts_left -= 1
        await response.write(body[: resource.cut_after])
        await asyncio.sleep(0.05)  # let the bytes leave before the cut
        assert request.transport is not None
        request.transport.close()
        return response
    step = resource.piece_bytes or len(body) or 1
    for at in range(0, len(body), step):
        await response.write(body[at : at + step])
        if resource.piece_delay_s:
            await asyncio.sleep(resource.piece_delay_s)
    await response.write_eof()
    return response


def _app(origin: Origin) -> web.Application:
    async def files(request: web.Request) -> web.StreamResponse:
        origin.in_flight += 1
        origin.max_in_flight = max(origin.max_in_flight, origin.in_flight)
        try:
            return await _serve(origin, request)
        finally:
            origin.in_flight -= 1

    app = web.Application()
    app.router.add_get("/files/{name}", files)
    return app


async def start(origin: Origin) -> web.AppRunner:
    runner = web.AppRunner(_app(origin), handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    origin.base = f"http://{host}:{port}"
    return runner
