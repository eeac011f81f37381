"""The provider commands of the tracking service: API keys, base URLs, on/off switches.

They work before the service has started too (the window's settings are
applied before the first poll): then they change the engine's configuration,
afterwards the running engine.
"""

from __future__ import annotations

from taskmon.keys import KeyringUnavailable, Secret, env_var
from taskmon.net import ApiClients, ConfigError, resolve_base_url
from taskmon.providers import PROVIDERS
from taskmon.service.key_check import KeyCheck, KeyVerdict, check_key
from taskmon.tracking import Engine, EngineConfig, KeyLookup, KeyStoreLike


class ProviderSettings:
    """TrackingService's provider commands (a mixin: the service holds the state)."""

    engine: Engine | None
    _keys: KeyLookup
    _config: EngineConfig
    _stopped: bool

    async def test_key(self, provider: str, key: str | None = None) -> KeyCheck:
        """Try `key` (None: the stored one) against the provider's configured base URL."""
        definition = PROVIDERS[provider]
        try:
            base_url = self._base_url(provider)
        except ConfigError as exc:
            return KeyCheck(provider, KeyVerdict.OTHER, str(exc))
        if key is not None and key.strip():
            secret: Secret | None = Secret(key.strip())
        else:
            try:
                secret = await self._keys.get(provider)
            except KeyringUnavailable as exc:
                return KeyCheck(provider, KeyVerdict.NO_KEY, str(exc), base_url)
        if secret is None:
            message = f"no API key for {definition.display_name} (nor {env_var(provider)})"
            return KeyCheck(provider, KeyVerdict.NO_KEY, message, base_url)
        if self.engine is not None:
            return await check_key(self.engine.clients, definition, base_url, secret)
        clients = ApiClients()
        try:
            return await check_key(clients, definition, base_url, secret)
        finally:
            await clients.aclose()

    async def set_key(self, provider: str, value: str) -> None:
        """Save the key in the keyring, then poll the provider's tasks again at once.

        Raises ValueError (empty key) or KeyringUnavailable.
        """
        await self._key_store().set(provider, value)
        await self._resume_provider(provider)

    async def delete_key(self, provider: str) -> bool:
        """Remove the key from the keyring (False: there was none); the tasks hear of it."""
        deleted = await self._key_store().delete(provider)
        await self._resume_provider(provider)
        return deleted

    def set_base_url(self, provider: str, url: str | None) -> str:
        """Use `url` for `provider` from now on (None: its default); raises ConfigError.

        Works before start() too (the engine then starts with it).
        """
        url = (url or "").strip() or None
        if self.engine is not None:
            return self.engine.control.set_base_url(provider, url)
        resolved = resolve_base_url(provider, PROVIDERS[provider].default_base_url, url)
        overrides = {k: v for k, v in self._config.base_url_overrides.items() if k != provider}
        self._config.base_url_overrides = overrides | ({provider: url} if url else {})
        return resolved

    def set_enabled(self, provider: str, enabled: bool) -> None:
        """Switch polling of `provider` on or off; its tasks stay stored. Works before start()."""
        PROVIDERS[provider]  # an unknown name is a KeyError here, not later
        if self.engine is not None:
            self.engine.control.set_enabled(provider, enabled)
            return
        others = self._config.disabled_providers - {provider}
        self._config.disabled_providers = others if enabled else others | {provider}

    def _base_url(self, provider: str) -> str:
        if self.engine is not None:
            return self.engine.base_url(provider)
        override = self._config.base_url_overrides.get(provider)
        return resolve_base_url(provider, PROVIDERS[provider].default_base_url, override)

    def _key_store(self) -> KeyStoreLike:
        if not isinstance(self._keys, KeyStoreLike):
            raise TypeError("this service's keys cannot be changed")
        return self._keys

    async def _resume_provider(self, provider: str) -> None:
        if self.engine is not None and not self._stopped:
            await self.engine.resume_provider(provider)
