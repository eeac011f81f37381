"""Testing an API key: one real status call for a task that cannot exist, judged in words.

The call goes through the engine's HTTP layer (the key only ever goes to the
provider's own API host, and an echo of it is redacted from the body) and is
judged with the engine's outcome catalogue. A "task not found" answer means
the key was accepted: the provider looked the task up for that key.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum
from typing import Final
from urllib.parse import urlsplit

import httpx

from taskmon.domain import TaskRef
from taskmon.keys import Secret
from taskmon.net import (
    AccessDenied,
    ApiClients,
    KeyRejected,
    Misconfigured,
    NotFound,
    Observed,
    Throttled,
    Transient,
    classify_exception,
    classify_response,
)
from taskmon.providers import Provider

PROBE_TASK_ID: Final = "taskmon-key-check"
CHECK_TIMEOUT_S: Final = 10.0  # someone is waiting on a button


class KeyVerdict(StrEnum):
    WORKS = "works"  # the provider accepted the key
    REJECTED = "rejected"  # 401, or a 403 that is an access error
    UNREACHABLE = "unreachable"  # DNS, refused connection, timeout
    NO_KEY = "no_key"  # nothing to test: no key given or stored
    OTHER = "other"  # the host answered something else (5xx, an HTML page, 429...)


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """The verdict on one key, with one sentence for the user (never the key itself)."""

    provider: str
    verdict: KeyVerdict
    message: str
    base_url: str | None = None  # where it was tested

    @property
    def ok(self) -> bool:
        return self.verdict is KeyVerdict.WORKS


async def check_key(
    clients: ApiClients,
    provider: Provider,
    base_url: str,
    key: Secret,
    timeout_s: float = CHECK_TIMEOUT_S,
) -> KeyCheck:
    """Ask `provider` at `base_url` for a task that cannot exist, with `key`; never raises."""
    name = provider.display_name
    host = urlsplit(base_url).netloc or base_url
    model = PROBE_TASK_ID if provider.requires_model else None
    spec = provider.status_request(TaskRef(provider.name, PROBE_TASK_ID, model))

    def verdict(kind: KeyVerdict, message: str) -> KeyCheck:
        return KeyCheck(provider.name, kind, message, base_url)

    try:
        async with asyncio.timeout(timeout_s):
            response = await clients.send(base_url, spec, key)
    except (TimeoutError, httpx.TimeoutException):
        return verdict(KeyVerdict.UNREACHABLE, f"{host} did not answer within {timeout_s:g} s")
    except httpx.ConnectError as exc:
        return verdict(KeyVerdict.UNREACHABLE, f"cannot reach {host}: {_reason(exc)}")
    except Exception as exc:  # a reset, an oversized body...: said, never raised
        return verdict(KeyVerdict.OTHER, classify_exception(provider, exc).message)
    match classify_response(provider, response):
        case Observed() | NotFound():
            return verdict(KeyVerdict.WORKS, f"{name} accepted the key")
        case KeyRejected(message=message) | AccessDenied(message=message):
            return verdict(KeyVerdict.REJECTED, message)
        case Throttled(message=message):
            return verdict(KeyVerdict.OTHER, f"{message}; try the test again later")
        case Misconfigured(message=message):  # raised before a response: never here
            return verdict(KeyVerdict.OTHER, message)
        case Transient(message=message):
            if response.body.lstrip()[:1] == b"<" and "HTML" not in message:
                message += "; the answer was an HTML page (a proxy, or the wrong base URL?)"
            return verdict(KeyVerdict.OTHER, f"{message} (from {host})")


def _reason(exc: httpx.ConnectError) -> str:
    """The OS's words (no such host, connection refused), without httpx's wrapping."""
    cause: BaseException = exc
    for _ in range(8):  # the innermost cause, within reason
        inner = cause.__cause__ or cause.__context__
        if inner is None:
            break
        cause = inner
    text = str(cause) or str(exc) or type(exc).__name__
    return text.strip()[:160]
