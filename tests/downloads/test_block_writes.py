"""Bodies written in blocks off the event loop: nothing lost, nothing extra.

Downloads go through both HTTP stacks the app uses: the engine's download
client (httpx over aiohttp, what `watch --save-dir` uses) and the downloader's
own httpx client. The simulator's media origin counts the body bytes it sends,
so a resume is checked by what actually crossed the wire.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from taskmon.downloads.downloader import Downloader, NetworkError, TooLarge
from taskmon.downloads.part_writer import BLOCK_BYTES
from taskmon.net.http_api import ApiClients
from taskmon.sim import Simulator, TaskScript

MiB = 1024 * 1024
# Streamed by the simulator (over 16 MiB), several blocks, past one write-back step
# (32 MiB), and not a multiple of a block: the last block is a short one.
LARGE = 36 * MiB + 12_345


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(seed=3)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture(params=["engine", "own"])
async def downloader(request: pytest.FixtureRequest) -> AsyncIterator[Downloader]:
    """The downloader over the engine's client (aiohttp) or over its own (httpx's transport)."""
    if request.param == "own":
        async with Downloader() as own:
            yield own
        return
    clients = ApiClients()
    try:
        async with Downloader(await clients.download_client()) as engine:
            yield engine
    finally:
        await clients.aclose()


def _result(sim: Simulator, size: int, cut_after: int | None = None) -> str:
    task = sim.add_task(
        TaskScript("vidgo", "video", run_s=0, media_bytes=size, media_cut_after=cut_after)
    )
    (url,) = sim.result_urls(task.task_id)
    return url


async def test_a_large_body_is_saved_byte_exact(
    sim: Simulator, downloader: Downloader, tmp_path: Path
) -> None:
    url = _result(sim, LARGE)
    expected = sim.expected_media(url)
    seen: list[int] = []

    done = await downloader.fetch(url, tmp_path, on_progress=lambda got, _total: seen.append(got))

    assert done.size == LARGE == done.path.stat().st_size
    assert done.path.read_bytes() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == [done.path.name]  # no .part left
    assert sim.media_bytes_sent == LARGE
    assert seen[0] == 0 and seen[-1] == LARGE and seen == sorted(seen)


async def test_a_cut_download_keeps_every_received_byte_and_resumes_with_the_rest_only(
    sim: Simulator, downloader: Downloader, tmp_path: Path
) -> None:
    cut = LARGE // 2 + 777  # inside a block: the block being filled must reach the .part
    assert cut % BLOCK_BYTES
    url = _result(sim, LARGE, cut_after=cut)
    expected = sim.expected_media(url)

    with pytest.raises(NetworkError):
        await downloader.fetch(url, tmp_path)

    part = next(tmp_path.glob("*.part"))
    assert part.read_bytes() == expected[:cut]
    assert not [p for p in tmp_path.iterdir() if not p.name.endswith((".part", ".part.meta"))]
    sent_before = sim.media_bytes_sent

    done = await downloader.fetch(url, tmp_path)

    assert sim.media_bytes_sent - sent_before == LARGE - cut  # only the missing part
    assert done.path.read_bytes() == expected
    assert not part.exists()


async def test_a_part_a_killed_process_left_at_any_length_is_resumed_from_there(
    sim: Simulator, tmp_path: Path
) -> None:
    url = _result(sim, LARGE, cut_after=LARGE - 5 * MiB)
    expected = sim.expected_media(url)
    async with Downloader() as first:
        with pytest.raises(NetworkError):
            await first.fetch(url, tmp_path)
    # A kill -9 in the middle of a block's write leaves a prefix of any length.
    part = next(tmp_path.glob("*.part"))
    kept = 9 * MiB + 4099
    os.truncate(part, kept)
    sent_before = sim.media_bytes_sent

    async with Downloader() as restarted:
        done = await restarted.fetch(url, tmp_path)

    assert sim.media_bytes_sent - sent_before == LARGE - kept
    last_headers = {k.lower(): v for k, v in sim.media_requests[-1][1].items()}
    assert last_headers["range"] == f"bytes={kept}-"
    assert done.path.read_bytes() == expected


async def test_an_announced_size_over_the_cap_is_refused_before_any_block_is_written(
    sim: Simulator, downloader: Downloader, tmp_path: Path
) -> None:
    downloader.max_bytes = 8 * MiB
    url = _result(sim, LARGE)

    with pytest.raises(TooLarge) as caught:
        await downloader.fetch(url, tmp_path)

    assert caught.value.declared == LARGE
    assert list(tmp_path.iterdir()) == []


class _Endless:
    """An origin streaming a body without a length, as long as the client reads."""

    def __init__(self) -> None:
        self.sent = 0
        self.block = os.urandom(MiB)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        await response.prepare(request)  # no Content-Length: chunked, size unknown
        try:
            while self.sent < 5 * 1024**3:
                await response.write(self.block)
                self.sent += len(self.block)
        except ConnectionError:
            pass  # the client hung up: what it should do at its cap
        return response


async def test_an_unannounced_body_is_cut_at_the_cap_and_its_part_removed(
    downloader: Downloader, tmp_path: Path
) -> None:
    endless = _Endless()
    app = web.Application()
    app.router.add_get("/clip.mp4", endless.handle)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        downloader.max_bytes = 3 * BLOCK_BYTES + 5

        with pytest.raises(TooLarge):
            await downloader.fetch(f"http://{host}:{port}/clip.mp4", tmp_path)
    finally:
        await runner.cleanup()

    assert list(tmp_path.iterdir()) == []
    # The client stopped reading at the cap: the server never got far past it.
    assert endless.sent < downloader.max_bytes + 64 * MiB


async def test_a_cancelled_download_keeps_what_it_received_and_places_no_file(
    sim: Simulator, downloader: Downloader, tmp_path: Path
) -> None:
    url = _result(sim, LARGE)
    expected = sim.expected_media(url)
    received_at_cancel: list[int] = []

    def cancel_inside_the_third_block(got: int, _total: int | None) -> None:
        # Half a block received since the last hand-over: it must reach the .part too.
        if got > 2 * BLOCK_BYTES + BLOCK_BYTES // 2 and not received_at_cancel:
            received_at_cancel.append(got)
            fetching.cancel()  # lands at the next await, before another chunk is taken

    fetching = asyncio.create_task(
        downloader.fetch(url, tmp_path, on_progress=cancel_inside_the_third_block)
    )
    with pytest.raises(asyncio.CancelledError):
        await fetching

    part = next(tmp_path.glob("*.part"))
    assert part.read_bytes() == expected[: received_at_cancel[0]]
    assert not [p for p in tmp_path.iterdir() if not p.name.endswith((".part", ".part.meta"))]

    done = await downloader.fetch(url, tmp_path)
    assert done.path.read_bytes() == expected
