"""Stand-ins the tracking tests hand an Engine: keys without a keyring, an event recorder."""

from __future__ import annotations

from taskmon.keys import Secret
from taskmon.tracking import EngineEvent, ProviderEvent, TaskEvent


class StaticKeys:
    """Keys handed in by the test, standing in for the keyring (tested on its own)."""

    def __init__(self, keys: dict[str, str]) -> None:
        self._keys = keys

    async def get(self, provider: str) -> Secret | None:
        value = self._keys.get(provider)
        return None if value is None else Secret(value)


class Recorder:
    """Collects every engine event, for assertions after the fact."""

    def __init__(self) -> None:
        self.events: list[EngineEvent] = []

    def __call__(self, event: EngineEvent) -> None:
        self.events.append(event)

    def task_events(self, key: str) -> list[TaskEvent]:
        return [e for e in self.events if isinstance(e, TaskEvent) and e.view.key == key]

    def provider_events(self) -> list[ProviderEvent]:
        return [e for e in self.events if isinstance(e, ProviderEvent)]
