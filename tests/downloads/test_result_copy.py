"""Copies into the user's folder: atomic, numbered on collision, never through a link."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import pytest

from taskmon.domain.snapshot import Cost
from taskmon.downloads.errors import StorageError, UnsafeFolder
from taskmon.downloads.result_copy import save_copy, usable_folder
from taskmon.downloads.sidecar import ResultOrigin, sidecar_path

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SCRIPT = b"#!/bin/sh\necho owned\n"
SIDECAR_KEYS = {
    "provider",
    "task_id",
    "model",
    "kind",
    "label",
    "prompt",
    "request",
    "created_at",
    "finished_at",
    "cost",
    "source_url",
    "sha256",
    "taskmon_version",
}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "cache" / "xenodia_task_1_1.png"
    path.parent.mkdir()
    path.write_bytes(PNG)
    return path


def origin() -> ResultOrigin:
    return ResultOrigin(
        provider="xenodia",
        task_id="task_1",
        model="nano",
        kind="image",
        label=None,
        prompt="A cat",
        request={"prompt": "A cat", "n": 1},
        created_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        finished_at=datetime(2026, 3, 1, 12, 1, 30, tzinfo=UTC),
        cost=Cost(micro_usdc=100000),
        source_url="https://cdn.example.com/a.png",
    )


def test_a_copy_has_the_same_bytes_and_no_temporary_file_is_left(
    source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    saved = save_copy(source, out, PurePosixPath("a/b/cat.png"))
    assert saved.path == out / "a" / "b" / "cat.png"
    assert saved.path.read_bytes() == PNG
    assert saved.sha256 == hashlib.sha256(PNG).hexdigest()
    assert saved.media
    assert sorted(p.name for p in (out / "a" / "b").iterdir()) == ["cat.png"]


def test_a_taken_name_gets_a_number_and_nothing_is_replaced(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "cat.png").write_bytes(b"mine")
    second = save_copy(source, out, PurePosixPath("cat.png"))
    third = save_copy(source, out, PurePosixPath("cat.png"))
    assert (second.path.name, third.path.name) == ("cat (2).png", "cat (3).png")
    assert (out / "cat.png").read_bytes() == b"mine"


def test_a_name_claimed_by_this_run_is_not_reused(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    saved = save_copy(source, out, PurePosixPath("cat.png"), claimed={out / "cat.png"})
    assert saved.path.name == "cat (2).png"


def test_a_link_where_the_copy_would_go_is_neither_followed_nor_replaced(
    source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    (out / "cat.png").symlink_to(victim)
    (out / "dangling.png").symlink_to(tmp_path / "nowhere")
    saved = save_copy(source, out, PurePosixPath("cat.png"))
    dangling = save_copy(source, out, PurePosixPath("dangling.png"))
    assert saved.path.name == "cat (2).png" and dangling.path.name == "dangling (2).png"
    assert victim.read_bytes() == b"precious"
    assert not (tmp_path / "nowhere").exists()


def test_a_subfolder_that_is_a_link_is_refused(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "sub").symlink_to(elsewhere)
    with pytest.raises(UnsafeFolder):
        save_copy(source, out, PurePosixPath("sub/cat.png"))
    assert list(elsewhere.iterdir()) == []


def test_a_source_that_is_a_link_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_bytes(b"ssh key")
    link = tmp_path / "cached.png"
    link.symlink_to(secret)
    with pytest.raises(OSError):
        save_copy(link, tmp_path / "out", PurePosixPath("cat.png"))
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # no temporary file left


def test_a_script_keeps_its_bytes_but_never_gets_an_executable_bit(tmp_path: Path) -> None:
    script = tmp_path / "result.sh"
    script.write_bytes(SCRIPT)
    script.chmod(0o755)
    old_umask = os.umask(0)  # the most permissive umask still gives no x bit
    try:
        saved = save_copy(script, tmp_path / "out", PurePosixPath("result.sh"))
    finally:
        os.umask(old_umask)
    assert saved.path.read_bytes() == SCRIPT
    assert not saved.media
    assert stat.S_IMODE(saved.path.stat().st_mode) & 0o111 == 0


def test_the_sidecar_is_written_beside_the_copy_with_every_key(
    source: Path, tmp_path: Path
) -> None:
    meta = origin()
    saved = save_copy(
        source, tmp_path / "out", PurePosixPath("cat.png"), sidecar=meta.sidecar_bytes
    )
    side = sidecar_path(saved.path)
    assert side.name == "cat.png.json"
    doc = json.loads(side.read_text(encoding="utf-8"))
    assert set(doc) == SIDECAR_KEYS
    assert doc["sha256"] == hashlib.sha256(saved.path.read_bytes()).hexdigest()
    assert doc["finished_at"] == "2026-03-01T12:01:30.000Z"
    assert doc["cost"] == {"micro_usdc": 100000}
    assert doc["label"] is None and doc["request"] == {"prompt": "A cat", "n": 1}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["cat.png", "cat.png.json"]


def test_a_stray_sidecar_name_makes_the_copy_take_the_next_name(
    source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "cat.png.json").write_text("someone else's")
    saved = save_copy(source, out, PurePosixPath("cat.png"), sidecar=origin().sidecar_bytes)
    assert saved.path.name == "cat (2).png"
    assert (out / "cat.png.json").read_text() == "someone else's"


def test_a_path_leaving_the_folder_is_refused(source: Path, tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        save_copy(source, tmp_path / "out", PurePosixPath("../cat.png"))


def test_an_unusable_folder_says_why(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(StorageError, match="not a folder"):
        usable_folder(a_file)
    with pytest.raises(StorageError):
        usable_folder(a_file / "below")
    assert usable_folder(tmp_path / "new" / "folder").is_dir()
