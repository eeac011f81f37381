"""Per-provider options the window keeps in QSettings: base-URL override, enabled.

API keys are not here: they live in the OS keyring (engine/keys.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from PySide6.QtCore import QSettings

from taskmon.net import base_url_env_var
from taskmon.providers import PROVIDERS


def _key(provider: str, name: str) -> str:
    return f"providers/{provider}/{name}"


def base_url(settings: QSettings, provider: str) -> str:
    return str(settings.value(_key(provider, "base_url"), "", str)).strip()


def set_base_url(settings: QSettings, provider: str, url: str | None) -> None:
    if url:
        settings.setValue(_key(provider, "base_url"), url.strip())
    else:
        settings.remove(_key(provider, "base_url"))


def enabled(settings: QSettings, provider: str) -> bool:
    return bool(settings.value(_key(provider, "enabled"), True, bool))


def set_enabled(settings: QSettings, provider: str, value: bool) -> None:
    settings.setValue(_key(provider, "enabled"), value)


def load_provider_settings(settings: QSettings) -> tuple[dict[str, str], set[str]]:
    """The base-URL overrides and the disabled providers, as saved."""
    overrides = {p: url for p in PROVIDERS if (url := base_url(settings, p))}
    disabled = {p for p in PROVIDERS if not enabled(settings, p)}
    return overrides, disabled


def address_source(
    settings: QSettings, provider: str, in_use: str, env: Mapping[str, str] | None = None
) -> str:
    """Where the base URL `in_use` comes from, in words: this setting, the environment, …"""
    env = os.environ if env is None else env
    if base_url(settings, provider):
        return "from this setting"
    variable = base_url_env_var(provider)
    if env.get(variable, "").strip():
        return f"from {variable} in the environment"
    if in_use.rstrip("/") == PROVIDERS[provider].default_base_url.rstrip("/"):
        return "the provider's default"
    return "given when taskmon started"  # the demo's simulator
