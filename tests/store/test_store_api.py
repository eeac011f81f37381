"""The synchronous Store: what the CLI adds, lists and removes."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from store_helpers import new_tasks, ref

from taskmon.domain.records import FileState, NewTask, Observation
from taskmon.domain.snapshot import Cost, MediaKind, Output, State, TaskError
from taskmon.domain.task import HistoryEntry, TaskRef
from taskmon.store import codec as store_codec
from taskmon.store.codec import RAW_MAX_BYTES
from taskmon.store.errors import StoreUnavailable
from taskmon.store.store import Store
from taskmon.store.writer import StoreWriter

AT = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _saved(db: Path, key: str, obs: Observation) -> None:
    writer = StoreWriter(db)
    writer.save_observation(key, obs)
    assert writer.close()


def test_added_tasks_are_listed_in_the_order_they_were_added(store: Store) -> None:
    result = store.add_tasks(
        [
            NewTask(TaskRef("apixo", "a1", model="m", by_out_task_id=False), label="cat"),
            NewTask(TaskRef("bytespike", "mine-1", by_out_task_id=True)),
        ]
    )
    assert result.added == ("apixo/m/id/a1", "bytespike//out/mine-1")
    listed = store.tasks()
    assert [t.ref for t in listed] == [
        TaskRef("apixo", "a1", "m"),
        TaskRef("bytespike", "mine-1", by_out_task_id=True),
    ]
    assert listed[0].label == "cat"
    assert all(t.state is State.QUEUED and not t.observed for t in listed)
    assert listed[0].added_at.tzinfo is not None


def test_duplicates_are_skipped_and_reported(store: Store) -> None:
    store.add_tasks(new_tasks(range(3)))
    result = store.add_tasks([*new_tasks(range(2, 5)), NewTask(ref(4))])
    assert result.added == (ref(3).key, ref(4).key)
    assert result.duplicates == (ref(2).key, ref(4).key)
    assert len(store.tasks()) == 5


def test_a_duplicate_keeps_its_original_label_and_time(store: Store) -> None:
    store.add_tasks([NewTask(ref(1), label="first", added_at=AT)])
    store.add_tasks([NewTask(ref(1), label="second")])
    task = store.task(ref(1).key)
    assert task is not None and (task.label, task.added_at) == ("first", AT)


def test_remove_stops_tracking_and_counts_what_existed(store: Store, db: Path) -> None:
    store.add_tasks(new_tasks(range(3)))
    writer = StoreWriter(db)
    writer.append_history(ref(1).key, HistoryEntry(AT, State.QUEUED, None))
    writer.set_file(ref(1).key, 0, url="https://r/x", path=None, state=FileState.PENDING)
    writer.close()
    assert store.remove([ref(1).key, ref(2).key, "no/such/id/key"]) == 2
    assert [t.key for t in store.tasks()] == [ref(0).key]
    assert store.task(ref(1).key) is None
    assert store.history(ref(1).key) == [] and store.files(ref(1).key) == []


def test_an_observation_round_trips_with_outputs_error_cost_and_aware_utc_times(
    store: Store, db: Path
) -> None:
    store.add_tasks([NewTask(ref(1))])
    paris = timezone(timedelta(hours=1))
    obs = Observation(
        state=State.FAILED,
        raw_status="FAILURE",
        progress=42.5,
        outputs=(
            Output("https://r/1.mp4", MediaKind.VIDEO, "https://r/1.jpg", 5.0, "1280x720"),
            Output("https://r/2.bin", extra={"seed": 7}),
        ),
        error=TaskError("content policy", code="E403"),
        problem="rate limited, retrying in 3 s",
        cost=Cost(credits=1.5, micro_usdc=1200),
        model="veo-3",
        media_kind=MediaKind.VIDEO,
        created_at=AT,
        started_at=AT + timedelta(seconds=3),
        finished_at=(AT + timedelta(seconds=90)).astimezone(paris),
        next_poll_at=None,
        provider_task_id="bp-123",
        raw={"status": "FAILURE", "nested": [1, {"a": None}]},
    )
    _saved(db, ref(1).key, obs)
    task = store.task(ref(1).key)
    assert task is not None
    got = Observation(
        state=task.state,
        observed=task.observed,
        raw_status=task.raw_status,
        progress=task.progress,
        outputs=task.outputs,
        error=task.error,
        problem=task.problem,
        cost=task.cost,
        model=task.model,
        media_kind=task.media_kind,
        created_at=task.created_at,
        started_at=task.started_at,
        finished_at=task.finished_at,
        next_poll_at=task.next_poll_at,
        provider_task_id=task.provider_task_id,
        raw=task.raw,
    )
    assert got == obs
    assert task.finished_at is not None and task.finished_at.utcoffset() == timedelta(0)
    assert task.updated_at is not None and task.updated_at.tzinfo is UTC


def test_an_oversized_raw_payload_is_replaced_by_its_size(store: Store, db: Path) -> None:
    store.add_tasks([NewTask(ref(1))])
    _saved(db, ref(1).key, Observation(State.RUNNING, raw={"blob": "x" * RAW_MAX_BYTES}))
    raw = store.task(ref(1).key).raw  # type: ignore[union-attr]
    assert raw == {"taskmon_truncated_bytes": RAW_MAX_BYTES + len('{"blob":""}')}


def test_history_keeps_state_changes_only(store: Store, db: Path) -> None:
    store.add_tasks([NewTask(ref(1))])
    writer = StoreWriter(db)
    states = [State.QUEUED, State.QUEUED, State.RUNNING, State.RUNNING, State.RUNNING]
    for i, state in enumerate([*states, State.SUCCEEDED, State.SUCCEEDED]):
        writer.append_history(ref(1).key, HistoryEntry(AT + timedelta(seconds=i), state, str(i)))
    writer.close()
    history = store.history(ref(1).key)
    assert [(h.state, h.raw_status) for h in history] == [
        (State.QUEUED, "0"),
        (State.RUNNING, "2"),
        (State.SUCCEEDED, "5"),
    ]
    assert history[1].at == AT + timedelta(seconds=2)


def test_file_records_are_overwritten_per_output_index(store: Store, db: Path) -> None:
    store.add_tasks([NewTask(ref(1))])
    writer = StoreWriter(db)
    key = ref(1).key
    writer.set_file(
        key, 1, url="https://r/b", path="/c/b.part", state=FileState.PENDING, size=10
    )
    writer.set_file(key, 0, url="https://r/a", path="/c/a.png", state=FileState.COMPLETE, size=3)
    writer.flush()
    writer.set_file(key, 1, url="https://r/b", path=None, state=FileState.FAILED, error="HTTP 404")
    writer.close()
    files = store.files(key)
    assert [(f.index, f.state, f.path, f.size, f.error) for f in files] == [
        (0, FileState.COMPLETE, "/c/a.png", 3, None),
        (1, FileState.FAILED, None, None, "HTTP 404"),
    ]
    assert store.task(key).files == tuple(files)  # type: ignore[union-attr]


def test_tasks_filter_by_state_and_provider(store: Store, db: Path) -> None:
    store.add_tasks([*new_tasks(range(3)), *new_tasks(range(3, 5), provider="vidgo")])
    writer = StoreWriter(db)
    writer.save_observation(ref(1).key, Observation(State.SUCCEEDED))
    writer.save_observation(ref(3, "vidgo").key, Observation(State.SUCCEEDED))
    writer.close()
    assert len(store.tasks(state=State.SUCCEEDED)) == 2
    assert [t.key for t in store.tasks(state=State.SUCCEEDED, provider="vidgo")] == [
        ref(3, "vidgo").key
    ]
    assert len(store.tasks(provider="reapi")) == 3


def test_learned_durations_summarise_the_last_n_finished_tasks(store: Store, db: Path) -> None:
    writer = StoreWriter(db)
    for i in range(30):
        writer.record_duration(
            f"k{i}",
            provider="apixo",
            model="m",
            kind=MediaKind.VIDEO,
            queue_s=float(i),
            run_s=100.0 + i,
            finished_at=AT + timedelta(minutes=i),
        )
    writer.record_duration(
        "k0",
        provider="apixo",
        model="m",
        kind=MediaKind.VIDEO,
        queue_s=999.0,
        run_s=999.0,
        finished_at=AT + timedelta(days=1),
    )  # the same task again (a re-poll after a restart): ignored
    writer.record_duration(
        "other",
        provider="apixo",
        model="n",
        kind=MediaKind.VIDEO,
        queue_s=1.0,
        run_s=1.0,
        finished_at=AT,
    )
    writer.close()
    summary = store.learned_durations("apixo", "m", MediaKind.VIDEO, last_n=11)
    assert summary is not None and summary.samples == 11
    assert summary.queue_s is not None and summary.run_s is not None
    assert summary.queue_s.median == 24.0  # the latest 11 are 19..29
    assert (summary.run_s.p10, summary.run_s.p90) == (120.0, 128.0)
    assert store.learned_durations("apixo", "m", MediaKind.IMAGE) is None


def test_the_change_counter_moves_on_add_and_remove_but_not_on_observations(
    store: Store, db: Path
) -> None:
    start = store.change_counter()
    store.add_tasks(new_tasks(range(2)))
    after_add = store.change_counter()
    assert after_add > start
    store.add_tasks(new_tasks(range(2)))  # duplicates only
    _saved(db, ref(0).key, Observation(State.RUNNING))
    assert store.change_counter() == after_add
    store.remove([ref(0).key])
    assert store.change_counter() > after_add


def test_one_store_serves_many_threads(store: Store) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                store.add_tasks([NewTask(ref(n * 100 + i))])
                store.tasks()
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(store.tasks()) == 160


def test_removed_tasks_are_not_brought_back_by_late_writes(store: Store, db: Path) -> None:
    store.add_tasks([NewTask(ref(1))])
    store.remove([ref(1).key])
    writer = StoreWriter(db)
    writer.save_observation(ref(1).key, Observation(State.SUCCEEDED))
    writer.append_history(ref(1).key, HistoryEntry(AT, State.SUCCEEDED, None))
    writer.set_file(ref(1).key, 0, url="https://r/a", path=None, state=FileState.PENDING)
    writer.close()
    assert store.tasks() == [] and store.history(ref(1).key) == [] and store.files(ref(1).key) == []


@pytest.mark.parametrize("closed_twice", [False, True])
def test_the_store_is_a_context_manager(db: Path, closed_twice: bool) -> None:
    with Store.open(db) as store:
        store.add_tasks([NewTask(ref(1))])
    if closed_twice:
        store.close()
    with Store.open(db) as again:
        assert len(again.tasks()) == 1


def test_a_write_blocked_past_the_busy_timeout_raises_store_unavailable(db: Path) -> None:
    Store.open(db).close()
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process in the middle of a long write
    try:
        with Store.open(db, busy_timeout_s=0.05) as store:
            assert store.tasks() == []  # reading still works beside a writer (WAL)
            with pytest.raises(StoreUnavailable, match="locked by another process"):
                store.add_tasks([NewTask(ref(1))])
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_outputs_and_cost_are_saved_with_every_field_as_asdict_gives_them() -> None:
    # The codec writes the fields out by hand (asdict was slow); a field added to
    # Output or Cost must not be dropped on the way to the store.
    outputs = (
        Output("https://m.example/a.png", MediaKind.IMAGE, None, None, "1024x1024", {}),
        Output(
            "https://m.example/b.mp4", MediaKind.VIDEO, "https://m/f.png", 5.5, None, {"ü": [1]}
        ),
    )
    cost = Cost(credits=1.5, estimated_credits=None, micro_usdc=7, processing_s=0.25)

    def reference(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=repr)

    assert store_codec.outputs_to_json(outputs) == reference(
        [dataclasses.asdict(o) for o in outputs]
    )
    assert store_codec.cost_to_json(cost) == reference(dataclasses.asdict(cost))
    assert store_codec.outputs_from_json(store_codec.outputs_to_json(outputs)) == outputs
    assert store_codec.cost_from_json(store_codec.cost_to_json(cost)) == cost
