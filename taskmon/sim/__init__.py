"""A built-in simulator of the five providers, written from their published docs.

It is the test double for the engine, the benchmarks and the app's demo mode,
so it deliberately imports nothing from the rest of taskmon (only aiohttp and
the standard library): reusing the parsers would echo their mistakes.

    async with Simulator(seed=1) as sim:
        task = sim.add_task(TaskScript("reapi", run_s=1))
        # GET {sim.api_url}/api/v1/tasks/{task.task_id}, Bearer sim.keys["reapi"]
        sim.set_outage("reapi", "html502", duration_s=30)  # the host is down for 30 s

Layout: one module per provider under `providers/` (its endpoints, status
bodies, error envelope and ID format, described by a `ProviderSpec` from
`provider_spec`); the shared machinery beside it: `pipeline` (the path every
request takes), `state`, `task` and `task_factory` (the timeline), `faults`,
`outage`, `ratelimit`, `control` (/_sim/), `server` (`Simulator` and its API
app), `thread`, `demo`, and `media/` (the result files and their origin).
Only the names below are public.
"""

from taskmon.sim.demo import demo_scripts
from taskmon.sim.outage import OUTAGE_KINDS, Outage, OutageHit
from taskmon.sim.providers.registry import DEFAULT_KEYS, PROVIDERS
from taskmon.sim.scripts import FAULT_KINDS, Fault, TaskScript
from taskmon.sim.server import Simulator
from taskmon.sim.task import PollRecord, SimTask, TaskStats
from taskmon.sim.thread import SimulatorThread

__all__ = [
    "DEFAULT_KEYS",
    "FAULT_KINDS",
    "OUTAGE_KINDS",
    "PROVIDERS",
    "Fault",
    "Outage",
    "OutageHit",
    "PollRecord",
    "SimTask",
    "Simulator",
    "SimulatorThread",
    "TaskScript",
    "TaskStats",
    "demo_scripts",
]
