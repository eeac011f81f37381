"""An engine wired to a live simulator over real loopback HTTP."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from taskmon.providers import PROVIDERS
from taskmon.service.handover import HolderRole
from taskmon.service.tracking_service import TrackingService
from taskmon.sim import Simulator
from taskmon.tracking.engine import Engine, EngineConfig

# tests/ is not a package (each directory is its own root): the Secret Service
# fixtures (tests/keyring_fixture.py) are imported from beside it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine_doubles import Recorder, StaticKeys
from keyring_fixture import secret_service, secret_service_session  # noqa: F401


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator(seed=11, sse_keepalive_s=0.5)
    await simulator.start()
    yield simulator
    await simulator.stop()


EngineFactory = Callable[..., tuple[Engine, Recorder]]


@pytest.fixture
async def make_engine(sim: Simulator, tmp_path: Path) -> AsyncIterator[EngineFactory]:
    engines: list[Engine] = []

    def factory(
        keys: dict[str, str] | None = None, save: bool = False, **config: object
    ) -> tuple[Engine, Recorder]:
        cfg = EngineConfig(
            base_url_overrides={name: sim.api_url for name in PROVIDERS},
            result_dir=(lambda _ref: tmp_path / "results") if save else None,
            **config,  # type: ignore[arg-type]
        )
        engine = Engine(StaticKeys(sim.keys if keys is None else keys), cfg, env={})
        recorder = Recorder()
        engine.subscribe(recorder)
        engines.append(engine)
        return engine, recorder

    yield factory
    for engine in engines:
        await engine.aclose()


async def _settle(engine: Engine, timeout_s: float = 30.0) -> None:
    await asyncio.wait_for(engine.wait_idle(), timeout_s)


@pytest.fixture
def settle() -> Callable[..., object]:
    """`await settle(engine)`: wait until every tracked task is done (terminal, files fetched)."""
    return _settle


ServiceFactory = Callable[..., TrackingService]


@pytest.fixture
async def make_service(sim: Simulator) -> AsyncIterator[ServiceFactory]:
    """`make_service(directory, keys=None, role=..., **config)`: a TrackingService on the
    simulator (not started); keys: None (the simulator's), a dict, or a key store.
    Every one made is stopped at the end."""
    services: list[TrackingService] = []

    def factory(
        directory: Path,
        keys: Any = None,
        role: HolderRole = HolderRole.RUN,
        **config: Any,
    ) -> TrackingService:
        cfg = EngineConfig(base_url_overrides=dict.fromkeys(PROVIDERS, sim.api_url), **config)
        if keys is None or isinstance(keys, dict):  # else a key store object
            keys = StaticKeys(sim.keys if keys is None else keys)
        service = TrackingService(directory, keys, cfg, role=role)
        services.append(service)
        return service

    yield factory
    for service in services:
        await service.stop()
