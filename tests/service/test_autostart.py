"""Start at login: the XDG entry validates and starts taskmon hidden; the macOS and Windows
entries are what their systems read."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from taskmon.service import (
    WINDOWS_RUN_KEY,
    desktop_entry,
    is_autostart_enabled,
    launch_agent_plist,
    launch_command,
    set_autostart,
    windows_run_command,
)

ODD_COMMAND = ["/opt/my apps/bin/taskmon", "--hidden"]


def _validate(path: Path) -> None:
    if shutil.which("desktop-file-validate") is None:
        pytest.skip("needs desktop-file-validate: apt-get install desktop-file-utils")
    done = subprocess.run(
        ["desktop-file-validate", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_the_autostart_entry_goes_under_xdg_config_home_and_validates(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    path = Path(set_autostart(True, ODD_COMMAND, platform="linux", env=env))
    assert path == tmp_path / "config" / "autostart" / "taskmon.desktop"
    assert is_autostart_enabled("linux", env)
    _validate(path)
    text = path.read_text()
    assert 'Exec="/opt/my apps/bin/taskmon" --hidden\n' in text
    assert "X-GNOME-Autostart-enabled=true" in text
    set_autostart(False, platform="linux", env=env)
    assert not path.exists() and not is_autostart_enabled("linux", env)


def test_a_relative_xdg_config_home_is_ignored_as_the_spec_says(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": "relative/config"}
    from taskmon.service.autostart import xdg_autostart_dir

    assert xdg_autostart_dir(env) == Path.home() / ".config" / "autostart"


def test_quotes_dollars_and_percents_in_the_command_are_escaped(tmp_path: Path) -> None:
    odd = ["/home/a$b/te\"st`x/taskmon", "--hidden", "100%"]
    path = tmp_path / "taskmon.desktop"
    path.write_text(desktop_entry(odd))
    _validate(path)
    exec_line = next(line for line in path.read_text().splitlines() if line.startswith("Exec="))
    assert exec_line == 'Exec="/home/a\\\\$b/te\\\\"st\\\\`x/taskmon" --hidden "100%%"'


def test_the_default_command_starts_taskmon_hidden() -> None:
    assert launch_command()[-1] == "--hidden"
    assert launch_command("/usr/bin/taskmon") == ["/usr/bin/taskmon", "--hidden"]


def test_the_macos_launch_agent_runs_the_command_at_load(tmp_path: Path) -> None:
    agent = plistlib.loads(launch_agent_plist(ODD_COMMAND))
    assert agent["ProgramArguments"] == ODD_COMMAND
    assert agent["RunAtLoad"] is True
    assert agent["Label"] == "io.github.taskmon"


def test_the_windows_run_key_command_quotes_paths_with_spaces() -> None:
    command = [r"C:\Program Files\taskmon\taskmon.exe", "--hidden"]
    assert windows_run_command(command) == r'"C:\Program Files\taskmon\taskmon.exe" --hidden'


class _RunKey:
    """The per-user Run key as `winreg` would keep it: no Windows machine runs these tests."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


def test_windows_start_at_login_writes_and_removes_the_run_key_value() -> None:
    key = _RunKey()
    command = [r"C:\Program Files\taskmon\taskmon.exe", "--hidden"]
    where = set_autostart(True, command, platform="win32", run_key=key)
    assert where == WINDOWS_RUN_KEY + "\\taskmon"
    assert key.values == {"taskmon": r'"C:\Program Files\taskmon\taskmon.exe" --hidden'}
    assert is_autostart_enabled("win32", run_key=key)
    set_autostart(False, platform="win32", run_key=key)
    assert key.values == {} and not is_autostart_enabled("win32", run_key=key)
    set_autostart(False, platform="win32", run_key=key)  # removing what is gone is fine


def test_the_registry_is_not_pretended_off_windows() -> None:
    if sys.platform == "win32":
        pytest.skip("this is Windows: the registry is real")
    with pytest.raises(OSError, match="only on Windows"):
        set_autostart(True, ["taskmon", "--hidden"], platform="win32")
    assert not is_autostart_enabled("win32")  # unreadable: off, not a crash
