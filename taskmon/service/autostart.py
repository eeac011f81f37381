"""Start at login: an XDG autostart entry on Linux, a LaunchAgent on macOS, a Run key on Windows.

The entry starts `taskmon --hidden`: the window stays in the tray and tracking
goes on. Content is made by pure functions (tested as text); only
`set_autostart` writes: a file on Linux and macOS, the per-user Run key on
Windows (through `RunKey`, over `winreg`; packaging/autostart.md).
"""

from __future__ import annotations

import os
import plistlib
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final, Protocol

DESKTOP_FILE: Final = "taskmon.desktop"
LAUNCH_AGENT_LABEL: Final = "io.github.taskmon"
WINDOWS_RUN_KEY: Final = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run"
_RUN_SUBKEY: Final = r"Software\Microsoft\Windows\CurrentVersion\Run"
WINDOWS_VALUE_NAME: Final = "taskmon"
HIDDEN_FLAG: Final = "--hidden"


def launch_command(executable: str | None = None) -> list[str]:
    """How to start taskmon hidden: its console script when installed, else `python -m`."""
    if executable:
        return [executable, HIDDEN_FLAG]
    script = Path(sys.executable).with_name("taskmon")
    if script.is_file():
        return [str(script), HIDDEN_FLAG]
    return [sys.executable, "-m", "taskmon", HIDDEN_FLAG]


def xdg_autostart_dir(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME/autostart`, `~/.config/autostart` without it (the XDG spec)."""
    env = os.environ if env is None else env
    config = env.get("XDG_CONFIG_HOME", "")
    base = Path(config) if Path(config).is_absolute() else Path.home() / ".config"
    return base / "autostart"


def _desktop_exec(command: Sequence[str]) -> str:
    """The Exec value: arguments quoted as the Desktop Entry spec says (\\, ", `, $ escaped)."""
    quoted = []
    for arg in command:
        if arg and all(c.isalnum() or c in "-_./=:+," for c in arg):
            quoted.append(arg)
            continue
        escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
        quoted.append(f'"{escaped}"')
    # A literal % must be doubled in Exec; every other escape was done above.
    return " ".join(quoted).replace("%", "%%")


def desktop_entry(command: Sequence[str]) -> str:
    """An XDG autostart entry that starts `command` at login (valid for desktop-file-validate)."""
    exec_line = _desktop_exec(command)
    # Entry values escape backslashes once more (the spec's string type).
    exec_line = exec_line.replace("\\", "\\\\")
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=taskmon\n"
        "GenericName=AI task tracker\n"
        "Comment=Track AI media-generation tasks from the tray\n"
        f"Exec={exec_line}\n"
        "Icon=taskmon\n"
        "Terminal=false\n"
        "Categories=Utility;\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def launch_agent_plist(command: Sequence[str]) -> bytes:
    """A macOS LaunchAgent (~/Library/LaunchAgents) that starts `command` at login."""
    agent = {
        "Label": LAUNCH_AGENT_LABEL,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        "ProcessType": "Interactive",
    }
    return plistlib.dumps(agent, fmt=plistlib.FMT_XML, sort_keys=True)


def windows_run_command(command: Sequence[str]) -> str:
    """The Run-key value starting `command` (Windows quoting: each argument that needs it)."""
    import subprocess

    return subprocess.list2cmdline(list(command))


class RunKey(Protocol):
    """The values of the per-user Run key (Windows); raises OSError as `winreg` does."""

    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...
    def delete(self, name: str) -> None: ...


class WinRegRunKey:
    """The Run key through `winreg` (only importable on Windows)."""

    def get(self, name: str) -> str | None:
        if sys.platform == "win32":
            import winreg

            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_SUBKEY) as key:
                    value, _kind = winreg.QueryValueEx(key, name)
            except FileNotFoundError:
                return None
            return str(value)
        raise OSError("the Windows registry exists only on Windows")

    def set(self, name: str, value: str) -> None:
        if sys.platform == "win32":
            import winreg

            access = winreg.KEY_SET_VALUE
            with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, _RUN_SUBKEY, 0, access) as key:
                winreg.SetValueEx(key, name, 0, winreg.REG_SZ, value)
            return
        raise OSError("the Windows registry exists only on Windows")

    def delete(self, name: str) -> None:
        if sys.platform == "win32":
            import winreg

            try:
                access = winreg.KEY_SET_VALUE
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_SUBKEY, 0, access) as key:
                    winreg.DeleteValue(key, name)
            except FileNotFoundError:  # not there: nothing to remove
                pass
            return
        raise OSError("the Windows registry exists only on Windows")


def autostart_path(platform: str = sys.platform, env: Mapping[str, str] | None = None) -> Path:
    """Where the login entry lives on this platform (Windows: no file, the Run key)."""
    if platform == "darwin":
        return Path.home() / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
    return xdg_autostart_dir(env) / DESKTOP_FILE


def set_autostart(
    enabled: bool,
    command: Sequence[str] | None = None,
    *,
    platform: str = sys.platform,
    env: Mapping[str, str] | None = None,
    run_key: RunKey | None = None,
) -> str:
    """Write (or remove) the login entry; returns where it is, in words (a path, a key).

    Raises OSError when it cannot be written.
    """
    if platform.startswith("win"):
        key = run_key or WinRegRunKey()
        if enabled:
            key.set(WINDOWS_VALUE_NAME, windows_run_command(command or launch_command()))
        else:
            key.delete(WINDOWS_VALUE_NAME)
        return f"{WINDOWS_RUN_KEY}\\{WINDOWS_VALUE_NAME}"
    path = autostart_path(platform, env)
    if not enabled:
        path.unlink(missing_ok=True)
        return str(path)
    command = list(command or launch_command())
    data = (
        launch_agent_plist(command)
        if platform == "darwin"
        else desktop_entry(command).encode("utf-8")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    with open(part, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(part, path)
    return str(path)


def is_autostart_enabled(
    platform: str = sys.platform,
    env: Mapping[str, str] | None = None,
    run_key: RunKey | None = None,
) -> bool:
    if platform.startswith("win"):
        try:
            return (run_key or WinRegRunKey()).get(WINDOWS_VALUE_NAME) is not None
        except OSError:
            return False
    return autostart_path(platform, env).is_file()

