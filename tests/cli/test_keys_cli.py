"""`taskmon keys`: as a user runs it (a subprocess) and in-process, on a real Secret Service."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring_fixture import SecretServiceSession

from taskmon.cli import EXIT_OK, EXIT_USAGE, main
from taskmon.providers import PROVIDERS

REPO = Path(__file__).resolve().parents[2]
KEY = "sk-test-9a8b7c6d5e4f-never-printed"
NAMES = tuple(sorted(PROVIDERS))


def taskmon(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taskmon", "keys", *args],
        input=stdin,
        env=env,
        cwd=REPO,  # the checkout's taskmon when it is not installed
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.keyring
def test_set_reads_a_piped_key_and_never_prints_it(secret_service: SecretServiceSession) -> None:
    result = taskmon("set", "xenodia", env=secret_service.child_env(), stdin=KEY + "\n")

    assert result.returncode == EXIT_OK, result.stderr
    assert KEY not in result.stdout + result.stderr
    assert "xenodia" in result.stdout
    assert keyring.get_password("taskmon", "xenodia") == KEY  # trailing newline stripped


@pytest.mark.keyring
def test_list_shows_where_each_key_comes_from_without_values(
    secret_service: SecretServiceSession,
) -> None:
    keyring.set_password("taskmon", "xenodia", KEY)
    env = secret_service.child_env(TASKMON_APIXO_API_KEY=KEY + "-env")

    result = taskmon("list", env=env)

    assert result.returncode == EXIT_OK, result.stderr
    assert KEY not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in lines[:-1]}
    assert set(rows) == set(NAMES)
    assert rows["xenodia"] == ["set", "keyring"]
    assert rows["apixo"] == ["set", "environment", "(TASKMON_APIXO_API_KEY)"]
    assert rows["vidgo"] == ["not", "set", "none"]
    assert lines[-1].startswith("keyring: available")


@pytest.mark.keyring
def test_delete_removes_the_key_and_is_calm_when_there_is_none(
    secret_service: SecretServiceSession,
) -> None:
    keyring.set_password("taskmon", "vidgo", KEY)

    first = taskmon("delete", "vidgo", env=secret_service.child_env())
    second = taskmon("delete", "vidgo", env=secret_service.child_env())

    assert (first.returncode, second.returncode) == (EXIT_OK, EXIT_OK)
    assert "deleted" in first.stdout
    assert "no API key" in second.stdout
    assert keyring.get_password("taskmon", "vidgo") is None


@pytest.mark.keyring
@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (("set", "openai"), KEY, "unknown provider"),
        (("delete", "../xenodia"), "", "unknown provider"),
        (("set", "reapi"), "\n", "empty"),
        (("set", "reapi"), "", "empty"),
        (("set", "reapi"), "part-one\npart-two\n", "line breaks"),
    ],
)
def test_usage_problems_exit_2_with_one_line_on_stderr(
    secret_service: SecretServiceSession, args: tuple[str, ...], stdin: str, says: str
) -> None:
    result = taskmon(*args, env=secret_service.child_env(), stdin=stdin)

    assert result.returncode == EXIT_USAGE
    assert len(result.stderr.splitlines()) == 1
    assert says in result.stderr
    assert result.stdout == ""
    assert keyring.get_password("taskmon", "reapi") is None


def _without_keyring(tmp_path: Path) -> dict[str, str]:
    """A child environment with no session bus at all: keyring falls back to its fail backend."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "DBUS_SESSION_BUS_ADDRESS" and not k.startswith("TASKMON_")
    }
    return {**env, "XDG_RUNTIME_DIR": str(runtime), "HOME": str(tmp_path)}


def test_without_a_keyring_set_exits_2_and_points_to_the_environment(tmp_path: Path) -> None:
    result = taskmon("set", "reapi", env=_without_keyring(tmp_path), stdin=KEY)

    assert result.returncode == EXIT_USAGE
    assert len(result.stderr.splitlines()) == 1
    assert "TASKMON_REAPI_API_KEY" in result.stderr
    assert KEY not in result.stdout + result.stderr
    assert not any(KEY.encode() in p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())


def test_without_a_keyring_list_still_shows_environment_keys(tmp_path: Path) -> None:
    env = {**_without_keyring(tmp_path), "TASKMON_BYTESPIKE_API_KEY": KEY}
    result = taskmon("list", env=env)

    assert result.returncode == EXIT_OK
    assert "bytespike  set      environment (TASKMON_BYTESPIKE_API_KEY)" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("keyring: unavailable: ")
    assert KEY not in result.stdout


# -- in-process, through taskmon.cli.main ---------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.keyring
def test_on_a_terminal_set_prompts_without_echo(
    secret_service: SecretServiceSession,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return KEY

    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("getpass.getpass", fake_getpass)

    assert main(["keys", "set", "bytespike"]) == EXIT_OK

    assert prompts and "bytespike" in prompts[0]
    assert keyring.get_password("taskmon", "bytespike") == KEY
    out, err = capsys.readouterr()
    assert KEY not in out + err


@pytest.mark.keyring
def test_in_process_set_list_delete(
    secret_service: SecretServiceSession,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\r\n"))
    assert main(["keys", "set", "reapi"]) == EXIT_OK
    assert keyring.get_password("taskmon", "reapi") == KEY

    assert main(["keys", "list"]) == EXIT_OK
    out, _ = capsys.readouterr()
    assert "reapi      set      keyring" in out
    assert KEY not in out

    assert main(["keys", "delete", "reapi"]) == EXIT_OK
    assert main(["keys", "set", "nonsense"]) == EXIT_USAGE
    _, err = capsys.readouterr()
    assert err.strip().startswith("taskmon keys: unknown provider 'nonsense'")
