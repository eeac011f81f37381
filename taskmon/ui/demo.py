"""`taskmon --demo`: the window against the built-in simulator, no keys, no network.

A throw-away data dir, the simulator on loopback ports in its own thread, its
keys handed to the engine as environment-style overrides (never the real
keyring), and the sample tasks across all five providers put into the store.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from taskmon.domain import TaskRef
from taskmon.keys import env_var
from taskmon.providers import PROVIDERS
from taskmon.sim import SimulatorThread, TaskScript, demo_scripts
from taskmon.sim.demo import describe


def scaled(script: TaskScript, time_scale: float) -> TaskScript:
    """The same story told faster (tests) or slower: every duration times `time_scale`."""
    faults = [
        replace(f, until_s=f.until_s * time_scale, retry_after_s=f.retry_after_s * time_scale)
        for f in script.faults
    ]
    return replace(
        script,
        queue_s=script.queue_s * time_scale,
        run_s=script.run_s * time_scale,
        faults=faults,
    )


@dataclass
class DemoEnvironment:
    """Everything `--demo` sets up; `close()` takes it down again."""

    directory: Path
    simulator: SimulatorThread
    refs: list[tuple[TaskRef, str]] = field(default_factory=list)  # (ref, label)

    @property
    def base_urls(self) -> dict[str, str]:
        return {name: self.simulator.api_url for name in PROVIDERS}

    @property
    def key_env(self) -> dict[str, str]:
        """The simulator's keys as TASKMON_<PROVIDER>_API_KEY values."""
        return {env_var(p): key for p, key in self.simulator.keys.items() if p in PROVIDERS}

    @classmethod
    def start(cls, seed: int = 7, time_scale: float = 1.0) -> DemoEnvironment:
        directory = Path(tempfile.mkdtemp(prefix="taskmon-demo-"))
        simulator = SimulatorThread(seed=seed)
        simulator.start()
        env = cls(directory, simulator)
        for script in demo_scripts():
            task = simulator.add_task(scaled(script, time_scale))
            out_task_id = task.out_task_id
            ref = TaskRef(
                task.provider,
                out_task_id if out_task_id is not None else task.task_id,
                model=task.model if PROVIDERS[task.provider].requires_model else None,
                by_out_task_id=out_task_id is not None,
            )
            env.refs.append((ref, describe(task)))
        return env

    def close(self) -> None:
        self.simulator.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
