"""What every simulated provider declares (`ProviderSpec`) and the pieces they share.

The shared machinery (state, pipeline, faults) knows providers only through
this module; the provider modules under `providers/` import that machinery.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from taskmon.sim.scripts import TaskScript
from taskmon.sim.task import SimTask

Body = dict[str, Any]
# (task, now, media base URL, URL-signing secret) -> (native state, JSON-ready body)
StatusBuilder = Callable[[SimTask, float, str, bytes], tuple[str, Body]]

# Why a key was refused, for providers whose error codes tell these apart.
KEY_MISSING = "key_missing"
KEY_MALFORMED = "key_malformed"
KEY_INVALID = "key_invalid"
KEY_REVOKED = "key_revoked"

_DEFAULT_MESSAGES: dict[int, str] = {
    400: "Invalid request",
    401: "Missing or invalid API key",
    403: "The task belongs to another account",
    404: "Task not found",
    429: "Rate limit exceeded",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service temporarily unavailable",
}


class ErrorBuilder(Protocol):
    def __call__(
        self,
        status: int,
        message: str | None = None,
        *,
        detail: str | None = None,
        cause: str | None = None,
    ) -> Body: ...


def default_message(status: int) -> str:
    """The message an error body carries when nobody chose one."""
    return _DEFAULT_MESSAGES.get(status, "Request failed")


def retry_after_value(seconds: float) -> str:
    """Retry-After is whole seconds on the wire; round up so clients never come early."""
    return str(max(0, math.ceil(seconds)))


def retry_after_headers(wait_s: float, now: float) -> dict[str, str]:
    """The headers of a 429: Retry-After alone, unless the provider documents more."""
    return {"Retry-After": retry_after_value(wait_s)}


def scripted_error(task: SimTask, default: tuple[str | None, str]) -> tuple[str | None, str]:
    """(code, message) of a failed task: the script's, else the provider's default."""
    code, message = default
    return task.script.error_code or code, task.script.error_message or message


def hex_file_stem(index: int, epoch_s: float, rng: random.Random) -> str:
    """A result file name for providers whose example URLs show an opaque name."""
    return f"{rng.getrandbits(48):012x}"


@dataclass(frozen=True)
class ProviderSpec:
    """One provider as the simulator knows it: facts, body builders, endpoints."""

    name: str
    default_key: str
    kinds: frozenset[str]  # the media kinds its status body can express
    default_models: Mapping[str, str]  # kind -> model named in its docs
    phase_of: Mapping[str, str]  # native state -> normalized phase (the README's table)
    status_body: StatusBuilder
    error_body: ErrorBuilder
    new_task_id: Callable[[float, random.Random], str]  # (epoch_s, rng) -> ID in its format
    install: Callable[[web.Application], None]  # adds its endpoints (and hooks) to the API app
    file_stem: Callable[[int, float, random.Random], str] = hex_file_stem
    outcomes: frozenset[str] = frozenset({"succeeded", "failed"})
    forbidden_means_foreign: bool = False  # 403 (not 404) for another account's task
    has_out_task_id: bool = False
    has_last_frame: bool = False
    accepts_x_api_key: bool = False  # x-api-key beside Bearer, and it wins
    wrapped_in_data: bool = False  # the task object sits under "data"
    caches_in_flight_status: bool = False  # the status answer is cached while running
    rate_limit_headers: Callable[[float, float], dict[str, str]] = retry_after_headers

    def check(self, script: TaskScript) -> None:
        """Raise ValueError when this provider cannot express the script."""
        if script.kind not in self.kinds:
            raise ValueError(f"{self.name} does not document {script.kind} results")
        if script.outcome not in self.outcomes:
            raise ValueError(f"{self.name} has no {script.outcome} state")
        if script.out_task_id is not None and not self.has_out_task_id:
            raise ValueError(f"{self.name} has no out_task_id")

    def error_response(
        self,
        status: int,
        message: str | None = None,
        *,
        detail: str | None = None,
        cause: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        """An HTTP error in this provider's documented envelope."""
        body = self.error_body(status, message, detail=detail, cause=cause)
        return web.json_response(body, status=status, headers=dict(headers or {}))
