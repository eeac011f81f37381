"""Only one poller per data directory, and no stale lock after kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
from store_helpers import ChildFactory

from taskmon.service.instance_lock import AlreadyTracking, InstanceLock

HOLD = """
    import sys, time
    from pathlib import Path
    from taskmon.service.instance_lock import InstanceLock
    lock = InstanceLock(Path(sys.argv[1]))
    print("held" if lock.acquire() else "refused", flush=True)
    time.sleep(60)
"""


def _holding_child(child: ChildFactory, directory: Path) -> subprocess.Popen[str]:
    proc = child(HOLD, str(directory))
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_process_is_refused_with_the_holders_pid(
    child: ChildFactory, tmp_path: Path
) -> None:
    pid = _holding_child(child, tmp_path).pid
    lock = InstanceLock(tmp_path)
    assert lock.acquire() is False
    assert lock.busy_message().startswith(
        f"another taskmon (PID {pid}) is already tracking this data dir"
    )
    with pytest.raises(AlreadyTracking, match=f"PID {pid}"):
        lock.acquire_or_raise()


def test_kill_9_of_the_holder_leaves_no_stale_lock(child: ChildFactory, tmp_path: Path) -> None:
    holder = _holding_child(child, tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    assert holder.wait(timeout=10) == -signal.SIGKILL
    lock = InstanceLock(tmp_path)
    assert lock.acquire() is True
    assert lock.holder_pid() == os.getpid()  # the dead holder's PID file is replaced
    lock.release()


def test_a_released_lock_can_be_taken_by_another_process(
    child: ChildFactory, tmp_path: Path
) -> None:
    with InstanceLock(tmp_path) as lock:
        assert lock.held
    _holding_child(child, tmp_path)


def test_the_pid_file_never_decides_who_holds_the_lock(tmp_path: Path) -> None:
    (tmp_path / "taskmon.pid").write_text("1\n")  # a stale or forged PID
    lock = InstanceLock(tmp_path)
    assert lock.acquire() is True
    lock.release()
    assert not (tmp_path / "taskmon.pid").exists()


def test_a_second_lock_in_the_same_process_is_refused(tmp_path: Path) -> None:
    first = InstanceLock(tmp_path)
    assert first.acquire()
    second = InstanceLock(tmp_path)
    assert second.acquire() is False
    assert f"PID {os.getpid()}" in second.busy_message()
    first.release()
    assert second.acquire()
    second.release()


def test_acquire_is_idempotent_for_the_holder(tmp_path: Path) -> None:
    lock = InstanceLock(tmp_path)
    assert lock.acquire() and lock.acquire()
    lock.release()
    assert not lock.held
    lock.release()  # releasing twice is harmless


def test_without_a_readable_pid_the_message_says_so(tmp_path: Path) -> None:
    holder = InstanceLock(tmp_path)
    assert holder.acquire()
    (tmp_path / "taskmon.pid").unlink()
    loser = InstanceLock(tmp_path)
    assert not loser.acquire()
    assert loser.busy_message().startswith("another taskmon (PID unknown) is already tracking")
    holder.release()


def test_a_pid_part_left_by_a_killed_holder_is_cleared_by_the_next(tmp_path: Path) -> None:
    """kill -9 between writing `taskmon.pid.<pid>.part` and renaming it left the part behind."""
    tmp_path.mkdir(exist_ok=True)
    left = tmp_path / "taskmon.pid.99999.part"
    left.write_text("99999\n")
    with InstanceLock(tmp_path):
        assert not left.exists()
        assert (tmp_path / "taskmon.pid").read_text().strip() == str(os.getpid())
