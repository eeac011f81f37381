"""Status bodies per provider and state, written from the published docs.

Each builder returns (native state, JSON-ready body). Where a doc shows a
field only in some examples, the simulator follows the examples: e.g.
Xenodia's `billing` appears on success only, Apixo's failed body has
`completeTime` but no `costTime`, Vidgo's failed body has `progress` 0.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from taskmon.sim.task import SimTask

Body = dict[str, Any]
Builder = Callable[[SimTask, float, str, bytes], tuple[str, Body]]

NATIVE_STATES: dict[str, dict[str, str]] = {
    "xenodia": {"running": "generating", "succeeded": "success", "failed": "fail"},
    "apixo": {"queued": "pending", "running": "processing", "succeeded": "success"},
    "bytespike": {"queued": "pending", "succeeded": "completed"},
    "vidgo": {"queued": "not_started", "succeeded": "finished"},
    "reapi": {"queued": "processing", "running": "processing", "succeeded": "completed"},
}
# The README's normalization table, to record which phase a body told the client.
PHASE_OF: dict[str, dict[str, str]] = {
    "xenodia": {
        "waiting": "queued",
        "queuing": "queued",
        "generating": "running",
        "success": "succeeded",
        "fail": "failed",
    },
    "apixo": {
        "pending": "queued",
        "processing": "running",
        "success": "succeeded",
        "failed": "failed",
    },
    "bytespike": {
        "pending": "queued",
        "running": "running",
        "completed": "succeeded",
        "failed": "failed",
        "cancelled": "cancelled",
    },
    "vidgo": {
        "not_started": "queued",
        "running": "running",
        "finished": "succeeded",
        "failed": "failed",
    },
    "reapi": {"processing": "running", "completed": "succeeded", "failed": "failed"},
}

DEFAULT_ERRORS: dict[str, tuple[str | None, str]] = {
    "xenodia": (None, "upstream task failed"),
    "apixo": ("CONTENT_VIOLATION", "Content violates usage policy"),
    "bytespike": ("generation_failed", "The model could not generate this output"),
    "vidgo": (None, "Content policy violation: the prompt was rejected"),
    "reapi": ("80006", "Request violates content policy"),
}


def native_state(task: SimTask, now: float) -> str:
    phase = task.phase_at(now)
    if task.provider == "xenodia" and phase == "queued":
        # Xenodia has two queued states: scheduled first, then an upstream queue.
        waited = now - task.added_at_epoch
        return "waiting" if waited < 0.4 * task.script.queue_s else "queuing"
    return NATIVE_STATES[task.provider].get(phase, phase)


def _error(task: SimTask) -> tuple[str | None, str]:
    code, message = DEFAULT_ERRORS[task.provider]
    return task.script.error_code or code, task.script.error_message or message


def _sec(epoch: float) -> int:
    return int(epoch)


def xenodia(task: SimTask, now: float, media_base: str, secret: bytes) -> tuple[str, Body]:
    state, phase = native_state(task, now), task.phase_at(now)
    video = task.kind == "video"
    request: Body = {"prompt": f"Simulated {task.kind} {task.task_id}"}
    request |= (
        {"resolution": "720p"} if video else {"n": task.script.outputs, "response_format": "url"}
    )
    total_ms = task.estimated_total_s * 1000
    body: Body = {
        "task_id": task.task_id,
        "object": "task",
        "request_id": task.request_id,
        "model": task.model,
        "type": task.kind,
        "state": state,
        "request": request,
        "result": {},
        "error": {},
        "progress": 0,
        "poll_url": f"/v1/tasks/{task.task_id}",
        "recommended_poll_interval_ms": int(min(15000, max(1000, total_ms / 10))),
        "eta_hint_seconds": task.estimated_total_s,
        "created_at": _sec(task.added_at_epoch),
        "updated_at": _sec(task.changed_at(now)),
    }
    if phase == "running":
        body["progress"] = task.running_progress(now)
        body["updated_at"] = _sec(now)  # progress moves, so the task object does too
    elif phase == "succeeded":
        urls = task.result_urls(media_base, secret)
        result: Body = {"created": _sec(task.finishes_at_epoch), "data": [{"url": u} for u in urls]}
        if video:  # documented as possible beside data for videos
            result |= {"origin_data": [{"url": u} for u in urls], "resolution": "720p"}
        micro_usdc = (400_000 if video else 100_000) * max(1, task.script.outputs)
        body |= {
            "result": result,
            "progress": 100,
            "billing": {
                "status": "committed",
                "reserve_amount_micro_usdc": micro_usdc,
                "actual_amount_micro_usdc": micro_usdc,
                "released_amount_micro_usdc": 0,
            },
        }
    elif phase == "failed":
        code, message = _error(task)
        body["error"] = {"message": message} | ({"code": code} if code else {})
        body["progress"] = 100  # as in the documented failure example
    if phase in ("succeeded", "failed"):
        body["completed_at"] = _sec(task.finishes_at_epoch)
    return state, body


def apixo(task: SimTask, now: float, media_base: str, secret: bytes) -> tuple[str, Body]:
    state, phase = native_state(task, now), task.phase_at(now)
    created_ms = int(task.added_at_epoch * 1000)
    data: Body = {"taskId": task.task_id, "state": state}
    if phase == "succeeded":
        complete_ms = int(task.finishes_at_epoch * 1000)
        urls = task.result_urls(media_base, secret)
        # resultJson is a JSON document inside a string, parsed a second time by clients.
        data["resultJson"] = json.dumps({"resultUrls": urls}, separators=(",", ":"))
        data["costTime"] = complete_ms - created_ms
        data["createTime"] = created_ms
        data["completeTime"] = complete_ms
    elif phase == "failed":
        code, message = _error(task)
        data |= {"failCode": code, "failMsg": message, "createTime": created_ms}
        data["completeTime"] = int(task.finishes_at_epoch * 1000)
    else:
        data["createTime"] = created_ms
    return state, {"code": 200, "message": "success", "data": data}


def _estimated_credits(task: SimTask) -> float:
    per_output = 1.5 if task.kind == "video" else 0.04
    return round(per_output * max(1, task.script.outputs), 2)


def bytespike(task: SimTask, now: float, media_base: str, secret: bytes) -> tuple[str, Body]:
    state, phase = native_state(task, now), task.phase_at(now)
    body: Body = {"task_id": task.task_id}
    if task.out_task_id is not None:
        body["out_task_id"] = task.out_task_id
    body["status"] = state
    if phase == "succeeded":
        # credits_used replaces estimated_credits; the ETA stays.
        body["estimated_seconds"] = task.estimated_total_s
        body["credits_used"] = round(_estimated_credits(task) * 0.98, 2)
        output: list[Body] = []
        for url in task.result_urls(media_base, secret):
            item: Body = {"type": task.kind, "url": url}
            if task.kind == "video":
                item["duration_seconds"] = 8
            output.append(item)
        body["output"] = output
        return state, body
    body["estimated_credits"] = _estimated_credits(task)
    body["estimated_seconds"] = task.estimated_total_s
    if phase == "failed":
        code, message = _error(task)
        body |= {"error_code": code, "error_message": message}
    return state, body


def _iso_utc(epoch: float) -> str:
    """Vidgo's created_time: ISO 8601 without an offset (the simulator uses UTC)."""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%S")


def vidgo(task: SimTask, now: float, media_base: str, secret: bytes) -> tuple[str, Body]:
    state, phase = native_state(task, now), task.phase_at(now)
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
        data["error_message"] = _error(task)[1]
    return state, {"code": 200, "data": data}


def reapi(task: SimTask, now: float, media_base: str, secret: bytes) -> tuple[str, Body]:
    state, phase = native_state(task, now), task.phase_at(now)
    body: Body = {
        "id": task.task_id,
        "model": task.model,
        "status": state,
        "created_at": _sec(task.added_at_epoch),
        "output": None,
        "error": None,
    }
    if phase == "succeeded":
        output: Body = {f"{task.kind}_urls": task.result_urls(media_base, secret)}
        last_frame = task.last_frame_url(media_base, secret)
        if last_frame is not None:
            output["last_frame_url"] = last_frame
        body["output"] = output
    elif phase == "failed":
        code, message = _error(task)
        body["error"] = {"code": int(code) if code and code.isdigit() else code, "message": message}
    return state, body


BUILDERS: dict[str, Builder] = {
    "xenodia": xenodia,
    "apixo": apixo,
    "bytespike": bytespike,
    "vidgo": vidgo,
    "reapi": reapi,
}


def status_body(task: SimTask, now: float, media_base: str, secret: bytes) -> tuple[str, Body]:
    """The provider's documented status body for `task` at `now`."""
    return BUILDERS[task.provider](task, now, media_base, secret)
