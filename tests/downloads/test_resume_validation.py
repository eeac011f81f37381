"""Issue #10, problem 5: a resumed download is never stitched from two different files.

A CDN that ignores If-Range answers a resume with 206 from whatever file it
holds now. The downloader compares that answer's validator (strong ETag, else
Last-Modified) and total length with the ones recorded in `.part.meta`, and
starts over when they differ; the placed file's length must be the declared one.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from download_origin import Origin, Resource

from taskmon.downloads.downloader import Downloader, LengthMismatch, NetworkError

MiB = 1024 * 1024
MONDAY = "Mon, 01 Jan 2024 00:00:00 GMT"
TUESDAY = "Tue, 02 Jan 2024 00:00:00 GMT"


def _bytes(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


async def _cut_first_download(origin: Origin, tmp_path: Path, first: Resource) -> str:
    """Fetch `first` until the link is cut: a `.part` and its sidecar remain."""
    origin.files["a.bin"] = first
    url = origin.url("a.bin")
    async with Downloader() as d:
        with pytest.raises(NetworkError):
            await d.fetch(url, tmp_path)
    assert (tmp_path / "a.bin.part").stat().st_size == first.cut_after
    return url


async def test_a_206_with_another_etag_is_not_stitched_onto_the_part(
    origin: Origin, tmp_path: Path
) -> None:
    a, b = _bytes(MiB, 1), _bytes(MiB, 2)
    url = await _cut_first_download(
        origin, tmp_path, Resource(a, etag='"A"', cut_after=300_000, cuts_left=1)
    )
    origin.files["a.bin"] = Resource(b, etag='"B"', honours_if_range=False)

    async with Downloader() as d:
        result = await d.fetch(url, tmp_path)

    assert result.path.read_bytes() == b
    resume, restart = origin.headers_for("a.bin")[-2:]
    assert resume["Range"] == "bytes=300000-"
    assert "Range" not in restart  # the partial bytes of A were dropped


async def test_without_a_strong_etag_last_modified_must_match(
    origin: Origin, tmp_path: Path
) -> None:
    a, b = _bytes(MiB, 1), _bytes(MiB, 2)
    first = Resource(a, etag='W/"same"', last_modified=MONDAY, cut_after=300_000, cuts_left=1)
    url = await _cut_first_download(origin, tmp_path, first)
    origin.files["a.bin"] = Resource(
        b, etag='W/"same"', last_modified=TUESDAY, honours_if_range=False
    )

    async with Downloader() as d:
        result = await d.fetch(url, tmp_path)

    assert origin.headers_for("a.bin")[1]["If-Range"] == MONDAY
    assert result.path.read_bytes() == b


async def test_a_206_with_another_total_length_is_not_stitched(
    origin: Origin, tmp_path: Path
) -> None:
    # Same (reused) ETag, other file: the total in Content-Range tells them apart.
    a, b = _bytes(MiB, 1), _bytes(MiB + 5000, 2)
    url = await _cut_first_download(origin, tmp_path, Resource(a, cut_after=300_000, cuts_left=1))
    origin.files["a.bin"] = Resource(b)

    async with Downloader() as d:
        result = await d.fetch(url, tmp_path)

    assert result.path.read_bytes() == b
    assert result.size == len(b)


async def test_a_matching_206_still_resumes(origin: Origin, tmp_path: Path) -> None:
    a = _bytes(MiB, 1)
    first = Resource(a, etag=None, last_modified=MONDAY, cut_after=300_000, cuts_left=1)
    url = await _cut_first_download(origin, tmp_path, first)

    async with Downloader() as d:
        result = await d.fetch(url, tmp_path)

    assert result.path.read_bytes() == a
    assert [h.get("Range") for h in origin.headers_for("a.bin")] == [None, "bytes=300000-"]


async def test_a_placed_file_of_another_length_than_declared_is_an_error(
    origin: Origin, tmp_path: Path
) -> None:
    # Something else (another process resuming the same `.part`) appends to the file
    # while we resume it: every byte we counted arrived, yet the file is longer.
    data = _bytes(MiB, 1)
    url = await _cut_first_download(
        origin, tmp_path, Resource(data, cut_after=300_000, cuts_left=1)
    )
    origin.files["a.bin"] = Resource(data, piece_bytes=64 * 1024, piece_delay_s=0.01)
    part = tmp_path / "a.bin.part"
    appended = False

    def another_writer(done: int, total: int | None) -> None:
        nonlocal appended
        if done > 300_000 and not appended:
            appended = True
            with part.open("ab") as f:
                f.write(b"intruder")

    async with Downloader() as d:
        with pytest.raises(LengthMismatch) as caught:
            await d.fetch(url, tmp_path, on_progress=another_writer)

    assert appended
    assert "declared" in str(caught.value)
    assert not (tmp_path / "a.bin").exists()  # a file of the wrong length is not kept
