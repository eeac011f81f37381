"""Every provider to every terminal state, over real HTTP against the simulator."""

from __future__ import annotations

from typing import Any

from taskmon.domain.snapshot import MediaKind, State
from taskmon.domain.task import TaskRef
from taskmon.sim import Simulator, TaskScript

CASES = [
    ("xenodia", "image", "succeeded", State.SUCCEEDED),
    ("xenodia", "video", "failed", State.FAILED),
    ("apixo", "image", "succeeded", State.SUCCEEDED),
    ("apixo", "audio", "failed", State.FAILED),
    ("bytespike", "video", "succeeded", State.SUCCEEDED),
    ("bytespike", "image", "failed", State.FAILED),
    ("bytespike", "image", "cancelled", State.CANCELLED),
    ("vidgo", "image", "succeeded", State.SUCCEEDED),
    ("vidgo", "video", "failed", State.FAILED),
    ("reapi", "audio", "succeeded", State.SUCCEEDED),
    ("reapi", "video", "failed", State.FAILED),
]


def _ref(task: object, script: TaskScript) -> TaskRef:
    return TaskRef(script.provider, task.task_id, task.model)  # type: ignore[attr-defined]


async def test_every_provider_reaches_every_terminal_state(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, _ = make_engine()
    expected: dict[str, tuple[State, str]] = {}
    for provider, kind, outcome, state in CASES:
        script = TaskScript(
            provider=provider,
            kind=kind,
            run_s=1.0,
            outcome=outcome,
            error_code="E42" if outcome == "failed" else None,
            error_message="boom" if outcome == "failed" else None,
        )
        task = sim.add_task(script)
        view = engine.track(_ref(task, script))
        expected[view.key] = (state, kind)
    await settle(engine, 40)
    for view in engine.tasks():
        state, kind = expected[view.key]
        assert view.state is state, (view.ref, view.error, view.problem)
        if state is State.SUCCEEDED:
            assert len(view.outputs) == 1
            assert view.outputs[0].url.startswith(sim.media_url)
            assert view.media_kind is MediaKind(kind)
        if state is State.FAILED:
            assert view.error is not None and "boom" in view.error.message


async def test_a_task_the_provider_does_not_know_is_lost_after_one_confirmation(
    make_engine: Any,
    settle: Any,
) -> None:
    engine, _ = make_engine()
    for provider in ("xenodia", "apixo", "bytespike", "vidgo", "reapi"):
        engine.track(TaskRef(provider, "task_doesnotexist", "nano-banana"))
    await settle(engine, 20)
    for final in engine.tasks():
        assert final.state is State.LOST, final.ref
        assert final.error is not None and final.error.code == "not_found"
        assert final.polls == 2  # one miss could be a task submitted a moment ago


async def test_another_accounts_task_is_lost_where_403_means_that(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, _ = make_engine()
    for provider in ("xenodia", "vidgo"):
        task = sim.add_task(TaskScript(provider=provider, foreign=True))
        engine.track(TaskRef(provider, task.task_id, task.model))
    await settle(engine, 20)
    for final in engine.tasks():
        assert final.state is State.LOST
        assert "another account" in final.error.message  # type: ignore[union-attr]


async def test_bytespike_by_out_task_id_is_followed_to_the_end(
    sim: Simulator, make_engine: Any, settle: Any
) -> None:
    engine, _ = make_engine()
    sim.add_task(TaskScript(provider="bytespike", out_task_id="my-job-7", run_s=1.0))
    view = engine.track(TaskRef("bytespike", "my-job-7", by_out_task_id=True))
    await settle(engine, 20)
    final = engine.task(view.key)
    assert final is not None and final.state is State.SUCCEEDED
    assert final.provider_task_id is not None and final.provider_task_id.startswith("task_")
