"""Provider modules, discovered at run time: a new provider is one new module here.

`PROVIDERS` imports every provider module (and pydantic); `provider_catalog()`
knows their names and reference rules without that (see catalog.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskmon.lazy_exports import lazy_exports

if TYPE_CHECKING:
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
        ProviderInfo,
        RequestSpec,
        clip,
        looks_like_task_id,
    )
    from taskmon.providers.catalog import provider_catalog
    from taskmon.providers.registry import PROVIDERS, get_provider

_EXPORTS = {
    "MAX_BODY_BYTES": "base",
    "MAX_PASTED_URL_CHARS": "base",
    "MAX_TASK_ID_CHARS": "base",
    "ApiError": "base",
    "BadReference": "base",
    "IdMatch": "base",
    "MalformedResponse": "base",
    "PastedUrl": "base",
    "Provider": "base",
    "ProviderError": "base",
    "ProviderInfo": "base",
    "RequestSpec": "base",
    "TaskRef": "base",  # re-exported there from taskmon.domain
    "clip": "base",
    "looks_like_task_id": "base",
    "provider_catalog": "catalog",
    "PROVIDERS": "registry",
    "get_provider": "registry",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
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
    "ProviderInfo",
    "RequestSpec",
    "TaskRef",
    "clip",
    "get_provider",
    "looks_like_task_id",
    "provider_catalog",
]
