"""Vidgo: `GET /api/generate/status/{task_id}` (vidgo.txt, facts.md).

- Envelope `{code: 200, data: {...}}`; states not_started → running →
  finished | failed; `created_time` is ISO 8601 without an offset (the
  simulator writes UTC); a failed body has `files` [] and progress 0.
- 403 means another user's task (the status page says so).
- Errors: the format is not published; the simulator mirrors the success
  envelope, `{code: <http status>, message, data: null}`.
- IDs: `task-unified-<10 digits>-<8 lowercase letters/digits>`.
"""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime

from aiohttp import web

from taskmon.sim.pipeline import guard, serve_status
from taskmon.sim.provider_spec import (
    Body,
    ProviderSpec,
    default_message,
    hex_file_stem,
    scripted_error,
)
from taskmon.sim.state import STATE_KEY
from taskmon.sim.task import SimTask

NAME = "vidgo"
NATIVE_STATES: dict[str, str] = {"queued": "not_started", "succeeded": "finished"}
PHASE_OF: dict[str, str] = {
    "not_started": "queued",
    "running": "running",
    "finished": "succeeded",
    "failed": "failed",
}
DEFAULT_ERROR: tuple[str | None, str] = (None, "Content policy violation: the prompt was rejected")

_LOWER_ALNUM = string.ascii_lowercase + string.digits


def new_task_id(epoch_s: float, rng: random.Random) -> str:
    """task-unified-1757165031-uyujaw3d"""
    suffix = "".join(rng.choice(_LOWER_ALNUM) for _ in range(8))
    return f"task-unified-{int(epoch_s):010d}-{suffix}"


def _iso_utc(epoch: float) -> str:
    """Vidgo's created_time: ISO 8601 without an offset (the simulator uses UTC)."""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%S")


def status_body(task: SimTask, now: float, media_base: str, secret: bytes) -> tuple[str, Body]:
    phase = task.phase_at(now)
    state = NATIVE_STATES.get(phase, phase)
    data: Body = {
        "task_id": task.task_id,
        "status": state,
        "files": [],
        "created_time": _iso_utc(task.added_at_epoch),
        "progress": 0,
        "error_message": None,
    }
    if phase == "running":
        data["progress"] = task.running_progress(now)
    elif phase == "succeeded":
        urls = task.result_urls(media_base, secret)
        data["files"] = [{"file_url": u, "file_type": task.kind} for u in urls]
        data["progress"] = 100
    elif phase == "failed":
        data["error_message"] = scripted_error(task, DEFAULT_ERROR)[1]
    return state, {"code": 200, "data": data}


def error_body(
    status: int,
    message: str | None = None,
    *,
    detail: str | None = None,
    cause: str | None = None,
) -> Body:
    return {"code": status, "message": detail or message or default_message(status), "data": None}


async def status(request: web.Request) -> web.StreamResponse:
    task = request.app[STATE_KEY].find(NAME, request.match_info["task_id"])
    denied = guard(request, SPEC, task=task)
    if denied is not None:
        return denied
    return await serve_status(request, SPEC, task)


def install(app: web.Application) -> None:
    app.router.add_get("/api/generate/status/{task_id}", status)


SPEC = ProviderSpec(
    name=NAME,
    default_key="sim-vidgo-key",
    kinds=frozenset({"image", "video"}),  # `file_type` image|video
    default_models={"image": "gpt-4o-image", "video": "sora-2"},
    phase_of=PHASE_OF,
    status_body=status_body,
    error_body=error_body,
    new_task_id=new_task_id,
    file_stem=hex_file_stem,
    install=install,
    forbidden_means_foreign=True,
    wrapped_in_data=True,
)
