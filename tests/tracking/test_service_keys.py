"""Keys from the window: testing one against the provider, saving and deleting it.

`test_key` makes one real status call against the simulator (or a dead port)
and judges it in words; `set_key` and `delete_key` go through the real
KeyStore on a real Secret Service and set the provider's tasks moving at once.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path
from typing import Any

import pytest
from loopback import eventually

from taskmon.domain.snapshot import State
from taskmon.domain.task import TaskRef
from taskmon.keys import KeySource, KeyStore
from taskmon.providers import PROVIDERS
from taskmon.service.key_check import PROBE_TASK_ID, KeyVerdict
from taskmon.sim import Fault, Simulator, TaskScript
from taskmon.tracking.events import EngineEvent, ProviderEvent

TYPED_KEY = "sk-typed-but-not-saved-0123456789"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def provider_events(events: list[EngineEvent]) -> list[tuple[str, str]]:
    return [(e.provider, e.kind) for e in events if isinstance(e, ProviderEvent)]


# -- test_key ------------------------------------------------------------------------


async def test_the_stored_key_works_for_every_provider(make_service: Any, data: Path) -> None:
    service = make_service(data)
    await service.start()

    checks = await asyncio.gather(*(service.test_key(name) for name in PROVIDERS))

    for name, check in zip(PROVIDERS, checks, strict=True):
        assert (check.provider, check.verdict, check.ok) == (name, KeyVerdict.WORKS, True)
        assert check.message == f"{PROVIDERS[name].display_name} accepted the key"


async def test_a_typed_key_is_tested_and_never_echoed_or_logged(
    make_service: Any, data: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    service = make_service(data)
    await service.start()

    for name in ("xenodia", "reapi"):
        check = await service.test_key(name, f"  {TYPED_KEY}  ")

        assert (check.verdict, check.ok) == (KeyVerdict.REJECTED, False)
        assert "rejected the API key (HTTP 401)" in check.message
        assert TYPED_KEY not in repr(check)
    assert TYPED_KEY not in caplog.text


async def test_an_unreachable_host_is_said_so(
    make_service: Any, data: Path, unused_port: int
) -> None:
    service = make_service(data)
    await service.start()
    service.set_base_url("vidgo", f"http://127.0.0.1:{unused_port}")

    check = await service.test_key("vidgo")

    assert check.verdict is KeyVerdict.UNREACHABLE
    assert check.message.startswith(f"cannot reach 127.0.0.1:{unused_port}: ")
    assert check.base_url == f"http://127.0.0.1:{unused_port}"


async def test_an_html_error_page_is_said_so(sim: Simulator, make_service: Any, data: Path) -> None:
    # The probe's own task ID, scripted to meet a proxy's HTML 502 page.
    sim.add_task(
        TaskScript(provider="reapi", task_id=PROBE_TASK_ID, faults=[Fault("html502", first=5)])
    )
    service = make_service(data)
    await service.start()

    check = await service.test_key("reapi")

    assert check.verdict is KeyVerdict.OTHER
    assert "server error (HTTP 502)" in check.message
    assert "HTML page" in check.message


async def test_no_key_at_all_says_where_one_goes(make_service: Any, data: Path) -> None:
    service = make_service(data, keys={})
    await service.start()

    check = await service.test_key("apixo")

    assert check.verdict is KeyVerdict.NO_KEY
    assert "TASKMON_APIXO_API_KEY" in check.message


async def test_a_key_can_be_tested_before_the_service_starts(make_service: Any, data: Path) -> None:
    service = make_service(data)

    assert (await service.test_key("bytespike")).ok


# -- set_key / delete_key --------------------------------------------------------------


async def test_saving_a_key_sets_waiting_tasks_moving_at_once(
    secret_service: Any, sim: Simulator, make_service: Any, data: Path
) -> None:
    keys = KeyStore()
    service = make_service(data, keys=keys)
    events: list[EngineEvent] = []
    service.subscribe(events.append)
    await service.start()
    task = sim.add_task(TaskScript(provider="vidgo", run_s=0.3))
    ref = TaskRef("vidgo", task.task_id)
    await service.add_tasks([ref])
    await eventually(lambda: ("vidgo", "no_key") in provider_events(events))
    assert "no API key for Vidgo" in (service.engine.task(ref.key).problem or "")

    await service.set_key("vidgo", sim.keys["vidgo"])

    assert provider_events(events)[-1] == ("vidgo", "ok")
    await asyncio.wait_for(service.wait_until_done(), 10)
    assert service.engine.task(ref.key).state is State.SUCCEEDED
    assert await keys.source("vidgo") is KeySource.KEYRING


async def test_replacing_a_rejected_key_sets_tasks_moving_at_once(
    secret_service: Any, sim: Simulator, make_service: Any, data: Path
) -> None:
    keys = KeyStore()
    await keys.set("xenodia", "sk-revoked")
    service = make_service(data, keys=keys)
    events: list[EngineEvent] = []
    service.subscribe(events.append)
    await service.start()
    task = sim.add_task(TaskScript(provider="xenodia", run_s=0.3))
    await service.add_tasks([TaskRef("xenodia", task.task_id)])
    await eventually(lambda: ("xenodia", "key_rejected") in provider_events(events))

    await service.set_key("xenodia", sim.keys["xenodia"])

    await asyncio.wait_for(service.wait_until_done(), 10)
    assert [v.state for v in service.engine.tasks()] == [State.SUCCEEDED]


async def test_deleting_a_key_is_said_once_and_calm_the_second_time(
    secret_service: Any, sim: Simulator, make_service: Any, data: Path
) -> None:
    keys = KeyStore()
    await keys.set("apixo", sim.keys["apixo"])
    service = make_service(data, keys=keys)
    events: list[EngineEvent] = []
    service.subscribe(events.append)
    await service.start()
    task = sim.add_task(TaskScript(provider="apixo", run_s=60))
    await service.add_tasks([TaskRef("apixo", task.task_id, task.model)])
    await eventually(lambda: service.engine.tasks()[0].observed)

    assert await service.delete_key("apixo") is True
    assert await service.delete_key("apixo") is False

    await eventually(lambda: ("apixo", "no_key") in provider_events(events))
    assert await keys.source("apixo") is KeySource.NONE
    with pytest.raises(ValueError, match="empty"):
        await service.set_key("apixo", "   ")


async def test_keys_handed_in_by_a_test_cannot_be_changed(make_service: Any, data: Path) -> None:
    service = make_service(data)
    await service.start()

    with pytest.raises(TypeError, match="cannot be changed"):
        await service.set_key("reapi", "sk-new")
