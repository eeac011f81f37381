"""What the Add dialog remembers between pastes: the last provider chosen, recent models."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from PySide6.QtCore import QSettings

RECENT_MODELS: Final = 10
LAST_PROVIDER: Final = "add/last_provider"


def _recent_key(provider: str) -> str:
    return f"add/recent_models/{provider}"


def recent_models(settings: QSettings, provider: str) -> list[str]:
    value = settings.value(_recent_key(provider), [])
    if isinstance(value, str):  # QSettings gives a lone string for a one-item list
        value = [value]
    return [str(v) for v in value] if isinstance(value, Iterable) else []


def remember_model(settings: QSettings, provider: str, model: str) -> None:
    models = [model, *(m for m in recent_models(settings, provider) if m != model)]
    settings.setValue(_recent_key(provider), models[:RECENT_MODELS])


def last_provider(settings: QSettings) -> str:
    return str(settings.value(LAST_PROVIDER, "", str))


def remember_provider(settings: QSettings, provider: str) -> None:
    settings.setValue(LAST_PROVIDER, provider)
