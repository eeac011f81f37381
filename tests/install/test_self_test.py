"""`taskmon --self-test`: one line per check, exit 1 only when something needed fails (issue 14)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from self_test_runner import CHECK_NAMES, by_name, clean_env, self_test, self_test_json

from taskmon.service import CheckResult, CheckStatus, check_data_dir, check_simulator, check_tls

FAIL_KEYRING = "keyring.backends.fail.Keyring"


def test_a_working_install_passes_and_reports_every_check_on_its_own_line(tmp_path: Path) -> None:
    done = self_test(clean_env(tmp_path, PYTHON_KEYRING_BACKEND=FAIL_KEYRING))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("taskmon ") and "self-test" in lines[0]
    for title in ("Qt platform plugin: offscreen", "Image formats: PNG, JPEG, WebP decoded"):
        assert any(title in line and line.lstrip().startswith("ok") for line in lines), title
    # No display server, no tray, no keyring, no session bus: warnings, never a failure.
    assert any("System tray (optional)" in line and "warning" in line for line in lines)
    assert lines[-1].startswith("OK: everything taskmon needs to run works")


def test_json_has_one_object_with_the_documented_keys(tmp_path: Path) -> None:
    status, report = self_test_json(clean_env(tmp_path, PYTHON_KEYRING_BACKEND=FAIL_KEYRING))
    assert status == 0
    assert set(report) == {"version", "platform", "frozen", "ok", "checks"}
    assert report["ok"] is True and report["frozen"] is False
    assert [c["name"] for c in report["checks"]] == CHECK_NAMES
    for check in report["checks"]:
        assert set(check) == {"name", "title", "status", "detail", "fix", "required"}
        assert check["status"] in {"ok", "warning", "problem", "skipped"}
    checks = by_name(report)
    for needed in ("qt_platform", "icons", "image_formats", "multimedia", "data_dir", "tls"):
        assert checks[needed]["status"] == "ok", checks[needed]
        assert checks[needed]["required"] is True
    assert checks["simulator"]["status"] == "ok"
    for optional in ("tray", "keyring", "notifications"):
        assert checks[optional]["required"] is False


def test_a_failing_keyring_is_a_warning_that_says_how_to_fix_it(tmp_path: Path) -> None:
    status, report = self_test_json(clean_env(tmp_path, PYTHON_KEYRING_BACKEND=FAIL_KEYRING))
    keyring = by_name(report)["keyring"]
    assert status == 0
    assert keyring["status"] == "warning"
    assert "no keyring backend" in keyring["detail"]
    assert "TASKMON_<PROVIDER>_API_KEY" in keyring["fix"]


def test_a_data_dir_that_cannot_be_written_fails_the_self_test(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    env = clean_env(tmp_path, PYTHON_KEYRING_BACKEND=FAIL_KEYRING)
    env["TASKMON_DATA_DIR"] = str(blocker / "taskmon")  # root can write anywhere else
    done = self_test(env)
    assert done.returncode == 1
    line = next(line for line in done.stdout.splitlines() if "Data directory" in line)
    assert line.lstrip().startswith("PROBLEM") and str(blocker) in line
    assert "fix: make it writable, or set TASKMON_DATA_DIR" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("FAILED:")
    assert "Data directory" in done.stdout.splitlines()[-1]


def test_a_qt_platform_plugin_that_cannot_load_is_reported_not_fatal(tmp_path: Path) -> None:
    env = clean_env(tmp_path, PYTHON_KEYRING_BACKEND=FAIL_KEYRING, QT_QPA_PLATFORM="nosuchplugin")
    status, report = self_test_json(env)
    checks = by_name(report)
    assert status == 1 and report["ok"] is False
    assert checks["qt_platform"]["status"] == "problem"
    assert "nosuchplugin" in checks["qt_platform"]["detail"]
    assert checks["qt_platform"]["fix"]
    for after in ("icons", "image_formats", "multimedia", "tray"):
        assert checks[after]["status"] == "skipped"
    assert checks["tls"]["status"] == "ok"  # the checks without Qt still ran


@pytest.mark.keyring
def test_an_unlocked_secret_service_is_ok_and_a_bus_without_notifications_warns(
    tmp_path: Path, secret_service_session: object
) -> None:
    env = secret_service_session.child_env(  # type: ignore[attr-defined]
        **{
            k: v
            for k, v in clean_env(tmp_path).items()
            if k not in ("XDG_DATA_HOME", "XDG_RUNTIME_DIR")  # the session's own
        }
    )
    status, report = self_test_json(env)
    checks = by_name(report)
    assert status == 0
    assert checks["keyring"]["status"] == "ok", checks["keyring"]
    assert "unlocked" in checks["keyring"]["detail"]
    assert checks["notifications"]["status"] == "warning"
    assert "org.freedesktop.Notifications did not answer" in checks["notifications"]["detail"]


def test_the_data_dir_check_writes_a_file_there(tmp_path: Path) -> None:
    result = check_data_dir(tmp_path / "new" / "taskmon")
    assert result.status is CheckStatus.OK
    assert (tmp_path / "new" / "taskmon").is_dir()


async def test_tls_finds_ca_certificates_and_shakes_hands_on_loopback() -> None:
    result = await check_tls()
    assert result.status is CheckStatus.OK, result
    assert "CA certificates from" in result.detail
    assert "loopback handshake ok (TLSv1." in result.detail


async def test_tls_without_any_ca_certificate_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))  # httpx's store, as a user might break it
    result = await check_tls()
    assert result.status is CheckStatus.PROBLEM and result.fails
    assert "SSL_CERT_FILE" in result.fix


async def test_the_simulator_answers_a_status_call_through_the_real_client() -> None:
    result = await asyncio.wait_for(check_simulator(), 60)
    assert result.status is CheckStatus.OK, result
    assert "status call to http://127.0.0.1:" in result.detail


def test_a_result_survives_its_json_form() -> None:
    result = CheckResult("tray", "System tray", CheckStatus.WARNING, "none", "a fix", False)
    assert CheckResult.from_json(result.to_json()) == result
    assert not result.fails
