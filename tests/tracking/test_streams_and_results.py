"""Push streams, cancel and result downloads through the engine."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from taskmon.domain.snapshot import State
from taskmon.domain.task import TaskRef
from taskmon.sim import Simulator, TaskScript


async def test_a_stream_replaces_polling_and_the_end_is_confirmed_by_one_query(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, recorder = make_engine()
    task = sim.add_task(TaskScript(provider="bytespike", kind="video", queue_s=0.5, run_s=2.0))
    key = engine.track(TaskRef("bytespike", task.task_id)).key
    await settle(engine, 20)
    stats = sim.stats(task.task_id)
    assert stats.stream_connections == 1
    assert len(stats.polls) == 1  # the confirming query only
    states = [e.view.state for e in recorder.task_events(key) if e.state_changed or e.first]
    assert states == [State.QUEUED, State.RUNNING, State.SUCCEEDED]
    delay = engine.task(key).finished_at.timestamp() - stats.finished_at_epoch  # type: ignore[union-attr]
    assert delay < 1.0


async def test_without_a_stream_the_engine_falls_back_to_polling(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, _ = make_engine()
    refused = sim.add_task(TaskScript(provider="bytespike", run_s=1.0, stream=False))
    dropped = sim.add_task(TaskScript(provider="bytespike", run_s=3.0, stream_drop_after_s=0.5))
    for task in (refused, dropped):
        engine.track(TaskRef("bytespike", task.task_id))
    await settle(engine, 30)
    assert all(v.state is State.SUCCEEDED for v in engine.tasks())
    assert sim.stats(dropped.task_id).stream_connections >= 1
    assert len(sim.stats(refused.task_id).polls) >= 2


async def test_cancel_goes_through_the_engine(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, _ = make_engine()
    task = sim.add_task(TaskScript(provider="bytespike", kind="video", run_s=60.0))
    key = engine.track(TaskRef("bytespike", task.task_id)).key
    await asyncio.sleep(0.3)
    assert await engine.cancel(key) == "now cancelled"
    await settle(engine, 10)
    assert engine.task(key).state is State.CANCELLED  # type: ignore[union-attr]
    assert sim.stats(task.task_id).cancel_requests == 1


async def test_results_are_fetched_and_the_key_never_reaches_the_media_origin(
    sim: Simulator, make_engine: Any, settle: Any, tmp_path: Path
) -> None:
    engine, _ = make_engine(save=True)
    for provider in ("xenodia", "apixo", "bytespike", "vidgo", "reapi"):
        task = sim.add_task(TaskScript(provider=provider, run_s=0.3, outputs=2))
        engine.track(TaskRef(provider, task.task_id, task.model))
    await settle(engine, 30)
    for view in engine.tasks():
        assert view.state is State.SUCCEEDED
        assert len(view.files) == 2, view.problem
        for url, path in zip((o.url for o in view.outputs), view.files, strict=True):
            assert Path(path).read_bytes() == sim.expected_media(url)
            assert Path(path).parent == tmp_path / "results"
    assert sim.media_requests
    secrets = set(sim.keys.values())
    for _, headers in sim.media_requests:
        assert "authorization" not in {h.lower() for h in headers}
        assert not secrets & set(headers.values())
    assert not list((tmp_path / "results").glob("*.part*"))


async def test_hostile_names_and_urls_never_escape_the_result_folder(
    sim: Simulator, make_engine: Any, settle: Any, tmp_path: Path
) -> None:
    engine, _ = make_engine(save=True)
    names = ["../../x.png", "..", ".hidden", "CON", ""]
    hostile = sim.add_task(TaskScript(provider="reapi", run_s=0.2, outputs=5, output_names=names))
    local = sim.add_task(
        TaskScript(provider="reapi", run_s=0.2, output_urls=["file:///etc/passwd"])
    )
    for task in (hostile, local):
        engine.track(TaskRef("reapi", task.task_id))
    await settle(engine, 30)
    out = tmp_path / "results"
    hostile_view = next(v for v in engine.tasks() if v.ref.task_id == hostile.task_id)
    assert len(hostile_view.files) == 5
    for path in hostile_view.files:
        assert Path(path).parent == out and not Path(path).name.startswith(".")
    local_view = next(v for v in engine.tasks() if v.ref.task_id == local.task_id)
    assert local_view.state is State.SUCCEEDED and local_view.files == ()
    assert local_view.download_failed and "file" in (local_view.problem or "")
    assert sorted(p.parent for p in tmp_path.rglob("*") if p.is_file()) == [out] * 5


async def test_a_download_cut_half_way_is_resumed(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, _ = make_engine(save=True)
    task = sim.add_task(
        TaskScript(
            provider="vidgo", kind="video", run_s=0.2, media_bytes=200_000, media_cut_after=50_000
        )
    )
    key = engine.track(TaskRef("vidgo", task.task_id)).key
    await settle(engine, 30)
    view = engine.task(key)
    assert view is not None and len(view.files) == 1, view.problem
    url = view.outputs[0].url
    assert Path(view.files[0]).read_bytes() == sim.expected_media(url)
    ranges = [h.get("Range") or h.get("range") for _, h in sim.media_requests]
    assert any(r and r.startswith("bytes=") for r in ranges)


async def test_an_expired_result_link_is_reported_after_asking_for_fresh_ones(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, _ = make_engine(save=True)
    task = sim.add_task(TaskScript(provider="apixo", run_s=0.2, media_ttl_s=0.0))
    key = engine.track(TaskRef("apixo", task.task_id, task.model)).key
    await settle(engine, 30)
    view = engine.task(key)
    assert view is not None and view.state is State.SUCCEEDED and view.download_failed
    assert "expired" in (view.problem or "")
    assert len(sim.stats(task.task_id).polls) >= 3  # the end, then one refresh query


async def test_open_streams_never_starve_status_calls_on_the_same_host(
    sim: Simulator, make_engine: Any
) -> None:
    engine, _ = make_engine()
    for _ in range(12):  # more streams than the status pool has connections
        task = sim.add_task(TaskScript(provider="bytespike", kind="video", run_s=30.0))
        engine.track(TaskRef("bytespike", task.task_id))
    quick = sim.add_task(TaskScript(provider="apixo", run_s=0.2))
    key = engine.track(TaskRef("apixo", quick.task_id, quick.model)).key
    await asyncio.wait_for(engine.wait_idle([key]), 10)
    assert engine.task(key).state is State.SUCCEEDED  # type: ignore[union-attr]
    assert sum(sim.stats(t.task_id).stream_connections for t in sim.tasks()) == 12


async def test_the_stream_cap_holds_when_many_tasks_start_at_once(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, _ = make_engine(max_streams_per_provider=3)
    scripts = [sim.add_task(TaskScript(provider="bytespike", run_s=1.5)) for _ in range(10)]
    for script in scripts:  # all tracked in one go, as a restart resumes them
        engine.track(TaskRef("bytespike", script.task_id))
    runtime = engine.runtime_for(engine.tracked(TaskRef("bytespike", scripts[0].task_id).key))
    assert runtime.streams == 3  # counted at once, before any stream has run a step
    await asyncio.sleep(0.5)
    streamed = [s for s in scripts if sim.stats(s.task_id).stream_connections]
    assert len(streamed) == 3
    await settle(engine, 30)
    assert all(v.state is State.SUCCEEDED for v in engine.tasks())
    assert runtime.streams == 0  # every stream's count was given back


async def test_a_stream_cancelled_before_its_first_step_gives_its_slot_back(
    sim: Simulator, make_engine: Any
) -> None:
    engine, _ = make_engine(max_streams_per_provider=1)
    script = sim.add_task(TaskScript(provider="bytespike", run_s=30.0))
    key = engine.track(TaskRef("bytespike", script.task_id)).key
    runtime = engine.runtime_for(engine.tracked(key))
    assert runtime.streams == 1
    jobs = engine.untrack(key)  # at once: the stream job never ran
    await asyncio.gather(*jobs, return_exceptions=True)
    assert runtime.streams == 0
