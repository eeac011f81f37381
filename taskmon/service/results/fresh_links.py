"""Fresh result links for `taskmon save`: one status call per task, as the engine makes it.

A result link that expired may still be saved where the provider signs its
result URLs anew on each status answer. None of the five documents that it
does (Apixo documents that its links expire after 24 h, the others say nothing),
so `save` asks whichever provider a dead link belongs to, once per task, and
uses the answer only when its URLs differ from the stored ones. The call goes
through the engine's HTTP layer: the key only ever goes to the provider's own
API host, and the answer is judged by the engine's outcome catalogue.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from taskmon.domain import Output, State, StoredTask
from taskmon.keys import KeyringUnavailable, Secret
from taskmon.net import (
    ApiClients,
    ConfigError,
    Observed,
    classify_exception,
    classify_response,
    resolve_base_url,
)
from taskmon.providers import PROVIDERS

log = logging.getLogger(__name__)

ASK_TIMEOUT_S: Final = 20.0  # someone waits on `save`


class KeySource(Protocol):
    async def get(self, provider: str) -> Secret | None: ...


@dataclass(frozen=True, slots=True)
class FreshAnswer:
    """The task's result links as the provider gives them now, or why there are none."""

    outputs: tuple[Output, ...] = ()
    why_not: str | None = None  # set when there are no fresh links


def link_known_dead(url: str, task: StoredTask, now: datetime) -> bool:
    """The link's own expiry (a signed URL's), else the provider's documented lifetime, passed."""
    from taskmon.downloads import expiry_from_link, links_expire_at

    stated = expiry_from_link(url)
    if stated is not None:
        return stated <= now
    provider = PROVIDERS.get(task.ref.provider)
    documented = None if provider is None else provider.result_url_ttl_s
    if documented is None or task.finished_at is None:
        return False  # undocumented: only trying the link tells
    at = links_expire_at((), task.finished_at, documented)
    return at is not None and at <= now


class FreshLinks:
    """Asks a task's provider for its result links again (at most once per task)."""

    def __init__(self, keys: KeySource | None, clients: ApiClients | None = None) -> None:
        self._keys = keys
        self._clients = clients
        self._owns_clients = clients is None  # clients handed in are closed by their owner
        self._answers: dict[str, FreshAnswer] = {}

    async def ask(self, task: StoredTask) -> FreshAnswer:
        """The task's links now; asked once, then the same answer."""
        answer = self._answers.get(task.key)
        if answer is None:
            answer = await self._ask(task)
            self._answers[task.key] = answer
        return answer

    async def _ask(self, task: StoredTask) -> FreshAnswer:
        provider = PROVIDERS.get(task.ref.provider)
        if provider is None:
            return FreshAnswer(why_not=f"{task.ref.provider} is not a known provider")
        name = provider.display_name
        if self._keys is None:
            return FreshAnswer(why_not=f"no API key to ask {name} for a fresh link")
        try:
            key = await self._keys.get(provider.name)
        except KeyringUnavailable as exc:
            return FreshAnswer(why_not=f"no API key to ask {name} for a fresh link: {exc}")
        if key is None:
            return FreshAnswer(why_not=f"no API key to ask {name} for a fresh link")
        try:
            base_url = resolve_base_url(provider.name, provider.default_base_url)
        except ConfigError as exc:
            return FreshAnswer(why_not=str(exc))
        if self._clients is None:
            self._clients = ApiClients()
        spec = provider.status_request(task.ref)
        try:
            async with asyncio.timeout(ASK_TIMEOUT_S):
                response = await self._clients.send(base_url, spec, key)
        except TimeoutError:
            return FreshAnswer(why_not=f"{name} did not answer within {ASK_TIMEOUT_S:g} s")
        except Exception as exc:  # a refused connection, a reset…: said, never raised
            return FreshAnswer(why_not=classify_exception(provider, exc).message)
        outcome = classify_response(provider, response)
        if not isinstance(outcome, Observed):
            return FreshAnswer(why_not=getattr(outcome, "message", f"{name} did not answer"))
        snapshot = outcome.snapshot
        if snapshot.state is not State.SUCCEEDED or not snapshot.outputs:
            return FreshAnswer(why_not=f"{name} gave no result links now")
        old = tuple(o.url for o in task.outputs)
        if tuple(o.url for o in snapshot.outputs) == old:
            return FreshAnswer(why_not=f"{name} gave the same links again")
        log.info("fresh result links for %s", task.key)
        return FreshAnswer(outputs=snapshot.outputs)

    async def aclose(self) -> None:
        if self._owns_clients and self._clients is not None:
            await self._clients.aclose()
