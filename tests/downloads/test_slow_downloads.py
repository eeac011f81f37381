"""Issue #10, problem 7: a slow server cannot hold the download slots for ever.

Each download must keep a minimum rate over a window, finish within a deadline
scaled to its declared size, and one host only gets some of the slots. The
windows are constructor parameters so these tests take a second, not minutes.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from download_origin import Origin, Resource

from taskmon.downloads.downloader import Downloader, NetworkError, TookTooLong, TooSlow


async def test_a_trickling_server_fails_the_download_as_too_slow(
    origin: Origin, tmp_path: Path
) -> None:
    # One byte every 0.3 s: under 100 bytes/s over any 1 s window.
    origin.files["a.bin"] = Resource(b"x" * 1000, piece_bytes=1, piece_delay_s=0.3)

    started = time.monotonic()
    async with Downloader(min_rate_bytes_per_s=100, rate_window_s=1.0) as d:
        with pytest.raises(TooSlow) as caught:
            await asyncio.wait_for(d.fetch(origin.url("a.bin"), tmp_path), 10)

    assert time.monotonic() - started < 3
    assert isinstance(caught.value, NetworkError)  # retried by the caller, resumed then
    message = str(caught.value)
    assert message.startswith("the server sent too little data (")
    assert "in 1 s); will retry" in message
    assert (tmp_path / "a.bin.part").exists()  # what did arrive is kept for the resume


async def test_a_steady_download_above_the_minimum_rate_is_not_cut(
    origin: Origin, tmp_path: Path
) -> None:
    data = b"y" * 4000
    origin.files["a.bin"] = Resource(data, piece_bytes=200, piece_delay_s=0.1)  # 2000 B/s

    async with Downloader(min_rate_bytes_per_s=500, rate_window_s=0.5) as d:
        result = await d.fetch(origin.url("a.bin"), tmp_path)

    assert result.path.read_bytes() == data


async def test_the_deadline_scales_with_the_declared_size(origin: Origin, tmp_path: Path) -> None:
    # 2000 B/s is fast enough for the rate window but 10 kB then takes 5 s, over the
    # deadline of 0.5 s + 10 kB / 10 kB/s = 1.5 s; 1 kB at that pace (0.5 s) fits.
    origin.files["big.bin"] = Resource(b"b" * 10_000, piece_bytes=200, piece_delay_s=0.1)
    origin.files["small.bin"] = Resource(b"s" * 1000, piece_bytes=200, piece_delay_s=0.1)
    settings = {
        "min_rate_bytes_per_s": 10,
        "rate_window_s": 1.0,
        "deadline_base_s": 0.5,
        "deadline_floor_bytes_per_s": 10_000,
    }

    async with Downloader(**settings) as d:  # type: ignore[arg-type]
        small = await d.fetch(origin.url("small.bin"), tmp_path)
        started = time.monotonic()
        with pytest.raises(TookTooLong) as caught:
            await asyncio.wait_for(d.fetch(origin.url("big.bin"), tmp_path), 10)

    assert small.size == 1000
    assert 1.2 < time.monotonic() - started < 3
    assert isinstance(caught.value, NetworkError)
    assert "took too long" in str(caught.value)


async def test_a_slow_host_cannot_hold_every_download_slot(
    origin: Origin, other_origin: Origin, tmp_path: Path
) -> None:
    held = asyncio.Event()
    for i in range(4):
        origin.files[f"slow{i}.bin"] = Resource(b"s" * 100, release=held)
    other_origin.files["fast.bin"] = Resource(b"fast")

    async with Downloader(max_downloads=4, max_downloads_per_host=2) as d:
        slow = [
            asyncio.create_task(d.fetch(origin.url(f"slow{i}.bin"), tmp_path / "slow"))
            for i in range(4)
        ]
        await asyncio.sleep(0.3)  # the slow host now holds all it may
        fast = await asyncio.wait_for(d.fetch(other_origin.url("fast.bin"), tmp_path), 2)
        assert origin.max_in_flight == 2
        held.set()
        done = await asyncio.gather(*slow)

    assert fast.path.read_bytes() == b"fast"
    assert [r.size for r in done] == [100] * 4
    assert origin.max_in_flight == 2
