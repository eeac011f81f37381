"""`taskmon --self-test`, the checks without Qt: keyring, data dir, TLS, loopback, notifications.

Each check returns one `CheckResult`: what was checked, ok / warning / problem /
skipped, what was found, and how to fix a problem. A check never raises: an
unexpected error is itself the finding. `required` says whether taskmon can run
without the thing (a keyring, a tray and a notification service are optional:
keys then come from the environment, notifications from the window).
The Qt checks (platform plugin, multimedia, image formats, tray) live in
`taskmon.ui.install_checks`, which is the only layer allowed to load Qt.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from taskmon.keys import KeyStore, Secret
from taskmon.service.data_paths import ensure_data_dir
from taskmon.store import StoreError

CHECK_TIMEOUT_S: Final = 10.0
NOTIFICATIONS_NAME: Final = "org.freedesktop.Notifications"


class CheckStatus(StrEnum):
    OK = "ok"
    WARNING = "warning"  # an optional feature is missing: taskmon runs without it
    PROBLEM = "problem"  # taskmon cannot work like this (when the check is required)
    SKIPPED = "skipped"  # not applicable here, or an earlier check failed first


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One line of the self-test report."""

    name: str  # stable key, e.g. "keyring"
    title: str  # what a person reads, e.g. "Keyring"
    status: CheckStatus
    detail: str  # what was found
    fix: str = ""  # how to fix it (empty when nothing is to fix)
    required: bool = True  # needed to run: a problem here makes the self-test fail

    @property
    def fails(self) -> bool:
        """Whether this result makes the self-test exit 1."""
        return self.required and self.status is CheckStatus.PROBLEM

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckResult:
        return cls(
            name=str(data["name"]),
            title=str(data["title"]),
            status=CheckStatus(str(data["status"])),
            detail=str(data["detail"]),
            fix=str(data.get("fix", "")),
            required=bool(data.get("required", True)),
        )


async def check_keyring(keys: KeyStore | None = None) -> CheckResult:
    """The keyring backend, and whether it opens: a lookup of an entry taskmon never stores."""
    status = await (keys or KeyStore()).backend()
    if status.available:
        return CheckResult(
            "keyring", "Keyring", CheckStatus.OK, f"{status.name}, unlocked", required=False
        )
    return CheckResult(
        "keyring",
        "Keyring",
        CheckStatus.WARNING,
        # The message's first clause: what is wrong. The fix below says what to do.
        f"{status.name}: {re.split(r': |; ', status.message, maxsplit=1)[0]}",
        fix=_KEYRING_FIX.get(sys.platform, _KEYRING_FIX["linux"]),
        required=False,
    )


_KEYRING_FIX: Final = {
    "linux": "run a Secret Service (GNOME Keyring, KWallet 6 or KeePassXC) in your session "
    "and unlock it; or set TASKMON_<PROVIDER>_API_KEY instead",
    "darwin": "allow taskmon in Keychain Access (login keychain), or set "
    "TASKMON_<PROVIDER>_API_KEY instead",
    "win32": "check Windows Credential Manager, or set TASKMON_<PROVIDER>_API_KEY instead",
}


def check_data_dir(directory: Path | None = None) -> CheckResult:
    """The data directory exists (or can be made) and a file can be written in it."""
    try:
        found = ensure_data_dir(directory)
    except StoreError as exc:
        return CheckResult(
            "data_dir",
            "Data directory",
            CheckStatus.PROBLEM,
            str(exc),
            fix="make it writable, or set TASKMON_DATA_DIR to a writable directory",
        )
    return CheckResult("data_dir", "Data directory", CheckStatus.OK, f"{found} is writable")


async def check_notifications(env: Mapping[str, str] | None = None) -> CheckResult:
    """The desktop notification service answers GetServerInformation (Linux, D-Bus)."""
    title = "Notification service"
    if not sys.platform.startswith("linux"):
        return CheckResult(
            "notifications",
            title,
            CheckStatus.SKIPPED,
            "not probed here: the platform's notification centre is used",
            required=False,
        )
    environ = os.environ if env is None else env
    fix = "run a notification daemon in your session (any desktop has one; dunst, mako)"
    if not environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return CheckResult(
            "notifications",
            title,
            CheckStatus.WARNING,
            "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)",
            fix="start taskmon inside your desktop session; " + fix,
            required=False,
        )
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            name, vendor, version = await asyncio.to_thread(_notification_server_info)
    except Exception as exc:  # D-Bus errors, a missing service, a timeout: all findings
        reason = str(exc) or type(exc).__name__
        return CheckResult(
            "notifications",
            title,
            CheckStatus.WARNING,
            f"{NOTIFICATIONS_NAME} did not answer: {reason[:200]}",
            fix=fix,
            required=False,
        )
    return CheckResult(
        "notifications", title, CheckStatus.OK, f"{name} {version} ({vendor})", required=False
    )


def _notification_server_info() -> tuple[str, str, str]:
    # jeepney comes with keyring (SecretStorage) on Linux; a blocking call, in a thread.
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    address = DBusAddress(
        "/org/freedesktop/Notifications", bus_name=NOTIFICATIONS_NAME, interface=NOTIFICATIONS_NAME
    )
    with open_dbus_connection(bus="SESSION") as connection:
        reply = connection.send_and_get_reply(
            new_method_call(address, "GetServerInformation"), timeout=CHECK_TIMEOUT_S
        )
    if reply.header.message_type.name == "error":
        raise RuntimeError(str(reply.body[0]) if reply.body else "D-Bus error")
    name, vendor, version, _spec = reply.body
    return str(name), str(vendor), str(version)


async def check_simulator() -> CheckResult:
    """The built-in simulator on 127.0.0.1 answers one status call through taskmon's client."""
    from taskmon.net import ApiClients
    from taskmon.providers import PROVIDERS
    from taskmon.service.key_check import check_key
    from taskmon.sim import Simulator

    title = "Simulator on loopback"
    sim = Simulator(seed=0)
    try:
        await sim.start(api_port=0, media_port=0)
    except OSError as exc:
        return CheckResult(
            "simulator",
            title,
            CheckStatus.PROBLEM,
            f"cannot listen on 127.0.0.1: {exc}",
            fix="allow local (loopback) connections; a firewall or sandbox blocks them",
        )
    clients = ApiClients(timeout_s=CHECK_TIMEOUT_S)
    try:
        provider = next(iter(PROVIDERS.values()))
        verdict = await check_key(
            clients, provider, sim.api_url, Secret(sim.keys[provider.name]), CHECK_TIMEOUT_S
        )
    finally:
        await clients.aclose()
        await sim.stop()
    if verdict.ok:
        return CheckResult(
            "simulator",
            title,
            CheckStatus.OK,
            f"one {provider.display_name} status call to {sim.api_url} answered",
        )
    return CheckResult(
        "simulator",
        title,
        CheckStatus.PROBLEM,
        f"a status call to {sim.api_url} failed: {verdict.message}",
        fix="a firewall or proxy setting may intercept loopback traffic (check NO_PROXY)",
    )
