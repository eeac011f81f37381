"""A built-in simulator of the five providers, written from their published docs.

It is the test double for the engine, the benchmarks and the app's demo mode,
so it deliberately imports nothing from `taskmon.providers`, `taskmon.engine`
or `taskmon.snapshot`: reusing the parsers would echo their mistakes.

    async with Simulator(seed=1) as sim:
        task = sim.add_task(TaskScript("reapi", run_s=1))
        # GET {sim.api_url}/api/v1/tasks/{task.task_id}, Bearer sim.keys["reapi"]

Layout: one module per provider under `providers/` (its endpoints, status
bodies, error envelope and ID format, described by a `ProviderSpec`); the
shared machinery beside it: `pipeline` (the path every request takes),
`state`, `task` and `task_factory` (the timeline), `faults`, `outage`,
`ratelimit`, `api`, `control` (/_sim/), `server` (`Simulator`), `thread`,
`demo`, and `media/` (the result files' origin). Only the names below are public.
"""

from taskmon.sim.demo import demo_scripts
from taskmon.sim.providers.registry import DEFAULT_KEYS, PROVIDERS
from taskmon.sim.scripts import FAULT_KINDS, Fault, TaskScript
from taskmon.sim.server import Simulator
from taskmon.sim.task import PollRecord, SimTask, TaskStats
from taskmon.sim.thread import SimulatorThread

__all__ = [
    "DEFAULT_KEYS",
    "FAULT_KINDS",
    "PROVIDERS",
    "Fault",
    "PollRecord",
    "SimTask",
    "Simulator",
    "SimulatorThread",
    "TaskScript",
    "TaskStats",
    "demo_scripts",
]
