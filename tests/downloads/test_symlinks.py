"""Issue #10, problem 8: links planted in taskmon's folders never make it write elsewhere.

In a shared or group-writable folder another local user can plant a link
where taskmon is about to write. Every file is opened without following a
link, temporary names are created exclusively, and a folder below the root the
user chose that leads elsewhere through a link is refused.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from download_origin import Origin, Resource

from taskmon.downloads import part_files
from taskmon.downloads.downloader import Downloader, NetworkError, UnsafeFolder

pytestmark = pytest.mark.skipif(os.name != "posix", reason="symlinks need privileges on Windows")

DATA = bytes(range(256)) * 1024
VICTIM = b"the user's own precious file\n"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "victim.txt"
    path.write_bytes(VICTIM)
    return path


async def _leave_a_part(origin: Origin, dest: Path) -> str:
    """A cut download: `a.bin.part` (100 000 bytes) and its sidecar stay in `dest`."""
    origin.files["a.bin"] = Resource(DATA, cut_after=100_000, cuts_left=1)
    url = origin.url("a.bin")
    async with Downloader() as d:
        with pytest.raises(NetworkError):
            await d.fetch(url, dest)
    return url


async def test_a_part_that_is_a_symlink_is_not_written_through(
    origin: Origin, tmp_path: Path, victim: Path
) -> None:
    dest = tmp_path / "shared"
    dest.mkdir()
    url = await _leave_a_part(origin, dest)
    (dest / "a.bin.part").unlink()
    (dest / "a.bin.part").symlink_to(victim)  # planted by another user

    async with Downloader() as d:
        result = await d.fetch(url, dest)

    assert victim.read_bytes() == VICTIM
    assert not result.path.is_symlink()
    assert result.path.read_bytes() == DATA


async def test_a_part_that_is_a_hard_link_is_not_written_through(
    origin: Origin, tmp_path: Path, victim: Path
) -> None:
    dest = tmp_path / "shared"
    dest.mkdir()
    url = await _leave_a_part(origin, dest)
    (dest / "a.bin.part").unlink()
    os.link(victim, dest / "a.bin.part")

    async with Downloader() as d:
        result = await d.fetch(url, dest)

    assert victim.read_bytes() == VICTIM
    assert result.path.read_bytes() == DATA


@pytest.mark.parametrize("where", ["cache", "save dir"])
async def test_a_meta_tmp_symlink_is_not_written_through(
    origin: Origin, tmp_path: Path, victim: Path, where: str
) -> None:
    root = tmp_path / "data"
    dest = root / "cache" / "p" / "task-1" if where == "cache" else root
    dest.mkdir(parents=True)
    origin.files["a.bin"] = Resource(DATA)
    (dest / "a.bin.part.meta.tmp").symlink_to(victim)

    async with Downloader() as d:
        result = await d.fetch(origin.url("a.bin"), dest, root=root)

    assert victim.read_bytes() == VICTIM
    assert result.path.read_bytes() == DATA
    assert not (dest / "a.bin.part.meta.tmp").exists()


async def test_a_task_folder_that_links_elsewhere_is_refused(
    origin: Origin, tmp_path: Path
) -> None:
    root = tmp_path / "data"
    (root / "cache" / "p").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "cache" / "p" / "task-1").symlink_to(elsewhere)
    origin.files["a.bin"] = Resource(DATA)

    async with Downloader() as d:
        with pytest.raises(UnsafeFolder) as caught:
            await d.fetch(origin.url("a.bin"), root / "cache" / "p" / "task-1", root=root)

    assert list(elsewhere.iterdir()) == []
    assert origin.requests == []  # refused before anything was fetched
    message = str(caught.value)
    assert str(root / "cache" / "p" / "task-1") in message
    assert "link" in message


async def test_a_link_higher_up_below_the_root_is_refused_too(
    origin: Origin, tmp_path: Path
) -> None:
    root = tmp_path / "data"
    root.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "cache").symlink_to(elsewhere)  # the task folder itself is created fresh
    origin.files["a.bin"] = Resource(DATA)

    async with Downloader() as d:
        with pytest.raises(UnsafeFolder):
            await d.fetch(origin.url("a.bin"), root / "cache" / "p" / "task-1", root=root)

    assert list(elsewhere.iterdir()) == []


async def test_a_link_above_the_root_is_the_users_choice(origin: Origin, tmp_path: Path) -> None:
    real_home = tmp_path / "usr-home"
    real_home.mkdir()
    (tmp_path / "home").symlink_to(real_home)  # like /home -> /usr/home
    root = tmp_path / "home" / "data"
    origin.files["a.bin"] = Resource(DATA)

    async with Downloader() as d:
        result = await d.fetch(origin.url("a.bin"), root / "cache" / "p" / "task-1", root=root)

    assert result.path == real_home / "data" / "cache" / "p" / "task-1" / "a.bin"
    assert result.path.read_bytes() == DATA


async def test_a_folder_swapped_for_a_link_mid_download_gets_no_file(
    origin: Origin, tmp_path: Path
) -> None:
    root = tmp_path / "data"
    task = root / "cache" / "p" / "task-1"
    task.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    origin.files["a.bin"] = Resource(DATA, piece_bytes=64 * 1024)
    swapped = False

    def swap(done: int, total: int | None) -> None:
        nonlocal swapped
        if done and not swapped:  # the `.part` is open: move the folder, leave a link
            swapped = True
            task.rename(elsewhere)
            task.symlink_to(elsewhere)

    async with Downloader() as d:
        with pytest.raises(UnsafeFolder):
            await d.fetch(origin.url("a.bin"), task, root=root, on_progress=swap)

    assert not (elsewhere / "a.bin").exists()


def test_writing_a_sidecar_never_follows_a_planted_tmp_link(tmp_path: Path, victim: Path) -> None:
    slot = part_files.claim_slot(tmp_path, "a.bin", "https://cdn.example/a.bin", frozenset())
    (tmp_path / "a.bin.part.meta.tmp").symlink_to(victim)

    slot.write_meta(part_files.PartMeta(url="https://cdn.example/a.bin", total=5))

    assert victim.read_bytes() == VICTIM
    assert part_files.read_part_meta(slot.meta) == part_files.PartMeta(
        url="https://cdn.example/a.bin", total=5
    )
