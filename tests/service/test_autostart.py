"""Start at login: the XDG entry validates and starts taskmon hidden; the macOS and Windows
entries are what their systems read."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
from pathlib import Path

import pytest

from taskmon.service import (
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
    path = set_autostart(True, ODD_COMMAND, platform="linux", env=env)
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
