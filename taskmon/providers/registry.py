"""Every provider, imported and instantiated: what the engine, the window and `watch` use."""

from __future__ import annotations

import importlib

from taskmon.providers.base import Provider
from taskmon.providers.catalog import provider_classes, provider_modules


def _discover() -> dict[str, Provider]:
    found: dict[str, Provider] = {}
    for module_name in provider_modules():
        for cls in provider_classes(importlib.import_module(module_name)):
            found[cls.name] = cls()
    return dict(sorted(found.items()))


PROVIDERS: dict[str, Provider] = _discover()


def get_provider(name: str) -> Provider:
    """The provider called `name` (case-insensitive); KeyError names the known ones."""
    try:
        return PROVIDERS[name.lower()]
    except KeyError:
        known = ", ".join(PROVIDERS)
        raise KeyError(f"unknown provider {name!r} (known: {known})") from None
