"""`taskmon save` and `taskmon run --save-to` over the simulator and real files.

Tasks reach the store the ways a user's do: `taskmon add` and a real `taskmon run
--until-done` process polling the simulator (which also fills the media cache), or,
for states a run would not leave behind (a link dead from the start, a result the
cache lacks), an observation written through the store's own writer, as the engine
writes it. `save` runs in-process: it is a short command, and its exit status and
output are what a script sees.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cli_env import isolated_data_dir

from taskmon.cli import main
from taskmon.domain.records import FileState, Observation
from taskmon.domain.snapshot import MediaKind, Output, State
from taskmon.domain.task import TaskRef
from taskmon.service import read_save_folder, write_save_folder
from taskmon.service.data_paths import cache_dir, db_path
from taskmon.sim import SimulatorThread, TaskScript
from taskmon.store.store import Store
from taskmon.store.writer import StoreWriter

EXIT_OK, EXIT_SOME_NOT_SAVED, EXIT_USAGE = 0, 1, 2
FINISHED_AT = datetime(2026, 3, 1, 12, 34, 56, tzinfo=UTC)
SIDECAR_KEYS = {
    "provider",
    "task_id",
    "model",
    "kind",
    "label",
    "prompt",
    "request",
    "created_at",
    "finished_at",
    "cost",
    "source_url",
    "sha256",
    "taskmon_version",
}


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorThread]:
    with SimulatorThread(seed=31) as simulator:
        yield simulator


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolated_data_dir(monkeypatch, tmp_path / "data")


@pytest.fixture
def cli(data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    def invoke(*args: str, stdin: str = "") -> Result:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


def run_until_done(sim: SimulatorThread, data: Path, *args: str) -> Result:
    """A real `taskmon run --until-done` process against the simulator."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TASKMON_") and k not in ("DBUS_SESSION_BUS_ADDRESS",)
    }
    env.update(TASKMON_DATA_DIR=str(data), PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    for provider in ("xenodia", "apixo"):
        env[f"TASKMON_{provider.upper()}_API_KEY"] = sim.keys[provider]
        env[f"TASKMON_{provider.upper()}_BASE_URL"] = sim.api_url
    proc = subprocess.run(
        [sys.executable, "-m", "taskmon", "run", "--until-done", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def finished_task(sim: SimulatorThread, outputs: int = 1, **script: Any) -> str:
    """A task that has finished in the simulator (its media are served) by the time it returns."""
    task = sim.add_task(
        TaskScript("xenodia", "image", queue_s=0.0, run_s=0.2, outputs=outputs, **script)
    )
    time.sleep(0.4)
    return task.task_id


def observe(data: Path, ref: TaskRef, state: State, urls: Sequence[str] = ()) -> None:
    """Save an observation for `ref`, as the engine would (no cached file)."""
    writer = StoreWriter(db_path(data))
    writer.save_observation(
        ref.key,
        Observation(
            state=state,
            outputs=tuple(Output(url, MediaKind.IMAGE) for url in urls),
            finished_at=FINISHED_AT if state.is_terminal else None,
        ),
    )
    assert writer.close()


def stored_files(data: Path, task_id: str) -> list[tuple[int, str | None, FileState]]:
    with Store.open(db_path(data)) as store:
        (task,) = [t for t in store.tasks() if t.ref.task_id == task_id]
        return [(f.index, f.path, f.state) for f in task.files]


# -- save ---------------------------------------------------------------------------


def test_save_copies_a_finished_tasks_results_byte_for_byte(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path
) -> None:
    task_id = finished_task(sim, outputs=2)
    assert cli("add", "--provider", "xenodia", task_id).code == EXIT_OK
    ran = run_until_done(sim, data)
    assert ran.code == EXIT_OK, ran
    out = tmp_path / "out"

    saved = cli("save", "--to", str(out), task_id)

    assert (saved.code, saved.err) == (EXIT_OK, "")
    expected = [out / f"xenodia_{task_id}_{i}.png" for i in (1, 2)]
    assert saved.lines == [str(p) for p in expected]
    urls = sim.result_urls(task_id)
    for path, url in zip(expected, urls, strict=True):
        assert path.is_absolute() and path.read_bytes() == sim.expected_media(url)
        assert stat.S_IMODE(path.stat().st_mode) & 0o111 == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in expected)


def test_the_cache_names_files_after_provider_short_id_and_index(
    sim: SimulatorThread, data: Path, cli: Any
) -> None:
    task_id = finished_task(sim, outputs=2)
    cli("add", "--provider", "xenodia", task_id)
    assert run_until_done(sim, data).code == EXIT_OK

    names = sorted(Path(path).name for _, path, _ in stored_files(data, task_id) if path)

    assert names == [f"xenodia_{task_id[:12]}_1.png", f"xenodia_{task_id[:12]}_2.png"]


def test_save_fetches_what_the_cache_lacks_first_and_records_it(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path
) -> None:
    task_id = finished_task(sim)
    cli("add", "--provider", "xenodia", task_id)
    (url,) = sim.result_urls(task_id)
    observe(data, TaskRef("xenodia", task_id), State.SUCCEEDED, [url])

    saved = cli("save", "--to", str(tmp_path / "out"), task_id)

    assert (saved.code, saved.err) == (EXIT_OK, "")
    (copy,) = saved.lines
    assert Path(copy).read_bytes() == sim.expected_media(url)
    ((index, path, state),) = stored_files(data, task_id)
    assert (index, state) == (0, FileState.COMPLETE)
    assert path is not None and Path(path).parent.parent.parent == cache_dir(data)
    assert Path(path).read_bytes() == sim.expected_media(url)
    assert (cli("list", "--json").out and json.loads(cli("list", "--json").out)[0]["saved"]) is True


def test_without_to_save_uses_the_folder_the_windows_settings_chose(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path
) -> None:
    done = finished_task(sim)
    cli("add", "--provider", "xenodia", done)
    observe(data, TaskRef("xenodia", done), State.SUCCEEDED, sim.result_urls(done))
    chosen = tmp_path / "chosen in the window"
    write_save_folder(data, chosen)  # what the window's Results settings share

    saved = cli("save", done)

    assert (saved.code, saved.err) == (EXIT_OK, "")
    assert saved.lines == [str(chosen / f"xenodia_{done}_1.png")]


def test_a_damaged_shared_folder_setting_falls_back_to_the_downloads_folder(data: Path) -> None:
    data.mkdir(parents=True, exist_ok=True)
    (data / "save-folder.json").write_text('{"folder": 42}')
    assert read_save_folder(data) is None
    (data / "save-folder.json").write_bytes(b"\xff\xfe not json")
    assert read_save_folder(data) is None


def test_a_task_not_finished_is_one_line_and_exit_1_while_the_rest_are_saved(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path
) -> None:
    done = finished_task(sim)
    cli("add", "--provider", "xenodia", done, "task_still_running_1")
    observe(data, TaskRef("xenodia", done), State.SUCCEEDED, sim.result_urls(done))
    observe(data, TaskRef("xenodia", "task_still_running_1"), State.RUNNING)

    saved = cli("save", "--to", str(tmp_path / "out"), "task_still_running_1", done)

    assert saved.code == EXIT_SOME_NOT_SAVED
    assert saved.err_lines == [
        "taskmon save: xenodia task_still_running_1: not saved: the task has not finished (running)"
    ]
    assert saved.lines == [str(tmp_path / "out" / f"xenodia_{done}_1.png")]


def test_a_link_dead_from_the_start_is_exit_1_and_said(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path
) -> None:
    cli("add", "--provider", "xenodia", "task_dead_link_1")
    dead = f"{sim.media_url}/media/no-such-file.png"
    observe(data, TaskRef("xenodia", "task_dead_link_1"), State.SUCCEEDED, [dead])

    saved = cli("save", "--to", str(tmp_path / "out"), "task_dead_link_1")

    assert (saved.code, saved.out) == (EXIT_SOME_NOT_SAVED, "")
    (line,) = saved.err_lines
    assert line.startswith("taskmon save: xenodia task_dead_link_1: the result could not be")
    assert "HTTP 4" in line
    assert list((tmp_path / "out").iterdir()) == []
    ((_, _, state),) = stored_files(data, "task_dead_link_1")
    assert state is FileState.FAILED
    (entry,) = json.loads(cli("list", "--json").out)
    assert entry["saved"] is False and "could not be saved" in entry["problem"]


def test_an_unknown_id_is_exit_2_and_saves_nothing(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path
) -> None:
    done = finished_task(sim)
    cli("add", "--provider", "xenodia", done)
    observe(data, TaskRef("xenodia", done), State.SUCCEEDED, sim.result_urls(done))

    saved = cli("save", "--to", str(tmp_path / "out"), done, "task_nobody_knows")

    assert (saved.code, saved.out) == (EXIT_USAGE, "")
    assert saved.err_lines == ["taskmon save: not tracked: task_nobody_knows"]
    assert not (tmp_path / "out").exists()


def test_without_a_store_every_id_is_unknown(data: Path, cli: Any, tmp_path: Path) -> None:
    saved = cli("save", "--to", str(tmp_path / "out"), "task_1")
    assert (saved.code, saved.err_lines) == (EXIT_USAGE, ["taskmon save: not tracked: task_1"])
    assert not data.exists()


def test_an_unusable_folder_is_exit_2(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path
) -> None:
    done = finished_task(sim)
    cli("add", "--provider", "xenodia", done)
    observe(data, TaskRef("xenodia", done), State.SUCCEEDED, sim.result_urls(done))
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")

    for folder in (a_file, a_file / "below"):
        saved = cli("save", "--to", str(folder), done)
        assert (saved.code, saved.out) == (EXIT_USAGE, "")
        (line,) = saved.err_lines
        assert line.startswith("taskmon save: ") and str(a_file) in line


@pytest.mark.parametrize(
    ("pattern", "words"),
    [("{nope}.{ext}", "unknown placeholder {nope}"), ("../{index}", "'..'")],
)
def test_a_bad_pattern_is_exit_2_with_one_clear_line(
    data: Path, cli: Any, tmp_path: Path, pattern: str, words: str
) -> None:
    saved = cli("save", "--to", str(tmp_path), "--pattern", pattern, "task_1")
    assert saved.code == EXIT_USAGE
    (line,) = saved.err_lines
    assert words in line


def test_patterns_make_subfolders_and_taken_names_get_numbers(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path
) -> None:
    task_id = finished_task(sim, outputs=2)
    cli("add", "--provider", "xenodia", "--label", "../../cats/CON", task_id)
    observe(data, TaskRef("xenodia", task_id), State.SUCCEEDED, sim.result_urls(task_id))
    out = tmp_path / "out"
    pattern = "{provider}/{date}/{label}.{ext}"

    first = cli("save", "--to", str(out), "--pattern", pattern, task_id)
    again = cli("save", "--to", str(out), "--pattern", pattern, task_id)

    assert (first.code, again.code) == (EXIT_OK, EXIT_OK)
    folder = out / "xenodia" / "2026-03-01"
    names = [Path(p).relative_to(folder).as_posix() for p in first.lines + again.lines]
    assert names == [
        "_.._cats_CON.png",
        "_.._cats_CON (2).png",
        "_.._cats_CON (3).png",
        "_.._cats_CON (4).png",
    ]
    assert sorted(p.name for p in out.iterdir()) == ["xenodia"]  # nothing escaped


def test_ids_from_stdin_and_store_keys_name_tasks(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path
) -> None:
    one, two = finished_task(sim), finished_task(sim)
    cli("add", "--provider", "xenodia", one, two)
    for task_id in (one, two):
        observe(data, TaskRef("xenodia", task_id), State.SUCCEEDED, sim.result_urls(task_id))

    saved = cli("save", "--to", str(tmp_path), "-", stdin=f"{one}\nxenodia//id/{two}\n")

    assert saved.code == EXIT_OK
    assert [Path(p).name for p in saved.lines] == [f"xenodia_{one}_1.png", f"xenodia_{two}_1.png"]


def test_metadata_sidecars_say_where_each_result_came_from(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path
) -> None:
    task_id = finished_task(sim, outputs=2)
    cli("add", "--provider", "xenodia", "--label", "cats", task_id)
    assert run_until_done(sim, data).code == EXIT_OK
    out = tmp_path / "out"

    saved = cli("save", "--to", str(out), "--metadata", task_id)

    assert saved.code == EXIT_OK
    urls = sim.result_urls(task_id)
    for line, url in zip(saved.lines, urls, strict=True):
        copy = Path(line)
        side = copy.with_name(copy.name + ".json")
        doc = json.loads(side.read_text(encoding="utf-8"))
        assert set(doc) == SIDECAR_KEYS
        assert doc["sha256"] == hashlib.sha256(copy.read_bytes()).hexdigest()
        assert (doc["provider"], doc["task_id"], doc["label"]) == ("xenodia", task_id, "cats")
        assert doc["kind"] == "image" and doc["model"]
        assert doc["prompt"] == f"Simulated image {task_id}"
        assert doc["request"]["prompt"] == doc["prompt"] and doc["request"]["n"] == 2
        assert doc["source_url"] == url
        assert doc["created_at"].endswith("Z") and doc["finished_at"].endswith("Z")
        assert doc["finished_at"] >= doc["created_at"]
        assert doc["cost"] is None or isinstance(doc["cost"], dict)
        assert doc["taskmon_version"]
    assert len(list(out.iterdir())) == 4


# -- run --save-to ------------------------------------------------------------------------


def test_run_save_to_copies_every_result_as_it_lands(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path
) -> None:
    one, two = finished_task(sim, outputs=2), finished_task(sim)
    cli("add", "--provider", "xenodia", "--label", "dogs", one, two)
    out = tmp_path / "auto"

    ran = run_until_done(
        sim, data, "--save-to", str(out), "--pattern", "{label}/{task_id}-{index}of{n}.{ext}",
        "--metadata",
    )  # fmt: skip

    assert ran.code == EXIT_OK, ran
    expected = {f"{one}-1of2.png", f"{one}-2of2.png", f"{two}-1of1.png"}
    assert {p.name for p in (out / "dogs").glob("*.png")} == expected
    assert {p.name for p in (out / "dogs").glob("*.json")} == {f"{n}.json" for n in expected}
    urls = sim.result_urls(one)
    assert (out / "dogs" / f"{one}-2of2.png").read_bytes() == sim.expected_media(urls[1])


def test_run_until_done_exits_1_when_a_succeeded_tasks_results_cannot_be_saved(
    sim: SimulatorThread, data: Path, cli: Any
) -> None:
    dead = sim.add_task(
        TaskScript("xenodia", "image", run_s=0.2, output_urls=[f"{sim.media_url}/media/gone.png"])
    )
    cli("add", "--provider", "xenodia", dead.task_id)

    ran = run_until_done(sim, data)

    assert ran.code == EXIT_SOME_NOT_SAVED, ran
    (entry,) = json.loads(cli("list", "--json").out)
    assert entry["state"] == "succeeded" and entry["saved"] is False


def test_run_save_to_an_unusable_folder_is_exit_2(data: Path, cli: Any, tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    ran = cli("run", "--until-done", "--save-to", str(a_file))
    assert ran.code == EXIT_USAGE and str(a_file) in ran.err
    lone = cli("run", "--until-done", "--metadata")
    assert lone.code == EXIT_USAGE and "--save-to" in lone.err


def test_while_a_run_tracks_the_data_dir_save_leaves_fetching_to_it(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path
) -> None:
    from taskmon.service.instance_lock import InstanceLock

    task_id = finished_task(sim)
    cli("add", "--provider", "xenodia", task_id)
    observe(data, TaskRef("xenodia", task_id), State.SUCCEEDED, sim.result_urls(task_id))
    holder = InstanceLock(data)  # what a running `taskmon run` holds
    assert holder.acquire()
    try:
        saved = cli("save", "--to", str(tmp_path / "out"), task_id)
    finally:
        holder.release()

    assert (saved.code, saved.out) == (EXIT_SOME_NOT_SAVED, "")
    (line,) = saved.err_lines
    assert "not in the cache yet" in line and "already tracking" in line
    assert stored_files(data, task_id) == []  # nothing recorded: the run fetches it


# -- dead links: fresh ones from a status call ----------------------------------------------


def with_provider_key(sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch) -> None:
    """`save` may ask Xenodia (the simulator) for the task: its key and address."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.setenv("TASKMON_XENODIA_API_KEY", sim.keys["xenodia"])
    monkeypatch.setenv("TASKMON_XENODIA_BASE_URL", sim.api_url)


def expired_task(sim: SimulatorThread, renew: bool) -> tuple[str, str]:
    """A finished task whose (signed) link has expired; its ID and that link."""
    task = sim.add_task(
        TaskScript("xenodia", run_s=0.1, media_ttl_s=0.1, media_renew_s=60 if renew else None)
    )
    time.sleep(1.4)  # the signed expiry is a whole second: past it, whatever the rounding
    (url,) = sim.result_urls(task.task_id)  # as taskmon stored it, before it expired
    return task.task_id, url


def media_gets(sim: SimulatorThread, url: str) -> int:
    path = url.split("://", 1)[1].split("/", 1)[1]
    return sum(1 for raw, _ in sim.media_requests if raw.lstrip("/") == path)


def test_save_asks_for_fresh_links_when_the_stored_one_expired(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id, old = expired_task(sim, renew=True)
    cli("add", "--provider", "xenodia", task_id)
    observe(data, TaskRef("xenodia", task_id), State.SUCCEEDED, [old])
    with_provider_key(sim, monkeypatch)
    polls = len(sim.stats(task_id).polls)

    saved = cli("save", "--to", str(tmp_path / "out"), task_id)

    assert (saved.code, saved.err) == (EXIT_OK, ""), saved.err
    (fresh,) = sim.result_urls(task_id)
    assert fresh != old
    (copy,) = saved.lines
    assert Path(copy).read_bytes() == sim.expected_media(fresh)
    assert len(sim.stats(task_id).polls) == polls + 1  # one status call
    assert media_gets(sim, old) == 0  # its stated expiry had passed: not fetched in vain
    ((_, path, state),) = stored_files(data, task_id)
    assert state is FileState.COMPLETE and path is not None


def test_save_says_link_dead_when_the_provider_gives_no_fresh_link(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id, old = expired_task(sim, renew=False)
    cli("add", "--provider", "xenodia", task_id)
    observe(data, TaskRef("xenodia", task_id), State.SUCCEEDED, [old])
    with_provider_key(sim, monkeypatch)
    polls = len(sim.stats(task_id).polls)

    saved = cli("save", "--to", str(tmp_path / "out"), task_id)

    assert (saved.code, saved.out) == (EXIT_SOME_NOT_SAVED, "")
    (line,) = saved.err_lines
    assert line.startswith(f"taskmon save: xenodia {task_id}: the result could not be fetched")
    assert "link dead" in line and "HTTP 403" in line and "gave the same links again" in line
    assert len(sim.stats(task_id).polls) == polls + 1  # asked once, not once per try


def test_without_a_key_save_does_not_ask_and_says_why(
    sim: SimulatorThread, data: Path, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id, old = expired_task(sim, renew=True)
    cli("add", "--provider", "xenodia", task_id)
    observe(data, TaskRef("xenodia", task_id), State.SUCCEEDED, [old])
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    polls = len(sim.stats(task_id).polls)

    saved = cli("save", "--to", str(tmp_path / "out"), task_id)

    assert saved.code == EXIT_SOME_NOT_SAVED
    assert "link dead" in saved.err and "no API key to ask Xenodia" in saved.err
    assert len(sim.stats(task_id).polls) == polls
