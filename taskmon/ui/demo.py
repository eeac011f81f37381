"""`taskmon --demo`: the window against the built-in simulator, no keys, no network.

A throw-away data dir, the simulator on loopback ports in its own thread, its
keys handed to the engine as environment-style overrides (never the real
keyring), and the sample tasks across all five providers put into the store.

One demo per user at a time: the running one holds a lock in a private
rendezvous directory and answers `show` on a hand-over socket there, so a
second `taskmon --demo` brings it to the front instead of starting another.
"""

from __future__ import annotations

import getpass
import logging
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from taskmon.domain import TaskRef
from taskmon.keys import env_var
from taskmon.providers import PROVIDERS
from taskmon.service import InstanceLock
from taskmon.sim import SimulatorThread, TaskScript, demo_scripts
from taskmon.sim.demo import describe

log = logging.getLogger(__name__)


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
        try:
            simulator.start()
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
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


class DemoRendezvous:
    """Where the running demo of this user is found: a lock and a hand-over socket."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or _rendezvous_dir()
        self._lock: InstanceLock | None = None

    def claim(self) -> bool:
        """Become the running demo; False when another demo holds the rendezvous.

        Blocking (a file lock and a mkdir): run it off the event loop.
        """
        try:
            self.directory.mkdir(mode=0o700, exist_ok=True)
            info = self.directory.lstat()
        except OSError as exc:
            log.info("no demo rendezvous at %s: %s", self.directory, exc)
            return True  # no single-demo check here: the demo still runs
        if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
            log.info("no demo rendezvous: %s is not a directory of this user", self.directory)
            return True
        lock = InstanceLock(self.directory)
        if not lock.acquire():
            return False
        self._lock = lock
        return True

    @property
    def held(self) -> bool:
        return self._lock is not None

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def _rendezvous_dir() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
        base = Path(runtime)
    else:
        base = Path(tempfile.gettempdir())
    user = str(os.getuid()) if hasattr(os, "getuid") else getpass.getuser()
    return base / f"taskmon-{user}-demo"
