"""No API key ever reaches the store's files, after a whole tracking workflow."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from store_helpers import observation_of

from taskmon.domain.records import FileState, NewTask
from taskmon.domain.snapshot import State
from taskmon.domain.task import TaskRef
from taskmon.keys import Secret
from taskmon.providers import PROVIDERS
from taskmon.service.data_paths import cache_dir, db_path, ensure_data_dir
from taskmon.sim import Simulator, TaskScript
from taskmon.store.store import Store
from taskmon.store.writer import StoreWriter
from taskmon.tracking.engine import Engine, EngineConfig
from taskmon.tracking.events import EngineEvent, TaskEvent

SAMPLE_KEYS = {name: f"sk-{name}-8f3a1c-NEVER-STORE-ME" for name in PROVIDERS}


class SampleKeys:
    async def get(self, provider: str) -> Secret | None:
        return Secret(SAMPLE_KEYS[provider])


def _persist_into(writer: StoreWriter) -> Callable[[EngineEvent], None]:
    """What the engine wiring will do with every event (the other half of issue 3)."""

    def persist(event: EngineEvent) -> None:
        if not isinstance(event, TaskEvent):
            return
        view = event.view
        writer.save_observation(view.key, observation_of(view))
        if (event.first or event.state_changed) and view.history:
            writer.append_history(view.key, view.history[-1])
        for index, path in enumerate(view.files):
            writer.set_file(
                view.key,
                index,
                url=view.outputs[index].url,
                path=path,
                state=FileState.COMPLETE,
                size=Path(path).stat().st_size,
            )
        if view.state is State.SUCCEEDED and view.finished_at is not None:
            start = view.started_at or view.first_seen_at
            writer.record_duration(
                view.key,
                provider=view.ref.provider,
                model=view.model,
                kind=view.media_kind,
                queue_s=(start - (view.created_at or view.first_seen_at)).total_seconds(),
                run_s=(view.finished_at - start).total_seconds(),
                finished_at=view.finished_at,
            )

    return persist


def _files_under(directory: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in directory.rglob("*") if p.is_file()}


async def test_no_api_key_is_ever_written_to_the_data_dir(tmp_path: Path) -> None:
    sim = Simulator(seed=5, keys=SAMPLE_KEYS, sse_keepalive_s=0.5)
    await sim.start()
    directory = ensure_data_dir(tmp_path / "data")
    store = Store.open(db_path(directory))
    writer = StoreWriter(db_path(directory), batch_interval_s=0.02)
    engine = Engine(
        SampleKeys(),
        EngineConfig(
            base_url_overrides={name: sim.api_url for name in PROVIDERS},
            result_dir=lambda _ref: cache_dir(directory),
        ),
        env={},
    )
    engine.subscribe(_persist_into(writer))
    try:
        refs = []
        for provider in PROVIDERS:
            task = sim.add_task(TaskScript(provider=provider, run_s=0.0, outputs=2))
            refs.append(TaskRef(provider, task.task_id, task.model))
        failed = sim.add_task(TaskScript(provider="xenodia", run_s=0.2, outcome="failed"))
        refs.append(TaskRef("xenodia", failed.task_id, failed.model))
        store.add_tasks([NewTask(r, label="no keys here") for r in refs])
        for stored in store.tasks():
            engine.track(stored.ref, label=stored.label)
        await asyncio.wait_for(engine.wait_idle(), 20)
        assert await writer.aflush()

        tasks = store.tasks()
        assert {t.state for t in tasks} == {State.SUCCEEDED, State.FAILED}
        assert sum(len(t.files) for t in tasks) == 2 * len(PROVIDERS)
        assert all(store.history(t.key) for t in tasks)
        while_open = _files_under(directory)  # the WAL still holds recent pages
    finally:
        await engine.aclose()
        writer.close()
        store.close()
        await sim.stop()

    assert any(p.name.endswith("-wal") for p in while_open)
    everything = b"".join(while_open.values())
    assert refs[0].task_id.encode() in everything  # the scan does see what was stored
    for contents in (while_open, _files_under(directory)):
        for path, data in contents.items():
            for key in SAMPLE_KEYS.values():
                assert key.encode() not in data, f"{key} found in {path}"
