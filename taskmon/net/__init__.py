"""Provider-API HTTP: base URLs, one client per API origin, keys only to that origin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskmon.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from taskmon.net.base_urls import ConfigError, base_url_env_var, resolve_base_url
    from taskmon.net.http_api import ApiClients
    from taskmon.net.outcomes import (
        AccessDenied,
        KeyRejected,
        Misconfigured,
        NotFound,
        Observed,
        Outcome,
        Throttled,
        Transient,
        classify_exception,
        classify_response,
    )
    from taskmon.net.redaction import KeyRedactor, could_hide_a_key, redactor_for

_EXPORTS = {
    "ApiClients": "http_api",
    "ConfigError": "base_urls",
    "resolve_base_url": "base_urls",
    "base_url_env_var": "base_urls",
    "KeyRedactor": "redaction",
    "redactor_for": "redaction",
    "could_hide_a_key": "redaction",
    "Outcome": "outcomes",
    "Observed": "outcomes",
    "Throttled": "outcomes",
    "Transient": "outcomes",
    "KeyRejected": "outcomes",
    "Misconfigured": "outcomes",
    "AccessDenied": "outcomes",
    "NotFound": "outcomes",
    "classify_exception": "outcomes",
    "classify_response": "outcomes",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = [
    "AccessDenied",
    "ApiClients",
    "ConfigError",
    "KeyRedactor",
    "KeyRejected",
    "Misconfigured",
    "NotFound",
    "Observed",
    "Outcome",
    "Throttled",
    "Transient",
    "base_url_env_var",
    "classify_exception",
    "classify_response",
    "could_hide_a_key",
    "redactor_for",
    "resolve_base_url",
]
