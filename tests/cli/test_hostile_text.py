"""A hostile provider's text never reaches the terminal as control characters."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from aiohttp import web

ESCAPES = "\x1b]0;owned\x07\x1b[2J\x1b[1A\rforged line\u202e"


async def _hostile_reapi(request: web.Request) -> web.Response:
    body = {
        "id": request.match_info["task_id"],
        "status": "failed",
        "output": None,
        "error": {"code": f"E1{ESCAPES}", "message": f"Content violates{ESCAPES} policy"},
    }
    return web.json_response(body)


async def _run(data: Path, *args: str, base: str = "") -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKMON_")}
    env.update(TASKMON_DATA_DIR=str(data), TASKMON_REAPI_API_KEY="sk-test")
    if base:
        env["TASKMON_REAPI_BASE_URL"] = base
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "taskmon", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_error_text_with_escapes_is_printed_visibly(tmp_path: Path) -> None:
    app = web.Application()
    app.router.add_get("/api/v1/tasks/{task_id}", _hostile_reapi)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    data = tmp_path / "data"
    try:
        task = "task_0123456789abcdef0123456789abcdef"
        watched = await _run(data, "watch", "--provider", "reapi", "--base-url", base, task)
        added = await _run(data, "add", "--provider", "reapi", task)
        assert added[0] == 0, added
        ran = await _run(data, "run", "--until-done", base=base)
        listed = await _run(data, "list")
        as_json = await _run(data, "list", "--json")
    finally:
        await runner.cleanup()
    assert watched[0] == 1 and ran[0] == 1, (watched, ran)
    for _code, out, err in (watched, ran, listed):
        for text in (out, err):
            assert "\x1b" not in text and "\x07" not in text and "\r" not in text
            assert "\u202e" not in text
    assert "\\x1b" in watched[1] + ran[1] + listed[1]  # made visible, not hidden
    (task_json,) = json.loads(as_json[1])
    assert "\x1b" not in task_json["error"]["message"]
    assert "\x1b" not in task_json["error"]["code"]
