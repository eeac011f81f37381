"""A private D-Bus session bus and a fake `org.freedesktop.FileManager1` on it, for Show in folder.

`private_bus()` starts its own `dbus-daemon` (never the user's bus) and stops
it by PID. `fake_file_manager(address, record)` runs a small jeepney service in
a child process that owns the FileManager1 name, writes each ShowItems call
(signature and arguments) as a JSON line to `record`, and answers it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SERVICE = r"""
import json, sys
from jeepney import MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

address, record = sys.argv[1], sys.argv[2]
conn = open_dbus_connection(bus=address)
reply = conn.send_and_get_reply(message_bus.RequestName("org.freedesktop.FileManager1"))
print("ready" if reply.body == (1,) else f"name not ours: {reply.body}", flush=True)
while True:
    msg = conn.receive()
    if msg.header.message_type is not MessageType.method_call:
        continue
    member = msg.header.fields.get(3)
    signature = msg.header.fields.get(8, "")
    if member == "ShowItems":
        with open(record, "a") as out:
            out.write(json.dumps({"signature": signature, "body": list(msg.body)}) + "\n")
        conn.send(new_method_return(msg))
    else:
        conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod"))
"""


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


@contextlib.contextmanager
def private_bus() -> Iterator[str]:
    """A dbus-daemon of this test's own; yields its address."""
    if shutil.which("dbus-daemon") is None:
        pytest.skip("needs dbus-daemon: apt-get install dbus (scripts/test.sh does)")
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert daemon.stdout is not None
        address = daemon.stdout.readline().strip()
        assert address, "dbus-daemon printed no address"
        yield address
    finally:
        _stop(daemon)


@contextlib.contextmanager
def fake_file_manager(address: str, record: Path) -> Iterator[None]:
    """Own org.freedesktop.FileManager1 on `address`, recording ShowItems calls to `record`."""
    service = subprocess.Popen(
        [sys.executable, "-c", SERVICE, address, str(record)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert service.stdout is not None
        ready = service.stdout.readline().strip()
        assert ready == "ready", f"fake FileManager1 did not start: {ready!r}"
        yield
    finally:
        _stop(service)


def recorded_calls(record: Path) -> list[dict[str, Any]]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text().splitlines() if line]
