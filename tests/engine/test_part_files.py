"""The final rename of a download: adopt the file an earlier run placed, or take a free name.

`place` is called with a finished `.part`; these tests build the directory a
kill -9 leaves behind (a complete file under the final name, nothing on record)
out of real files, and check which file the result ends up as.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from taskmon.downloads.part_files import PartMeta, Slot, claim_slot, place

URL = "https://cdn.example/out/clip.mp4"
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + random.Random(1).randbytes(4096)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(2).randbytes(4096)


def _finished_part(directory: Path, data: bytes, base: str = "clip.mp4", url: str = URL) -> Slot:
    """A `.part` holding every byte, as the downloader leaves it just before the rename."""
    slot = claim_slot(directory, base, url, frozenset())
    slot.part.write_bytes(data)
    slot.write_meta(PartMeta(url=url, total=len(data), content_type="video/mp4"))
    return slot


def _any(path: Path) -> bool:
    return True


def _place(slot: Slot, data: bytes, adoptable: Callable[[Path], bool] | None = _any) -> Path:
    return place(
        slot,
        "video/mp4",
        size=len(data),
        adoptable=adoptable,
    )


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_a_complete_file_left_by_the_same_download_is_adopted(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").write_bytes(MP4)  # placed by a run killed before its commit
    slot = _finished_part(tmp_path, MP4)
    assert slot.part.name == "clip (2).mp4.part"  # the name was taken when it started

    path = _place(slot, MP4)

    assert path == tmp_path.resolve() / "clip.mp4"
    assert path.read_bytes() == MP4
    assert _names(tmp_path) == ["clip.mp4"]  # the new .part and its sidecar are gone


def test_a_foreign_file_of_the_same_name_is_neither_adopted_nor_replaced(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").write_bytes(b"the user's own file")
    slot = _finished_part(tmp_path, MP4)

    path = _place(slot, MP4)

    assert path.name == "clip (2).mp4"
    assert path.read_bytes() == MP4
    assert (tmp_path / "clip.mp4").read_bytes() == b"the user's own file"
    assert _names(tmp_path) == ["clip (2).mp4", "clip.mp4"]


def test_equal_size_is_not_enough_the_bytes_decide(tmp_path: Path) -> None:
    other = bytes(len(MP4))
    (tmp_path / "clip.mp4").write_bytes(other)
    slot = _finished_part(tmp_path, MP4)

    path = _place(slot, MP4)

    assert path.name == "clip (2).mp4"
    assert (tmp_path / "clip.mp4").read_bytes() == other


def test_two_outputs_with_the_same_name_get_two_files_even_with_equal_bytes(
    tmp_path: Path,
) -> None:
    first = _place(_finished_part(tmp_path, MP4), MP4)
    second_slot = _finished_part(tmp_path, MP4, url=URL + "?output=2")

    second = _place(second_slot, MP4, adoptable=lambda path: path != first)

    assert (first.name, second.name) == ("clip.mp4", "clip (2).mp4")
    assert first.read_bytes() == second.read_bytes() == MP4


def test_two_outputs_with_the_same_name_and_other_bytes_get_two_files(tmp_path: Path) -> None:
    first = _place(_finished_part(tmp_path, MP4), MP4)
    other = MP4[:-1] + b"!"
    second = _place(_finished_part(tmp_path, other, url=URL + "?output=2"), other)

    assert (first.name, second.name) == ("clip.mp4", "clip (2).mp4")
    assert second.read_bytes() == other


def test_a_file_of_the_same_length_differing_past_the_first_block_is_not_adopted(
    tmp_path: Path,
) -> None:
    # Several compare blocks long; the only difference is deep inside.
    data = MP4 + random.Random(3).randbytes(5 * 1024 * 1024)
    other = bytearray(data)
    other[3 * 1024 * 1024 + 17] ^= 0xFF
    (tmp_path / "clip.mp4").write_bytes(other)
    slot = _finished_part(tmp_path, data)

    path = _place(slot, data)

    assert path.name == "clip (2).mp4"
    assert path.read_bytes() == data
    assert (tmp_path / "clip.mp4").read_bytes() == other


def test_without_adoption_an_identical_file_still_gets_a_numbered_copy(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").write_bytes(MP4)
    slot = _finished_part(tmp_path, MP4)

    path = _place(slot, MP4, adoptable=None)

    assert path.name == "clip (2).mp4"
    assert _names(tmp_path) == ["clip (2).mp4", "clip.mp4"]


def test_a_numbered_twin_behind_a_foreign_file_is_adopted(tmp_path: Path) -> None:
    # The earlier run had already numbered its file past the user's one.
    (tmp_path / "clip.mp4").write_bytes(b"the user's own file")
    (tmp_path / "clip (2).mp4").write_bytes(MP4)
    slot = _finished_part(tmp_path, MP4)

    path = _place(slot, MP4)

    assert path.name == "clip (2).mp4"
    assert _names(tmp_path) == ["clip (2).mp4", "clip.mp4"]


@pytest.mark.skipif(os.name != "posix", reason="symlinks need privileges on Windows")
def test_a_symlink_to_identical_bytes_is_never_adopted(tmp_path: Path) -> None:
    outside = tmp_path / "outside.mp4"
    outside.write_bytes(MP4)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "clip.mp4").symlink_to(outside)
    slot = _finished_part(cache, MP4)

    path = _place(slot, MP4)

    assert path.name == "clip (2).mp4"
    assert not path.is_symlink()


def test_a_file_named_from_its_content_is_found_under_that_name(tmp_path: Path) -> None:
    # No extension in the URL: the bytes made it `result.png`, not the `.part`'s base.
    (tmp_path / "result.png").write_bytes(PNG)
    url = "https://cdn.example/out/result"
    slot = claim_slot(tmp_path, "result", url, frozenset())
    slot.part.write_bytes(PNG)
    slot.write_meta(PartMeta(url=url, total=len(PNG)))

    path = place(slot, None, size=len(PNG), adoptable=_any)

    assert path.name == "result.png"
    assert _names(tmp_path) == ["result.png"]
