"""Without a notification service on the bus, sending says why instead of failing."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest
from notice_views import view

from taskmon.domain import State
from taskmon.service import DesktopNotices, NoticeActions
from taskmon.service.notifications.batching import announcement
from taskmon.service.notifications.rules import NoticeKind, notice_for


@pytest.fixture
def empty_bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private session bus with nothing on it; stopped by its PID."""
    if shutil.which("dbus-daemon") is None:
        pytest.skip("needs dbus-daemon (apt-get install dbus)")
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert bus.stdout is not None
    address = bus.stdout.readline().decode().strip()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    yield address
    bus.terminate()
    bus.wait(10)
    bus.stdout.close()


async def test_a_bus_without_a_notification_daemon_is_said_not_raised(empty_bus: str) -> None:
    sender = DesktopNotices(NoticeActions(print, print))
    notice = notice_for(view("a", State.FAILED), NoticeKind.FAILED)
    try:
        shown = await sender.show(announcement([notice]))
    finally:
        await sender.aclose()
    assert shown is False
    assert sender.problem is not None
    assert sender.problem.startswith("cannot send desktop notifications:")
