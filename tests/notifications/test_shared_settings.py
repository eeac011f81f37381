"""The window's notification settings, shared as a file so `taskmon run --notify` obeys them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from taskmon.service.notifications import (
    NoticeKind,
    NotifySettings,
    SharedNotifySettings,
    read_notify_settings,
    write_notify_settings,
)
from taskmon.service.notifications.shared_settings import NOTIFY_SETTINGS_FILE

CHOSEN = NotifySettings(
    succeeded=False, failed=True, at_risk=False, muted_providers=frozenset({"a", "b"}), sound=True
)


def test_what_the_window_writes_is_what_the_run_reads(tmp_path: Path) -> None:
    write_notify_settings(tmp_path / "data", CHOSEN)
    assert read_notify_settings(tmp_path / "data") == CHOSEN


def test_never_shared_is_the_defaults(tmp_path: Path) -> None:
    assert read_notify_settings(tmp_path) == NotifySettings()


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe", b"", b"{}" + b" " * 70_000],
)
def test_a_damaged_file_is_the_defaults(tmp_path: Path, content: bytes) -> None:
    (tmp_path / NOTIFY_SETTINGS_FILE).write_bytes(content)
    assert read_notify_settings(tmp_path) == NotifySettings()


def test_a_value_of_the_wrong_type_falls_back_alone(tmp_path: Path) -> None:
    values = {"succeeded": "no", "failed": False, "at_risk": 0, "muted_providers": [3, "x"]}
    (tmp_path / NOTIFY_SETTINGS_FILE).write_text(json.dumps(values))
    settings = read_notify_settings(tmp_path)
    assert settings.succeeded is True and settings.at_risk is True  # not bools: defaults
    assert settings.failed is False
    assert settings.muted_providers == frozenset({"x"})
    assert not settings.wants(NoticeKind.SUCCEEDED, "x")


def test_writing_leaves_no_part_file_behind(tmp_path: Path) -> None:
    write_notify_settings(tmp_path, CHOSEN)
    write_notify_settings(tmp_path, NotifySettings())
    assert os.listdir(tmp_path) == [NOTIFY_SETTINGS_FILE]
    assert read_notify_settings(tmp_path) == NotifySettings()


def test_a_running_notifier_hears_a_change_made_later(tmp_path: Path) -> None:
    shared = SharedNotifySettings(tmp_path)
    assert shared() == NotifySettings()
    write_notify_settings(tmp_path, CHOSEN)
    assert shared() == CHOSEN
    (tmp_path / NOTIFY_SETTINGS_FILE).unlink()
    assert shared() == NotifySettings()
