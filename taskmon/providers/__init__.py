"""Provider modules, discovered at import: a new provider is one new module here."""

from __future__ import annotations

import importlib
import pkgutil

from taskmon.domain.task import TaskRef
from taskmon.providers.base import (
    MAX_BODY_BYTES,
    MAX_PASTED_URL_CHARS,
    MAX_TASK_ID_CHARS,
    ApiError,
    BadReference,
    IdMatch,
    MalformedResponse,
    PastedUrl,
    Provider,
    ProviderError,
    RequestSpec,
    clip,
    looks_like_task_id,
)

_NOT_PROVIDERS = frozenset({"base", "fields"})


def _discover() -> dict[str, Provider]:
    found: dict[str, Provider] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name in _NOT_PROVIDERS:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, Provider)
                and obj is not Provider
                and obj.__module__ == module.__name__
            ):
                found[obj.name] = obj()
    return dict(sorted(found.items()))


PROVIDERS: dict[str, Provider] = _discover()


def get_provider(name: str) -> Provider:
    """The provider called `name` (case-insensitive); KeyError names the known ones."""
    try:
        return PROVIDERS[name.lower()]
    except KeyError:
        known = ", ".join(PROVIDERS)
        raise KeyError(f"unknown provider {name!r} (known: {known})") from None


__all__ = [
    "MAX_BODY_BYTES",
    "MAX_PASTED_URL_CHARS",
    "MAX_TASK_ID_CHARS",
    "PROVIDERS",
    "ApiError",
    "BadReference",
    "IdMatch",
    "MalformedResponse",
    "PastedUrl",
    "Provider",
    "ProviderError",
    "RequestSpec",
    "TaskRef",
    "clip",
    "get_provider",
    "looks_like_task_id",
]
