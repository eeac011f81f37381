"""Talking to provider APIs: base URLs, pooled httpx clients per API origin, auth.

The API key is attached here and only here, to requests whose URL is the
provider's own configured base URL plus a documented path. Redirects are not
followed, so the key can never be carried to another host. Result downloads
(CDN hosts) get a client of their own that never carries a key.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.request import getproxies

import httpx

from taskmon.keys import Secret
from taskmon.net.api_response import ApiResponse, read_bounded
from taskmon.net.base_urls import check_origin
from taskmon.net.event_stream import BoundedEventStream
from taskmon.net.redaction import redactor_for
from taskmon.net.transport import StrictAiohttpTransport
from taskmon.providers.base import RequestSpec

USER_AGENT: Final = "taskmon/0.1 (+https://github.com/taskmon)"
DEFAULT_HEADERS: Final = {"User-Agent": USER_AGENT, "Accept": "application/json"}
CONNECT_TIMEOUT_S: Final = 10.0
# A stream is quiet between events: allow a minute without bytes (servers send
# keep-alives far more often) before calling it dropped.
STREAM_IDLE_TIMEOUT_S: Final = 60.0
DOWNLOAD_TIMEOUT_S: Final = 30.0  # per connect and per read, as httpx counts them
MAX_DOWNLOAD_CONNECTIONS: Final = 8
# What aiohttp may buffer ahead of a download's reader (twice this at most): with its
# 64 KiB default it paused and resumed the socket at every read (bench/NOTES.md).
DOWNLOAD_READ_BUFFER_BYTES: Final = 1024 * 1024


PREPARED_CACHE_MAX: Final = 50_000  # requests remembered (one per task and call kind)


def environment_proxy_configured() -> bool:
    """Whether httpx would route API calls through a proxy (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY)."""
    proxies = getproxies()  # what httpx reads too (the registry and system settings included)
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


def json_body_bytes(value: Any) -> bytes:
    """A JSON request body, byte for byte as httpx encodes `json=`."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


@dataclass(frozen=True, slots=True)
class _Origin:
    """One API origin's clients: calls (kept alive) and event streams (a pool of their own).

    `call_transport` is what a call is sent through: the calls client's own
    transport, or None where only the client knows it (httpx routing to an
    environment's proxy).
    """

    calls: httpx.AsyncClient
    call_transport: httpx.AsyncBaseTransport | None
    streams: httpx.AsyncClient


_RequestKey = tuple[str, str, str, tuple[tuple[str, str], ...], bytes | None, str | None]


class ApiClients:
    """taskmon's HTTP clients: per API origin one for calls and one for event streams,
    and one for result downloads; and the key's safety.

    Where the clients' transport comes from is decided here, once, in
    `_new_transport`: the one handed in (a test's `httpx.MockTransport`),
    else aiohttp under httpx (transport.py; HTTP/1.1), else, when the
    environment configures a proxy, httpx's own transport, which honours it
    (HTTP/2 where offered).

    A status call is the hot path: its request is built once per task and
    key, kept, and handed straight to the transport each poll (the client's
    features, redirects, auth, cookies, are all off or unused for calls, and
    going through it cost two fifths more CPU per call).
    """

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections_per_host: int = 8,
        timeout_s: float = 30.0,
    ) -> None:
        """`transport`, if given, carries every request (calls, streams, downloads)
        and is closed with the clients."""
        self._given_transport = transport
        self._use_aiohttp = transport is None and not environment_proxy_configured()
        self._max_connections = max_connections_per_host
        self._timeout_s = timeout_s
        self._origins: dict[str, _Origin] = {}
        self._downloads: httpx.AsyncClient | None = None
        self._requests: dict[_RequestKey, httpx.Request] = {}
        self._call_headers: dict[tuple[tuple[bytes, bytes], ...], httpx.Headers] = {}
        self._url_builders: dict[str, httpx.AsyncClient] = {}
        # A call's connect is bounded on its own; the call as a whole by `send`.
        self._call_extensions: dict[str, Any] = {
            "timeout": httpx.Timeout(None, connect=CONNECT_TIMEOUT_S).as_dict(),
            "trace": self._trace,
        }
        self._ssl_context: asyncio.Future[ssl.SSLContext] | None = None
        self._counted: list[StrictAiohttpTransport] = []
        self._httpx_connections = 0

    @property
    def connections_opened(self) -> int:
        """TCP connections opened so far for calls and streams (the benchmark counts them)."""
        return self._httpx_connections + sum(t.connections_opened for t in self._counted)

    # -- clients ----------------------------------------------------------------

    async def _new_transport(
        self,
        max_connections: int | None,
        *,
        keep_alive: bool,
        read_buffer_bytes: int | None = None,
    ) -> httpx.AsyncBaseTransport | None:
        """The transport for a new client; None lets httpx build its own (proxy rules)."""
        if self._given_transport is not None:
            return self._given_transport
        if not self._use_aiohttp:
            return None
        return StrictAiohttpTransport(
            ssl_context=await self._tls_context(),
            max_connections=max_connections,
            keep_alive=keep_alive,
            read_buffer_bytes=read_buffer_bytes,
        )

    def _new_client(
        self,
        transport: httpx.AsyncBaseTransport | None,
        limits: httpx.Limits,
        timeout: httpx.Timeout,
        *,
        base_url: str = "",
        headers: Mapping[str, str] = DEFAULT_HEADERS,
    ) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            # aiohttp speaks HTTP/1.1 only; httpx's own transport offers h2 over TLS.
            http2=transport is None and base_url.startswith("https://"),
            limits=limits,
            timeout=timeout,
            follow_redirects=False,
            headers=headers,
        )

    async def _origin(self, base_url: str) -> _Origin:
        origin = self._origins.get(base_url)
        if origin is not None:
            return origin
        call_transport = await self._new_transport(self._max_connections, keep_alive=True)
        # Streams get their own pool: held connections must never starve status calls.
        stream_transport = await self._new_transport(None, keep_alive=False)
        origin = self._origins.get(base_url)  # another call may have made it meanwhile
        if origin is not None:
            for transport in (call_transport, stream_transport):
                if transport is not None and transport is not self._given_transport:
                    await transport.aclose()
            return origin
        calls = self._new_client(
            call_transport,
            httpx.Limits(
                max_connections=self._max_connections,
                max_keepalive_connections=self._max_connections,
                keepalive_expiry=60.0,
            ),
            httpx.Timeout(self._timeout_s, connect=CONNECT_TIMEOUT_S),
            base_url=base_url,
        )
        streams = self._new_client(
            stream_transport,
            httpx.Limits(max_connections=None, max_keepalive_connections=0),
            httpx.Timeout(STREAM_IDLE_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
            base_url=base_url,
        )
        for transport in (call_transport, stream_transport):
            if isinstance(transport, StrictAiohttpTransport):
                self._counted.append(transport)
        origin = _Origin(calls, call_transport, streams)
        self._origins[base_url] = origin
        return origin

    async def download_client(self) -> httpx.AsyncClient:
        """The client for result downloads (any host): no key, no redirects followed."""
        if self._downloads is None:
            transport = await self._new_transport(
                MAX_DOWNLOAD_CONNECTIONS,
                keep_alive=True,
                read_buffer_bytes=DOWNLOAD_READ_BUFFER_BYTES,
            )
            if self._downloads is None:
                self._downloads = self._new_client(
                    transport,
                    httpx.Limits(max_connections=MAX_DOWNLOAD_CONNECTIONS),
                    httpx.Timeout(DOWNLOAD_TIMEOUT_S),
                    headers={"User-Agent": USER_AGENT},
                )
            elif transport is not None and transport is not self._given_transport:
                await transport.aclose()
        return self._downloads

    async def _tls_context(self) -> ssl.SSLContext:
        """httpx's certificate store (certifi, or SSL_CERT_FILE/DIR), loaded once off the loop.

        Its own context, never one httpx's transport uses: httpcore sets ALPN
        to offer h2 on those, and aiohttp speaks HTTP/1.1 only.
        """
        if self._ssl_context is None:
            self._ssl_context = asyncio.ensure_future(
                asyncio.to_thread(httpx.create_ssl_context, trust_env=True)
            )
        return await asyncio.shield(self._ssl_context)

    async def _trace(self, event: str, info: Mapping[str, object]) -> None:
        # httpcore (httpx's own transport) reports each new TCP connection.
        if event == "connection.connect_tcp.complete":
            self._httpx_connections += 1

    # -- requests ---------------------------------------------------------------

    def _call_request(
        self, client: httpx.AsyncClient, base_url: str, spec: RequestSpec, key: Secret | None
    ) -> httpx.Request:
        """The request for a call, built once per task and key and kept (a poll repeats it)."""
        body = None if spec.json_body is None else json_body_bytes(spec.json_body)
        secret = None if key is None else key.reveal()
        cache_key = (base_url, spec.method, spec.path, tuple(spec.params.items()), body, secret)
        request = self._requests.get(cache_key)
        if request is None:
            request = self._new_request(client, base_url, spec, secret, body)
            # Shared, as they are only read: a key's status calls all carry the same
            # headers, and thousands of tasks' copies were a fifth of the engine's memory.
            request.extensions = self._call_extensions
            raw_headers = tuple(request.headers.raw)
            request.headers = self._call_headers.setdefault(raw_headers, request.headers)
            if len(self._requests) >= PREPARED_CACHE_MAX:
                self._requests.clear()  # tasks come and go; the live ones are rebuilt once
                self._call_headers.clear()
            self._requests[cache_key] = request
        return request

    def _new_request(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        spec: RequestSpec,
        secret: str | None,
        body: bytes | None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> httpx.Request:
        """`spec` as `client` builds it, the key added; ConfigError if it would leave the origin."""
        url = self._httpx_url(base_url, spec.method, spec.path, dict(spec.params))
        check_origin(url, base_url)
        headers = dict(extra_headers or {})
        if secret is not None:
            headers["Authorization"] = f"Bearer {secret}"
        if body is not None:
            headers["Content-Type"] = "application/json"
        return client.build_request(
            spec.method, url, headers=headers, content=body, extensions={"trace": self._trace}
        )

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

    # -- sending ----------------------------------------------------------------

    async def send(self, base_url: str, spec: RequestSpec, key: Secret | None) -> ApiResponse:
        """Send one API call, bounded as a whole by the timeout; the body read up to
        MAX_RESPONSE_BYTES. Raises ConfigError, ResponseTooLarge or an httpx.HTTPError."""
        origin = self._origins.get(base_url) or await self._origin(base_url)
        request = self._call_request(origin.calls, base_url, spec, key)
        transport = origin.call_transport
        try:
            # One timer for the whole call (waiting for a connection, sending, the
            # answer and its body): a body trickling in byte by byte still ends here.
            async with asyncio.timeout(self._timeout_s):
                if transport is not None:
                    response = await transport.handle_async_request(request)
                else:
                    response = await origin.calls.send(request, stream=True)
                try:
                    body = await read_bounded(response)
                finally:
                    await response.aclose()
        except TimeoutError as exc:  # the call's bound (a caller's own timeout cancels)
            message = f"no complete answer within {self._timeout_s:g} s"
            raise httpx.ReadTimeout(message, request=request) from exc
        if key is None:
            return ApiResponse(response.status_code, response.headers, body)
        # Some servers echo the key back ("Invalid API key: sk-..."); whatever the
        # body says next reaches messages, logs and the store, so the key goes now.
        redactor = redactor_for(key.reveal())
        return ApiResponse(response.status_code, response.headers, redactor.bytes(body), redactor)

    async def open_stream(
        self, base_url: str, spec: RequestSpec, key: Secret | None
    ) -> httpx.Response:
        """An event stream's response, its body not yet read; the caller must `aclose()` it."""
        origin = self._origins.get(base_url) or await self._origin(base_url)
        body = None if spec.json_body is None else json_body_bytes(spec.json_body)
        secret = None if key is None else key.reveal()
        stream_headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        request = self._new_request(origin.streams, base_url, spec, secret, body, stream_headers)
        response = await origin.streams.send(request, stream=True)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = BoundedEventStream(response.stream, request)  # no endless line
        return response

    async def aclose(self) -> None:
        clients = [c for o in self._origins.values() for c in (o.calls, o.streams)]
        if self._downloads is not None:
            clients.append(self._downloads)
        clients.extend(self._url_builders.values())
        self._origins, self._downloads, self._url_builders = {}, None, {}
        self._requests.clear()
        for client in clients:
            await client.aclose()


_NEVER_SENDS: Final = httpx.AsyncBaseTransport()
# A network-path ("//host"), dot segments, a query, a fragment or a backslash.
_NEEDS_FULL_MERGE: Final = re.compile(r"^//|/\.|[?#\\]")
