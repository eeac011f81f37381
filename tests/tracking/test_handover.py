"""The hand-over socket: `taskmon add` wakes the tracker at once; `show` reaches the window.

Real processes (`python -m taskmon`) on one side, a TrackingService on the
other, real Unix sockets between them; the simulator answers the polls.
"""

from __future__ import annotations

import asyncio
import os
import signal
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from taskmon.domain.task import TaskRef
from taskmon.service import tracking_service as service_module
from taskmon.service.handover import (
    MAX_SOCKET_PATH_BYTES,
    Command,
    Holder,
    HolderRole,
    asend_to_holder,
    send_to_holder,
    socket_path,
    supported,
)
from taskmon.sim import Simulator, TaskScript

pytestmark = pytest.mark.skipif(not supported(), reason="needs Unix sockets")


def child_env(data: Path) -> dict[str, str]:
    """This process's environment (PYTHONPATH included) with the data dir set, no keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKMON_")}
    return {**env, "TASKMON_DATA_DIR": str(data)}


async def taskmon(data: Path, *args: str) -> tuple[int, str, str]:
    """Run `python -m taskmon ARGS` without blocking the loop the service answers on."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "taskmon",
        *args,
        env=child_env(data),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def wait_for(condition: Any, timeout_s: float, step_s: float = 0.01) -> float:
    """Seconds until `condition()` held; fails after `timeout_s`."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout_s:
            pytest.fail(f"not within {timeout_s} s")
        await asyncio.sleep(step_s)
    return time.monotonic() - start


async def test_taskmon_add_hands_new_tasks_over_at_once(
    sim: Simulator, make_service: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The store poll would take a minute: only the hand-over can be this quick.
    monkeypatch.setattr(service_module, "STORE_POLL_S", 60.0)
    data = tmp_path / "data"
    service = make_service(data)
    await service.start()
    task = sim.add_task(TaskScript(provider="xenodia", run_s=0.2))
    key = TaskRef("xenodia", task.task_id).key

    code, out, err = await taskmon(data, "add", "--provider", "xenodia", task.task_id)
    added = time.monotonic()

    assert (code, out, err) == (0, f"added xenodia {task.task_id}\n", "")
    assert service.engine is not None
    await wait_for(lambda: len(sim.stats(task.task_id).polls) > 0, 2.0)
    assert time.monotonic() - added < 0.5  # tracked and polled at once
    await asyncio.wait_for(service.wait_until_done(), 30)
    view = service.engine.task(key)
    assert view is not None and view.state.value == "succeeded"


async def test_a_socket_left_by_a_killed_holder_is_harmless_and_replaced(
    make_service: Any, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "taskmon",
        "run",
        env=child_env(data),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        answers: list[Holder | None] = [None]

        def run_answers() -> bool:
            answers[0] = send_to_holder(data, Command.SYNC)
            return answers[0] is not None

        deadline = time.monotonic() + 20
        while not await asyncio.to_thread(run_answers):
            assert proc.returncode is None and time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert answers[0] == Holder("run", proc.pid)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        await asyncio.wait_for(proc.wait(), 10)
    path = socket_path(data)
    assert path is not None and stat.S_ISSOCK(path.lstat().st_mode)  # left behind

    started = time.monotonic()
    assert await asyncio.to_thread(send_to_holder, data, Command.SYNC) is None
    assert time.monotonic() - started < 0.5  # refused at once, not a timeout

    service = make_service(data)
    await service.start()  # the kernel dropped the killed holder's lock
    holder = await asyncio.to_thread(send_to_holder, data, Command.SYNC)
    assert holder == Holder("run", os.getpid())
    await service.stop()
    assert not path.exists()  # a clean stop leaves nothing behind


async def test_a_data_dir_path_too_long_for_a_socket_still_hands_over(
    make_service: Any, tmp_path: Path
) -> None:
    data = tmp_path.joinpath(*(["a-rather-long-directory-name-" * 2] * 6), "data")
    assert len(str(data)) > 300
    service = make_service(data)
    await service.start()

    holder = await asyncio.to_thread(send_to_holder, data, Command.SYNC)

    assert holder == Holder("run", os.getpid())
    path = socket_path(data)
    assert path is not None and len(os.fsencode(str(path))) <= MAX_SOCKET_PATH_BYTES
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.parent.stat().st_uid == os.getuid()


async def test_show_reaches_the_window_and_says_who_answered(
    make_service: Any, tmp_path: Path
) -> None:
    shown = asyncio.Event()
    service = make_service(tmp_path / "data", role=HolderRole.WINDOW)
    service.on_show_requested = shown.set
    await service.start()

    holder = await asend_to_holder(tmp_path / "data", Command.SHOW)

    assert holder == Holder("window", os.getpid())
    await asyncio.wait_for(shown.wait(), 1.0)


async def test_a_run_holder_answers_show_with_its_role_and_pid(
    make_service: Any, tmp_path: Path
) -> None:
    await make_service(tmp_path / "data").start()

    holder = await asend_to_holder(tmp_path / "data", Command.SHOW)

    assert holder is not None and holder.role == HolderRole.RUN
    assert holder.describe() == f"taskmon run (PID {os.getpid()})"


async def test_nobody_listening_is_none_at_once(tmp_path: Path) -> None:
    started = time.monotonic()
    assert send_to_holder(tmp_path / "nobody", Command.SYNC) is None
    assert await asend_to_holder(tmp_path / "nobody", Command.SHOW) is None
    assert time.monotonic() - started < 0.2


async def test_a_holder_that_never_answers_costs_the_client_half_a_second(
    tmp_path: Path,
) -> None:
    import socket

    path = socket_path(tmp_path / "data", create=True)
    assert path is not None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as mute:
        mute.bind(os.fspath(path))
        mute.listen(4)  # accepts connections into its backlog, never reads or answers
        try:
            started = time.monotonic()
            assert send_to_holder(tmp_path / "data", Command.SYNC) is None
            assert await asend_to_holder(tmp_path / "data", Command.SYNC) is None
            assert time.monotonic() - started < 1.5
        finally:
            path.unlink()


async def test_taskmon_add_with_a_stuck_holder_still_adds_and_exits_0(tmp_path: Path) -> None:
    import socket

    data = tmp_path / "data"
    path = socket_path(data, create=True)
    assert path is not None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as mute:
        mute.bind(os.fspath(path))
        mute.listen(4)
        try:
            code, out, err = await taskmon(data, "add", "--provider", "reapi", "t1")
        finally:
            path.unlink()
    assert (code, out, err) == (0, "added reapi t1\n", "")


def test_a_socket_directory_that_is_a_link_is_never_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (runtime / "taskmon").symlink_to(elsewhere, target_is_directory=True)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))

    assert socket_path(tmp_path / "data", create=True) is None
    assert send_to_holder(tmp_path / "data", Command.SYNC) is None


def test_the_socket_directory_is_made_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short runtime dir, as real ones are (/run/user/1000): pytest's are too long.
    with tempfile.TemporaryDirectory(prefix="tm-") as short:
        runtime = Path(short)
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
        (runtime / "taskmon").mkdir()
        os.chmod(runtime / "taskmon", 0o755)

        path = socket_path(tmp_path / "data", create=True)

        assert path is not None and path.parent == runtime / "taskmon"
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_socket_path_that_would_be_too_long_disables_hand_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path.joinpath("r" * 60, "x" * 40)
    runtime.mkdir(parents=True)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))

    assert socket_path(tmp_path / "data", create=True) is None
    assert send_to_holder(tmp_path / "data", Command.SYNC) is None
