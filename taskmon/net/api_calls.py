"""Status and cancel calls over aiohttp: the requests httpx would send, for a tenth of the CPU.

Every poll is one small GET or POST on a kept-alive connection. Through
httpx, httpcore, anyio and h11 that cost about 400 µs of CPU in pure Python
(and over half of `taskmon run`'s CPU at 5,000 tasks); aiohttp, already a
dependency, parses HTTP in C and does the same call in about 50 µs.

Only the transport changes. ApiClients (http_api.py) still lets httpx build
each request once (the same target, body and content type as before) and
keeps the key on the provider's origin; failures come out of here as the
httpx exceptions httpx would have raised, so the error catalogue
(outcomes.py) and the key check read them unchanged. Where the environment
configures a proxy, ApiClients keeps using httpx, whose proxy rules differ
from aiohttp's.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Sequence
from typing import Final

import aiohttp
import httpx
from aiohttp import AddrInfoType
from yarl import URL

# h11 (httpx) accepts up to 100 KiB of response head; aiohttp's default is 8 KiB
# per line. A long Set-Cookie or Link header must not turn into a fault here.
MAX_HEAD_LINE_BYTES: Final = 100 * 1024

RawHeaders = Sequence[tuple[bytes, bytes]]


class ResponseTooLarge(Exception):
    pass


class DirectCalls:
    """aiohttp sessions per API origin: a keep-alive pool for calls, one for event streams."""

    def __init__(
        self,
        *,
        max_connections_per_host: int,
        timeout_s: float,
        connect_timeout_s: float,
        stream_idle_timeout_s: float,
        headers: dict[str, str],
        max_response_bytes: int,
    ) -> None:
        self._max_connections = max_connections_per_host
        # A call is small: one timer bounds it whole (waiting for a connection,
        # sending, the answer and its body), and a stalled call fails as httpx's
        # read timeout. aiohttp's per-read and connect timeouts cost two more
        # timers per call, each set and cancelled (about 2 % of a poll's CPU);
        # opening a connection keeps its own, shorter bound.
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=connect_timeout_s)
        self._stream_timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout_s, sock_read=stream_idle_timeout_s
        )
        self._headers = headers
        self._max_bytes = max_response_bytes
        self._sessions: dict[str, aiohttp.ClientSession] = {}
        self._stream_sessions: dict[str, aiohttp.ClientSession] = {}
        self._ssl_context: asyncio.Future[ssl.SSLContext] | None = None
        self.connections_opened = 0

    async def request(
        self, base_url: str, method: str, url: URL, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, RawHeaders, bytes]:
        """Send one call; the status, the raw response headers and the body (bounded).

        Raises ResponseTooLarge or an httpx.RequestError subclass.
        """
        session = self._sessions.get(base_url) or await self._session(base_url, stream=False)
        try:
            async with session.request(
                method, url, headers=headers, data=body, allow_redirects=False
            ) as response:
                declared = response.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > self._max_bytes:
                    raise ResponseTooLarge(f"response of {declared} bytes refused")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.content.iter_any():
                    size += len(chunk)
                    if size > self._max_bytes:
                        raise ResponseTooLarge(f"response over {self._max_bytes} bytes refused")
                    chunks.append(chunk)
                return response.status, response.raw_headers, b"".join(chunks)
        except aiohttp.ClientError as exc:  # its socket timeouts included
            raise as_httpx_error(exc) from exc
        except TimeoutError as exc:  # the call's total bound (a caller's own timeout cancels)
            raise httpx.ReadTimeout(f"no complete answer within {self._timeout.total:g} s") from exc

    async def open_stream(
        self, base_url: str, method: str, url: URL, headers: dict[str, str], body: bytes | None
    ) -> httpx.Response:
        """Open a long-lived response (an event stream) as a streaming httpx.Response.

        httpx reads the body exactly as it read its own (content decoding,
        text, httpx-sse's parsing); only the bytes come from aiohttp, which
        hands them over undecoded. Close it with `aclose()`.
        """
        existing = self._stream_sessions.get(base_url)
        session = existing or await self._session(base_url, stream=True)
        try:
            response = await session.request(
                method, url, headers=headers, data=body, allow_redirects=False
            )
        except aiohttp.ClientError as exc:
            raise as_httpx_error(exc) from exc
        return httpx.Response(
            response.status,
            headers=list(response.raw_headers),
            stream=_StreamedBody(response),
        )

    async def _session(self, base_url: str, *, stream: bool) -> aiohttp.ClientSession:
        context = await self._tls_context() if base_url.startswith("https://") else None
        pool = self._stream_sessions if stream else self._sessions
        session = pool.get(base_url)  # another call may have made it meanwhile
        if session is None:
            ssl_setting: ssl.SSLContext | bool = context if context is not None else True
            # Sockets are counted where they are made: a trace config would cost every
            # request several awaited signals (about 8 % of a call's CPU).
            if stream:
                # Like httpx's stream pool: no limit, and a connection ends with its stream.
                connector = aiohttp.TCPConnector(
                    limit=0, force_close=True, ssl=ssl_setting, socket_factory=self._new_socket
                )
            else:
                connector = aiohttp.TCPConnector(
                    limit=self._max_connections,
                    keepalive_timeout=60.0,
                    ssl=ssl_setting,
                    socket_factory=self._new_socket,
                )
            session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._stream_timeout if stream else self._timeout,
                headers=self._headers,
                # httpx keeps a client's cookies, IP-address hosts included; so does this.
                cookie_jar=aiohttp.CookieJar(unsafe=True),
                max_line_size=MAX_HEAD_LINE_BYTES,
                max_field_size=MAX_HEAD_LINE_BYTES,
                # A stream's body is decoded by httpx, as before.
                auto_decompress=not stream,
            )
            # aiohttp silently resends an idempotent call whose connection closed
            # before an answer; httpx reports it, and the engine records the fault
            # on the task and backs off. Keep httpx's way (aiohttp's own test
            # client turns the retry off the same way: there is no public switch).
            session._retry_connection = False
            pool[base_url] = session
        return session

    async def _tls_context(self) -> ssl.SSLContext:
        """httpx's certificate store (certifi, or SSL_CERT_FILE/DIR), loaded once off the loop.

        Its own context, never httpx's: httpcore sets ALPN to offer h2 on the
        contexts it uses, and this HTTP/1.1 client must not be offered h2.
        """
        if self._ssl_context is None:
            self._ssl_context = asyncio.ensure_future(
                asyncio.to_thread(httpx.create_ssl_context, trust_env=True)
            )
        return await asyncio.shield(self._ssl_context)

    def _new_socket(self, addr_info: AddrInfoType) -> socket.socket:
        family, kind, proto, _, _ = addr_info
        sock = socket.socket(family=family, type=kind, proto=proto)
        self.connections_opened += 1
        return sock

    async def aclose(self) -> None:
        sessions = [*self._sessions.values(), *self._stream_sessions.values()]
        self._sessions, self._stream_sessions = {}, {}
        for session in sessions:
            await session.close()


class _StreamedBody(httpx.AsyncByteStream):
    """An aiohttp response body as httpx reads a streamed one, failures as httpx's."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except aiohttp.ClientError as exc:
            raise as_httpx_error(exc) from exc

    async def aclose(self) -> None:
        self._response.close()


def as_httpx_error(exc: aiohttp.ClientError) -> httpx.RequestError:
    """The httpx exception httpx raises for the same failure (the catalogue reads these)."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message)
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return httpx.ReadTimeout(message)
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, no such host, TLS, certificate
        return httpx.ConnectError(message)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientResponseError):
        return httpx.RemoteProtocolError(message)  # closed early, or not HTTP at all
    if isinstance(exc, aiohttp.ClientPayloadError):
        if isinstance(exc.__cause__, aiohttp.http_exceptions.ContentEncodingError):
            return httpx.DecodingError(message)
        return httpx.RemoteProtocolError(message)  # a body cut short
    if isinstance(exc, aiohttp.ClientOSError):  # a reset while reading
        return httpx.ReadError(message)
    return httpx.TransportError(message)
