"""Base URLs and Retry-After: the rules that keep keys on the provider's host."""

from __future__ import annotations

import asyncio
import importlib.abc
import sys
from typing import Any

import httpx
import pytest

from taskmon.keys import Secret
from taskmon.net.api_response import retry_after_s
from taskmon.net.base_urls import ConfigError, base_url_env_var, resolve_base_url, validate_base_url
from taskmon.net.http_api import ApiClients
from taskmon.providers import RequestSpec

DEFAULT = "https://reapi.ai"


def test_default_base_url_is_used_without_override() -> None:
    assert resolve_base_url("reapi", DEFAULT, None, env={}) == DEFAULT


def test_flag_beats_environment_beats_default() -> None:
    env = {base_url_env_var("reapi"): "http://127.0.0.1:8800"}
    assert resolve_base_url("reapi", DEFAULT, None, env=env) == "http://127.0.0.1:8800"
    assert resolve_base_url("reapi", DEFAULT, "http://127.0.0.1:9", env=env) == "http://127.0.0.1:9"


def test_environment_variable_name_follows_the_contract() -> None:
    assert base_url_env_var("reapi") == "TASKMON_REAPI_BASE_URL"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8800", "http://localhost:1", "http://[::1]:8800", "https://example.com"],
)
def test_accepted_base_urls(url: str) -> None:
    assert validate_base_url(url + "/", "reapi") == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://example.com", "loopback"),
        ("http://10.0.0.5:8800", "loopback"),
        ("file:///etc/passwd", "https://host"),
        ("ftp://example.com", "https://host"),
        ("https://example.com/api/v1", "scheme, host and port only"),
        ("https://user:pw@example.com", "scheme, host and port only"),
        ("https://example.com?x=1", "scheme, host and port only"),
        ("https://example.com:99999", "invalid"),
        ("not a url", "https://host"),
    ],
)
def test_rejected_base_urls_say_why(url: str, why: str) -> None:
    with pytest.raises(ConfigError, match=why):
        validate_base_url(url, "reapi")


def test_retry_after_seconds_and_http_date() -> None:
    assert retry_after_s({"retry-after": "7"}) == 7.0
    assert retry_after_s({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 1445412470.0) == 10.0
    assert retry_after_s({"retry-after": "soon"}) is None
    assert retry_after_s({}) is None
    assert retry_after_s({"retry-after": "-3"}) == 0.0


class _RecordingFinder(importlib.abc.MetaPathFinder):
    """Records every module name the import system searches for."""

    def __init__(self) -> None:
        self.searched: list[str] = []

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        self.searched.append(fullname)
        return None


def test_httpcore_backend_detection_finds_sniffio_without_a_search() -> None:
    # httpcore (httpx's own transport, used behind a proxy) imports sniffio on
    # every lock and event it makes (several per request). sniffio is a
    # dependency, so after the first import each one is a sys.modules hit; a
    # missing sniffio was searched for on sys.path every time, as no module in
    # the process is patched to say it is absent.
    from httpcore._synchronization import current_async_library

    assert sys.modules.get("sniffio", ...) is not None  # nobody marked it absent
    finder = _RecordingFinder()

    async def detect() -> list[str]:
        return [current_async_library() for _ in range(3)]

    assert asyncio.run(detect()) == ["asyncio"] * 3  # imported once, if not yet
    sys.meta_path.insert(0, finder)
    try:
        assert asyncio.run(detect()) == ["asyncio"] * 3
    finally:
        sys.meta_path.remove(finder)
    assert "sniffio" not in finder.searched


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("http://127.0.0.1:80", "http://127.0.0.1"),
        ("https://API.Example.com:443/", "https://api.example.com"),
        ("https://api.example.com:8443", "https://api.example.com:8443"),
    ],
)
def test_a_base_url_with_its_scheme_s_default_port_is_kept_without_it(
    given: str, kept: str
) -> None:
    assert validate_base_url(given, "reapi") == kept


async def test_a_base_url_with_its_default_port_reaches_its_own_host() -> None:
    """http://127.0.0.1:80 passed validation, then every call was refused as leaving the host."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    clients = ApiClients(transport=httpx.MockTransport(answer))
    try:
        base = validate_base_url("http://127.0.0.1:80", "reapi")
        response = await clients.send(base, RequestSpec("GET", "/api/v1/tasks/t1"), Secret("sk-1"))
    finally:
        await clients.aclose()
    assert response.status == 200
    assert seen[0].headers["Authorization"] == "Bearer sk-1"
    assert seen[0].url.host == "127.0.0.1"
