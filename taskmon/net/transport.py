"""The transport under taskmon's httpx clients: aiohttp (httpx-aiohttp), held to httpx's rules.

httpx is taskmon's one HTTP API: requests, responses, streams and errors are
httpx's everywhere. Only the bytes move differently: aiohttp parses HTTP in C,
and a status call through it costs well under half the CPU of httpx's own
transport (httpcore, anyio and h11 in pure Python).

`httpx-aiohttp` does the translation. Where it falls short of what taskmon
relies on, `StrictAiohttpTransport` corrects it, here and nowhere else:

- the request goes out with the target httpx built, byte for byte (see
  `handle_async_request`);
- failures come out as the httpx exception httpx's own transport raises for
  the same failure (its table turns a refused connection or a server hanging
  up into a ConnectTimeout, and lets a non-HTTP answer escape as aiohttp's
  error); the error catalogue (outcomes.py) and the key check read them;
- no silent resend: aiohttp repeats an idempotent call whose kept-alive
  connection closed before the answer, httpx reports it (the engine records
  the fault on the task and backs off itself);
- the pool is configured here: connections counted as they are opened (the
  benchmark reads it), kept alive for a minute, long header lines accepted
  as h11 accepts them, no cookie jar of aiohttp's own (cookies are the httpx
  client's business), and the certificate store is the one handed in (loaded
  off the event loop by the caller);
- a body comes out as it was received, one socket read per chunk, never
  joined or re-sliced; given a read buffer (downloads), a socket read may
  bring that much at once instead of asyncio's 256 KiB (bench/NOTES.md).

Timeouts are httpx's per-operation ones (connect, read, pool), mapped to
aiohttp's as httpx-aiohttp maps them; a status call's single total bound is
set by its caller (ApiClients.send), which owns the notion of a call.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator, Mapping
from typing import Any, Final
from weakref import WeakKeyDictionary

import aiohttp
import httpx
from aiohttp import AddrInfoType
from httpx_aiohttp import AiohttpTransport
from httpx_aiohttp.transport import AiohttpResponseStream
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

# h11 (httpx) accepts up to 100 KiB of response head; aiohttp's default is 8 KiB
# per line. A long Set-Cookie or Link header must not turn into a fault here.
MAX_HEAD_LINE_BYTES: Final = 100 * 1024
KEEPALIVE_S: Final = 60.0
_DEFAULT_READ_BUFFER_BYTES: Final = 2**16  # aiohttp's own default


class StrictAiohttpTransport(AiohttpTransport):
    """httpx-aiohttp's transport with httpx's URLs and errors, no resends and its own pool."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        max_connections: int | None,
        keep_alive: bool = True,
        read_buffer_bytes: int | None = None,
    ) -> None:
        # verify= an SSLContext is used as given (no certificate store is loaded here).
        super().__init__(verify=ssl_context, client=self._new_session)
        self._max_connections = max_connections
        self._keep_alive = keep_alive
        self._read_buffer_bytes = read_buffer_bytes
        self._wire: WeakKeyDictionary[httpx.Request, tuple[URL, CIMultiDictProxy[str]]] = (
            WeakKeyDictionary()
        )
        self._wire_headers: dict[tuple[tuple[bytes, bytes], ...], CIMultiDictProxy[str]] = {}
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}
        self.connections_opened = 0

    def _new_session(self) -> aiohttp.ClientSession:
        # Made on the first request, inside the running loop (httpx-aiohttp calls it).
        connector = aiohttp.TCPConnector(
            limit=self._max_connections or 0,  # 0: no limit
            # A stream's connection ends with the stream, as in httpx's stream pool.
            force_close=not self._keep_alive,
            keepalive_timeout=KEEPALIVE_S if self._keep_alive else None,
            ssl=self.ssl_context,
            # Sockets are counted where they are made: a trace config would cost every
            # request several awaited signals (about 8 % of a call's CPU).
            socket_factory=self._new_socket,
        )
        session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            max_line_size=MAX_HEAD_LINE_BYTES,
            max_field_size=MAX_HEAD_LINE_BYTES,
            # aiohttp stops reading past twice this (64 KiB by default): a download,
            # whose socket reads bring 256 KiB, would pause and resume at every one.
            read_bufsize=self._read_buffer_bytes or _DEFAULT_READ_BUFFER_BYTES,
        )
        # There is no public switch for the resend; aiohttp's own test client
        # turns it off the same way (aiohttp/test_utils.py).
        session._retry_connection = False
        return session

    def _new_socket(self, addr_info: AddrInfoType) -> socket.socket:
        family, kind, proto, _, _ = addr_info
        sock = socket.socket(family=family, type=kind, proto=proto)
        self.connections_opened += 1
        return sock

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """httpx-aiohttp's, but the URL goes to aiohttp exactly as httpx encoded it.

        httpx-aiohttp hands aiohttp `str(request.url)`, which aiohttp parses
        again: yarl decodes `%2E` and drops the dot segments httpx had encoded
        on purpose, so a task id ".." would ask for another resource. Its
        errors come out as httpx's (see `as_httpx_error`). And a request sent
        again (a status poll) is translated for aiohttp only the first time:
        its URL and headers are read once per request object, which is never
        changed once sent.
        """
        if not isinstance(self.client, aiohttp.ClientSession):
            self.client = self.get_client()
        wire = self._wire.get(request)
        if wire is None:
            wire = self._wire[request] = self._wire_form(request)
        url, headers = wire
        data: bytes | httpx.AsyncByteStream | None
        try:
            data = request.content or None
        except httpx.RequestNotRead:  # a streamed body
            assert isinstance(request.stream, httpx.AsyncByteStream)
            data = request.stream
        with _HTTPX_ERRORS:
            response = await self.client.request(
                request.method,
                url,
                headers=headers,
                data=data,
                allow_redirects=False,
                auto_decompress=False,  # httpx decodes, as it does its own transport's bodies
                compress=False,
                timeout=self._client_timeout(request.extensions.get("timeout")),
                server_hostname=request.extensions.get("sni_hostname"),
            )
        if self._read_buffer_bytes:
            _read_socket_in(response, self._read_buffer_bytes)
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode()
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_StrictBody(response),
            request=request,
            extensions=extensions,
        )

    def _wire_form(self, request: httpx.Request) -> tuple[URL, CIMultiDictProxy[str]]:
        """The URL exactly as httpx encoded it, and the headers aiohttp is to send.

        Equal headers share one copy: every poll of a key's tasks sends the same.
        """
        raw = tuple(request.headers.raw)
        headers = self._wire_headers.get(raw)
        if headers is None:
            editable = CIMultiDict(request.headers.multi_items())
            editable.popall("transfer-encoding", None)  # aiohttp frames a streamed body itself
            headers = CIMultiDictProxy(editable)
            if len(self._wire_headers) >= _WIRE_HEADERS_KEPT:
                self._wire_headers.clear()  # downloads' ranges differ each time
            self._wire_headers[raw] = headers
        return URL(str(request.url), encoded=True), headers

    def _client_timeout(self, timeout: Mapping[str, float | None] | None) -> aiohttp.ClientTimeout:
        """httpx's per-operation timeouts as aiohttp's, as httpx-aiohttp maps them (kept)."""
        if not timeout:
            return _NO_TIMEOUTS
        bounds = (timeout.get("connect"), timeout.get("read"), timeout.get("pool"))
        mapped = self._timeouts.get(bounds)
        if mapped is None:
            connect, read, pool = bounds
            mapped = aiohttp.ClientTimeout(sock_connect=connect, sock_read=read, connect=pool)
            self._timeouts[bounds] = mapped
        return mapped


_NO_TIMEOUTS: Final = aiohttp.ClientTimeout()
_WIRE_HEADERS_KEPT: Final = 256


def _read_socket_in(response: aiohttp.ClientResponse, max_bytes: int) -> None:
    """Let the response's socket reads bring up to `max_bytes` at once.

    asyncio's socket transport passes its `max_size` (256 KiB) to each recv(): a
    GiB took 4,096 trips through the loop, the parser and the body's reader, each
    costing more Python than the bytes cost to copy. `max_size` is undocumented,
    so only a transport that has one as an int is changed; others (TLS, uvloop)
    keep their own size.
    """
    connection = response.connection
    transport = connection.transport if connection is not None else None
    if isinstance(getattr(transport, "max_size", None), int):
        transport.max_size = max_bytes  # type: ignore[union-attr]


class _StrictBody(AiohttpResponseStream):
    """httpx-aiohttp's response body, its failures as httpx's own transport reports them."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # Each chunk as it arrived (aiohttp bounds its buffer), not httpx-aiohttp's
        # 16 KiB slices: cutting them copies the rest of the buffer each time, and a
        # 1 GiB download paid for 65,536 trips through the loop (bench/NOTES.md). Nor
        # `iter_any`: it joins whatever is buffered into one bytes, another copy.
        content = self._aiohttp_response.content
        try:
            with _HTTPX_ERRORS:
                async for chunk, _ in content.iter_chunks():
                    if chunk:  # an empty one marks the end of an HTTP chunk
                        yield chunk
        except httpx.TransportError:
            # aiohttp raises a cut (or reset) before handing over what it had already
            # received, up to twice the read buffer: those are the body's bytes too,
            # and a download's resume is to continue after them, not before.
            received = _still_buffered(content)
            if received:
                yield received
            raise

    async def aclose(self) -> None:
        with _HTTPX_ERRORS:  # httpx-aiohttp's own, without its exception table around it
            await self._aiohttp_response.__aexit__(None, None, None)


def _still_buffered(content: aiohttp.StreamReader) -> bytes:
    """What `content` received and never handed over (its reads raise once it failed)."""
    # aiohttp has no public read past its error; its buffer is a deque of received
    # chunks, the first of them read up to `_buffer_offset`.
    chunks = list(content._buffer)
    if chunks and content._buffer_offset:
        chunks[0] = chunks[0][content._buffer_offset :]
    content._buffer.clear()
    content._buffer_offset = 0
    return b"".join(chunks)


class _HttpxErrors:
    """Re-raises aiohttp's failures (raw, or as httpx-aiohttp mapped them) as httpx's.

    A class, not a generator-based context manager: it wraps every call twice.
    """

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if isinstance(exc, httpx.TransportError) and isinstance(exc.__cause__, aiohttp.ClientError):
            exc = exc.__cause__
        if isinstance(exc, aiohttp.ClientError):
            raise as_httpx_error(exc) from exc


_HTTPX_ERRORS: Final = _HttpxErrors()


def as_httpx_error(exc: aiohttp.ClientError) -> httpx.TransportError:
    """The httpx exception httpx's own transport raises for the same failure."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message)
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return httpx.ReadTimeout(message)
    if isinstance(exc, aiohttp.ClientProxyConnectionError | aiohttp.ClientHttpProxyError):
        return httpx.ProxyError(message)
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, no such host, TLS, certificate
        return httpx.ConnectError(message)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientResponseError):
        return httpx.RemoteProtocolError(message)  # closed early, or not HTTP at all
    if isinstance(exc, aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(message)  # a body cut short
    if isinstance(exc, aiohttp.ClientOSError):  # a reset while reading
        return httpx.ReadError(message)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(message)
    return httpx.TransportError(message)
