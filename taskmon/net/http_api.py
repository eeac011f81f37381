"""Talking to provider APIs: base URLs, one pooled client per API host, auth.

The API key is attached here and only here, to requests whose URL is the
provider's own configured base URL plus a documented path. Redirects are not
followed, so the key can never be carried to another host.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import os
import re
import sys
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any, Final
from urllib.parse import urlsplit
from urllib.request import getproxies

import httpx
from yarl import URL

from taskmon.keys import Secret
from taskmon.net.api_calls import DirectCalls, RawHeaders, ResponseTooLarge
from taskmon.providers.base import RequestSpec

MAX_RESPONSE_BYTES: Final = 4 * 1024 * 1024
USER_AGENT: Final = "taskmon/0.1 (+https://github.com/taskmon)"
DEFAULT_HEADERS: Final = {"User-Agent": USER_AGENT, "Accept": "application/json"}
CONNECT_TIMEOUT_S: Final = 10.0
# A stream is quiet between events: allow a minute without bytes (servers send
# keep-alives far more often) before calling it dropped.
STREAM_IDLE_TIMEOUT_S: Final = 60.0


def _mark_sniffio_absent() -> None:
    """Make httpcore's per-call `import sniffio` fail at once when sniffio is not installed.

    httpcore 1.0.x imports sniffio inside `current_async_library()`, which runs
    for every lock, event and cancellation shield (several per request); anyio
    4.11 stopped installing sniffio, and Python does not remember a failed
    import, so each call searched sys.path again: about a sixth of the engine's
    CPU per poll (encode/httpcore#1103). A None entry in sys.modules is the
    documented way to say "not importable": the import still raises
    ImportError, so httpcore takes the same asyncio path, without the search.
    """
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


_mark_sniffio_absent()


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
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def retry_after_s(headers: Mapping[str, str], now_epoch_s: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), or None."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when - (time.time() if now_epoch_s is None else now_epoch_s))


class ApiResponse:
    """One API call's answer: status, headers and the (size-capped) body."""

    __slots__ = ("_headers", "_raw_headers", "body", "status")

    def __init__(self, status: int, headers: httpx.Headers | RawHeaders, body: bytes) -> None:
        self.status = status
        self.body = body
        self._headers = headers if isinstance(headers, httpx.Headers) else None
        self._raw_headers = headers

    @property
    def headers(self) -> httpx.Headers:
        # Made on first read: only a throttled answer's headers are read, and
        # building them for every poll was a measurable share of its CPU.
        if self._headers is None:
            self._headers = httpx.Headers(list(self._raw_headers))
        return self._headers


PREPARED_CACHE_MAX: Final = 50_000  # request targets remembered (one per task and call kind)


def environment_proxy_configured() -> bool:
    """Whether httpx would route API calls through a proxy (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY)."""
    proxies = getproxies()  # what httpx reads too (the registry and system settings included)
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


def json_body_bytes(value: Any) -> bytes:
    """A JSON request body, byte for byte as httpx encodes `json=`."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _direct_parts(spec: RequestSpec, key: Secret | None) -> tuple[dict[str, str], bytes | None]:
    """The headers and body a direct (aiohttp) call adds to its kept target, as httpx sets them."""
    headers = {"Authorization": f"Bearer {key.reveal()}"} if key is not None else {}
    payload = None
    if spec.json_body is not None:
        payload = json_body_bytes(spec.json_body)
        headers["Content-Type"] = "application/json"
    return headers, payload


class ApiClients:
    """Pools per API origin for calls (kept alive) and event streams, and the key's safety.

    Calls and streams go through aiohttp (api_calls.py: a tenth of httpx's
    CPU per call or stream chunk), over HTTP/1.1, with requests and failures
    as httpx made them; when the environment configures a proxy they go
    through httpx itself (HTTP/2 where offered), which honours it.
    """

    def __init__(self, *, max_connections_per_host: int = 8, timeout_s: float = 30.0) -> None:
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._stream_clients: dict[str, httpx.AsyncClient] = {}
        self._url_builders: dict[str, httpx.AsyncClient] = {}
        self._targets: dict[tuple[str, str, str, tuple[tuple[str, str], ...]], URL] = {}
        self._limits = httpx.Limits(
            max_connections=max_connections_per_host,
            max_keepalive_connections=max_connections_per_host,
            keepalive_expiry=60.0,
        )
        self._timeout = httpx.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S)
        self._direct: DirectCalls | None = None
        if not environment_proxy_configured():
            self._direct = DirectCalls(
                max_connections_per_host=max_connections_per_host,
                timeout_s=timeout_s,
                connect_timeout_s=CONNECT_TIMEOUT_S,
                stream_idle_timeout_s=STREAM_IDLE_TIMEOUT_S,
                headers=dict(DEFAULT_HEADERS),
                max_response_bytes=MAX_RESPONSE_BYTES,
            )
        self._httpx_connections = 0

    @property
    def connections_opened(self) -> int:
        """TCP connections opened so far (the benchmark counts them)."""
        direct = self._direct.connections_opened if self._direct is not None else 0
        return self._httpx_connections + direct

    def client_for(self, base_url: str) -> httpx.AsyncClient:
        """The pooled httpx client for calls to `base_url` (used behind a proxy)."""
        client = self._clients.get(base_url)
        if client is None:
            client = self._new_client(base_url, self._limits, self._timeout)
            self._clients[base_url] = client
        return client

    def stream_client_for(self, base_url: str) -> httpx.AsyncClient:
        """A separate pool for long-lived event streams to `base_url`."""
        client = self._stream_clients.get(base_url)
        if client is None:
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
            timeout = httpx.Timeout(STREAM_IDLE_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
            client = self._new_client(base_url, limits, timeout)
            self._stream_clients[base_url] = client
        return client

    def _new_client(
        self, base_url: str, limits: httpx.Limits, timeout: httpx.Timeout
    ) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=base_url,
            http2=base_url.startswith("https://"),
            limits=limits,
            timeout=timeout,
            follow_redirects=False,
            headers=DEFAULT_HEADERS,
        )

    async def _trace(self, event: str, info: Mapping[str, object]) -> None:
        # httpcore reports each new TCP connection: the benchmark counts them.
        if event == "connection.connect_tcp.complete":
            self._httpx_connections += 1

    def build(self, base_url: str, spec: RequestSpec, key: Secret | None) -> httpx.Request:
        """The httpx request for `spec` on `base_url`; ConfigError if it would leave that origin."""
        client = self.client_for(base_url)
        headers = {"Authorization": f"Bearer {key.reveal()}"} if key is not None else None
        request = client.build_request(
            spec.method,
            spec.path,
            params=dict(spec.params) or None,
            json=spec.json_body,
            headers=headers,
            extensions={"trace": self._trace},
        )
        _check_origin(request.url, base_url)
        return request

    def _target(self, base_url: str, spec: RequestSpec) -> URL:
        """The URL httpx builds for `spec`, made once per task and kept (a poll repeats it)."""
        params = tuple(spec.params.items())
        cache_key = (base_url, spec.method, spec.path, params)
        target = self._targets.get(cache_key)
        if target is None:
            url = self._httpx_url(base_url, spec.method, spec.path, dict(params))
            _check_origin(url, base_url)
            target = URL(str(url), encoded=True)  # sent as httpx would send it, unchanged
            if len(self._targets) >= PREPARED_CACHE_MAX:
                self._targets.clear()  # tasks come and go; the live ones are rebuilt once
            self._targets[cache_key] = target
        return target

    def _httpx_url(
        self, base_url: str, method: str, path: str, params: dict[str, str]
    ) -> httpx.URL:
        """The URL httpx's client would build for `path` on `base_url`, with `params`."""
        builder = self._url_builders.get(base_url)
        if builder is None:
            # Only build_request is used: a transport that never sends spares the
            # certificate store a real client would load.
            builder = httpx.AsyncClient(base_url=base_url, transport=_NEVER_SENDS)
            self._url_builders[base_url] = builder
        if path.startswith("/") and not _NEEDS_FULL_MERGE.search(path):
            # The client's merge (its base URL, which ends in "/", plus the path without
            # its leading "/") with one parse instead of two and no Request around it:
            # building each task's target was a tenth of the engine's CPU at start-up.
            # Any other path takes the client's own way.
            prefix = str(builder.base_url)  # its "/" root path may not be printed
            url = httpx.URL(prefix.removesuffix("/") + "/" + path.lstrip("/"))
            return url.copy_merge_params(params) if params else url
        return builder.build_request(method, path, params=params or None).url

    async def send(self, base_url: str, spec: RequestSpec, key: Secret | None) -> ApiResponse:
        """Send one API call; the body is read up to MAX_RESPONSE_BYTES."""
        if self._direct is None:
            status, headers, body = await self._send_httpx(base_url, spec, key)
        else:
            call_headers, payload = _direct_parts(spec, key)
            status, headers, body = await self._direct.request(
                base_url, spec.method, self._target(base_url, spec), call_headers, payload
            )
        if key is not None:
            # Some servers echo the key back ("Invalid API key: sk-..."); whatever the
            # body says next reaches messages, logs and the store, so the key goes now.
            body = body.replace(key.reveal().encode(), b"[redacted]")
        return ApiResponse(status, headers, body)

    async def open_stream(
        self, base_url: str, spec: RequestSpec, key: Secret | None
    ) -> httpx.Response:
        """An event stream's response, its body not yet read; the caller must `aclose()` it."""
        if self._direct is None:
            request = self.build(base_url, spec, key)
            request.headers["Accept"] = "text/event-stream"
            request.headers["Cache-Control"] = "no-store"
            # Streams get their own pool: held connections must never starve status calls.
            return await self.stream_client_for(base_url).send(request, stream=True)
        headers, payload = _direct_parts(spec, key)
        headers.update({"Accept": "text/event-stream", "Cache-Control": "no-store"})
        target = self._target(base_url, spec)
        return await self._direct.open_stream(base_url, spec.method, target, headers, payload)

    async def _send_httpx(
        self, base_url: str, spec: RequestSpec, key: Secret | None
    ) -> tuple[int, httpx.Headers, bytes]:
        client = self.client_for(base_url)
        request = self.build(base_url, spec, key)
        response = await client.send(request, stream=True)
        try:
            declared = response.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
                raise ResponseTooLarge(f"response of {declared} bytes refused")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise ResponseTooLarge(f"response over {MAX_RESPONSE_BYTES} bytes refused")
                chunks.append(chunk)
        finally:
            await response.aclose()
        return response.status_code, response.headers, b"".join(chunks)

    async def aclose(self) -> None:
        for pool in (self._clients, self._stream_clients, self._url_builders):
            for client in pool.values():
                await client.aclose()
            pool.clear()
        if self._direct is not None:
            await self._direct.aclose()


_NEVER_SENDS: Final = httpx.AsyncBaseTransport()
# A network-path ("//host"), dot segments, a query, a fragment or a backslash.
_NEEDS_FULL_MERGE: Final = re.compile(r"^//|/\.|[?#\\]")


def _check_origin(url: httpx.URL, base_url: str) -> None:
    # The key goes to the provider's own origin, never anywhere else.
    origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
    if origin != base_url:
        raise ConfigError("refusing to send a request outside the provider's API host")
