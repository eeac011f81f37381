"""Bodies through the engine's download client (httpx over aiohttp): as received, never joined."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from taskmon.net.http_api import DOWNLOAD_READ_BUFFER_BYTES, ApiClients

MiB = 1024 * 1024
BODY = random.Random(7).randbytes(8 * MiB + 4321)
# A chunked body of many small HTTP chunks, each sent as its own write.
PIECES = [random.Random(8).randbytes(n) for n in random.Random(9).choices(range(1, 5000), k=2000)]


async def _whole(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Length": str(len(BODY))})
    await response.prepare(request)
    for start in range(0, len(BODY), MiB):
        await response.write(BODY[start : start + MiB])
    return response


async def _pieces(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    response.enable_chunked_encoding()
    await response.prepare(request)
    for piece in PIECES:
        await response.write(piece)
    return response


@pytest.fixture
async def origin() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/whole", _whole)
    app.router.add_get("/pieces", _pieces)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def _chunks(url: str, *, wait_s: float = 0.0) -> list[bytes]:
    clients = ApiClients()
    try:
        client = await clients.download_client()
        async with client.stream("GET", url) as response:
            assert response.status_code == 200
            # A reader slower than the network: aiohttp buffers up to twice its read
            # buffer meanwhile, which `iter_any` handed over joined into one bytes.
            await asyncio.sleep(wait_s)
            return [chunk async for chunk in response.aiter_raw()]
    finally:
        await clients.aclose()


async def test_a_body_comes_out_byte_exact_one_socket_read_per_chunk(origin: str) -> None:
    chunks = await _chunks(f"{origin}/whole", wait_s=0.3)

    assert b"".join(chunks) == BODY
    # Never more than one read brings: what was buffered is not joined (a copy).
    assert max(len(c) for c in chunks) <= DOWNLOAD_READ_BUFFER_BYTES
    assert all(chunks)


async def test_a_chunked_body_of_many_small_chunks_comes_out_byte_exact(origin: str) -> None:
    chunks = await _chunks(f"{origin}/pieces")

    assert b"".join(chunks) == b"".join(PIECES)
    assert all(chunks)  # the ends of HTTP chunks are not handed over as empty bytes
