"""Provider base URLs: chosen (flag, environment, default), validated, compared as origins."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Final
from urllib.parse import urlsplit

import httpx


class ConfigError(Exception):
    """A setting is unusable; `str()` is one line for the user."""


def base_url_env_var(provider: str) -> str:
    return f"TASKMON_{provider.upper()}_BASE_URL"


def resolve_base_url(
    provider: str,
    default: str,
    override: str | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """The provider's base URL: `--base-url`, else the environment, else the default."""
    env = os.environ if env is None else env
    chosen = override or env.get(base_url_env_var(provider)) or default
    return validate_base_url(chosen, provider)


def validate_base_url(url: str, provider: str) -> str:
    """Accept scheme://host[:port] only; plain http only for loopback hosts."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"{provider}: invalid base URL {url!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{provider}: base URL must look like https://host[:port], got {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ConfigError(
            f"{provider}: base URL takes scheme, host and port only (the documented paths are "
            f"appended), got {url!r}"
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"{provider}: plain http is only allowed for loopback hosts; use https for {url!r}"
        )
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if port == _DEFAULT_PORTS[parts.scheme]:
        # httpx prints a URL without its scheme's default port: a base URL that kept
        # it (http://127.0.0.1:80) never matched its own requests' origin.
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_origin(url: httpx.URL, base_url: str) -> None:
    # The key goes to the provider's own origin, never anywhere else. Origins are
    # compared as (scheme, lower-case host, port with the scheme's default filled in).
    if origin(url) != origin(httpx.URL(base_url)):
        raise ConfigError("refusing to send a request outside the provider's API host")


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host.lower(), url.port or _DEFAULT_PORTS.get(url.scheme)
