"""What one status call meant, whatever came back: the engine's error catalogue.

Every response or transport failure becomes exactly one `Outcome`, each with a
message a user can read. The engine decides what to do per outcome type.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from taskmon.domain.snapshot import Snapshot
from taskmon.net.api_response import ApiResponse, ResponseTooLarge, retry_after_s
from taskmon.net.base_urls import ConfigError
from taskmon.net.redaction import could_hide_a_key
from taskmon.providers.base import ApiError, MalformedResponse, Provider, clip


@dataclass(frozen=True, slots=True)
class Observed:
    snapshot: Snapshot


@dataclass(frozen=True, slots=True)
class Throttled:
    """429 or 503: pause every task of the key."""

    message: str
    retry_after_s: float | None
    reason: str = "rate limited"  # in words: "rate limited" (429), "service unavailable" (503)


@dataclass(frozen=True, slots=True)
class KeyRejected:
    """401: the key is wrong or revoked; stop the provider, say it once."""

    message: str


@dataclass(frozen=True, slots=True)
class AccessDenied:
    """403 that is not "another account's task": reported like a refused key."""

    message: str


@dataclass(frozen=True, slots=True)
class NotFound:
    """404 (or 403 where it means another account's task): lost after one confirmation."""

    message: str


@dataclass(frozen=True, slots=True)
class Transient:
    """5xx, timeouts, resets, malformed bodies: back off and keep going."""

    message: str


@dataclass(frozen=True, slots=True)
class Misconfigured:
    """The provider's settings cannot work (a base URL no request may use): stop, say it once.

    Retrying cannot mend a setting; a new base URL resumes the provider.
    """

    message: str


Outcome = Observed | Throttled | KeyRejected | AccessDenied | NotFound | Transient | Misconfigured


def classify_response(provider: Provider, response: ApiResponse) -> Outcome:
    """Turn one HTTP response into an outcome; never raises."""
    status = response.status
    # A key echoed in a JSON escape survives the body's redaction and is decoded
    # by the parser: then everything parsed is cleaned again (net/redaction.py).
    redactor = response.redactor
    if redactor is None or not could_hide_a_key(response.body):
        redactor = None
    if 200 <= status < 300:
        try:
            snapshot = provider.parse_status(response.body)
        except ApiError as exc:
            message, code = exc.message, exc.code
            if redactor is not None:
                message, code = redactor.value((message, code))
            return classify_status(provider, exc.status, message, code, response)
        except MalformedResponse as exc:
            return Transient(str(exc) if redactor is None else redactor.text(str(exc)))
        return Observed(snapshot if redactor is None else redactor.value(snapshot))
    problem = provider.parse_error(response.body)
    if redactor is not None:
        problem = redactor.value(problem)
    return classify_status(provider, status, problem.message, problem.code, response)


def classify_status(
    provider: Provider,
    status: int,
    message: str | None,
    code: str | None,
    response: ApiResponse,
) -> Outcome:
    name = provider.display_name
    detail = f": {clip(message, 160)}" if message else ""
    tag = f" [{code}]" if code else ""
    if status == 401:
        return KeyRejected(f"{name} rejected the API key (HTTP 401){detail}")
    if status == 403:
        if provider.forbidden_means_lost:
            return NotFound(f"{name} says the task belongs to another account (HTTP 403)")
        return AccessDenied(f"{name} denied access (HTTP 403){tag}{detail}")
    if status in (404, 410):
        return NotFound(f"{name} does not know this task (HTTP {status}){detail}")
    if status in (429, 503):
        wait = retry_after_s(response.headers)
        if wait is None and status == 429:
            wait = provider.rate_limit_reset_s(response.headers, time.time())
        kind = "rate limited" if status == 429 else "service unavailable"
        return Throttled(f"{name}: {kind} (HTTP {status}){detail}", wait, kind)
    if 500 <= status < 600:
        return Transient(f"{name}: server error (HTTP {status}){detail}")
    if 200 <= status < 300:
        return Transient(f"{name}: unexpected envelope code {status}{detail}")
    return Transient(f"{name}: unexpected HTTP {status}{tag}{detail}")


def classify_exception(provider: Provider, exc: Exception) -> Transient | Misconfigured:
    """Transport failures, each with a readable message: transient, but for a setting."""
    name = provider.display_name
    if isinstance(exc, ConfigError):
        return Misconfigured(f"{name}: {exc}; change its address in Settings or the environment")
    if isinstance(exc, httpx.TimeoutException):
        return Transient(f"{name}: timed out ({exc.__class__.__name__})")
    if isinstance(exc, httpx.ConnectError):
        return Transient(f"{name}: cannot connect to the API host")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return Transient(f"{name}: connection closed before a full answer")
    if isinstance(exc, ResponseTooLarge):
        return Transient(f"{name}: {exc}")
    if isinstance(exc, httpx.HTTPError):
        return Transient(f"{name}: network error ({exc.__class__.__name__})")
    return Transient(f"{name}: {exc.__class__.__name__}")
