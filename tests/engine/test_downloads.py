"""Result downloads over real loopback HTTP: resume, caps, hostile names, no credentials."""

from __future__ import annotations

import asyncio
import errno
import os
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import pytest
from aiohttp import web
from pathvalidate import validate_filename

from taskmon.downloads import part_files
from taskmon.downloads.downloader import (
    DiskFull,
    Downloader,
    DownloadError,
    HttpStatus,
    LengthMismatch,
    NetworkError,
    TooLarge,
    TooManyRedirects,
    UnsafeUrl,
)
from taskmon.net.http_api import ApiClients

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(range(256)) * 8
MiB = 1024 * 1024


def _random_bytes(n: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(n)


@dataclass
class Served:
    data: bytes
    etag: str = '"v1"'
    content_type: str | None = "application/octet-stream"
    cut_after: int | None = None  # send this many bytes, then drop the connection
    cuts_left: int = 0


@dataclass
class FileServer:
    """A loopback server with ETag, Range and If-Range support and a few bad habits."""

    base: str = ""
    files: dict[str, Served] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def headers_for(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.requests if p == path]


async def _serve_file(
    server: FileServer, request: web.Request, served: Served
) -> web.StreamResponse:
    data, status, start = served.data, 200, 0
    untrusted_range = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if untrusted_range and (if_range is None or if_range == served.etag):
        start = int(untrusted_range.removeprefix("bytes=").rstrip("-"))
        if start >= len(data):
            return web.Response(status=416, headers={"Content-Range": f"bytes */{len(data)}"})
        status = 206
    body = data[start:]
    headers = {"ETag": served.etag, "Accept-Ranges": "bytes"}
    if served.content_type:
        headers["Content-Type"] = served.content_type
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
    response = web.StreamResponse(status=status, headers=headers)
    response.content_length = len(body)
    await response.prepare(request)
    if served.cut_after is not None and served.cuts_left > 0:
        served.cuts_left -= 1
        await response.write(body[: served.cut_after])
        await asyncio.sleep(0.05)  # let the bytes leave before the cut
        assert request.transport is not None
        request.transport.close()
        return response
    await response.write(body)
    await response.write_eof()
    return response


def _app(server: FileServer) -> web.Application:
    async def record(request: web.Request) -> None:
        server.requests.append((request.path, dict(request.headers)))

    async def files(request: web.Request) -> web.StreamResponse:
        await record(request)
        return await _serve_file(server, request, server.files[request.match_info["name"]])

    async def png_any_name(request: web.Request) -> web.StreamResponse:
        await record(request)
        return await _serve_file(server, request, Served(PNG, content_type="image/png"))

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.content_length = 5 * 1024**3
        await response.prepare(request)
        await response.write(b"x" * 1024)
        return response

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})  # chunked, no length
        await response.prepare(request)
        chunk = b"y" * 65536
        for _ in range(5 * 1024**3 // len(chunk)):
            await response.write(chunk)
        return response

    async def short_range(request: web.Request) -> web.Response:
        # Claims a 1000-byte file but only ever sends the first 100 bytes.
        headers = {"Content-Range": "bytes 0-99/1000", "ETag": '"short"'}
        return web.Response(status=206, body=b"z" * 100, headers=headers)

    async def redirect(request: web.Request) -> web.Response:
        await record(request)
        hops = int(request.match_info["hops"])
        target = "/files/a.bin" if hops <= 1 else f"/redirect/{hops - 1}"
        raise web.HTTPFound(target)

    async def redirect_to(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="nope")

    async def slow(request: web.Request) -> web.Response:
        server.in_flight += 1
        server.max_in_flight = max(server.max_in_flight, server.in_flight)
        await asyncio.sleep(0.1)
        server.in_flight -= 1
        return web.Response(body=PNG, content_type="image/png")

    app = web.Application()
    app.router.add_get("/files/{name}", files)
    app.router.add_get("/n/{tail:.*}", png_any_name)
    app.router.add_get("/huge.mp4", huge)
    app.router.add_get("/endless.mp4", endless)
    app.router.add_get("/short.bin", short_range)
    app.router.add_get("/redirect/{hops}", redirect)
    app.router.add_get("/redirect-to", redirect_to)
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/slow/{name}", slow)
    return app


@pytest.fixture
async def server() -> AsyncIterator[FileServer]:
    state = FileServer()
    runner = web.AppRunner(_app(state), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    state.base = f"http://{host}:{port}"
    yield state
    await runner.cleanup()


@pytest.fixture(params=["own client", "engine's client"])
async def downloader(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Downloader]:
    # Standalone, the downloader makes its own client (httpx's transport); in the
    # engine it is handed the shared one (aiohttp under httpx): both behave alike.
    if request.param == "own client":
        async with Downloader() as d:
            yield d
        return
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    clients = ApiClients()
    try:
        async with Downloader(await clients.download_client()) as d:
            yield d
    finally:
        await clients.aclose()


def _real(directory: Path) -> Path:
    return directory.resolve()


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".part" in p.name)


async def test_complete_download_is_byte_exact_and_leaves_no_part(
    server: FileServer, downloader: Downloader, tmp_path: Path
) -> None:
    data = _random_bytes(MiB + 123)
    server.files["clip.mp4"] = Served(data, content_type="video/mp4")
    progress: list[tuple[int, int | None]] = []

    result = await downloader.fetch(
        server.url("/files/clip.mp4"), tmp_path, on_progress=lambda d, t: progress.append((d, t))
    )

    assert result.path == _real(tmp_path) / "clip.mp4"
    assert result.path.is_absolute()
    assert result.path.read_bytes() == data
    assert result.size == len(data)
    assert result.content_type == "video/mp4"
    assert _leftovers(tmp_path) == []
    assert progress[-1] == (len(data), len(data))


async def test_cut_download_keeps_part_and_a_new_process_resumes_with_range(
    server: FileServer, tmp_path: Path
) -> None:
    data = _random_bytes(MiB)
    server.files["a.bin"] = Served(data, cut_after=300_000, cuts_left=1)
    url = server.url("/files/a.bin")

    async with Downloader() as first:
        with pytest.raises(NetworkError):
            await first.fetch(url, tmp_path)
    kept = (tmp_path / "a.bin.part").read_bytes()
    assert 0 < len(kept) < len(data)
    assert data.startswith(kept)
    assert (tmp_path / "a.bin.part.meta").exists()

    async with Downloader() as second:  # as after a restart: finds its own .part by name
        result = await second.fetch(url, tmp_path)

    resumed = server.headers_for("/files/a.bin")[-1]
    assert resumed["Range"] == f"bytes={len(kept)}-"
    assert resumed["If-Range"] == '"v1"'
    assert result.path.read_bytes() == data
    assert _leftovers(tmp_path) == []


async def test_resume_starts_over_when_the_etag_changed(
    server: FileServer, downloader: Downloader, tmp_path: Path
) -> None:
    server.files["a.bin"] = Served(_random_bytes(MiB), cut_after=200_000, cuts_left=1)
    url = server.url("/files/a.bin")
    with pytest.raises(NetworkError):
        await downloader.fetch(url, tmp_path)
    new_data = _random_bytes(MiB - 7, seed=2)
    server.files["a.bin"] = Served(new_data, etag='"v2"')

    result = await downloader.fetch(url, tmp_path)

    assert server.headers_for("/files/a.bin")[-1]["If-Range"] == '"v1"'
    assert result.path.read_bytes() == new_data
    assert result.size == len(new_data)


async def test_a_part_that_is_already_complete_finishes_on_416(
    server: FileServer, downloader: Downloader, tmp_path: Path
) -> None:
    data = _random_bytes(4096)
    server.files["a.bin"] = Served(data)
    url = server.url("/files/a.bin")
    (tmp_path / "a.bin.part").write_bytes(data)
    meta = f'{{"url": "{url}", "etag": "\\"v1\\"", "total": {len(data)}}}'
    (tmp_path / "a.bin.part.meta").write_text(meta)

    result = await downloader.fetch(url, tmp_path)

    assert result.path.read_bytes() == data
    assert server.headers_for("/files/a.bin")[-1]["Range"] == "bytes=4096-"


async def test_declared_size_over_the_cap_is_refused_up_front(
    server: FileServer, downloader: Downloader, tmp_path: Path
) -> None:
    with pytest.raises(TooLarge) as caught:
        await downloader.fetch(server.url("/huge.mp4"), tmp_path)
    assert caught.value.declared == 5 * 1024**3
    assert "too large" in str(caught.value)
    assert _names(tmp_path) == []


async def test_a_server_streaming_past_the_cap_is_cut_and_the_part_removed(
    server: FileServer, tmp_path: Path
) -> None:
    async with Downloader(max_bytes=MiB) as small:
        with pytest.raises(TooLarge):
            await small.fetch(server.url("/endless.mp4"), tmp_path)
    assert _names(tmp_path) == []


async def test_a_body_shorter_than_announced_is_a_length_mismatch(
    server: FileServer, downloader: Downloader, tmp_path: Path
) -> None:
    with pytest.raises(LengthMismatch) as caught:
        await downloader.fetch(server.url("/short.bin"), tmp_path)
    assert (caught.value.expected, caught.value.received) == (1000, 100)
    assert (tmp_path / "short.bin.part").stat().st_size == 100  # kept: a later fetch resumes


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "data:text/plain,hello",
        "ftp://example.com/x.png",
        "javascript:alert(1)",
        "/relative/x.png",
        "x.png",
        "",
        "http://user:secret@example.com/x.png",
    ],
)
async def test_non_http_links_are_refused_before_any_io(url: str, tmp_path: Path) -> None:
    def no_network(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"a request was sent to {request.url}")

    dest = tmp_path / "not-created"
    async with Downloader(httpx.AsyncClient(transport=httpx.MockTransport(no_network))) as d:
        with pytest.raises(UnsafeUrl) as caught:
            await d.fetch(url, dest)
    assert str(caught.value)
    assert "secret" not in str(caught.value)
    assert not dest.exists()


async def test_redirects_are_followed_and_each_hop_is_checked(
    server: FileServer, downloader: Downloader, tmp_path: Path
) -> None:
    server.files["a.bin"] = Served(b"after three hops")
    result = await downloader.fetch(server.url("/redirect/3"), tmp_path)
    assert result.path.read_bytes() == b"after three hops"

    with pytest.raises(TooManyRedirects):
        await downloader.fetch(server.url("/redirect/9"), tmp_path)
    for target in ("file:///etc/passwd", "data:text/plain,hi", "ftp://127.0.0.1/x"):
        with pytest.raises(UnsafeUrl):
            await downloader.fetch(server.url(f"/redirect-to?to={target}"), tmp_path)
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(("code", "expired"), [(403, True), (404, True), (410, True), (500, False)])
async def test_error_statuses_say_whether_the_link_expired(
    server: FileServer, downloader: Downloader, tmp_path: Path, code: int, expired: bool
) -> None:
    with pytest.raises(HttpStatus) as caught:
        await downloader.fetch(server.url(f"/status/{code}"), tmp_path)
    assert caught.value.status == code
    assert caught.value.expired is expired
    assert ("expired" in str(caught.value)) is expired
    assert _names(tmp_path) == []


@pytest.mark.parametrize(
    "hostile",
    [
        "%2E%2E%2F%2E%2E%2Fx",
        "..%5C..%5Cx",
        "%2E%2E",
        ".hidden",
        "CON.png",
        "nul",
        "COM1.txt",
        "a%2Fb.png",
        "a%5Cb.png",
        "a%00b%09%1F.png",
        "y" * 300 + ".png",
        "%C3%A9" * 200 + ".png",
        "",
    ],
)
async def test_hostile_names_stay_inside_dest_dir_and_are_valid_everywhere(
    server: FileServer, downloader: Downloader, tmp_path: Path, hostile: str
) -> None:
    result = await downloader.fetch(server.url(f"/n/{hostile}"), tmp_path)

    name = result.path.name
    assert result.path.parent == _real(tmp_path)
    validate_filename(name, platform="universal")
    assert not name.startswith(".")
    assert len(name.encode()) <= 255
    assert result.path.read_bytes() == PNG


async def test_a_hostile_name_hint_is_sanitized_too(
    server: FileServer, downloader: Downloader, tmp_path: Path
) -> None:
    result = await downloader.fetch(server.url("/n/x.png"), tmp_path, name_hint="../../CON")
    assert result.path.parent == _real(tmp_path)
    validate_filename(result.path.name, platform="universal")
    assert result.path.suffix == ".png"


async def test_a_different_url_never_overwrites_an_existing_file(
    server: FileServer, downloader: Downloader, tmp_path: Path
) -> None:
    (tmp_path / "clip.mp4").write_bytes(b"the user's own file")
    server.files["clip.mp4"] = Served(MP4, content_type="video/mp4")

    first = await downloader.fetch(server.url("/files/clip.mp4"), tmp_path)
    second = await downloader.fetch(server.url("/files/clip.mp4?copy=2"), tmp_path)

    assert (tmp_path / "clip.mp4").read_bytes() == b"the user's own file"
    assert [first.path.name, second.path.name] == ["clip (2).mp4", "clip (3).mp4"]
    assert first.path.read_bytes() == second.path.read_bytes() == MP4


async def test_concurrent_downloads_of_the_same_name_get_distinct_files(
    server: FileServer, downloader: Downloader, tmp_path: Path
) -> None:
    server.files["out.png"] = Served(PNG, content_type="image/png")
    urls = [server.url(f"/files/out.png?task={i}") for i in range(6)]
    results = await asyncio.gather(*(downloader.fetch(u, tmp_path) for u in urls))
    names = {r.path.name for r in results}
    assert len(names) == 6
    assert all(r.path.read_bytes() == PNG for r in results)


async def test_concurrency_is_bounded(server: FileServer, tmp_path: Path) -> None:
    async with Downloader(max_downloads=2, max_downloads_per_host=2) as d:
        await asyncio.gather(*(d.fetch(server.url(f"/slow/{i}"), tmp_path) for i in range(6)))
    assert server.max_in_flight == 2


@pytest.mark.parametrize(
    ("path", "served", "suffix"),
    [
        ("noext-png", Served(PNG, content_type="application/octet-stream"), ".png"),
        ("noext-mp4", Served(MP4, content_type=None), ".mp4"),
        ("noext-webp", Served(b"not really", content_type="image/webp"), ".webp"),
        ("payload.exe", Served(PNG, content_type=None), ".png"),
        ("unknown.exe", Served(b"MZ?", content_type=None), ".bin"),
        ("photo.jpg", Served(PNG, content_type="image/png"), ".jpg"),  # a media ext is kept
    ],
)
async def test_the_extension_comes_from_the_content_when_the_url_has_none(
    server: FileServer,
    downloader: Downloader,
    tmp_path: Path,
    path: str,
    served: Served,
    suffix: str,
) -> None:
    server.files[path] = served
    result = await downloader.fetch(server.url(f"/files/{path}"), tmp_path)
    assert result.path.suffix == suffix
    assert ".exe" not in result.path.name


async def test_requests_never_carry_credentials(
    server: FileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login user password hunter2\n")
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("TASKMON_XENODIA_API_KEY", "sk-live-secret")
    server.files["a.bin"] = Served(b"data")

    async with Downloader() as d:
        await d.fetch(server.url("/redirect/2"), tmp_path / "out")

    assert len(server.requests) == 3
    for _, headers in server.requests:
        assert not {"authorization", "proxy-authorization"} & {h.lower() for h in headers}


def test_a_client_with_credentials_is_refused() -> None:
    with pytest.raises(ValueError, match="credentials"):
        Downloader(httpx.AsyncClient(headers={"Authorization": "Bearer sk-x"}))
    with pytest.raises(ValueError, match="credentials"):
        Downloader(httpx.AsyncClient(auth=("u", "p")))


class _FillsUp:
    """A file object that writes `room` bytes for real, then fails like a full disk.

    As a buffered file on a disk that fills up: the part of a write that fits is
    written, then ENOSPC is raised (the engine's client hands over chunks of up to
    a MiB, larger than the room left).
    """

    def __init__(self, real: BinaryIO, room: int) -> None:
        self._real, self._room = real, room

    def write(self, chunk: bytes) -> int:
        if len(chunk) > self._room:
            self._real.write(chunk[: self._room])
            self._room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(chunk)
        return self._real.write(chunk)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


async def test_a_full_disk_is_disk_full_and_keeps_what_was_fetched(
    server: FileServer, downloader: Downloader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _random_bytes(MiB)
    server.files["a.bin"] = Served(data)
    real_open = part_files.open_part
    room = 256 * 1024
    monkeypatch.setattr(
        part_files, "open_part", lambda p, append: _FillsUp(real_open(p, append), room)
    )

    with pytest.raises(DiskFull) as caught:
        await downloader.fetch(server.url("/files/a.bin"), tmp_path)
    assert "disk is full" in str(caught.value)
    part = tmp_path / "a.bin.part"
    assert part.stat().st_size > 0
    assert data.startswith(part.read_bytes())

    monkeypatch.setattr(part_files, "open_part", real_open)
    result = await downloader.fetch(server.url("/files/a.bin"), tmp_path)
    assert result.path.read_bytes() == data
    assert "Range" in server.headers_for("/files/a.bin")[-1]


# -- after a kill -9 between the final rename and the store's commit -----------------


async def test_a_restart_adopts_the_file_a_killed_run_already_put_in_place(
    server: FileServer, tmp_path: Path
) -> None:
    data = _random_bytes(MiB)
    server.files["clip.mp4"] = Served(data, content_type="video/mp4")
    url = server.url("/files/clip.mp4")
    async with Downloader() as killed:
        placed = await killed.fetch(url, tmp_path, adopt_identical=True)  # then no record

    async with Downloader() as restarted:
        again = await restarted.fetch(url, tmp_path, adopt_identical=True)

    assert again.path == placed.path == _real(tmp_path) / "clip.mp4"
    assert again.path.read_bytes() == data
    assert _names(tmp_path) == ["clip.mp4"]


async def test_a_restart_never_adopts_another_outputs_file(
    server: FileServer, downloader: Downloader, tmp_path: Path
) -> None:
    server.files["out.png"] = Served(PNG, content_type="image/png")
    first = await downloader.fetch(server.url("/files/out.png?n=1"), tmp_path, adopt_identical=True)

    second = await downloader.fetch(
        server.url("/files/out.png?n=2"),
        tmp_path,
        adopt_identical=True,
        owned_elsewhere={first.path},
    )

    assert (first.path.name, second.path.name) == ("out.png", "out (2).png")
    assert _names(tmp_path) == ["out (2).png", "out.png"]


async def test_another_outputs_file_is_recognised_through_a_symlinked_directory(
    server: FileServer, tmp_path: Path
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    server.files["out.png"] = Served(PNG, content_type="image/png")
    async with Downloader() as killed:
        first = await killed.fetch(server.url("/files/out.png?n=1"), real, adopt_identical=True)

    async with Downloader() as restarted:
        second = await restarted.fetch(
            server.url("/files/out.png?n=2"),
            real,
            adopt_identical=True,
            owned_elsewhere={tmp_path / "link" / first.path.name},  # recorded via the link
        )

    assert second.path.name == "out (2).png"


async def test_files_placed_by_the_same_process_are_never_adopted(
    server: FileServer, downloader: Downloader, tmp_path: Path
) -> None:
    # A shared --save-dir: tasks that know nothing of each other, equal bytes, one name.
    server.files["out.png"] = Served(PNG, content_type="image/png")
    urls = [server.url(f"/files/out.png?task={i}") for i in range(4)]

    results = await asyncio.gather(
        *(downloader.fetch(u, tmp_path, adopt_identical=True) for u in urls)
    )

    assert len({r.path for r in results}) == 4
    assert len(_names(tmp_path)) == 4


async def test_a_resume_that_ends_on_416_names_the_file_as_the_first_response_did(
    server: FileServer, downloader: Downloader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The type is only in the header (the bytes are no known format) and a 416 has none.
    server.files["noext"] = Served(b"not really an image", content_type="image/webp")
    url = server.url("/files/noext")

    def killed_before_the_rename(*args: Any, **kwargs: Any) -> Path:
        raise OSError(errno.EIO, "killed")

    real_place = part_files.place
    monkeypatch.setattr(part_files, "place", killed_before_the_rename)
    with pytest.raises(DownloadError):
        await downloader.fetch(url, tmp_path)
    assert _names(tmp_path) == ["noext.part", "noext.part.meta"]
    monkeypatch.setattr(part_files, "place", real_place)

    result = await downloader.fetch(url, tmp_path)

    assert server.headers_for("/files/noext")[-1]["Range"] == "bytes=19-"
    assert result.path.name == "noext.webp"
    assert result.content_type == "image/webp"


async def test_no_fsync_runs_on_the_event_loops_thread(
    server: FileServer, downloader: Downloader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The window runs the engine on Qt's main thread: an fsync there (a disk flush,
    # tens to hundreds of ms on a busy disk) freezes the window (bench/ui.py stalls).
    import threading

    loop_thread = threading.get_ident()
    threads: list[int] = []
    fsync = os.fsync

    def recorded(fd: int) -> None:
        threads.append(threading.get_ident())
        fsync(fd)

    monkeypatch.setattr(os, "fsync", recorded)
    server.files["shot.png"] = Served(_random_bytes(4096), content_type="image/png")
    result = await downloader.fetch(server.url("/files/shot.png"), tmp_path)
    assert result.size == 4096
    assert threads, "nothing was fsynced"
    assert loop_thread not in threads
