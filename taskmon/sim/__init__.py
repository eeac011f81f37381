"""A built-in simulator of the five providers, written from their published docs.

It is the test double for the engine, the benchmarks and the app's demo mode,
so it deliberately imports nothing from `taskmon.providers`, `taskmon.engine`
or `taskmon.domain.snapshot`: reusing the parsers would echo their mistakes.

    async with Simulator(seed=1) as sim:
        task = sim.add_task(TaskScript("reapi", run_s=1))
        # GET {sim.api_url}/api/v1/tasks/{task.task_id}, Bearer sim.keys["reapi"]
"""

from taskmon.sim.demo import demo_scripts
from taskmon.sim.scripts import FAULT_KINDS, PROVIDERS, Fault, TaskScript
from taskmon.sim.server import Simulator
from taskmon.sim.state import DEFAULT_KEYS
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
