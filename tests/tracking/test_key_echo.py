"""A server that echoes the API key back, in any encoding, never gets it stored or shown."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web
from engine_doubles import Recorder, StaticKeys
from loopback import serving

from taskmon.domain import State, TaskRef
from taskmon.net import KeyRedactor
from taskmon.tracking import Engine, EngineConfig, TaskEvent

KEY = "sk-ADVKEY/ab+cd=="
TASK = "task_0123456789abcdef0123456789abcdef"
BYTESPIKE_TASK = "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9"


def _every_char_escaped(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in text)


ECHOES: dict[str, Callable[[str], str]] = {
    # Each turns the key into what a JSON body may carry for it (already JSON-escaped).
    "php-slashes": lambda key: key.replace("/", "\\/"),
    "unicode-escapes": _every_char_escaped,
    "url-encoded": lambda key: quote(key, safe=""),
    "base64": lambda key: base64.b64encode(key.encode()).decode(),
}


def _forms(key: str) -> list[str]:
    encoded = base64.b64encode(key.encode()).decode()
    return [key, key.replace("/", "\\/"), quote(key, safe=""), encoded]


def _leaks(value: Any) -> bool:
    text = json.dumps(value, default=repr, ensure_ascii=False)
    decoded = json.loads(text)  # \u escapes of the dump itself decoded again
    return any(form in text or form in json.dumps(decoded) for form in _forms(KEY))


@pytest.fixture
async def echo_server() -> AsyncIterator[tuple[str, dict[str, str]]]:
    """A reAPI task that fails with, and a BytesPike stream whose event carries, the key."""
    chosen: dict[str, str] = {}

    def message() -> str:
        return "Invalid API key: " + ECHOES[chosen["echo"]](KEY) + " (sent " + chosen["echo"] + ")"

    async def reapi_status(request: web.Request) -> web.Response:
        # Written by hand: json.dumps would escape the backslashes the echo carries.
        task_id, code = request.match_info["id"], ECHOES[chosen["echo"]](KEY)
        body = (
            f'{{"id": "{task_id}", "status": "failed", "output": null, '
            f'"error": {{"code": "E{code}", "message": "{message()}"}}}}'
        )
        return web.Response(body=body.encode(), content_type="application/json")

    async def bytespike_query(_request: web.Request) -> web.Response:
        return web.json_response({"task_id": BYTESPIKE_TASK, "status": "running"})

    async def bytespike_stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        event = (
            f'{{"task_id": "{BYTESPIKE_TASK}", "status": "running", "progress": 40, '
            f'"error_message": "{message()}"}}'
        )
        await response.write(f"event: update\ndata: {event}\n\n".encode())
        await asyncio.sleep(3)  # open while the test looks; short, so cleanup is quick
        return response

    app = web.Application()
    app.router.add_get("/api/v1/tasks/{id}", reapi_status)
    app.router.add_post("/v1/tasks/query", bytespike_query)
    app.router.add_get("/v1/tasks/stream/{id}", bytespike_stream)
    async with serving(app) as base:
        yield base, chosen


def _engine(base: str) -> tuple[Engine, Recorder]:
    config = EngineConfig(base_url_overrides={"reapi": base, "bytespike": base})
    engine = Engine(StaticKeys({"reapi": KEY, "bytespike": KEY}), config, env={})
    recorder = Recorder()
    engine.subscribe(recorder)
    return engine, recorder


@pytest.mark.parametrize("echo", list(ECHOES))
async def test_a_key_echoed_in_a_status_body_reaches_no_view(
    echo_server: tuple[str, dict[str, str]], echo: str
) -> None:
    base, chosen = echo_server
    chosen["echo"] = echo
    engine, recorder = _engine(base)
    try:
        ref = TaskRef("reapi", TASK)
        engine.track(ref)
        await asyncio.wait_for(engine.wait_idle([ref.key]), 10)
        view = engine.task(ref.key)
    finally:
        await engine.aclose()
    assert view is not None and view.state is State.FAILED
    assert view.error is not None and "[redacted]" in view.error.message
    assert not _leaks(view.error.message) and not _leaks(view.error.code)
    assert not _leaks(view.raw)
    assert not any(_leaks(e.view.raw) or _leaks(str(e.view)) for e in recorder.task_events(ref.key))


@pytest.mark.parametrize("echo", list(ECHOES))
async def test_a_key_echoed_in_a_stream_event_reaches_no_view(
    echo_server: tuple[str, dict[str, str]], echo: str
) -> None:
    base, chosen = echo_server
    chosen["echo"] = echo
    engine, recorder = _engine(base)
    try:
        ref = TaskRef("bytespike", BYTESPIKE_TASK)
        engine.track(ref)
        for _ in range(100):
            events = [e for e in recorder.task_events(ref.key) if e.view.progress == 40]
            if events:
                break
            await asyncio.sleep(0.05)
    finally:
        await engine.aclose()
    assert events, "the stream's event never arrived"
    event: TaskEvent = events[0]
    assert not _leaks(event.view.raw) and not _leaks(str(event.view))


def test_the_redactor_strikes_every_written_form() -> None:
    redactor = KeyRedactor(KEY)
    for make in ECHOES.values():
        assert redactor.bytes(make(KEY).encode()) == b"[redacted]" or "\\u" in make(KEY)
    assert redactor.text(f"a {KEY} b") == "a [redacted] b"
    assert redactor.value({"m": [KEY, (KEY,)]}) == {"m": ["[redacted]", ("[redacted]",)]}
