"""`taskmon save` fetching a result the cache lacks, through the engine's download client.

The simulator serves the media; `save` runs in-process, as in test_save.py. What
is checked is the path the bytes take: net's download client (its User-Agent
says so), never a key on a media request, byte-exact copies with their SHA-256
in the sidecar, and a `.part` left by an interrupted save (a cut connection, a
SIGKILL) resumed from where it stopped by the next one.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cli_env import isolated_data_dir

from taskmon.cli import main
from taskmon.domain.records import FileState, Observation
from taskmon.domain.snapshot import MediaKind, Output, State
from taskmon.domain.task import TaskRef
from taskmon.net.http_api import USER_AGENT
from taskmon.service.data_paths import cache_dir, db_path
from taskmon.sim import SimulatorThread, TaskScript
from taskmon.store.store import Store
from taskmon.store.writer import StoreWriter

EXIT_OK, EXIT_SOME_NOT_SAVED = 0, 1
KEY_HEADERS = {"authorization", "proxy-authorization", "x-api-key"}


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorThread]:
    with SimulatorThread(seed=37) as simulator:
        yield simulator


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = isolated_data_dir(monkeypatch, tmp_path / "data")
    # A key is there to be found: none of it may reach the media origin.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    return directory


@pytest.fixture
def cli(data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    def invoke(*args: str) -> Result:
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


def with_key(sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKMON_XENODIA_API_KEY", sim.keys["xenodia"])
    monkeypatch.setenv("TASKMON_XENODIA_BASE_URL", sim.api_url)


def uncached_task(sim: SimulatorThread, cli: Any, data: Path, **script: Any) -> tuple[str, str]:
    """A finished task the store knows with its result link but no cached file."""
    task = sim.add_task(TaskScript("xenodia", "image", queue_s=0.0, run_s=0.1, **script))
    # Its media are served once it has finished (the simulator says when that is).
    time.sleep(max(0.0, sim.stats(task.task_id).finished_at_epoch - time.time()) + 0.1)
    (url,) = sim.result_urls(task.task_id)
    assert cli("add", "--provider", "xenodia", task.task_id).code == EXIT_OK
    writer = StoreWriter(db_path(data))
    writer.save_observation(
        TaskRef("xenodia", task.task_id).key,
        Observation(
            state=State.SUCCEEDED,
            outputs=(Output(url, MediaKind.IMAGE),),
            finished_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        ),
    )
    assert writer.close()
    return task.task_id, url


def media_headers(sim: SimulatorThread, url: str) -> list[dict[str, str]]:
    """The headers of each request the media origin received for `url`, lower-cased."""
    path = url.split("://", 1)[1].split("/", 1)[1]
    return [
        {k.lower(): v for k, v in headers.items()}
        for raw, headers in sim.media_requests
        if raw.lstrip("/") == path
    ]


def stored_file(data: Path, task_id: str) -> tuple[str | None, FileState]:
    with Store.open(db_path(data)) as store:
        (task,) = [t for t in store.tasks() if t.ref.task_id == task_id]
        ((path, state),) = [(f.path, f.state) for f in task.files]
        return path, state


def assert_resumed_whole(
    sim: SimulatorThread, data: Path, saved: Result, task_id: str, url: str, kept: int
) -> None:
    """`saved` (a save after an interrupted one) fetched only what the `.part` lacked
    (from `kept` on, without the key), finished the cache and wrote the whole file."""
    assert (saved.code, saved.err) == (EXIT_OK, "")
    expected = sim.expected_media(url)
    copy = Path(saved.out.strip())
    assert copy.read_bytes() == expected
    side = json.loads(copy.with_name(copy.name + ".json").read_text(encoding="utf-8"))
    assert side["sha256"] == hashlib.sha256(expected).hexdigest()
    whole, resumed = media_headers(sim, url)
    assert "range" not in whole
    assert resumed["range"] == f"bytes={kept}-" and resumed["if-range"]
    assert not KEY_HEADERS & (set(whole) | set(resumed))
    assert not list(cache_dir(data).rglob("*.part*"))
    cached, state = stored_file(data, task_id)
    assert state is FileState.COMPLETE and cached is not None
    assert Path(cached).read_bytes() == expected


def test_save_fetches_an_uncached_result_byte_exact_with_its_sha256_in_the_sidecar(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_key(sim, monkeypatch)
    task_id, url = uncached_task(sim, cli, data, media_bytes=3 * 1024 * 1024 + 17)
    expected = sim.expected_media(url)

    saved = cli("save", "--to", str(tmp_path / "out"), "--metadata", task_id)

    assert (saved.code, saved.err) == (EXIT_OK, "")
    (line,) = saved.out.splitlines()
    copy = Path(line)
    assert copy.read_bytes() == expected
    side = json.loads(copy.with_name(copy.name + ".json").read_text(encoding="utf-8"))
    assert side["sha256"] == hashlib.sha256(expected).hexdigest()
    assert side["source_url"] == url
    cached, state = stored_file(data, task_id)
    assert state is FileState.COMPLETE and cached is not None
    assert Path(cached).is_relative_to(cache_dir(data)) and Path(cached).read_bytes() == expected
    (request,) = media_headers(sim, url)
    # The engine's download client (net/) fetched it, with no key on it although one was set.
    assert request["user-agent"] == USER_AGENT
    assert not KEY_HEADERS & set(request)
    assert sim.keys["xenodia"] not in json.dumps(request)


def test_a_fresh_link_asked_for_with_the_key_is_fetched_without_it(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The status call and the download share save's clients: only the call has the key.
    with_key(sim, monkeypatch)
    task_id, old = uncached_task(sim, cli, data, media_ttl_s=0.1, media_renew_s=60)
    time.sleep(1.4)  # the signed expiry is a whole second: past it, whatever the rounding
    polls = len(sim.stats(task_id).polls)

    saved = cli("save", "--to", str(tmp_path / "out"), task_id)

    assert (saved.code, saved.err) == (EXIT_OK, "")
    assert len(sim.stats(task_id).polls) == polls + 1
    (fresh,) = sim.result_urls(task_id)
    assert fresh != old
    assert Path(saved.out.strip()).read_bytes() == sim.expected_media(fresh)
    (request,) = media_headers(sim, fresh)
    assert request["user-agent"] == USER_AGENT
    assert not KEY_HEADERS & set(request)


def test_the_next_save_resumes_the_part_an_interrupted_one_left(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path
) -> None:
    # Cut inside a block and within aiohttp's read buffer: every byte sent reaches the .part.
    size, cut = 2 * 1024 * 1024 + 5, 1024 * 1024 + 3
    task_id, url = uncached_task(sim, cli, data, media_bytes=size, media_cut_after=cut)
    out = tmp_path / "out"

    first = cli("save", "--to", str(out), "--metadata", task_id)

    assert (first.code, first.out) == (EXIT_SOME_NOT_SAVED, "")
    assert "it will resume" in first.err, first.err
    (part,) = [p for p in cache_dir(data).rglob("*.part")]
    kept = part.stat().st_size
    assert kept == cut
    assert stored_file(data, task_id)[1] is FileState.FAILED

    saved = cli("save", "--to", str(out), "--metadata", task_id)

    assert_resumed_whole(sim, data, saved, task_id, url, kept)


# A `taskmon save` that kills itself (SIGKILL) once the fifth block of the body is
# handed over: at most three are in flight, so two are in the `.part` by then.
KILLED_SAVE = """
import os, signal, sys
from taskmon.cli import main
from taskmon.downloads.part_writer import PartWriter

original = PartWriter.add_block
handed = 0

async def add_block(self):
    global handed
    await original(self)
    handed += 1
    if handed == 5:
        os.kill(os.getpid(), signal.SIGKILL)

PartWriter.add_block = add_block
sys.exit(main(["save", "--to", sys.argv[1], sys.argv[2]]))
"""


def test_the_next_save_resumes_the_part_a_killed_one_left(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path
) -> None:
    size = 24 * 1024 * 1024 + 7
    task_id, url = uncached_task(sim, cli, data, media_bytes=size)
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_SAVE, str(out), task_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (part,) = [p for p in cache_dir(data).rglob("*.part")]
    kept = part.stat().st_size
    assert 8 * 1024 * 1024 <= kept < size

    saved = cli("save", "--to", str(out), "--metadata", task_id)

    assert_resumed_whole(sim, data, saved, task_id, url, kept)
