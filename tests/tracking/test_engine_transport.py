"""The engine over a handed-in httpx transport: no simulator, no sockets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from taskmon.domain.snapshot import State
from taskmon.domain.task import TaskRef
from taskmon.keys import Secret
from taskmon.tracking.engine import Engine, EngineConfig

API = "https://api.apixo.example"
CDN_IMAGE = "https://cdn.apixo.example/output/abc123.png"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class OneKey:
    async def get(self, provider: str) -> Secret | None:
        return Secret("sk-apixo-test") if provider == "apixo" else None


def _apixo(state: str, **data: object) -> httpx.Response:
    body = {"code": 200, "message": "success", "data": {"taskId": "t1", "state": state, **data}}
    return httpx.Response(200, json=body)


class ApixoTask:
    """An Apixo task that is pending at the first status call and done at the next."""

    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.host == "cdn.apixo.example":
            # Streamed, as a network transport hands a body over (content= would be read).
            headers = {"Content-Type": "image/png", "Content-Length": str(len(PNG))}
            return httpx.Response(200, stream=httpx.ByteStream(PNG), headers=headers)
        polls = [r for r in self.seen if r.url.host == "api.apixo.example"]
        if len(polls) == 1:
            return _apixo("pending")
        return _apixo("success", resultJson=json.dumps({"resultUrls": [CDN_IMAGE]}))


def _engine(handler: ApixoTask, result_dir: Path | None = None) -> Engine:
    config = EngineConfig(
        base_url_overrides={"apixo": API},
        result_dir=None if result_dir is None else (lambda _ref: result_dir),
    )
    return Engine(OneKey(), config, env={}, transport=httpx.MockTransport(handler))


async def test_a_queued_task_is_polled_until_it_succeeds() -> None:
    handler = ApixoTask()
    engine = _engine(handler)
    try:
        key = engine.track(TaskRef("apixo", "t1", "flux-dev")).key
        await asyncio.wait_for(engine.wait_idle([key]), 30)
        view = engine.task(key)
        assert view is not None and view.state is State.SUCCEEDED
    finally:
        await engine.aclose()
    assert [str(r.url) for r in handler.seen] == [f"{API}/api/v1/statusTask/flux-dev?taskId=t1"] * 2
    assert all(r.headers["authorization"] == "Bearer sk-apixo-test" for r in handler.seen)


async def test_the_result_comes_through_the_same_transport_without_the_key(
    tmp_path: Path,
) -> None:
    handler = ApixoTask()
    engine = _engine(handler, tmp_path)
    try:
        key = engine.track(TaskRef("apixo", "t1", "flux-dev")).key
        await asyncio.wait_for(engine.wait_idle([key]), 30)
        view = engine.task(key)
        assert view is not None and view.state is State.SUCCEEDED
    finally:
        await engine.aclose()
    [download] = [r for r in handler.seen if r.url.host == "cdn.apixo.example"]
    assert "authorization" not in download.headers
    assert [p.read_bytes() for p in tmp_path.iterdir()] == [PNG]


async def test_a_setting_that_cannot_work_stops_the_provider_once_instead_of_retrying() -> None:
    """A ConfigError at call time was "ConfigError; retrying" forever; it is said once."""
    from taskmon.net import ConfigError
    from taskmon.tracking import ProviderEvent, ProviderEventKind

    handler = ApixoTask()
    engine = _engine(handler)
    events: list[ProviderEvent] = []
    engine.subscribe(lambda e: events.append(e) if isinstance(e, ProviderEvent) else None)
    calls = 0

    async def refuse(*_args: object) -> object:
        nonlocal calls
        calls += 1
        raise ConfigError("refusing to send a request outside the provider's API host")

    engine.clients.send = refuse  # type: ignore[method-assign]
    try:
        engine.track(TaskRef("apixo", "t1", "nano-banana"))
        await asyncio.sleep(1.5)
        view = engine.task(TaskRef("apixo", "t1", "nano-banana").key)
    finally:
        await engine.aclose()
    assert calls == 1
    assert [e.kind for e in events] == [ProviderEventKind.MISCONFIGURED]
    assert events[0].problem is not None and "outside the provider's API host" in events[0].problem
    assert view is not None and view.problem is not None and "Settings" in view.problem
