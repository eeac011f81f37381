"""API keys: a real Secret Service, the environment override, and keys never shown."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator

import keyring
import keyring.backends.fail
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring_fixture import SecretServiceSession, keyrings_dir

from taskmon.keys import (
    TIMED_OUT,
    KeyringUnavailable,
    KeySource,
    KeyStore,
    Secret,
    env_var,
)

KEY = "sk-live-4f3c2a1b9d8e7f60-do-not-print"


class _Blocking(KeyringBackend):
    """A backend whose every call hangs, like one waiting on an unlock prompt."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()
        self.calls = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.calls += 1
        self.entered.set()
        self.release.wait(30)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.get_password(service, username)

    def delete_password(self, service: str, username: str) -> None:
        self.get_password(service, username)


class _Locked(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    set_password = delete_password = get_password  # type: ignore[assignment]


@pytest.fixture
def blocking() -> Iterator[_Blocking]:
    backend = _Blocking()
    yield backend
    backend.release.set()  # let the daemon thread finish


@pytest.fixture
def fail_backend() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


# -- Secret ---------------------------------------------------------------------------


def test_a_secret_is_masked_everywhere_but_reveal() -> None:
    secret = Secret(KEY)
    shown = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        repr([secret]),
        repr({"k": secret}),
    ]
    assert repr(secret) == "Secret('****')"
    assert all(KEY not in text for text in shown)
    assert secret.reveal() == KEY


def test_a_secret_is_never_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret(KEY))


def test_secrets_compare_by_value() -> None:
    assert Secret(KEY) == Secret(KEY)
    assert Secret(KEY) != Secret("other")


def test_the_environment_variable_follows_the_contract() -> None:
    assert env_var("reapi") == "TASKMON_REAPI_API_KEY"
    assert env_var("xenodia") == "TASKMON_XENODIA_API_KEY"


# -- environment override (no keyring needed) ------------------------------------------


async def test_the_environment_overrides_the_keyring_without_touching_it(
    blocking: _Blocking,
) -> None:
    store = KeyStore(env={"TASKMON_VIDGO_API_KEY": KEY + "\n"}, backend=blocking)
    assert (await store.get("vidgo")) == Secret(KEY)
    assert await store.source("vidgo") is KeySource.ENV
    assert blocking.calls == 0


async def test_bad_provider_names_are_refused() -> None:
    store = KeyStore(env={})
    for bad in ("", "../x", "has space", "x" * 100):
        with pytest.raises(ValueError):
            await store.get(bad)


# -- no usable keyring ------------------------------------------------------------------


@pytest.mark.usefixtures("fail_backend")
async def test_the_fail_backend_is_reported_as_unavailable_with_what_to_do() -> None:
    store = KeyStore(env={})
    status = await store.backend()
    assert not status.available
    assert "gnome-keyring" in status.message
    assert "TASKMON_<PROVIDER>_API_KEY" in status.message

    with pytest.raises(KeyringUnavailable) as caught:
        await store.set("apixo", KEY)
    assert "TASKMON_APIXO_API_KEY" in str(caught.value)
    assert KEY not in "".join(traceback.format_exception(caught.value))
    with pytest.raises(KeyringUnavailable):
        await store.get("apixo")
    with pytest.raises(KeyringUnavailable):
        await store.delete("apixo")
    assert await store.source("apixo") is KeySource.NONE


@pytest.mark.usefixtures("fail_backend")
async def test_without_a_keyring_the_environment_still_works() -> None:
    store = KeyStore(env={"TASKMON_APIXO_API_KEY": KEY})
    assert (await store.get("apixo")) == Secret(KEY)


class _GoneBus(KeyringBackend):
    """A backend whose D-Bus went away: Secret Service raises RuntimeError, not KeyringError."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("Unable to initialize SecretService: DBUS_SESSION_BUS_ADDRESS is unset")

    set_password = delete_password = get_password  # type: ignore[assignment]


async def test_a_backend_that_fails_at_use_is_unavailable_not_a_crash() -> None:
    store = KeyStore(env={}, backend=_GoneBus())
    with pytest.raises(KeyringUnavailable, match="DBUS_SESSION_BUS_ADDRESS"):
        await store.get("reapi")
    assert await store.source("reapi") is KeySource.NONE


async def test_a_chain_that_fails_when_read_is_unavailable_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """keyring keeps the backends it once found viable; reading a chain whose Secret
    Service lost its session bus raises RuntimeError (as `taskmon save` met in CI)."""

    def gone(_backend: object) -> str | None:
        raise RuntimeError("Unable to initialize SecretService: DBUS_SESSION_BUS_ADDRESS is unset")

    monkeypatch.setattr("taskmon.keys._unusable_reason", gone)
    store = KeyStore(env={}, backend=_Locked())
    with pytest.raises(KeyringUnavailable, match="DBUS_SESSION_BUS_ADDRESS"):
        await store.get("reapi")


async def test_a_locked_keyring_says_so() -> None:
    store = KeyStore(env={}, backend=_Locked())
    with pytest.raises(KeyringUnavailable, match="locked"):
        await store.get("reapi")
    assert not (await store.backend()).available


async def test_a_keyring_that_hangs_times_out(blocking: _Blocking) -> None:
    store = KeyStore(env={}, timeout_s=0.2, backend=blocking)
    started = asyncio.get_running_loop().time()
    with pytest.raises(KeyringUnavailable) as caught:
        await store.get("reapi")
    assert asyncio.get_running_loop().time() - started < 2
    assert caught.value.reason == TIMED_OUT
    assert str(caught.value).startswith("timed out waiting for the keyring (is it locked?)")

    # While that call is still stuck, later ones fail at once instead of piling up threads.
    with pytest.raises(KeyringUnavailable):
        await store.set("reapi", KEY)
    assert blocking.calls == 1
    assert not (await store.backend()).available


async def test_a_cancel_that_meets_the_keyrings_answer_is_not_lost(blocking: _Blocking) -> None:
    # Python 3.11's wait_for returns the result when a cancel arrives just as the call
    # finishes. The engine's poll workers loop for ever around key lookups: one that
    # lost its cancel kept Engine.aclose (and a CI run) waiting for good.
    store = KeyStore(env={}, backend=blocking)
    lookup = asyncio.create_task(store.get("reapi"))
    assert await asyncio.to_thread(blocking.entered.wait, 5)
    blocking.release.set()
    for thread in threading.enumerate():  # its answer is handed over: the loop runs it next
        if thread.name == "taskmon-keyring":
            thread.join(5)
    lookup.cancel()
    with pytest.raises(asyncio.CancelledError):
        await lookup


# -- a real Secret Service ----------------------------------------------------------------


@pytest.mark.keyring
async def test_set_get_delete_round_trip_in_the_secret_service(
    secret_service: SecretServiceSession,
) -> None:
    store = KeyStore(env={})
    status = await store.backend()
    assert status.available, status.message
    assert "SecretService" in status.name

    assert await store.get("xenodia") is None
    assert await store.source("xenodia") is KeySource.NONE
    await store.set("xenodia", KEY)
    assert (await store.get("xenodia")) == Secret(KEY)
    assert await store.source("xenodia") is KeySource.KEYRING
    assert keyring.get_password("taskmon", "xenodia") == KEY  # service taskmon, user = provider

    assert await store.delete("xenodia") is True
    assert await store.delete("xenodia") is False
    assert await store.get("xenodia") is None


@pytest.mark.keyring
async def test_the_environment_wins_over_a_stored_key(
    secret_service: SecretServiceSession,
) -> None:
    await KeyStore(env={}).set("bytespike", "from-the-keyring")
    store = KeyStore(env={"TASKMON_BYTESPIKE_API_KEY": KEY})
    assert (await store.get("bytespike")) == Secret(KEY)
    assert await store.source("bytespike") is KeySource.ENV


@pytest.mark.keyring
async def test_keys_never_reach_logs_reprs_errors_or_plain_files(
    secret_service: SecretServiceSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = KeyStore(env={})
    await store.set("reapi", KEY)
    secret = await store.get("reapi")
    assert secret is not None
    texts = [repr(store), repr(secret), str(secret), caplog.text]
    with pytest.raises(ValueError) as caught:
        await store.set("not a name", KEY)
    texts.append(str(caught.value))
    assert all(KEY not in text for text in texts)
    # gnome-keyring's files are encrypted: the key is nowhere in them as plain bytes.
    for path in keyrings_dir(secret_service).iterdir():
        assert KEY.encode() not in path.read_bytes()


def test_preloading_finds_the_backend_once_without_the_macos_library_search() -> None:
    """The window loads keyring before it shows. Off macOS, keyring's macOS module would
    search for the Security framework at import (ldconfig, gcc and ld, ~50 ms): it is
    not imported; the backend is still found, and a second preload starts nothing."""
    script = """
import subprocess, sys, threading
spawned = []
real = subprocess.Popen.__init__
def counting(self, args, *a, **k):
    spawned.append(args)
    real(self, args, *a, **k)
subprocess.Popen.__init__ = counting
from taskmon.keys import preload_keyring
preload_keyring(); preload_keyring()
loaders = [t for t in threading.enumerate() if t.name == "taskmon-keyring-preload"]
assert len(loaders) == 1, loaders
loaders[0].join(30)
import keyring.backends.macOS, keyring.core
assert sys.modules["keyring.backends.macOS.api"] is None
assert keyring.core._keyring_backend is not None
print(type(keyring.get_keyring()).__module__, spawned)
"""
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"}
    env.pop("PYTHON_KEYRING_BACKEND", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[1:] == ["[]"], done.stdout  # nothing spawned
