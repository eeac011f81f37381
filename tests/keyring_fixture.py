"""A real Secret Service for tests: a private D-Bus session bus with an unlocked gnome-keyring.

`secret_service_session` (session scope) starts `dbus-daemon` and
`gnome-keyring-daemon --unlock` on that bus with a throw-away XDG_DATA_HOME, and
stops both by PID at the end. `secret_service` (per test) points this process
at that bus, selects keyring's SecretService backend and removes every
`taskmon` entry afterwards. Imported by the conftest.py of the test packages
that need it. Needs Debian `gnome-keyring dbus dbus-x11` (CI installs them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest

KEYRING_PASSWORD = "taskmon-test-session"
SECRETS_BUS_NAME = "org.freedesktop.secrets"
STARTUP_TIMEOUT_S = 10.0
_TOOLS = ("dbus-daemon", "dbus-send", "gnome-keyring-daemon")


@dataclass(frozen=True)
class SecretServiceSession:
    env: dict[str, str]  # the variables that put a process on the private bus

    def child_env(self, **extra: str) -> dict[str, str]:
        """os.environ for a subprocess, on the private bus, with no TASKMON_*_API_KEY."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("TASKMON_")}
        return {**base, **self.env, **extra}


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate (kill after 5 s), then close our ends of its pipes."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


def _wait_for_secrets(env: dict[str, str], daemon: subprocess.Popen[bytes]) -> None:
    # Calling the Secret Service before gnome-keyring owns its name would make D-Bus
    # activate a second, locked daemon; wait until ours has it.
    ask = [
        "dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
        "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", f"string:{SECRETS_BUS_NAME}",
    ]  # fmt: skip
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise RuntimeError(f"gnome-keyring-daemon exited with {daemon.returncode}")
        reply = subprocess.run(ask, env=env, capture_output=True, text=True, check=False)
        if "boolean true" in reply.stdout:
            return
        time.sleep(0.05)
    raise RuntimeError(f"{SECRETS_BUS_NAME} did not appear within {STARTUP_TIMEOUT_S} s")


@pytest.fixture(scope="session")
def secret_service_session(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SecretServiceSession]:
    missing = [tool for tool in _TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"needs {', '.join(missing)}: apt-get install gnome-keyring dbus dbus-x11 "
            "(scripts/test.sh does)"
        )
    root = tmp_path_factory.mktemp("secret-service")
    runtime = root / "run"
    runtime.mkdir(mode=0o700)
    env = {"XDG_DATA_HOME": str(root / "data"), "XDG_RUNTIME_DIR": str(runtime)}
    base = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1",
         f"--address=unix:path={root / 'bus'}"],
        env={**base, **env}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    daemon: subprocess.Popen[bytes] | None = None
    try:
        assert bus.stdout is not None
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().decode().strip()
        if not env["DBUS_SESSION_BUS_ADDRESS"]:
            raise RuntimeError("dbus-daemon printed no address")
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets",
             f"--control-directory={runtime / 'keyring'}"],
            env={**base, **env}, stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert daemon.stdin is not None
        daemon.stdin.write(KEYRING_PASSWORD.encode())  # --unlock reads the password from stdin
        daemon.stdin.close()
        _wait_for_secrets({**base, **env}, daemon)
        yield SecretServiceSession(env)
    finally:
        if daemon is not None:
            _stop(daemon)
        _stop(bus)


def _delete_taskmon_entries() -> None:
    import secretstorage  # keyring's SecretService backend depends on it

    connection = secretstorage.dbus_init()
    try:
        collection = secretstorage.get_default_collection(connection)
        for item in collection.search_items({"service": "taskmon"}):
            item.delete()
    finally:
        connection.close()


@pytest.fixture
def secret_service(
    secret_service_session: SecretServiceSession, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SecretServiceSession]:
    """This test process on the private bus, with keyring's SecretService backend selected."""
    from keyring.backends import SecretService

    # Asked before the private bus is set: asked after, keyring's first choice would be
    # SecretService on that bus, restored below for tests that run after it is gone.
    previous = keyring.get_keyring()
    for name, value in secret_service_session.env.items():
        monkeypatch.setenv(name, value)
    for name in [k for k in os.environ if k.startswith("TASKMON_") and k.endswith("_API_KEY")]:
        monkeypatch.delenv(name)
    keyring.set_keyring(SecretService.Keyring())
    try:
        yield secret_service_session
    finally:
        _delete_taskmon_entries()
        keyring.set_keyring(previous)


def keyrings_dir(session: SecretServiceSession) -> Path:
    """Where gnome-keyring keeps its (encrypted) keyring files for this session."""
    return Path(session.env["XDG_DATA_HOME"]) / "keyrings"
