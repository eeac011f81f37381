"""Where the store lives, and a clear error when it cannot live there."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
import pytest

from taskmon.service.data_paths import (
    DATA_DIR_ENV,
    cache_dir,
    data_dir,
    db_path,
    ensure_data_dir,
)
from taskmon.store.errors import StoreUnavailable
from taskmon.store.store import Store


def test_taskmon_data_dir_overrides_the_platform_directory(tmp_path: Path) -> None:
    assert data_dir({DATA_DIR_ENV: str(tmp_path / "mine")}) == tmp_path / "mine"


def test_the_environment_variable_is_read_from_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env"))
    assert data_dir() == tmp_path / "env"


def test_without_the_variable_the_user_data_dir_is_used() -> None:
    assert data_dir({}) == Path(platformdirs.user_data_dir("taskmon", appauthor=False))


def test_the_database_and_the_cache_both_live_in_the_data_dir(tmp_path: Path) -> None:
    directory = ensure_data_dir(tmp_path / "a" / "b")
    assert cache_dir(directory).is_dir()
    assert db_path(directory) == directory / "taskmon.db"
    Store.open(db_path(directory)).close()
    assert db_path(directory).is_file()


def test_a_data_dir_under_a_regular_file_is_unavailable_with_a_clear_message(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreUnavailable) as caught:
        ensure_data_dir(blocker / "taskmon")
    message = str(caught.value)
    assert "cannot create the taskmon data directory" in message
    assert str(blocker / "taskmon") in message
    assert DATA_DIR_ENV in message


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through chmod")
def test_a_read_only_data_dir_is_unavailable_with_a_clear_message(tmp_path: Path) -> None:
    directory = tmp_path / "ro"
    (directory / "cache").mkdir(parents=True)
    directory.chmod(0o500)
    try:
        with pytest.raises(StoreUnavailable, match="is not writable"):
            ensure_data_dir(directory)
    finally:
        directory.chmod(0o700)


def test_a_database_path_that_cannot_be_opened_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreUnavailable, match="cannot be opened"):
        Store.open(blocker / "taskmon.db")
