"""An event stream cannot make taskmon gather an endless line or event in memory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web
from engine_doubles import StaticKeys
from loopback import serving

from taskmon.domain import State, TaskRef
from taskmon.net.event_stream import BoundedEventStream, EventTooLarge
from taskmon.tracking import Engine, EngineConfig

REQUEST = httpx.Request("GET", "http://127.0.0.1/v1/tasks/stream/t")


class Chunks(httpx.AsyncByteStream):
    def __init__(self, *chunks: bytes) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


async def _read(stream: BoundedEventStream) -> bytes:
    return b"".join([chunk async for chunk in stream])


async def test_a_line_over_the_cap_is_refused_before_it_ends() -> None:
    stream = BoundedEventStream(
        Chunks(b"data: " + b"x" * 60, b"x" * 60), REQUEST, max_line_bytes=100
    )
    with pytest.raises(EventTooLarge, match="line over"):
        await _read(stream)


async def test_an_event_of_many_lines_over_the_cap_is_refused() -> None:
    lines = b"".join(b"data: " + b"y" * 20 + b"\n" for _ in range(10))
    stream = BoundedEventStream(Chunks(lines), REQUEST, max_event_bytes=150)
    with pytest.raises(EventTooLarge, match="event over"):
        await _read(stream)


async def test_events_under_the_caps_pass_unchanged_whatever_their_line_ends() -> None:
    body = [b"data: a\r", b"\n\r\ndata: ", b"b\r\rdata: c\n", b"\n: keep-alive\n\n"] * 50
    stream = BoundedEventStream(Chunks(*body), REQUEST, max_line_bytes=20, max_event_bytes=40)
    assert await _read(stream) == b"".join(body)


@pytest.fixture
async def giant_line_server() -> AsyncIterator[tuple[str, list[str]]]:
    """BytesPike: the stream sends one endless line; the status query says completed."""
    calls: list[str] = []

    async def query(_request: web.Request) -> web.Response:
        calls.append("query")
        body = {"task_id": "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9", "status": "completed", "output": []}
        return web.json_response(body)

    async def stream(request: web.Request) -> web.StreamResponse:
        calls.append("stream")
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b"data: ")
        try:
            for _ in range(64):  # 64 MiB on one line, unless the reader stops first
                await response.write(b"z" * (1024 * 1024))
                calls.append("MiB sent")
        except (ConnectionError, RuntimeError):
            pass  # the reader hung up
        return response

    app = web.Application()
    app.router.add_post("/v1/tasks/query", query)
    app.router.add_get("/v1/tasks/stream/{id}", stream)
    async with serving(app) as base:
        yield base, calls


async def test_a_giant_stream_line_drops_the_stream_and_polling_goes_on(
    giant_line_server: tuple[str, list[str]],
) -> None:
    base, calls = giant_line_server
    config = EngineConfig(base_url_overrides={"bytespike": base})
    engine = Engine(StaticKeys({"bytespike": "sk-1"}), config, env={})
    ref = TaskRef("bytespike", "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9")
    try:
        engine.track(ref)
        await asyncio.wait_for(engine.wait_idle([ref.key]), 20)
        view = engine.task(ref.key)
    finally:
        await engine.aclose()
    assert view is not None and view.state is State.SUCCEEDED
    assert "stream" in calls and "query" in calls
    # The line was refused at its cap: the reader hung up long before 64 MiB came.
    assert calls.count("MiB sent") < 16
