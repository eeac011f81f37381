"""The media origin: real magic bytes, Range/If-Range, expiry, cut downloads, no credentials."""

from __future__ import annotations

import io
import struct
import wave
import zlib
from urllib.parse import urlsplit

import httpx
import pytest

from taskmon.sim import TaskScript

from .helpers import status


def _finished(sim, clock, script: TaskScript) -> list[str]:
    task = sim.add_task(script)
    clock.now = task.finishes_at_epoch
    return sim.result_urls(task.task_id)


@pytest.mark.parametrize(
    ("provider", "kind", "content_type", "magic"),
    [
        ("xenodia", "image", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("vidgo", "video", "video/mp4", b"\x00\x00\x00\x18ftypmp42"),
        ("reapi", "audio", "audio/wav", b"RIFF"),
    ],
)
async def test_files_have_real_type_magic_and_validators(
    sim, client, clock, provider, kind, content_type, magic
) -> None:
    (url,) = _finished(sim, clock, TaskScript(provider, kind, media_bytes=5000))
    assert urlsplit(url).netloc == urlsplit(sim.media_url).netloc != urlsplit(sim.api_url).netloc
    response = await client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["content-length"] == "5000"
    assert response.headers["etag"].startswith('"') and response.headers["last-modified"]
    assert response.content.startswith(magic) and len(response.content) == 5000
    assert response.content == sim.expected_media(url)


def _png_size_and_pixels(data: bytes) -> tuple[int, int, bytes]:
    width, height = struct.unpack(">II", data[16:24])
    start = data.index(b"IDAT") + 4
    length = int.from_bytes(data[start - 8 : start - 4], "big")
    return width, height, zlib.decompress(data[start : start + length])


@pytest.mark.parametrize(
    ("size", "side"), [(4096, (640, 480)), (70_000, (640, 480)), (140, (8, 8))]
)
async def test_png_is_a_real_picture_and_exactly_sized(sim, client, clock, size, side) -> None:
    (url,) = _finished(sim, clock, TaskScript("apixo", media_bytes=size))
    data = (await client.get(url)).content
    assert len(data) == size and data.endswith(b"IEND\xaeB`\x82")
    width, height, pixels = _png_size_and_pixels(data)
    assert (width, height) == side
    assert len(pixels) == height * (1 + width * 3)
    if side == (640, 480):  # seeded shapes on a background: many colours, not one
        rows = [pixels[y * (1 + width * 3) + 1 : (y + 1) * (1 + width * 3)] for y in range(height)]
        colours = {row[x * 3 : x * 3 + 3] for row in rows[::20] for x in range(0, width, 20)}
        assert len(colours) >= 3


async def test_pictures_differ_from_task_to_task(sim, client, clock) -> None:
    urls = _finished(sim, clock, TaskScript("xenodia", outputs=3, media_bytes=20_000))
    pixels = [_png_size_and_pixels((await client.get(u)).content)[2] for u in urls]
    assert len(set(pixels)) == 3


async def test_video_is_a_real_h264_clip_padded_to_the_size(sim, client, clock) -> None:
    (url,) = _finished(sim, clock, TaskScript("vidgo", "video", media_bytes=100_000))
    data = (await client.get(url)).content
    assert len(data) == 100_000 and data.startswith(b"\x00\x00\x00\x18ftypmp42")
    boxes, offset = [], 0
    while offset < len(data):  # the top-level boxes cover the file exactly
        size = int.from_bytes(data[offset : offset + 4], "big")
        boxes.append(data[offset + 4 : offset + 8])
        offset += size
    assert offset == len(data)
    assert boxes[0] == b"ftyp" and boxes[-1] == b"free" and {b"moov", b"mdat"} <= set(boxes)
    assert b"avc1" in data  # H.264


async def test_audio_is_a_wav_of_notes_exactly_sized(sim, client, clock) -> None:
    (url,) = _finished(sim, clock, TaskScript("reapi", "audio", media_bytes=16_044))
    data = (await client.get(url)).content
    assert len(data) == 16_044
    with wave.open(io.BytesIO(data)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth()) == (1, 1)
        frames = reader.readframes(reader.getnframes())
    assert len(frames) == 16_000 and max(frames) - min(frames) > 100  # loud notes, not silence


async def test_range_requests_return_206_slices(sim, client, clock) -> None:
    (url,) = _finished(sim, clock, TaskScript("reapi", media_bytes=1000))
    full = sim.expected_media(url)
    part = await client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == "bytes 100-199/1000"
    assert part.content == full[100:200]
    tail = await client.get(url, headers={"Range": "bytes=900-"})
    assert tail.content == full[900:]
    suffix = await client.get(url, headers={"Range": "bytes=-10"})
    assert suffix.content == full[-10:] and suffix.status_code == 206
    beyond = await client.get(url, headers={"Range": "bytes=1000-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == "bytes */1000"


async def test_if_range_honours_a_matching_etag_only(sim, client, clock) -> None:
    (url,) = _finished(sim, clock, TaskScript("vidgo", media_bytes=600))
    etag = (await client.head(url)).headers["etag"]
    same = await client.get(url, headers={"Range": "bytes=10-", "If-Range": etag})
    assert same.status_code == 206 and len(same.content) == 590
    changed = await client.get(url, headers={"Range": "bytes=10-", "If-Range": '"other"'})
    assert changed.status_code == 200 and len(changed.content) == 600


async def test_expired_urls_answer_403(sim, client, clock) -> None:
    (url,) = _finished(sim, clock, TaskScript("apixo", media_ttl_s=60))
    assert "expires=" in url and "signature=" in url
    assert (await client.get(url)).status_code == 200
    forged = url.replace("expires=", "expires=9")
    assert (await client.get(forged)).status_code == 403
    clock.advance(61)
    response = await client.get(url)
    assert response.status_code == 403 and "expired" in response.text


async def test_first_download_is_cut_and_a_range_resume_completes_it(live_sim, client) -> None:
    task = live_sim.add_task(
        TaskScript("xenodia", run_s=0, media_bytes=50_000, media_cut_after=1000)
    )
    (url,) = live_sim.result_urls(task.task_id)
    received = bytearray()
    with pytest.raises(httpx.TransportError):
        async with client.stream("GET", url) as response:
            assert response.headers["content-length"] == "50000"
            async for chunk in response.aiter_raw():
                received += chunk
    assert 0 < len(received) <= 1000
    resumed = await client.get(url, headers={"Range": f"bytes={len(received)}-"})
    assert resumed.status_code == 206
    assert bytes(received) + resumed.content == live_sim.expected_media(url)


async def test_no_authorization_header_reaches_the_media_origin(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("bytespike", run_s=1, outputs=2))
    clock.advance(2)
    body = (await status(client, sim, task)).json()  # authenticated API call
    for item in body["output"]:
        assert (await client.get(item["url"])).status_code == 200
    assert len(sim.media_requests) == 2
    for path, headers in sim.media_requests:
        assert path.startswith("/media/")
        assert not {k.lower() for k in headers} & {"authorization", "x-api-key"}


async def test_hostile_names_stay_inside_one_url_segment(sim, client, clock) -> None:
    names = ["../../x", "", ".hidden", "CON", ".."]
    urls = _finished(sim, clock, TaskScript("vidgo", outputs=5, output_names=names))
    for url in urls:
        path = urlsplit(url).path
        assert path.count("/") == 3  # /media/<token>/<name>
        response = await client.get(url)
        assert response.status_code == 200 and response.content == sim.expected_media(url)
    assert urls[0].endswith("/..%2F..%2Fx") and urls[1].endswith("/")


async def test_extensionless_urls_still_send_the_real_type(sim, client, clock) -> None:
    (url,) = _finished(sim, clock, TaskScript("reapi", "video", output_ext=False))
    assert urlsplit(url).path.endswith("/0")
    assert (await client.get(url)).headers["content-type"] == "video/mp4"


async def test_verbatim_output_urls_and_missing_files(sim, client, clock) -> None:
    hostile = ["file:///etc/passwd", "http://169.254.169.254/latest/meta-data/"]
    task = sim.add_task(TaskScript("reapi", run_s=1, output_urls=hostile))
    clock.advance(2)
    assert (await status(client, sim, task)).json()["output"]["image_urls"] == hostile
    assert (await client.get(f"{sim.media_url}/media/0000/x.png")).status_code == 404
    with pytest.raises(KeyError):
        sim.expected_media(hostile[0])


async def test_files_do_not_exist_before_success_or_after_failure(sim, client) -> None:
    pending = sim.add_task(TaskScript("apixo", run_s=10))
    (url,) = sim.result_urls(pending.task_id)
    assert (await client.get(url)).status_code == 404
    failed = sim.add_task(TaskScript("apixo", run_s=0, outcome="failed"))
    assert failed.files and all(not f.available for f in failed.files)


async def test_renewing_links_are_signed_anew_by_a_status_answer_after_they_expired(
    sim, client, clock
) -> None:
    script = TaskScript("xenodia", media_ttl_s=60, media_renew_s=60)
    task = sim.add_task(script)
    clock.now = task.finishes_at_epoch
    (first,) = sim.result_urls(task.task_id)
    clock.advance(61)
    assert (await client.get(first)).status_code == 403  # expired, until someone asks
    body = (await status(client, sim, task)).json()
    (fresh,) = [item["url"] for item in body["result"]["data"]]
    assert fresh != first
    response = await client.get(fresh)
    assert response.status_code == 200 and response.content == sim.expected_media(fresh)
    assert (await client.get(first)).status_code == 403  # the old signature stays dead


async def test_links_that_do_not_renew_stay_expired_after_a_status_answer(
    sim, client, clock
) -> None:
    task = sim.add_task(TaskScript("xenodia", media_ttl_s=60))
    clock.now = task.finishes_at_epoch + 61
    (url,) = sim.result_urls(task.task_id)
    body = (await status(client, sim, task)).json()
    assert [item["url"] for item in body["result"]["data"]] == [url]
    assert (await client.get(url)).status_code == 403


async def test_xenodia_echoes_the_scripted_prompt(sim, client, clock) -> None:
    task = sim.add_task(TaskScript("xenodia", prompt="a red fox in the snow"))
    body = (await status(client, sim, task)).json()
    assert body["request"]["prompt"] == "a red fox in the snow"
