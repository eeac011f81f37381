"""The window's commands on TrackingService, over real HTTP against the simulator and a real store.

add and remove (with the purge), retry of what taskmon gave up on, cancel,
provider switches and base URLs at run time, and the stored history.
"""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from loopback import eventually

from taskmon.domain.records import FileState
from taskmon.domain.snapshot import MediaKind, State
from taskmon.domain.task import GAVE_UP, NOT_FOUND, TaskRef
from taskmon.net.base_urls import ConfigError
from taskmon.providers import PROVIDERS
from taskmon.providers.base import BadReference
from taskmon.service import tracking_service as service_module
from taskmon.service.data_paths import cache_dir, db_path
from taskmon.service.tracking_service import TrackingService
from taskmon.sim import Simulator, TaskScript
from taskmon.store.store import Store
from taskmon.tracking import outcome_handler
from taskmon.tracking.config import DISABLED
from taskmon.tracking.events import ProviderEvent


def stored(data: Path, key: str) -> Any:
    with Store.open(db_path(data)) as store:
        return store.task(key)


def view(service: TrackingService, key: str) -> Any:
    assert service.engine is not None
    return service.engine.task(key)


def sim_ref(sim: Simulator, provider: str, **script: Any) -> TaskRef:
    task = sim.add_task(TaskScript(provider=provider, **script))
    return TaskRef(provider, task.task_id, task.model if provider == "apixo" else None)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def unused_port() -> int:
    """A loopback port nobody listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def no_store_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a command can make a task tracked quickly: the store poll waits a minute."""
    monkeypatch.setattr(service_module, "STORE_POLL_S", 60.0)


# -- add ---------------------------------------------------------------------------


async def test_add_tasks_tracks_at_once_and_stores_with_the_label(
    sim: Simulator, make_service: Any, data: Path, no_store_poll: None
) -> None:
    service = make_service(data)
    await service.start()
    ref = sim_ref(sim, "xenodia", run_s=0.3)

    result = await service.add_tasks([ref], label="  cover art  ")

    assert result.added == (ref.key,) and result.duplicates == ()
    assert service.engine.is_tracked(ref.key)
    await asyncio.wait_for(service.wait_until_done(), 30)
    row = stored(data, ref.key)
    assert (row.label, row.state) == ("cover art", State.SUCCEEDED)
    assert [f.state for f in row.files] == [FileState.COMPLETE]


async def test_add_tasks_reports_duplicates_like_taskmon_add(make_service: Any, data: Path) -> None:
    service = make_service(data, keys={})
    await service.start()
    a, b, c = (TaskRef("reapi", f"task_{n}") for n in "abc")
    await service.add_tasks([a, b])

    result = await service.add_tasks([b, c, c])

    assert result.added == (c.key,)
    assert result.duplicates == (b.key, c.key)  # already tracked; given twice
    assert {v.key for v in service.engine.tasks()} == {a.key, b.key, c.key}


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        (TaskRef("apixo", "task_x"), "needs the model"),
        (TaskRef("reapi", "   "), "empty"),
        (TaskRef("nosuch", "task_x"), "unknown provider"),
    ],
)
async def test_one_bad_reference_adds_nothing(
    make_service: Any, data: Path, bad: TaskRef, says: str
) -> None:
    service = make_service(data, keys={})
    await service.start()

    with pytest.raises(BadReference, match=says):
        await service.add_tasks([TaskRef("reapi", "task_ok"), bad])

    assert service.engine.tasks() == []
    with Store.open(db_path(data)) as store:
        assert store.tasks() == []


# -- remove ------------------------------------------------------------------------


async def test_remove_tasks_stops_polling_and_deletes_from_the_store(
    sim: Simulator, make_service: Any, data: Path
) -> None:
    service = make_service(data)
    await service.start()
    gone = sim_ref(sim, "vidgo", run_s=30)
    kept = sim_ref(sim, "vidgo", run_s=30)
    await service.add_tasks([gone, kept])
    await eventually(lambda: view(service, gone.key).observed)

    result = await service.remove_tasks([gone.key, "vidgo//id/never-added"])

    assert result.removed == (gone.key,)
    assert result.not_tracked == ("vidgo//id/never-added",)
    assert result.purge is None
    assert result.message == "Removed 1 task; 1 not tracked"
    assert not service.engine.is_tracked(gone.key) and service.engine.is_tracked(kept.key)
    assert stored(data, gone.key) is None and stored(data, kept.key) is not None
    polls = len(sim.stats(gone.task_id).polls)
    await asyncio.sleep(1.5)  # the store poll runs meanwhile and must not bring it back
    assert len(sim.stats(gone.task_id).polls) == polls
    assert not service.engine.is_tracked(gone.key)


async def test_remove_with_purge_deletes_only_that_tasks_cached_files(
    sim: Simulator, make_service: Any, data: Path
) -> None:
    service = make_service(data)
    await service.start()
    gone = sim_ref(sim, "reapi", run_s=0.2, outputs=2)
    kept = sim_ref(sim, "reapi", run_s=0.2)
    await service.add_tasks([gone, kept])
    await asyncio.wait_for(service.wait_until_done(), 30)
    gone_files = [Path(p) for p in view(service, gone.key).files]
    kept_files = [Path(p) for p in view(service, kept.key).files]
    assert len(gone_files) == 2 and all(p.is_file() for p in gone_files + kept_files)

    result = await service.remove_tasks([gone.key], purge=True)

    assert result.purge is not None and result.purge.ok
    assert sorted(result.purge.deleted) == sorted(gone_files)
    assert not any(p.exists() for p in gone_files)
    assert not gone_files[0].parent.exists()  # its emptied directory goes too
    assert all(p.is_file() for p in kept_files)
    assert result.message == "Removed 1 task; deleted 2 files"


async def test_a_purge_stops_the_tasks_download_first_so_nothing_lands_afterwards(
    sim: Simulator, make_service: Any, data: Path
) -> None:
    service = make_service(data)
    await service.start()
    # The first GET is cut: a .part stays while the fetcher waits to resume it.
    ref = sim_ref(sim, "reapi", run_s=0.1, media_bytes=200_000, media_cut_after=5_000)
    await service.add_tasks([ref])
    provider_dir = cache_dir(data) / "reapi"
    await eventually(lambda: any(provider_dir.rglob("*.part")))

    result = await service.remove_tasks([ref.key], purge=True)

    assert result.purge is not None and result.purge.ok
    assert any(p.name.endswith(".part") for p in result.purge.deleted)
    await asyncio.sleep(2.5)  # longer than the fetcher's resume backoff
    assert [p for p in provider_dir.rglob("*") if p.is_file()] == []


# -- retry -------------------------------------------------------------------------


async def test_retry_looks_up_a_lost_task_again_and_the_store_keeps_its_history(
    sim: Simulator, make_service: Any, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outcome_handler, "NOT_FOUND_CONFIRM_S", 0.2)
    service = make_service(data)
    await service.start()
    ref = TaskRef("xenodia", "task_submitted_elsewhere")
    await service.add_tasks([ref])
    await eventually(lambda: view(service, ref.key).state is State.LOST)
    sim.add_task(TaskScript(provider="xenodia", task_id=ref.task_id, run_s=0.3))

    message = await service.retry(ref.key)

    assert message == "looking it up again at Xenodia"
    reopened = view(service, ref.key)
    assert (reopened.state, reopened.error, reopened.finished_at) == (State.QUEUED, None, None)
    await asyncio.wait_for(service.wait_until_done(), 30)
    assert view(service, ref.key).state is State.SUCCEEDED
    history = [e.state for e in await service.history(ref.key)]
    assert history[:2] == [State.LOST, State.QUEUED] and history[-1] is State.SUCCEEDED
    assert stored(data, ref.key).state is State.SUCCEEDED


async def test_a_retried_task_still_missing_is_lost_again(
    make_service: Any, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outcome_handler, "NOT_FOUND_CONFIRM_S", 0.2)
    service = make_service(data)
    await service.start()
    ref = TaskRef("vidgo", "task-unified-0000000000-nothere")
    await service.add_tasks([ref])
    await eventually(lambda: view(service, ref.key).state is State.LOST)

    await service.retry(ref.key)
    await service._flush_writes()
    assert stored(data, ref.key).state is State.QUEUED  # the reopening is saved

    await eventually(lambda: view(service, ref.key).state is State.LOST)
    assert view(service, ref.key).error.code == NOT_FOUND


async def test_retry_fetches_a_failed_result_again(
    sim: Simulator, make_service: Any, data: Path
) -> None:
    # A result link that answers 404 until its file is ready (another task's, due in 3 s);
    # the task itself has succeeded by its first poll.
    ready_at = time.monotonic() + 3.0
    later = sim.add_task(TaskScript(provider="reapi", run_s=3.0))
    (url,) = sim.result_urls(later.task_id)
    ref = sim_ref(sim, "vidgo", run_s=0.0, output_urls=[url])
    service = make_service(data)
    await service.start()
    await service.add_tasks([ref])
    await eventually(lambda: view(service, ref.key).download_failed)
    assert view(service, ref.key).files == ()
    assert "HTTP 404" in (view(service, ref.key).problem or "")
    await asyncio.sleep(ready_at - time.monotonic() + 0.5)

    message = await service.retry(ref.key)

    assert message == "fetching 1 missing result file again"
    await asyncio.wait_for(service.wait_until_done(), 30)
    done = view(service, ref.key)
    assert not done.download_failed and done.problem is None
    (path,) = done.files
    assert Path(path).read_bytes() == sim.expected_media(url)
    assert await service.retry(ref.key) == "every result is already downloaded"


async def test_retry_reopens_a_task_taskmon_gave_up_on(
    sim: Simulator, make_service: Any, data: Path
) -> None:
    service = make_service(data, give_up_after_s={MediaKind.IMAGE: 0.5})
    await service.start()
    done_at = time.monotonic() + 4.0
    ref = sim_ref(sim, "xenodia", kind="image", run_s=4.0)  # Xenodia says "image" early
    await service.add_tasks([ref])
    await eventually(lambda: view(service, ref.key).state is State.FAILED)
    assert view(service, ref.key).error.code == GAVE_UP
    await asyncio.sleep(done_at - time.monotonic() + 0.3)  # the provider finishes meanwhile

    assert await service.retry(ref.key) == "looking it up again at Xenodia"
    assert view(service, ref.key).state is State.QUEUED

    await asyncio.wait_for(service.wait_until_done(), 30)
    assert view(service, ref.key).state is State.SUCCEEDED


async def test_an_ending_the_provider_reported_is_not_retried(
    sim: Simulator, make_service: Any, data: Path
) -> None:
    service = make_service(data)
    await service.start()
    ref = sim_ref(sim, "xenodia", run_s=0.2, outcome="failed", error_message="boom")
    await service.add_tasks([ref])
    await asyncio.wait_for(service.wait_until_done(), 30)
    polls = len(sim.stats(ref.task_id).polls)

    message = await service.retry(ref.key)

    assert message == "Xenodia reported it failed: that is final, so it is not retried"
    await asyncio.sleep(0.5)
    assert view(service, ref.key).state is State.FAILED
    assert len(sim.stats(ref.task_id).polls) == polls
    assert await service.retry("reapi//id/unknown") == "not tracked"


# -- cancel ------------------------------------------------------------------------


async def test_cancel_goes_through_the_service(
    sim: Simulator, make_service: Any, data: Path
) -> None:
    service = make_service(data)
    await service.start()
    ref = sim_ref(sim, "bytespike", run_s=30)
    await service.add_tasks([ref])
    await eventually(lambda: view(service, ref.key).observed)

    assert await service.cancel(ref.key) == "now cancelled"
    assert await service.cancel("bytespike//id/unknown") == "not tracked"
    reapi = sim_ref(sim, "reapi", run_s=30)
    await service.add_tasks([reapi])
    assert await service.cancel(reapi.key) == "reAPI does not support cancelling"


# -- provider switches and base URLs -------------------------------------------------


async def test_a_disabled_provider_is_not_polled_and_says_so_until_enabled(
    sim: Simulator, make_service: Any, data: Path
) -> None:
    service = make_service(data)
    events: list[ProviderEvent] = []
    service.subscribe(lambda e: events.append(e) if isinstance(e, ProviderEvent) else None)
    await service.start()
    ref = sim_ref(sim, "vidgo", run_s=1.0)
    await service.add_tasks([ref])
    await eventually(lambda: view(service, ref.key).observed)

    service.set_enabled("vidgo", False)

    assert view(service, ref.key).problem == DISABLED
    assert (events[-1].provider, events[-1].kind, events[-1].problem) == (
        "vidgo",
        "disabled",
        DISABLED,
    )
    assert not service.engine.has_unfinished()  # `run --until-done` is not held open
    polls = len(sim.stats(ref.task_id).polls)
    await asyncio.sleep(1.5)
    assert len(sim.stats(ref.task_id).polls) == polls
    await service._flush_writes()
    assert stored(data, ref.key).problem == DISABLED

    service.set_enabled("vidgo", True)

    assert events[-1].kind == "ok"
    await asyncio.wait_for(service.wait_until_done(), 10)
    assert view(service, ref.key).state is State.SUCCEEDED


async def test_a_provider_disabled_before_start_is_never_contacted(
    sim: Simulator, make_service: Any, data: Path
) -> None:
    ref = sim_ref(sim, "reapi", run_s=0.2)
    service = make_service(data)
    service.set_enabled("reapi", False)
    await service.start()
    await service.add_tasks([ref])
    await asyncio.wait_for(service.wait_until_done(), 5)

    assert view(service, ref.key).problem == DISABLED
    assert sim.stats(ref.task_id).polls == []
    assert await service.cancel(ref.key) == "reAPI is disabled in settings"


async def test_a_new_base_url_is_used_at_once(
    sim: Simulator, make_service: Any, data: Path, unused_port: int
) -> None:
    service = make_service(data)
    service.set_base_url("xenodia", f"http://127.0.0.1:{unused_port}")  # before start
    await service.start()
    ref = sim_ref(sim, "xenodia", run_s=0.2)
    await service.add_tasks([ref])
    await eventually(lambda: "cannot connect" in (view(service, ref.key).problem or ""))

    assert service.set_base_url("xenodia", sim.api_url + "/") == sim.api_url

    await asyncio.wait_for(service.wait_until_done(), 10)
    assert view(service, ref.key).state is State.SUCCEEDED


async def test_a_bad_base_url_is_refused_and_changes_nothing(
    sim: Simulator, make_service: Any, data: Path
) -> None:
    service = make_service(data)
    await service.start()

    for bad in ("http://example.com", "https://host/some/path", "ftp://host"):
        with pytest.raises(ConfigError):
            service.set_base_url("reapi", bad)

    assert service.engine.base_url("reapi") == sim.api_url
    service.set_enabled("reapi", False)  # nothing goes to the real host below
    assert service.set_base_url("reapi", None) == PROVIDERS["reapi"].default_base_url


# -- history -------------------------------------------------------------------------


async def test_history_comes_from_the_store_after_a_restart(
    sim: Simulator, make_service: Any, data: Path
) -> None:
    first = make_service(data)
    await first.start()
    ref = sim_ref(sim, "xenodia", queue_s=0.3, run_s=0.3)
    await first.add_tasks([ref])
    await asyncio.wait_for(first.wait_until_done(), 30)
    await first.stop()

    second = make_service(data)
    await second.start()

    assert view(second, ref.key).history == ()  # a restart starts an empty in-memory view
    states = [e.state for e in await second.history(ref.key)]
    assert states[0] in (State.QUEUED, State.RUNNING) and states[-1] is State.SUCCEEDED
    assert await second.history("xenodia//id/unknown") == []


async def test_commands_before_start_say_the_service_is_not_running(
    make_service: Any, data: Path
) -> None:
    service = make_service(data)
    with pytest.raises(RuntimeError, match="not running"):
        await service.add_tasks([TaskRef("reapi", "task_a")])
