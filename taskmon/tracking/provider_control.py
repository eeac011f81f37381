"""Provider-wide control: the API key, halting on a refusal, and the window's switches.

A provider stops being polled for one of three reasons, each said once (a
ProviderEvent) and shown on every task it holds up: no usable key, a key the
provider refused, or the provider switched off in settings. Changing the key,
the base URL or the switch resumes its tasks at once.
"""

from __future__ import annotations

from collections.abc import Callable

from taskmon.domain.task import Change
from taskmon.keys import KeyringUnavailable, Secret, env_var
from taskmon.tracking.config import DISABLED, KeyLookup, ProviderRuntime
from taskmon.tracking.events import EngineEvent, ProviderEvent, ProviderEventKind
from taskmon.tracking.pacing.rate_budget import RateBudget
from taskmon.tracking.runtimes import ProviderRuntimes
from taskmon.tracking.task import TrackedTask


class ProviderControl:
    """Keys and switches of the engine's providers."""

    def __init__(
        self,
        runtimes: ProviderRuntimes,
        keys: KeyLookup,
        *,
        unfinished_of: Callable[[str], list[TrackedTask]],
        poll_now: Callable[[TrackedTask], None],
        stop_task: Callable[[TrackedTask], None],
        close_stream: Callable[[str], None],
        publish: Callable[[TrackedTask, Change], None],
        emit: Callable[[EngineEvent], None],
    ) -> None:
        self._runtimes = runtimes
        self._keys = keys
        self._unfinished_of = unfinished_of
        self._poll_now = poll_now
        self._stop_task = stop_task  # no poll, no stream, not waiting for its host
        self._close_stream = close_stream
        self._publish = publish
        self._emit = emit

    async def key_for(self, runtime: ProviderRuntime) -> Secret | None:
        """The provider's key, loaded once; halts the provider when there is none."""
        if not runtime.key_loaded:
            runtime.key_loaded = True
            name = runtime.provider.name
            try:
                runtime.key = await self._keys.get(name)
            except KeyringUnavailable as exc:
                runtime.key = None
                self.halt(
                    runtime,
                    f"no API key for {runtime.provider.display_name}: {exc}",
                    ProviderEventKind.NO_KEY,
                )
            if runtime.key is None:
                self.halt(
                    runtime,
                    f"no API key for {runtime.provider.display_name}: run `taskmon keys set "
                    f"{name}` or set {env_var(name)}",
                    ProviderEventKind.NO_KEY,
                )
        return runtime.key

    def halt(self, runtime: ProviderRuntime, message: str, kind: ProviderEventKind) -> None:
        """Stop a provider's polling and say so once, not once per task."""
        if runtime.halted is not None:
            return
        runtime.halted = message
        self._stop_polling(runtime, runtime.stopped or message, kind)

    def resume(self, provider: str) -> None:
        """Look again (the key or a setting changed): reload the key, poll every task now.

        A provider switched off in settings stays quiet until it is switched on.
        """
        runtime = self._runtimes.get(provider)
        runtime.key_loaded = False
        runtime.halted = None
        runtime.budget = RateBudget()
        if runtime.disabled:
            return
        self._emit(ProviderEvent(provider, None, ProviderEventKind.OK))
        for task in self._unfinished_of(provider):
            task.note_problem(None)
            self._poll_now(task)
            self._publish(task, Change.NONE)

    def set_enabled(self, provider: str, enabled: bool) -> None:
        """Switch a provider on or off (its tasks stay tracked and stored either way)."""
        if not self._runtimes.set_disabled(provider, not enabled):
            return
        if enabled:
            self.resume(provider)
        else:
            self._stop_polling(self._runtimes.get(provider), DISABLED, ProviderEventKind.DISABLED)

    def set_base_url(self, provider: str, url: str | None) -> str:
        """Send `provider`'s calls to `url` from now on (None: the default); raises ConfigError.

        Open streams to the old host are closed and every task of the provider
        is looked at again on the new one, its key reloaded.
        """
        resolved = self._runtimes.set_base_url(provider, url)
        for task in self._unfinished_of(provider):
            self._close_stream(task.ref.key)  # it falls back to polling
        self.resume(provider)
        return resolved

    def _stop_polling(
        self, runtime: ProviderRuntime, message: str, kind: ProviderEventKind
    ) -> None:
        for task in self._unfinished_of(runtime.provider.name):
            self._stop_task(task)
            task.halt(message)
            self._publish(task, Change.NONE)
        self._emit(ProviderEvent(runtime.provider.name, message, kind))
