"""Each provider's runtime (base URL, key, rate budget, workers), made on first use.

The base URL and the on/off switch can change while the engine runs (the
window's settings): the registry keeps the current choice, validates a new
base URL with the same rules as `--base-url`, and updates a runtime already
made, so the next request goes to the new host. The engine's config is only
where these start from: it is never written.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterator, Mapping

from taskmon.net.base_urls import resolve_base_url
from taskmon.providers.base import Provider
from taskmon.tracking.config import EngineConfig, ProviderRuntime
from taskmon.tracking.pacing.host_health import HostBook, HostHealth

WorkerFactory = Callable[[ProviderRuntime], "asyncio.Task[None]"]


class ProviderRuntimes:
    """The engine's per-provider state, by provider name."""

    def __init__(
        self,
        providers: Mapping[str, Provider],
        config: EngineConfig,
        env: Mapping[str, str] | None,
        start_worker: WorkerFactory,
        rng: random.Random | None = None,
    ) -> None:
        self._providers = providers
        self._config = config
        self._env = env
        self._start_worker = start_worker
        self._overrides = dict(config.base_url_overrides)
        self._disabled = set(config.disabled_providers)
        self._runtimes: dict[str, ProviderRuntime] = {}
        self.hosts = HostBook(config.host_health, rng=rng)

    def __iter__(self) -> Iterator[ProviderRuntime]:
        return iter(self._runtimes.values())

    def provider(self, name: str) -> Provider:
        """The provider module; KeyError for a name taskmon does not know."""
        return self._providers[name]

    def base_url(self, name: str) -> str:
        """The validated base URL for `name` (raises ConfigError)."""
        p = self._providers[name]
        return resolve_base_url(p.name, p.default_base_url, self._overrides.get(name), self._env)

    def get(self, name: str) -> ProviderRuntime:
        """The runtime of `name`, made (with its workers) the first time; raises ConfigError."""
        runtime = self._runtimes.get(name)
        if runtime is None:
            provider = self._providers[name]
            base_url = self.base_url(name)
            runtime = ProviderRuntime(provider, base_url, self.hosts.of(base_url))
            runtime.disabled = name in self._disabled
            self._runtimes[name] = runtime
            for _ in range(self._config.workers_per_provider):
                runtime.workers.append(self._start_worker(runtime))
        return runtime

    def set_base_url(self, name: str, url: str | None) -> str:
        """Use `url` (None: the environment's or the provider's own); returns the one in use.

        Raises ConfigError, changing nothing, when `url` breaks the base URL rules.
        """
        p = self._providers[name]
        resolved = resolve_base_url(p.name, p.default_base_url, url, self._env)
        if url:
            self._overrides[name] = url
        else:
            self._overrides.pop(name, None)
        runtime = self._runtimes.get(name)
        if runtime is not None:
            runtime.base_url = resolved
            runtime.host = self.hosts.of(resolved)
        return resolved

    def set_disabled(self, name: str, disabled: bool) -> bool:
        """Switch `name` off or on; True when that changed anything."""
        self._providers[name]  # an unknown name is a KeyError, as everywhere
        if (name in self._disabled) == disabled:
            return False
        if disabled:
            self._disabled.add(name)
        else:
            self._disabled.discard(name)
        runtime = self._runtimes.get(name)
        if runtime is not None:
            runtime.disabled = disabled
        return True

    def of_host(self, host: HostHealth) -> list[ProviderRuntime]:
        """The runtimes whose calls go to `host`."""
        return [r for r in self._runtimes.values() if r.host is host]

    def problems(self) -> dict[str, str]:
        """Why each stopped provider is stopped (no key, key rejected, disabled)."""
        return {n: r.stopped for n, r in self._runtimes.items() if r.stopped}
