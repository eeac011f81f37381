"""Open and Show in folder without a window: only media by its bytes is ever opened."""

from __future__ import annotations

import shutil
from pathlib import Path

from notice_views import view

from taskmon.domain import State
from taskmon.service import Announcement
from taskmon.service.notifications.batching import announcement
from taskmon.service.notifications.desktop import buttons_for
from taskmon.service.notifications.opener import open_command
from taskmon.service.notifications.rules import NoticeKind, notice_for

DATA = Path(__file__).resolve().parents[1] / "data"


def test_open_uses_the_platform_s_opener() -> None:
    assert open_command("/r/a.png", "linux") == ["xdg-open", "/r/a.png"]
    assert open_command("/r/a.png", "darwin") == ["open", "--", "/r/a.png"]
    assert open_command("C:\\r\\a.png", "win32") is None  # os.startfile


def _single(key: str, path: Path) -> Announcement:
    task = view(key, State.SUCCEEDED, files=(str(path),))
    return announcement([notice_for(task, NoticeKind.SUCCEEDED)])


def test_a_notification_offers_open_only_for_media_and_shows_an_image(tmp_path: Path) -> None:
    image = tmp_path / "cat.png"
    shutil.copy(DATA / "image.png", image)
    script = tmp_path / "cat2.png"
    shutil.copy(DATA / "result.desktop", script)
    good, bad = buttons_for(_single("a", image)), buttons_for(_single("b", script))
    assert good.open_path == str(image) and good.image == str(image)
    assert bad.open_path is None and bad.image is None
    assert bad.folder_path == str(script)  # its folder may still be shown
