"""Instant hand-over between the taskmon processes of one data dir, over a private Unix socket.

The process holding the data dir's InstanceLock (`taskmon run` or the window)
listens. `taskmon add` says `sync` after its commit, so the holder picks the
new tasks up at once instead of at its next store poll; a second window launch
says `show`, so a running window raises itself (and a headless `run` holder is
told apart by its answer).

The protocol is one line each way: the client sends `sync` or `show`, the
server answers `ok <role> <pid>` (role `run` or `window`) or `error <why>`.
Everything here is best effort with short timeouts: when it cannot work (no
AF_UNIX, an unsafe socket directory, a path too long) nothing happens and the
store poll still picks every change up within a second.

The socket lives in a private per-user directory (`$XDG_RUNTIME_DIR/taskmon`,
else `<tmp>/taskmon-<uid>`, mode 0700), named by a hash of the resolved data
dir path: data dirs can be far longer than a socket path may be (~104 bytes).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

CLIENT_TIMEOUT_S: Final = 0.5  # `taskmon add` must never hang on a stuck holder
SERVER_READ_TIMEOUT_S: Final = 2.0
MAX_LINE_BYTES: Final = 64
MAX_SOCKET_PATH_BYTES: Final = 100  # sun_path holds 108 bytes on Linux, 104 on macOS
RUNTIME_DIR_ENV: Final = "XDG_RUNTIME_DIR"


class Command(StrEnum):
    SYNC = "sync"  # the store changed: look at it now
    SHOW = "show"  # another window launch: raise the running window


_COMMANDS: Final = frozenset(c.value for c in Command)


class HolderRole(StrEnum):
    RUN = "run"
    WINDOW = "window"


@dataclass(frozen=True, slots=True)
class Holder:
    """Who answered: the process tracking the data dir."""

    role: str  # a HolderRole value (kept as text: a newer taskmon may name another)
    pid: int | None

    def describe(self) -> str:
        """`taskmon run (PID 123)`, for messages."""
        return f"taskmon {self.role}" + (f" (PID {self.pid})" if self.pid is not None else "")


def supported() -> bool:
    """Whether this platform has Unix sockets (Windows before AF_UNIX support has not)."""
    return os.name == "posix" and hasattr(socket, "AF_UNIX")


def socket_path(data_dir: Path, *, create: bool = False) -> Path | None:
    """Where the holder of `data_dir` listens; None when hand-over cannot be used safely.

    With `create`, the private directory is made (mode 0700) when missing. A
    directory that is a link, belongs to another user or is open to others is
    never used: another user could otherwise impersonate the holder.
    """
    if not supported():
        return None
    directory = _socket_dir()
    if create:
        try:
            directory.mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            log.info("no hand-over socket: cannot create %s: %s", directory, exc)
            return None
    if not _private(directory):
        return None
    digest = hashlib.sha256(os.fsencode(str(data_dir.resolve()))).hexdigest()[:20]
    path = directory / f"{digest}.sock"
    if len(os.fsencode(str(path))) > MAX_SOCKET_PATH_BYTES:
        log.info("no hand-over socket: %s is too long for a Unix socket", path)
        return None
    return path


def _socket_dir() -> Path:
    runtime = os.environ.get(RUNTIME_DIR_ENV, "")
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
        return Path(runtime) / "taskmon"
    return Path(tempfile.gettempdir()) / f"taskmon-{os.getuid()}"


def _private(directory: Path) -> bool:
    try:
        info = directory.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        log.info("no hand-over socket: %s is not a directory of this user", directory)
        return False
    if info.st_mode & 0o077:
        try:
            directory.chmod(0o700)  # ours, only too open (an old umask): close it
        except OSError:
            log.info("no hand-over socket: %s is open to other users", directory)
            return False
    return True


def _parse_reply(untrusted_line: bytes) -> Holder | None:
    parts = untrusted_line.decode("ascii", "replace").split()
    if len(parts) < 2 or parts[0] != "ok" or not parts[1].isalnum():
        return None
    pid = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
    return Holder(parts[1][:16], pid)


# -- client -----------------------------------------------------------------------


def send_to_holder(
    data_dir: Path, command: Command, timeout_s: float = CLIENT_TIMEOUT_S
) -> Holder | None:
    """Tell the data dir's holder `command`; who answered, or None when nobody listens.

    Blocking (for the CLI), never longer than `timeout_s`, never raises for
    anything the other side does: a stale socket or a stuck holder is None.
    """
    path = socket_path(data_dir)
    if path is None:
        return None
    deadline = time.monotonic() + timeout_s
    reply = b""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(os.fspath(path))
            sock.sendall(f"{Command(command).value}\n".encode())
            while b"\n" not in reply and len(reply) < MAX_LINE_BYTES:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                sock.settimeout(remaining)
                chunk = sock.recv(MAX_LINE_BYTES)
                if not chunk:
                    break
                reply += chunk
    except OSError:  # nobody listens (a stale socket file), refused, timed out
        return None
    return _parse_reply(reply.split(b"\n", 1)[0])


async def asend_to_holder(
    data_dir: Path, command: Command, timeout_s: float = CLIENT_TIMEOUT_S
) -> Holder | None:
    """`send_to_holder` for an event loop (the window's launcher runs one)."""
    path = await asyncio.to_thread(socket_path, data_dir)
    if path is None:
        return None
    try:
        async with asyncio.timeout(timeout_s):
            reader, writer = await asyncio.open_unix_connection(
                os.fspath(path), limit=MAX_LINE_BYTES
            )
            try:
                writer.write(f"{Command(command).value}\n".encode())
                await writer.drain()
                line = await reader.readline()
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
    except (OSError, TimeoutError, ValueError):  # ValueError: a line over the limit
        return None
    return _parse_reply(line)


# -- server -----------------------------------------------------------------------


class HandoverServer:
    """Answers hand-over commands for the process that holds the data dir's lock."""

    def __init__(
        self, data_dir: Path, role: HolderRole | str, on_command: Callable[[Command], None]
    ) -> None:
        self.data_dir = data_dir
        self.role = str(role)
        self.path: Path | None = None  # set while listening
        self._on_command = on_command
        self._server: asyncio.AbstractServer | None = None
        self._inode: int | None = None

    async def start(self) -> bool:
        """Listen; call only while holding the InstanceLock. False when hand-over is unusable.

        A socket file left by a holder that was killed is replaced: holding the
        lock proves nobody else serves it.
        """
        path = await asyncio.to_thread(socket_path, self.data_dir, create=True)
        if path is None:
            return False
        try:
            await asyncio.to_thread(_remove_stale, path)
            self._server = await asyncio.start_unix_server(
                self._serve, os.fspath(path), limit=MAX_LINE_BYTES
            )
            self._inode = path.stat().st_ino
        except (OSError, NotImplementedError) as exc:
            log.info("no hand-over socket at %s: %s", path, exc)
            await self.close()
            return False
        self.path = path
        return True

    async def close(self) -> None:
        """Stop listening and remove the socket file (only if it is still ours)."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()
        path, self.path = self.path, None
        if path is not None:
            with contextlib.suppress(OSError):
                if path.stat().st_ino == self._inode:
                    path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(SERVER_READ_TIMEOUT_S):
                untrusted_line = await reader.readline()
                word = untrusted_line.decode("ascii", "replace").strip()
                if word in _COMMANDS:
                    self._dispatch(Command(word))
                    reply = f"ok {self.role} {os.getpid()}\n"
                else:
                    reply = "error unknown command\n"
                writer.write(reply.encode("ascii"))
                await writer.drain()
        except (OSError, TimeoutError, ValueError):  # a client that vanished, dawdled or babbled
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    def _dispatch(self, command: Command) -> None:
        try:
            self._on_command(command)
        except Exception:  # a broken callback must not stop the server answering
            log.exception("hand-over command %s failed", command.value)


def _remove_stale(path: Path) -> None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        raise OSError(f"{path} is a directory")
    path.unlink()
