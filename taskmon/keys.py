"""API keys: the OS keyring (service `taskmon`), overridden by `TASKMON_<PROVIDER>_API_KEY`.

A key is held in a `Secret` whose repr/str are masked, so it cannot reach a log,
an exception or a stored file by accident; `reveal()` is the one way out and is
called only where the Authorization header is built. Without a usable keyring
taskmon says so (`KeyringUnavailable`) and relies on the environment; it never
falls back to a plain file.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, NoReturn, TypeVar, final

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

# `keyring` (~190 ms to import: its backends, D-Bus, entry points) is imported in
# the functions that talk to it, inside the keyring thread: a command that only
# names env_var() or builds a KeyStore it may never ask does not pay for it. The
# window loads it at launch, before it shows (`preload_keyring`): that work holds
# the GIL, and met the window's first paints it doubled them (bench/NOTES.md).

log = logging.getLogger(__name__)

SERVICE = "taskmon"
DEFAULT_TIMEOUT_S = 5.0
TIMED_OUT = "timed out waiting for the keyring (is it locked?)"
_PROBE_USER = "__taskmon_probe__"  # looked up (never stored) to find out whether the keyring opens
_PROVIDER_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_INSTALL_HINT = (
    "install and start a Secret Service keyring (gnome-keyring or KeePassXC on Linux; "
    "on a headless box: `gnome-keyring-daemon --unlock --components=secrets` "
    "inside a D-Bus session)"
)
_NO_BACKEND = f"no keyring backend is available: {_INSTALL_HINT}"

T = TypeVar("T")


@final
class Secret:
    """A key that never shows itself: repr/str are masked, `reveal()` is explicit."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a Secret holds a str")
        self._value = value

    def reveal(self) -> str:
        """The key itself: only for the Authorization header of the provider's own API."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    def __str__(self) -> str:
        return "****"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    # Equal secrets must not be told apart by hash. None is Python's marker for
    # unhashable, which typeshed cannot express: it types object.__hash__ as a method.
    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret is not pickled: keys are never written to files")


class KeySource(StrEnum):
    ENV = "env"
    KEYRING = "keyring"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class BackendStatus:
    available: bool
    name: str
    message: str


class KeyringUnavailable(Exception):
    """No usable keyring; `str()` says why, what to do, and which variable works instead."""

    def __init__(self, reason: str, provider: str | None = None) -> None:
        self.reason = reason
        variable = env_var(provider) if provider else "TASKMON_<PROVIDER>_API_KEY"
        super().__init__(f"{reason}; {variable} works without a keyring")


def env_var(provider: str) -> str:
    """The environment variable that overrides the keyring for `provider`."""
    return f"TASKMON_{provider.upper().replace('-', '_')}_API_KEY"


def _check_provider(provider: str) -> str:
    name = provider.strip().lower()
    if not _PROVIDER_NAME.fullmatch(name):
        raise ValueError(f"not a provider name: {provider!r}")
    return name


def _unusable_reason(backend: KeyringBackend) -> str | None:
    """Why this backend cannot hold keys safely, or None when it can."""
    import keyring.backends.fail
    import keyring.backends.null
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        usable = any(_unusable_reason(b) is None for b in backend.backends)
        return None if usable else _NO_BACKEND
    if isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
        return _NO_BACKEND
    kind = type(backend)
    if kind.__module__.startswith("keyrings.alt") and "plaintext" in kind.__name__.lower():
        return "the only keyring backend stores keys in a plain file, which taskmon refuses"
    return None


def _reason_for(exc: Exception) -> str:
    import keyring.errors

    if isinstance(exc, keyring.errors.KeyringLocked):
        return "the keyring is locked (unlock it in your desktop session)"
    if isinstance(exc, keyring.errors.NoKeyringError | keyring.errors.InitError):
        return _NO_BACKEND
    # Messages from keyring/D-Bus name the failure, never the secret.
    return f"the keyring failed ({type(exc).__name__}: {exc})"


_preloaded = threading.Lock()


def _load_keyring() -> KeyringBackend:
    """Import keyring and resolve its backend (cached by keyring); in a worker thread."""
    if sys.platform != "darwin":
        # keyring imports its macOS backend everywhere, whose module looks up the
        # Security framework at import: on Linux ctypes runs `ldconfig -p`, then gcc
        # and ld, ~50 ms, to learn that it is absent. A None entry makes that import
        # fail at once; the backend then says "Security API unavailable", as it would.
        sys.modules.setdefault("keyring.backends.macOS.api", None)  # type: ignore[arg-type]
    import keyring

    return keyring.get_keyring()


def preload_keyring() -> None:
    """Load keyring and find its backend in a daemon thread, once per process.

    For a caller that will need the keyring soon and has time now (the window,
    before it shows): the first key lookup then does not start with ~200 ms of
    imports. A backend that hangs while it is found hangs only this thread.
    """
    if not _preloaded.acquire(blocking=False):
        return

    def load() -> None:
        try:
            _load_keyring()
        except Exception:  # found again, and reported, by the first real call
            log.debug("preloading the keyring failed", exc_info=True)

    threading.Thread(target=load, name="taskmon-keyring-preload", daemon=True).start()


class KeyStore:
    """Per-provider API keys; keyring calls run off the event loop with a timeout."""

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        *,
        backend: KeyringBackend | None = None,
    ) -> None:
        self._env = env  # None: read os.environ at each call, so late changes count
        self.timeout_s = timeout_s
        self._backend = backend  # None: keyring's own choice (keyring.get_keyring())
        self._stuck: threading.Thread | None = None
        self._backend_name = "unknown"  # learnt in the worker thread: resolving may block

    def __repr__(self) -> str:
        return f"KeyStore(timeout_s={self.timeout_s})"

    async def get(self, provider: str) -> Secret | None:
        """The key for `provider`: the environment variable, else the keyring, else None.

        Raises KeyringUnavailable when there is no variable and the keyring cannot be read.
        """
        name = _check_provider(provider)
        if (value := self._from_env(name)) is not None:
            return Secret(value)
        value = await self._keyring(name, lambda b: b.get_password(SERVICE, name))
        return Secret(value) if value else None

    async def set(self, provider: str, value: str) -> None:
        """Store the key in the keyring (never anywhere else)."""
        name = _check_provider(provider)
        if not value or not value.strip():
            raise ValueError("the key is empty")
        await self._keyring(name, lambda b: b.set_password(SERVICE, name, value))
        log.info("stored the API key for %s in the keyring", name)

    async def delete(self, provider: str) -> bool:
        """Remove the key from the keyring; False when there was none."""
        name = _check_provider(provider)

        def delete(backend: KeyringBackend) -> bool:
            import keyring.errors

            try:
                backend.delete_password(SERVICE, name)
            except keyring.errors.PasswordDeleteError:
                return False
            return True

        deleted = await self._keyring(name, delete)
        if deleted:
            log.info("deleted the API key for %s from the keyring", name)
        return deleted

    async def source(self, provider: str) -> KeySource:
        """Where the key would come from; NONE also when the keyring cannot be read."""
        name = _check_provider(provider)
        if self._from_env(name) is not None:
            return KeySource.ENV
        try:
            value = await self._keyring(name, lambda b: b.get_password(SERVICE, name))
        except KeyringUnavailable:
            return KeySource.NONE  # backend() reports why
        return KeySource.KEYRING if value else KeySource.NONE

    async def backend(self, provider: str | None = None) -> BackendStatus:
        """Whether the keyring works now: a lookup that needs it unlocked, never a write.

        With `provider`, the message names that provider's environment variable.
        """
        try:
            name = await self._keyring(provider and _check_provider(provider), self._probe)
        except KeyringUnavailable as exc:
            return BackendStatus(False, self._backend_name, str(exc))
        return BackendStatus(True, name, f"keys are stored in {name}")

    def _probe(self, backend: KeyringBackend) -> str:
        backend.get_password(SERVICE, _PROBE_USER)
        return self._backend_name

    def _from_env(self, name: str) -> str | None:
        env = os.environ if self._env is None else self._env
        value = env.get(env_var(name), "").strip()
        return value or None

    async def _keyring(self, provider: str | None, call: Callable[[KeyringBackend], T]) -> T:
        """Run `call(backend)` in a daemon thread; typed errors, a timeout, no hang at exit."""

        def run() -> T:
            import keyring.errors

            backend = self._backend or _load_keyring()
            self._backend_name = str(getattr(backend, "name", type(backend).__name__))
            try:
                if (reason := _unusable_reason(backend)) is not None:
                    raise KeyringUnavailable(reason, provider)
                return call(backend)
            # keyring keeps the backends it found viable once; a chained SecretService
            # whose session bus has gone since raises RuntimeError on its next use.
            except (keyring.errors.KeyringError, RuntimeError) as exc:
                raise KeyringUnavailable(_reason_for(exc), provider) from exc

        if self._stuck is not None and self._stuck.is_alive():
            raise KeyringUnavailable(TIMED_OUT, provider)  # do not pile up blocked threads
        # A daemon thread rather than asyncio.to_thread: a call stuck on an unlock prompt
        # must not keep the default executor (and so asyncio.run's shutdown) waiting.
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        thread = threading.Thread(
            target=_deliver, args=(loop, future, run), name="taskmon-keyring", daemon=True
        )
        thread.start()
        # asyncio.timeout, not wait_for: 3.11's wait_for returns the answer when a cancel
        # arrives as it lands, and a poll worker that lost its cancel keeps Engine.aclose
        # waiting for ever. Awaiting the future itself cancels it, so a late answer is dropped.
        try:
            async with asyncio.timeout(self.timeout_s):
                return await future
        except TimeoutError:
            self._stuck = thread
            log.warning("keyring call did not answer within %.1f s", self.timeout_s)
            raise KeyringUnavailable(TIMED_OUT, provider) from None


def _deliver(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[T], run: Callable[[], T]
) -> None:
    """Thread body: hand `run()`'s result or exception back to the event loop."""

    def settle(resolve: Callable[[], None]) -> None:
        if not future.done():  # the caller timed out or was cancelled
            resolve()

    try:
        result = run()
    except Exception as exc:  # handed to the awaiting coroutine, not swallowed
        resolve = functools.partial(future.set_exception, exc)
    else:
        resolve = functools.partial(future.set_result, result)
    try:
        loop.call_soon_threadsafe(settle, resolve)
    except RuntimeError:  # the loop closed while the keyring was blocked
        log.debug("keyring answered after its event loop closed")
