"""`taskmon add`, `list` and `remove` over a private data dir (TASKMON_DATA_DIR).

A few tests run real processes (`python -m taskmon`) to pin what a script sees;
the rest call `taskmon.cli.main` in-process, which is fast. Finished tasks and
their cached files are written through the store's own writer, as the engine
does, so no network or simulator is needed.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_env import isolated_data_dir

from taskmon.cli import main
from taskmon.domain.records import FileState, Observation
from taskmon.domain.snapshot import MediaKind, Output, State, TaskError
from taskmon.domain.task import TaskRef
from taskmon.downloads.part_files import PartMeta
from taskmon.service.data_paths import cache_dir, db_path
from taskmon.store.store import Store
from taskmon.store.writer import StoreWriter

EXIT_OK, EXIT_SOME_MISSING, EXIT_USAGE = 0, 1, 2
LIST_KEYS = {
    "provider",
    "task_id",
    "state",
    "progress",
    "outputs",
    "error",
    "files",
    "added_at",
    "finished_at",
    "label",
    "model",
    "key",
    "saved",
    "expires_at",
    "problem",
}
FINISHED_AT = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def hermetic_env(data: Path, **extra: str) -> dict[str, str]:
    """os.environ without TASKMON_* or D-Bus, with the data dir set."""
    dropped = {"DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND", "COLUMNS"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKMON_") and k not in dropped}
    return {**env, "TASKMON_DATA_DIR": str(data), **extra}


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

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir that does not exist yet, set for in-process calls."""
    return isolated_data_dir(monkeypatch, tmp_path / "data")


@pytest.fixture
def cli(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """`cli(*args, stdin="")` runs taskmon in-process and returns its Result."""

    def invoke(*args: str, stdin: str = "") -> Result:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse usage errors exit from inside main
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    yield invoke


def process(data: Path, *args: str, stdin: str = "", **env: str) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "taskmon", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=hermetic_env(data, **env),
        timeout=30,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def stored(data: Path) -> list[tuple[str, str]]:
    with Store.open(db_path(data)) as store:
        return [(t.ref.provider, t.ref.task_id) for t in store.tasks()]


def observe(
    data: Path,
    ref: TaskRef,
    state: State,
    *,
    outputs: Sequence[str] = (),
    error: TaskError | None = None,
    progress: float | None = None,
    files: Sequence[tuple[int, str | None, FileState]] = (),
) -> None:
    """Save an observation and file records for `ref`, as the engine would."""
    writer = StoreWriter(db_path(data))
    writer.save_observation(
        ref.key,
        Observation(
            state=state,
            progress=progress,
            outputs=tuple(Output(url, MediaKind.IMAGE) for url in outputs),
            error=error,
            finished_at=FINISHED_AT if state.is_terminal else None,
        ),
    )
    for index, path, file_state in files:
        writer.set_file(ref.key, index, url=outputs[index], path=path, state=file_state, size=3)
    assert writer.close()


def cached(data: Path, *parts: str) -> Path:
    path = cache_dir(data).joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"abc")
    return path


def parse_utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() == timedelta(0), text
    return moment


# -- add ---------------------------------------------------------------------------


def test_add_many_at_once_then_list_json_as_real_processes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ids = [f"task_{i:04d}" for i in range(200)]
    before = datetime.now(UTC)

    added = process(data, "add", "--provider", "reapi", "--label", "batch", *ids)

    assert (added.code, added.err) == (EXIT_OK, "")
    assert added.lines == [f"added reapi {i}" for i in ids]
    listed = process(data, "list", "--json")
    assert (listed.code, listed.err) == (EXIT_OK, "")
    entries = listed.json()
    assert isinstance(entries, list) and [e["task_id"] for e in entries] == ids
    first = entries[0]
    assert set(first) == LIST_KEYS
    assert first == {
        "provider": "reapi",
        "task_id": "task_0000",
        "state": "queued",  # the store's state for a task not observed yet
        "progress": None,
        "outputs": [],
        "error": None,
        "files": [],
        "added_at": first["added_at"],
        "finished_at": None,
        "label": "batch",
        "model": None,
        "key": "reapi//id/task_0000",
        "saved": None,
        "expires_at": None,
        "problem": None,
    }
    assert first["added_at"].endswith("Z")
    assert before - timedelta(seconds=1) <= parse_utc(first["added_at"]) <= datetime.now(UTC)


def test_dash_reads_ids_from_stdin_in_a_real_process(tmp_path: Path) -> None:
    data = tmp_path / "data"

    result = process(
        data,
        "add",
        "--provider",
        "apixo",
        "--model",
        "nano-banana",
        "first",
        "-",
        stdin="t1\nt2, t3  t4\n\n,t5\n",
    )

    assert (result.code, result.err) == (EXIT_OK, "")
    expected = ["first", "t1", "t2", "t3", "t4", "t5"]
    assert result.lines == [f"added apixo {i} (model nano-banana)" for i in expected]
    assert stored(data) == [("apixo", i) for i in expected]


def test_duplicates_are_skipped_with_one_note_each(cli: Any, data: Path) -> None:
    assert cli("add", "--provider", "reapi", "a", "b").code == EXIT_OK

    result = cli("add", "--provider", "reapi", "b", "c", "c", "a")

    assert result.code == EXIT_OK
    assert result.lines == ["added reapi c"]
    assert result.err_lines == [
        "taskmon add: already tracked, skipped: reapi b",
        "taskmon add: given more than once, added once: reapi c",
        "taskmon add: already tracked, skipped: reapi a",
    ]
    assert stored(data) == [("reapi", "a"), ("reapi", "b"), ("reapi", "c")]


def test_the_same_id_under_another_provider_or_model_is_a_different_task(
    cli: Any, data: Path
) -> None:
    cli("add", "--provider", "apixo", "--model", "m1", "x")
    result = cli("add", "--provider", "apixo", "--model", "m2", "x")
    cli("add", "--provider", "bytespike", "--out-task-id", "x")

    assert (result.code, result.lines, result.err) == (EXIT_OK, ["added apixo x (model m2)"], "")
    assert len(stored(data)) == 3


def test_add_bumps_the_change_counter_a_running_tracker_polls(cli: Any, data: Path) -> None:
    cli("add", "--provider", "reapi", "a")
    with Store.open(db_path(data)) as store:
        before = store.change_counter()
        cli("add", "--provider", "reapi", "b")
        assert store.change_counter() != before


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (["add", "--provider", "nosuch", "a"], "", "invalid choice"),
        (["add", "--provider", "apixo", "a"], "", "needs the model"),
        (["add", "--provider", "xenodia", "--out-task-id", "a"], "", "no out_task_id"),
        (["add", "--provider", "reapi", "ok", "  "], "", "empty"),
        (["add", "--provider", "reapi", "ok", "-"], " \n,\n", "no task IDs on stdin"),
        (["add", "--provider", "reapi"], "", "required"),
        (["list", "--state", "done"], "", "invalid choice"),
        (["list", "--provider", "nosuch"], "", "invalid choice"),
        (["remove"], "", "required"),
        (["remove", "-"], "", "no task IDs on stdin"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_adds_nothing(
    cli: Any, data: Path, args: list[str], stdin: str, says: str
) -> None:
    result = cli(*args, stdin=stdin)

    assert result.code == EXIT_USAGE
    assert result.out == ""
    assert len(result.err_lines) == 1 and says in result.err, result.err
    assert not db_path(data).exists()


def test_an_unusable_data_dir_is_one_line_and_exit_2_in_a_real_process(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    result = process(blocker / "data", "add", "--provider", "reapi", "a")

    assert (result.code, result.out) == (EXIT_USAGE, "")
    assert len(result.err_lines) == 1
    assert result.err.startswith("taskmon add: cannot create the taskmon data directory")


def test_an_unknown_provider_is_one_line_in_a_real_process(tmp_path: Path) -> None:
    result = process(tmp_path / "data", "add", "--provider", "nosuch", "a")

    assert (result.code, result.out, len(result.err_lines)) == (EXIT_USAGE, "", 1)


# -- list --------------------------------------------------------------------------


def test_an_empty_or_missing_store_says_how_to_add_and_creates_nothing(
    cli: Any, data: Path
) -> None:
    table = cli("list")
    as_json = cli("list", "--json")

    assert (table.code, table.err) == (EXIT_OK, "")
    assert "taskmon add --provider" in table.out and len(table.lines) == 1
    assert (as_json.code, as_json.json()) == (EXIT_OK, [])
    assert not data.exists()


def _populate(cli: Any, data: Path) -> dict[str, TaskRef]:
    cli("add", "--provider", "reapi", "--label", "a cat on a skateboard", "done-1", "waiting")
    cli("add", "--provider", "apixo", "--model", "veo", "broken")
    cli("add", "--provider", "vidgo", "rolling")
    refs = {
        "done": TaskRef("reapi", "done-1"),
        "waiting": TaskRef("reapi", "waiting"),
        "broken": TaskRef("apixo", "broken", "veo"),
        "rolling": TaskRef("vidgo", "rolling"),
    }
    urls = ["https://cdn.example/r0.png", "https://cdn.example/r1.png", "https://cdn.example/r2"]
    observe(
        data,
        refs["done"],
        State.SUCCEEDED,
        progress=100,
        outputs=urls,
        files=[
            (1, str(cached(data, "reapi", "done-1", "r1.png")), FileState.COMPLETE),
            (0, str(cached(data, "reapi", "done-1", "r0.png")), FileState.COMPLETE),
            (2, None, FileState.PENDING),
        ],
    )
    observe(data, refs["broken"], State.FAILED, error=TaskError("content policy", "E42"))
    observe(data, refs["rolling"], State.RUNNING, progress=42.4)
    return refs


def test_list_json_has_files_in_output_order_times_and_errors(cli: Any, data: Path) -> None:
    _populate(cli, data)

    result = cli("list", "--json")

    assert (result.code, result.err) == (EXIT_OK, "")
    entries = {e["task_id"]: e for e in result.json()}
    assert all(set(e) == LIST_KEYS for e in entries.values())
    done = entries["done-1"]
    assert done["state"] == "succeeded" and done["progress"] == 100
    assert done["outputs"][0] == {"url": "https://cdn.example/r0.png", "kind": "image"}
    cache = cache_dir(data)
    assert done["files"] == [str(cache / "reapi/done-1/r0.png"), str(cache / "reapi/done-1/r1.png")]
    assert all(Path(f).is_absolute() for f in done["files"])
    assert parse_utc(done["finished_at"]) == FINISHED_AT
    assert parse_utc(done["added_at"]) <= datetime.now(UTC)
    broken = entries["broken"]
    assert broken["error"] == {"code": "E42", "message": "content policy"}
    assert (broken["state"], broken["model"], broken["files"]) == ("failed", "veo", [])
    assert parse_utc(broken["finished_at"]) == FINISHED_AT
    rolling = entries["rolling"]
    assert (rolling["state"], rolling["progress"], rolling["finished_at"]) == (
        "running",
        42.4,
        None,
    )
    assert entries["waiting"]["state"] == "queued"
    assert {e["state"] for e in entries.values()} <= {s.value for s in State}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["--state", "queued"], ["waiting"]),
        (["--state", "succeeded"], ["done-1"]),
        (["--provider", "reapi"], ["done-1", "waiting"]),
        (["--provider", "REAPI", "--state", "failed"], []),
        (["--provider", "apixo", "--state", "failed"], ["broken"]),
    ],
)
def test_state_and_provider_filters(
    cli: Any, data: Path, filters: list[str], expected: list[str]
) -> None:
    _populate(cli, data)

    result = cli("list", "--json", *filters)

    assert result.code == EXIT_OK
    assert [e["task_id"] for e in result.json()] == expected


def test_a_filter_matching_nothing_says_so_in_the_table(cli: Any, data: Path) -> None:
    _populate(cli, data)

    result = cli("list", "--state", "cancelled")

    assert result.code == EXIT_OK
    assert result.lines == ["No tracked task matches (4 tracked; `taskmon list` shows them all)."]


def test_the_table_is_aligned_fits_the_width_and_shows_what_matters(
    cli: Any, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _populate(cli, data)
    long_id = "task_" + "f" * 60
    cli("add", "--provider", "xenodia", long_id)
    monkeypatch.setenv("COLUMNS", "100")

    result = cli("list")

    assert (result.code, result.err) == (EXIT_OK, "")
    header, *rows, summary = result.lines
    assert header.split()[:4] == ["PROVIDER", "TASK", "ID", "STATE"]
    assert all(len(line) <= 100 for line in result.lines), result.out
    state_at = header.index("STATE")
    assert {row[state_at:].split()[0] for row in rows} == {
        "succeeded",
        "queued",
        "failed",
        "running",
    }
    by_id = {row.split()[1]: row for row in rows}
    assert "2/3" in by_id["done-1"] and "ended" in by_id["done-1"]
    assert "a cat" in by_id["done-1"]
    assert "[E42] content" in by_id["broken"]
    assert "42%" in by_id["rolling"] and "added" in by_id["rolling"]
    assert "not checked yet" in by_id["waiting"]
    assert any(key.startswith("task_fff") and key.endswith("…") for key in by_id)
    assert summary == "5 tasks: 2 queued, 1 running, 1 succeeded, 1 failed"


def test_a_wide_terminal_shows_labels_and_notes_whole(
    cli: Any, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _populate(cli, data)
    monkeypatch.setenv("COLUMNS", "200")

    result = cli("list", "--provider", "reapi")

    assert "a cat on a skateboard" in result.out and "…" not in result.out
    assert result.lines[-1] == "2 tasks: 1 queued, 1 succeeded"
    assert "NOTE" in result.lines[0]


def test_list_table_in_a_real_process_when_piped(tmp_path: Path) -> None:
    data = tmp_path / "data"
    process(data, "add", "--provider", "reapi", "abc")

    result = process(data, "list")

    assert (result.code, result.err) == (EXIT_OK, "")
    assert result.lines[0].startswith("PROVIDER")
    assert result.lines[1].split()[:3] == ["reapi", "abc", "queued"]
    assert "\x1b" not in result.out


# -- remove ------------------------------------------------------------------------


def test_remove_stops_tracking_and_keeps_cached_files(cli: Any, data: Path) -> None:
    _populate(cli, data)
    files = sorted(cache_dir(data).rglob("*"))

    result = cli("remove", "done-1", "waiting")

    assert (result.code, result.err) == (EXIT_OK, "")
    assert result.lines == ["removed reapi done-1", "removed reapi waiting"]
    assert stored(data) == [("apixo", "broken"), ("vidgo", "rolling")]
    assert sorted(cache_dir(data).rglob("*")) == files


def test_an_id_under_several_providers_removes_all_and_says_so(cli: Any, data: Path) -> None:
    cli("add", "--provider", "apixo", "--model", "m1", "x")
    cli("add", "--provider", "apixo", "--model", "m2", "x")
    cli("add", "--provider", "reapi", "x", "y")

    result = cli("remove", "x")

    assert result.code == EXIT_OK
    assert result.lines == [
        "removed apixo x (model m1)",
        "removed apixo x (model m2)",
        "removed reapi x",
    ]
    assert result.err_lines == ["taskmon remove: x matched 3 tracked tasks; removed all of them"]
    assert stored(data) == [("reapi", "y")]


def test_a_store_key_names_exactly_one_task(cli: Any, data: Path) -> None:
    cli("add", "--provider", "apixo", "--model", "m1", "x")
    cli("add", "--provider", "apixo", "--model", "m2", "x")

    result = cli("remove", "apixo/m2/id/x")

    assert (result.code, result.lines) == (EXIT_OK, ["removed apixo x (model m2)"])
    assert stored(data) == [("apixo", "x")]


def test_naming_a_task_twice_removes_it_once_without_complaint(cli: Any, data: Path) -> None:
    cli("add", "--provider", "apixo", "--model", "m1", "x")

    result = cli("remove", "x", "apixo/m1/id/x", "x")

    assert (result.code, result.lines, result.err) == (EXIT_OK, ["removed apixo x (model m1)"], "")


def test_removing_thousands_from_stdin_is_quick(cli: Any, data: Path) -> None:
    ids = [f"t{i}" for i in range(3000)]
    cli("add", "--provider", "reapi", "-", stdin="\n".join(ids))

    result = cli("remove", "-", stdin=" ".join(ids[::-1]))

    assert (result.code, len(result.lines)) == (EXIT_OK, 3000)
    assert stored(data) == []


def test_unknown_ids_are_noted_and_exit_1_while_the_others_go(cli: Any, data: Path) -> None:
    cli("add", "--provider", "reapi", "a", "b")

    result = cli("remove", "a", "nope", "-", stdin="b\nnope2\n")

    assert result.code == EXIT_SOME_MISSING
    assert result.lines == ["removed reapi a", "removed reapi b"]
    assert result.err_lines == [
        "taskmon remove: not tracked: nope",
        "taskmon remove: not tracked: nope2",
    ]
    assert stored(data) == []


def test_remove_without_a_store_creates_nothing(cli: Any, data: Path) -> None:
    result = cli("remove", "a")

    assert (result.code, result.err_lines) == (
        EXIT_SOME_MISSING,
        ["taskmon remove: not tracked: a"],
    )
    assert not data.exists()


def test_remove_in_a_real_process(tmp_path: Path) -> None:
    data = tmp_path / "data"
    process(data, "add", "--provider", "reapi", "a", "b")

    result = process(data, "remove", "a", "zzz")

    assert result.code == EXIT_SOME_MISSING
    assert (result.lines, result.err_lines) == (
        ["removed reapi a"],
        ["taskmon remove: not tracked: zzz"],
    )
    assert stored(data) == [("reapi", "b")]


def test_purge_deletes_the_tasks_cached_files_and_leftovers_only(
    cli: Any, data: Path, tmp_path: Path
) -> None:
    cli("add", "--provider", "reapi", "gone", "kept")
    urls = ["https://cdn.example/0.png", "https://cdn.example/1.png", "https://cdn.example/2.png"]
    task_dir = ("reapi", "gone-0123")
    complete = cached(data, *task_dir, "0.png")
    stale_part = cached(data, *task_dir, "0.png.part")
    partial = cached(data, *task_dir, "1.png.part")
    partial_meta = cache_dir(data).joinpath(*task_dir, "1.png.part.meta")
    partial_meta.write_text(PartMeta(url=urls[1]).model_dump_json())
    # A partial download the store has no path for yet: found through its sidecar's URL.
    unrecorded = cached(data, "reapi", "elsewhere", "2.png.part")
    unrecorded_meta = unrecorded.with_name("2.png.part.meta")
    unrecorded_meta.write_text(PartMeta(url=urls[2]).model_dump_json())
    outside = tmp_path / "my-precious.png"
    outside.write_bytes(b"mine")
    observe(
        data,
        TaskRef("reapi", "gone"),
        State.SUCCEEDED,
        outputs=urls,
        files=[
            (0, str(complete), FileState.COMPLETE),
            (1, str(partial), FileState.PENDING),
            (2, str(outside), FileState.COMPLETE),
        ],
    )
    # The task left tracked shares one URL and owns its own files: none of it may go.
    kept_file = cached(data, "reapi", "kept-9", "0.png")
    kept_part = cached(data, "reapi", "kept-9", "x.part")
    kept_part.with_name("x.part.meta").write_text(
        PartMeta(url="https://cdn.example/k").model_dump_json()
    )
    observe(
        data,
        TaskRef("reapi", "kept"),
        State.SUCCEEDED,
        outputs=[urls[0], "https://cdn.example/k"],
        files=[(0, str(kept_file), FileState.COMPLETE)],
    )

    result = cli("remove", "--purge", "gone")

    assert result.code == EXIT_OK, result.err
    assert result.lines[0] == "removed reapi gone"
    deleted = {Path(line.removeprefix("deleted ")) for line in result.lines[1:]}
    assert deleted == {complete, stale_part, partial, partial_meta, unrecorded, unrecorded_meta}
    for path in deleted:
        assert not path.exists()
    assert not cache_dir(data).joinpath(*task_dir).exists()  # the emptied task dir goes too
    assert outside.read_bytes() == b"mine"
    assert result.err_lines == [
        f"taskmon remove: left {outside} alone: it is outside the cache {cache_dir(data)}"
    ]
    assert not unrecorded.parent.exists()
    assert kept_file.exists() and kept_part.exists() and cache_dir(data).is_dir()
    assert stored(data) == [("reapi", "kept")]


def test_purge_never_follows_a_path_or_link_out_of_the_cache(
    cli: Any, data: Path, tmp_path: Path
) -> None:
    cli("add", "--provider", "reapi", "t")
    victim_dir = tmp_path / "victim"
    victim = victim_dir / "result.png"
    victim.parent.mkdir()
    victim.write_bytes(b"do not delete")
    victim.with_name("result.png.part").write_bytes(b"nor this")
    cache = cache_dir(data)
    link_in_cache = cache / "reapi" / "link.png"
    link_in_cache.parent.mkdir(parents=True)
    link_in_cache.symlink_to(victim)
    (cache / "reapi" / "escape").symlink_to(victim_dir, target_is_directory=True)
    urls = ["https://cdn.example/a", "https://cdn.example/b", "https://cdn.example/c"]
    observe(
        data,
        TaskRef("reapi", "t"),
        State.SUCCEEDED,
        outputs=urls,
        files=[
            (0, str(cache / ".." / ".." / "victim" / "result.png"), FileState.COMPLETE),
            (1, str(cache / "reapi" / "escape" / "result.png"), FileState.COMPLETE),
            (2, str(link_in_cache), FileState.COMPLETE),
        ],
    )

    result = cli("remove", "--purge", "t")

    assert result.code == EXIT_OK, result.err
    assert victim.read_bytes() == b"do not delete"
    assert victim.with_name("result.png.part").read_bytes() == b"nor this"
    assert not link_in_cache.is_symlink()  # the link inside the cache is removed, not its target
    assert all("outside the cache" in line for line in result.err_lines)
    assert len(result.err_lines) == 4  # two paths, each with its .part


def test_purge_as_a_real_process(tmp_path: Path) -> None:
    data = tmp_path / "data"
    process(data, "add", "--provider", "reapi", "p")
    url = "https://cdn.example/p.mp4"
    path = cached(data, "reapi", "p-1", "p.mp4")
    observe(
        data,
        TaskRef("reapi", "p"),
        State.SUCCEEDED,
        outputs=[url],
        files=[(0, str(path), FileState.COMPLETE)],
    )

    result = process(data, "remove", "--purge", "p")

    assert (result.code, result.err) == (EXIT_OK, "")
    assert result.lines == ["removed reapi p", f"deleted {path}"]
    assert not path.exists() and not path.parent.exists()  # the emptied task dir goes
    assert (cache_dir(data) / "reapi").is_dir()  # its parent stays: a tracker may use it


def test_list_json_says_whether_results_are_saved_until_when_links_work_and_why_not(
    cli: Any, data: Path
) -> None:
    cli("add", "--provider", "reapi", "saved-1", "half-1", "dead-1", "signed-1", "queued-1")
    cli("add", "--provider", "apixo", "--model", "veo", "apixo-1")
    reapi = {name: TaskRef("reapi", name) for name in ("saved-1", "half-1", "dead-1", "signed-1")}
    urls = ["https://cdn.example/a.png", "https://cdn.example/b.png"]
    observe(
        data,
        reapi["saved-1"],
        State.SUCCEEDED,
        outputs=urls,
        files=[
            (0, str(cached(data, "reapi", "s", "a.png")), FileState.COMPLETE),
            (1, str(cached(data, "reapi", "s", "b.png")), FileState.COMPLETE),
        ],
    )
    observe(data, reapi["half-1"], State.SUCCEEDED, outputs=urls)
    observe(
        data,
        reapi["dead-1"],
        State.SUCCEEDED,
        outputs=urls[:1],
        files=[(0, None, FileState.FAILED)],
    )
    observe(data, reapi["signed-1"], State.SUCCEEDED, outputs=[urls[0] + "?expires=4102444800"])
    observe(data, TaskRef("apixo", "apixo-1", "veo"), State.SUCCEEDED, outputs=urls[:1])

    entries = {e["task_id"]: e for e in cli("list", "--json").json()}

    saved = entries["saved-1"]
    assert (saved["saved"], saved["expires_at"], saved["problem"]) == (True, None, None)
    half = entries["half-1"]
    assert half["saved"] is False
    assert parse_utc(half["expires_at"]) == FINISHED_AT + timedelta(hours=24)  # the default
    assert "not saved" in half["problem"] and "expired" in half["problem"]
    assert parse_utc(entries["apixo-1"]["expires_at"]) == FINISHED_AT + timedelta(hours=24)
    assert parse_utc(entries["signed-1"]["expires_at"]) == datetime(2100, 1, 1, tzinfo=UTC)
    assert entries["signed-1"]["problem"] == "the results are not downloaded yet"
    dead = entries["dead-1"]
    assert dead["saved"] is False and dead["problem"].startswith("the result could not be saved")
    queued = entries["queued-1"]
    assert (queued["saved"], queued["expires_at"], queued["problem"]) == (None, None, None)


def test_a_cached_file_deleted_by_hand_is_not_saved(cli: Any, data: Path) -> None:
    cli("add", "--provider", "reapi", "gone-1")
    path = cached(data, "reapi", "g", "a.png")
    observe(
        data,
        TaskRef("reapi", "gone-1"),
        State.SUCCEEDED,
        outputs=["https://cdn.example/a.png?expires=4102444800"],
        files=[(0, str(path), FileState.COMPLETE)],
    )
    path.unlink()

    (entry,) = cli("list", "--json").json()

    assert entry["saved"] is False
    assert entry["problem"] == f"a cached file is gone: {path}"
