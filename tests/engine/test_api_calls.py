"""Status calls and streams through ApiClients (httpx over aiohttp, transport.py): the
requests httpx builds, one bound per call, the failures the catalogue reads."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest
from httpx_sse import EventSource, SSEError
from hypothesis import given, settings
from hypothesis import strategies as st

from taskmon.domain.task import TaskRef
from taskmon.keys import Secret
from taskmon.net.api_response import MAX_RESPONSE_BYTES, ResponseTooLarge
from taskmon.net.base_urls import ConfigError
from taskmon.net.http_api import ApiClients, json_body_bytes
from taskmon.net.outcomes import classify_exception
from taskmon.providers import PROVIDERS
from taskmon.providers.base import RequestSpec

KEY = Secret("sk-test-123")
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


@dataclass
class Seen:
    request_line: str
    headers: dict[str, str]
    body: bytes


Reply = Callable[[asyncio.StreamWriter], Awaitable[None]]


@dataclass
class RawServer:
    """A loopback HTTP/1.1 server that records each request and answers as told."""

    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    reply: Reply | None = None


async def _answer_ok(writer: asyncio.StreamWriter) -> None:
    writer.write(OK)
    await writer.drain()


@pytest.fixture
async def server() -> AsyncIterator[RawServer]:
    state = RawServer()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line, *rest = head.decode("latin-1").split("\r\n")
                headers = {k.lower(): v for k, _, v in (h.partition(": ") for h in rest if h)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                state.seen.append(Seen(line, headers, body))
                await (state.reply or _answer_ok)(writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}"
    yield state
    listener.close()


@pytest.fixture
async def clients(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ApiClients]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    made = ApiClients(timeout_s=1.0)
    yield made
    await made.aclose()


def _httpx_target(base_url: str, spec: RequestSpec) -> str:
    request = httpx.Client(base_url=base_url).build_request(
        spec.method, spec.path, params=dict(spec.params) or None
    )
    return request.url.raw_path.decode("ascii")


@pytest.mark.parametrize(
    ("provider", "task_id", "model"),
    [
        ("reapi", "task_0123456789abcdef0123456789abcdef", None),
        ("xenodia", "a+b/c?d#e%f", None),
        ("vidgo", "..", None),
        ("vidgo", "ünï-cødé", None),
        ("apixo", "x;y&z=1/é%", "flux/dev+1.1"),
        ("apixo", "t", ".."),
    ],
)
async def test_a_status_call_asks_for_exactly_what_httpx_asked_for(
    server: RawServer, clients: ApiClients, provider: str, task_id: str, model: str | None
) -> None:
    spec = PROVIDERS[provider].status_request(TaskRef(provider, task_id, model))
    await clients.send(server.url, spec, KEY)
    method, target, version = server.seen[0].request_line.split(" ")
    assert (method, version) == (spec.method, "HTTP/1.1")
    assert target == _httpx_target(server.url, spec)


@settings(max_examples=400, deadline=None)
@given(
    base=st.sampled_from(
        ["http://127.0.0.1:8080", "https://api.example.com/api", "http://[::1]:9/v2%20x/"]
    ),
    path=st.text(max_size=24).map(lambda text: "/" + text),
    params=st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
)
def test_any_path_gets_the_target_httpx_builds_or_httpx_s_error(
    base: str, path: str, params: dict[str, str]
) -> None:
    # The kept target is built without a Request around it: same URL, same refusals.
    clients = ApiClients()
    spec = RequestSpec("GET", path, params=params)
    try:
        with httpx.Client(base_url=base) as client:
            expected = str(client.build_request("GET", path, params=params or None).url)
    except httpx.InvalidURL:
        with pytest.raises(httpx.InvalidURL):
            clients._httpx_url(base, spec.method, spec.path, params)
        return
    assert str(clients._httpx_url(base, spec.method, spec.path, params)) == expected


async def test_a_json_call_sends_httpx_s_bytes_and_content_type(
    server: RawServer, clients: ApiClients
) -> None:
    body = {"out_task_id": 'ünï "quoted" / ✓'}
    await clients.send(server.url, RequestSpec("POST", "/v1/tasks/query", json_body=body), KEY)
    seen = server.seen[0]
    assert seen.body == json_body_bytes(body) == httpx.Request("POST", "/", json=body).content
    assert seen.headers["content-type"] == "application/json"


async def test_every_call_carries_the_key_user_agent_and_accept(
    server: RawServer, clients: ApiClients
) -> None:
    await clients.send(server.url, RequestSpec("GET", "/v1/tasks/a"), KEY)
    headers = server.seen[0].headers
    assert headers["authorization"] == f"Bearer {KEY.reveal()}"
    assert headers["accept"] == "application/json"
    assert headers["user-agent"].startswith("taskmon/")


async def test_calls_reuse_one_kept_alive_connection(
    server: RawServer, clients: ApiClients
) -> None:
    for _ in range(3):
        response = await clients.send(server.url, RequestSpec("GET", "/v1/tasks/a"), KEY)
        assert (response.status, response.body) == (200, b"{}")
    assert clients.connections_opened == 1


async def test_an_absolute_path_never_takes_the_key_elsewhere(
    server: RawServer, clients: ApiClients
) -> None:
    with pytest.raises(ConfigError):
        await clients.send(server.url, RequestSpec("GET", "http://elsewhere.example/x"), KEY)
    assert server.seen == []


async def test_a_key_echoed_in_the_body_is_redacted(server: RawServer, clients: ApiClients) -> None:
    async def echo(writer: asyncio.StreamWriter) -> None:
        body = f'{{"error": "invalid key {KEY.reveal()}"}}'.encode()
        writer.write(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        await writer.drain()

    server.reply = echo
    response = await clients.send(server.url, RequestSpec("GET", "/v1/tasks/a"), KEY)
    assert response.status == 401
    assert KEY.reveal().encode() not in response.body
    assert b"[redacted]" in response.body


async def test_response_headers_read_as_httpx_headers(
    server: RawServer, clients: ApiClients
) -> None:
    async def throttled(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 429 Too Many\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()

    server.reply = throttled
    response = await clients.send(server.url, RequestSpec("GET", "/v1/tasks/a"), KEY)
    assert isinstance(response.headers, httpx.Headers)
    assert response.headers.get("retry-after") == "7"


async def test_a_connection_closed_without_an_answer_is_reported_not_resent(
    server: RawServer, clients: ApiClients
) -> None:
    async def hang_up(writer: asyncio.StreamWriter) -> None:
        writer.transport.abort()

    server.reply = hang_up
    with pytest.raises(httpx.TransportError) as caught:
        await clients.send(server.url, RequestSpec("GET", "/v1/tasks/a"), KEY)
    message = classify_exception(PROVIDERS["reapi"], caught.value).message
    assert message == "reAPI: connection closed before a full answer"
    assert len(server.seen) == 1  # the engine records the fault and backs off itself


async def test_a_body_cut_short_is_a_closed_connection(
    server: RawServer, clients: ApiClients
) -> None:
    async def truncated(writer: asyncio.StreamWriter) -> None:
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"status":')
        await writer.drain()
        writer.close()

    server.reply = truncated
    with pytest.raises(httpx.TransportError) as caught:
        await clients.send(server.url, RequestSpec("GET", "/v1/tasks/a"), KEY)
    message = classify_exception(PROVIDERS["reapi"], caught.value).message
    assert message == "reAPI: connection closed before a full answer"


async def test_a_refused_connection_is_a_connect_error(clients: ApiClients) -> None:
    listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    with pytest.raises(httpx.ConnectError):
        await clients.send(f"http://127.0.0.1:{port}", RequestSpec("GET", "/v1/tasks/a"), KEY)


async def test_a_silent_server_is_a_read_timeout(server: RawServer, clients: ApiClients) -> None:
    async def silent(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    server.reply = silent
    with pytest.raises(httpx.ReadTimeout):
        await clients.send(server.url, RequestSpec("GET", "/v1/tasks/a"), KEY)


async def test_a_body_that_trickles_past_the_bound_is_a_read_timeout(
    server: RawServer, clients: ApiClients
) -> None:
    # Each byte comes well within the bound, the whole answer never does: a
    # call is bounded as a whole (1 s here), not per read.
    async def trickle(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.1)

    server.reply = trickle
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(httpx.ReadTimeout):
        await clients.send(server.url, RequestSpec("GET", "/v1/tasks/a"), KEY)
    assert loop.time() - started < 3.0


@pytest.mark.parametrize("declared", [True, False])
async def test_an_oversized_answer_is_refused(
    server: RawServer, clients: ApiClients, declared: bool
) -> None:
    size = MAX_RESPONSE_BYTES + 1

    async def huge(writer: asyncio.StreamWriter) -> None:
        length = b"Content-Length: %d\r\n" % size if declared else b"Connection: close\r\n"
        writer.write(b"HTTP/1.1 200 OK\r\n" + length + b"\r\n")
        for _ in range(size // 65536 + 1):
            writer.write(b" " * 65536)
            await writer.drain()

    server.reply = huge
    with pytest.raises(ResponseTooLarge):
        await clients.send(server.url, RequestSpec("GET", "/v1/tasks/a"), KEY)


async def test_with_a_proxy_in_the_environment_calls_go_through_it(
    server: RawServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # httpx's proxy rules (HTTP_PROXY, NO_PROXY...) stay in force: the proxy
    # here is the recording server, which sees the absolute-form target.
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    proxied = ApiClients(timeout_s=1.0)
    try:
        await proxied.send("http://127.0.0.1:9", RequestSpec("GET", "/v1/tasks/a"), KEY)
    finally:
        await proxied.aclose()
    assert server.seen[0].request_line == "GET http://127.0.0.1:9/v1/tasks/a HTTP/1.1"


async def _events(clients: ApiClients, url: str) -> list[tuple[str, str]]:
    response = await clients.open_stream(url, RequestSpec("GET", "/v1/tasks/stream/a"), KEY)
    try:
        assert response.status_code == 200
        return [(e.event, e.data) async for e in EventSource(response).aiter_sse()]
    finally:
        await response.aclose()


async def test_an_event_stream_reads_as_httpx_sse_read_it(
    server: RawServer, clients: ApiClients
) -> None:
    async def stream(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
        # Keep-alive comments, CRLF and CR line ends, an event split across writes.
        for part in (b": keep-alive\n\n", b'event: task\r\ndata: {"a":', b" 1}\r\n\r\n"):
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(0.01)
        writer.write(b"data: line one\rdata: line two\n\n")
        writer.close()

    server.reply = stream
    assert await _events(clients, server.url) == [
        ("task", '{"a": 1}'),
        ("message", "line one\nline two"),
    ]
    headers = server.seen[0].headers
    assert (headers["accept"], headers["cache-control"]) == ("text/event-stream", "no-store")
    assert headers["authorization"] == f"Bearer {KEY.reveal()}"


async def test_a_compressed_event_stream_is_decoded_once(
    server: RawServer, clients: ApiClients
) -> None:
    body = gzip.compress(b"event: task\ndata: zipped\n\n")

    async def stream(writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body
        )
        await writer.drain()

    server.reply = stream
    assert await _events(clients, server.url) == [("task", "zipped")]


async def test_a_stream_that_is_not_an_event_stream_is_refused(
    server: RawServer, clients: ApiClients
) -> None:
    server.reply = _answer_ok  # application/json
    with pytest.raises(SSEError):
        await _events(clients, server.url)


async def test_a_stream_cut_mid_event_is_an_httpx_error(
    server: RawServer, clients: ApiClients
) -> None:
    async def cut(writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n10\r\nevent: task\ndata"
        )
        await writer.drain()
        writer.transport.abort()

    server.reply = cut
    with pytest.raises(httpx.TransportError):
        await _events(clients, server.url)
