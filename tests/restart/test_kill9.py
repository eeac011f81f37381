"""kill -9 of `taskmon run` at random moments, then a restart (issue 3).

Everything is a real process: the simulator (`taskmon sim`), `taskmon add` and
`taskmon run`, which is killed with SIGKILL several times while it polls,
downloads and writes, and restarted each time; a last `taskmon run
--until-done` finishes the work. Afterwards every task must have reached its
true end exactly once, every result file must be complete and byte-exact in
the media cache, and no `.part` file may be left.

Mid-download is made certain, not left to chance: some results are cut by the
media server on their first GET (`media_cut_after`), which leaves a `.part`
and its sidecar on disk until the downloader's retry a second later; the first
round kills the run as soon as such a `.part` appears. The other rounds kill at
moments drawn from a seeded RNG, while tasks end (their sim clocks are spread
over ~12 s) and the writer commits every 0.1 s.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from taskmon.domain.records import FileState
from taskmon.domain.snapshot import State
from taskmon.domain.task import TaskRef
from taskmon.service.data_paths import cache_dir, db_path, task_cache_dir
from taskmon.store.store import Store
from taskmon.store.writer import StoreWriter

SEED = 20240607
PROVIDERS = ("xenodia", "apixo", "bytespike", "vidgo", "reapi")
STARTUP_TIMEOUT_S = 15.0
FINAL_RUN_TIMEOUT_S = 60.0
PART_WAIT_S = 12.0  # the first round waits this long for a `.part` to appear
RANDOM_ROUNDS = 3
KILL_DELAY_S = (0.3, 3.0)
EXIT_OK, EXIT_TASK_FAILED = 0, 1
KB = 1024

# provider, kind, outputs, media size, cut the first GET after N bytes, outcome
PLAN: tuple[tuple[str, str, int, int, int | None, str], ...] = (
    ("xenodia", "image", 1, 600 * KB, 120 * KB, "succeeded"),
    ("xenodia", "video", 2, 400 * KB, None, "succeeded"),
    ("xenodia", "image", 1, 300 * KB, None, "failed"),
    ("apixo", "image", 1, 500 * KB, None, "succeeded"),
    ("apixo", "image", 2, 350 * KB, 90 * KB, "succeeded"),
    ("apixo", "image", 1, 800 * KB, None, "succeeded"),
    ("bytespike", "image", 1, 700 * KB, 200 * KB, "succeeded"),
    ("bytespike", "video", 2, 450 * KB, None, "succeeded"),
    ("bytespike", "image", 1, 300 * KB, None, "succeeded"),
    ("vidgo", "image", 1, 550 * KB, None, "succeeded"),
    ("vidgo", "video", 1, 800 * KB, 300 * KB, "succeeded"),
    ("vidgo", "image", 2, 300 * KB, None, "succeeded"),
    ("reapi", "image", 1, 650 * KB, 150 * KB, "succeeded"),
    ("reapi", "audio", 2, 400 * KB, None, "succeeded"),
    ("reapi", "video", 1, 750 * KB, None, "succeeded"),
)


# -- processes ---------------------------------------------------------------


@dataclass(frozen=True)
class Sim:
    api: str
    media: str
    keys: dict[str, str]

    def script(self, **fields: Any) -> dict[str, Any]:
        """Add a scripted task; returns the simulator's task (task_id, model, result_urls...)."""
        response = httpx.post(f"{self.api}/_sim/tasks", json=fields, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture(scope="module")
def sim() -> Iterator[Sim]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "taskmon", "sim", "--port", "0", "--no-demo", "--seed", str(SEED)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        match = re.search(r"API (http://127\.0\.0\.1:\d+), media (http://127\.0\.0\.1:\d+)", banner)
        assert match, f"the simulator did not start: {banner!r}"
        api, media = match.groups()
        keys = httpx.get(f"{api}/_sim/keys", timeout=10).json()["keys"]
        yield Sim(api, media, keys)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def child_env(sim: Sim, data: Path) -> dict[str, str]:
    """Hermetic: no inherited TASKMON_*, no D-Bus (so no keyring); keys and URLs of the sim."""
    dropped = {"DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKMON_") and k not in dropped}
    env["TASKMON_DATA_DIR"] = str(data)
    for provider in PROVIDERS:
        env[f"TASKMON_{provider.upper()}_BASE_URL"] = sim.api
        env[f"TASKMON_{provider.upper()}_API_KEY"] = sim.keys[provider]
    return env


def taskmon(*args: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start `taskmon ARGS`, its output appended to `log`."""
    with log.open("ab") as out:
        out.write(f"\n$ taskmon {' '.join(args)}\n".encode())
        out.flush()
        return subprocess.Popen(
            [sys.executable, "-m", "taskmon", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def add_tasks(tasks: list[dict[str, Any]], env: dict[str, str], log: Path) -> None:
    """`taskmon add`, one call per provider and model, all at once (the store serializes)."""
    groups: dict[tuple[str, str | None], list[str]] = {}
    for task in tasks:
        model = task["model"] if task["provider"] == "apixo" else None
        groups.setdefault((task["provider"], model), []).append(task["task_id"])
    procs = []
    for (provider, model), ids in groups.items():
        extra = ["--model", model] if model else []
        procs.append(taskmon("add", "--provider", provider, *extra, *ids, env=env, log=log))
    for proc in procs:
        assert proc.wait(STARTUP_TIMEOUT_S) == 0, log.read_text()


def ref_of(task: dict[str, Any]) -> TaskRef:
    model = task["model"] if task["provider"] == "apixo" else None
    return TaskRef(task["provider"], task["task_id"], model)


def part_files(data: Path) -> list[Path]:
    """Every download leftover: `.part`, `.part.meta` and the sidecar's temporary file."""
    return sorted(p for p in data.rglob("*") if ".part" in p.name)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def expected_digests(tasks: list[dict[str, Any]]) -> dict[str, str]:
    """URL -> sha256 of the bytes the media server serves (fetched once everything ran)."""
    digests: dict[str, str] = {}
    with httpx.Client(timeout=30) as client:
        for task in tasks:
            if task["outcome"] != "succeeded":
                continue  # its files never become available
            for url in task["result_urls"]:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                digests[url] = sha256(response.content)
    return digests


@dataclass
class Kill:
    round: int
    after_s: float
    reason: str
    parts: list[str] = field(default_factory=list)  # download leftovers at the kill


def kill_run_at(env: dict[str, str], log: Path, data: Path, n: int, **when: float) -> Kill:
    """Start `taskmon run`, SIGKILL it `after_s` seconds later or when a `.part` appears."""
    proc = taskmon("run", env=env, log=log)
    started = time.monotonic()
    reason = "random"
    if "part_wait_s" in when:
        reason = "no .part appeared"
        deadline = started + when["part_wait_s"]
        while time.monotonic() < deadline and proc.poll() is None:
            if any(p.name.endswith(".part") for p in part_files(data)):
                reason = ".part on disk"
                break
            time.sleep(0.01)
    else:
        time.sleep(when["after_s"])
    after = time.monotonic() - started
    parts = [str(p.relative_to(data)) for p in part_files(data)]
    assert proc.poll() is None, f"taskmon run ended on its own (round {n}):\n{log.read_text()}"
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(10) == -signal.SIGKILL
    return Kill(n, round(after, 2), reason, parts)


# -- the scenario ----------------------------------------------------------------


def scripted_tasks(sim: Sim, rng: random.Random) -> list[dict[str, Any]]:
    tasks = []
    for provider, kind, outputs, size, cut, outcome in PLAN:
        tasks.append(
            sim.script(
                provider=provider,
                kind=kind,
                # Ends spread over ~2-12 s from now, so they fall into the kill rounds.
                queue_s=round(rng.uniform(0.0, 8.0), 2),
                run_s=round(rng.uniform(0.5, 4.0), 2),
                outcome=outcome,
                outputs=outputs,
                media_bytes=size + rng.randrange(KB),
                media_cut_after=cut,
            )
        )
    return tasks


def test_kill9_at_random_moments_then_restart(sim: Sim, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    data = tmp_path / "data"
    log = tmp_path / "taskmon.log"
    env = child_env(sim, data)
    tasks = scripted_tasks(sim, rng)
    add_tasks(tasks, env, log)

    kills = [kill_run_at(env, log, data, 1, part_wait_s=PART_WAIT_S)]
    for n in range(2, RANDOM_ROUNDS + 2):
        kills.append(kill_run_at(env, log, data, n, after_s=rng.uniform(*KILL_DELAY_S)))
    print("\n".join(f"kill {k.round}: {k.after_s} s ({k.reason}) {k.parts}" for k in kills))
    assert kills[0].reason == ".part on disk", "no download was in flight at any kill"

    final = taskmon("run", "--until-done", env=env, log=log)
    try:
        code = final.wait(FINAL_RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.kill(final.pid, signal.SIGKILL)
        final.wait(10)
        pytest.fail(f"taskmon run --until-done did not end in {FINAL_RUN_TIMEOUT_S} s")
    output = log.read_text()
    any_failed = any(t["outcome"] != "succeeded" for t in tasks)
    assert code == (EXIT_TASK_FAILED if any_failed else EXIT_OK), output

    # No download leftover anywhere under the data dir.
    assert part_files(data) == [], output

    with sqlite3.connect(db_path(data)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with Store.open(db_path(data)) as store:
        stored = store.tasks()
        histories = {t.key: store.history(t.key) for t in stored}

    keys = [t.key for t in stored]
    assert len(keys) == len(set(keys)), "a task is stored twice"
    by_key = {t.key: t for t in stored}
    assert set(by_key) == {ref_of(t).key for t in tasks}

    digests = expected_digests(tasks)
    cache = cache_dir(data).resolve()
    for task in tasks:
        key = ref_of(task).key
        got = by_key[key]
        assert got.state is State(task["outcome"]), (key, got.state, got.problem)
        # Its true end, reached once: one terminal entry in the history, and the last one.
        ends = [h for h in histories[key] if h.state.is_terminal]
        assert [h.state for h in ends] == [State(task["outcome"])], (key, histories[key])
        assert histories[key][-1].state is State(task["outcome"])
        if task["outcome"] != "succeeded":
            assert got.files == ()
            continue
        assert [o.url for o in got.outputs] == task["result_urls"], key
        assert [f.index for f in got.files] == list(range(len(task["result_urls"]))), key
        for stored_file, url in zip(got.files, task["result_urls"], strict=True):
            assert stored_file.state is FileState.COMPLETE, (key, stored_file)
            assert stored_file.url == url
            assert stored_file.path is not None
            path = Path(stored_file.path)
            assert path.resolve().is_relative_to(cache), path
            content = path.read_bytes()
            assert stored_file.size == len(content), (key, stored_file)
            assert sha256(content) == digests[url], f"{path} differs from {url}"


# -- the narrowest window: killed after the rename, before the commit ---------------


def kill_once_placed(env: dict[str, str], log: Path, results: Path, count: int) -> list[str]:
    """Start `taskmon run`, SIGKILL it the moment `count` results have their final names.

    The writer commits every 0.1 s, so the records saying so are almost always
    still in memory. Returns the names of the finished files at the kill.
    """
    run = taskmon("run", env=env, log=log)
    deadline = time.monotonic() + PART_WAIT_S

    def placed() -> list[str]:
        if not results.is_dir():
            return []
        return sorted(p.name for p in results.iterdir() if ".part" not in p.name)

    while len(placed()) < count:
        assert time.monotonic() < deadline and run.poll() is None, log.read_text()
        time.sleep(0.002)
    os.kill(run.pid, signal.SIGKILL)
    run.wait(10)
    return placed()


def forget_completions(data: Path, ref: TaskRef, urls: list[str]) -> None:
    """Put the store back as a kill 0.1 s earlier leaves it, when a commit won the race.

    The download's start is on record, the file already in place, its end not.
    """
    with Store.open(db_path(data)) as store:
        stored = store.task(ref.key)
    assert stored is not None
    if all(f.state is not FileState.COMPLETE for f in stored.files):
        return
    writer = StoreWriter(db_path(data))
    for index, url in enumerate(urls):
        writer.set_file(ref.key, index, url=url, path=None, state=FileState.PENDING)
    assert writer.close()


def run_until_done_and_check(
    env: dict[str, str], log: Path, data: Path, ref: TaskRef, urls: list[str], placed: list[str]
) -> None:
    """A restart ends the task with every file recorded: the copies already placed, no other."""
    again = taskmon("run", "--until-done", env=env, log=log)
    assert again.wait(FINAL_RUN_TIMEOUT_S) == EXIT_OK, log.read_text()
    with Store.open(db_path(data)) as store:
        stored = store.task(ref.key)
    assert stored is not None
    assert [f.state for f in stored.files] == [FileState.COMPLETE] * len(urls)
    assert part_files(data) == []
    results = task_cache_dir(data, ref)
    on_disk = sorted(p.name for p in results.iterdir())
    assert on_disk == sorted(Path(str(f.path)).name for f in stored.files), on_disk
    # The copies the killed run put in place are the ones adopted, and byte-exact.
    assert on_disk == placed
    for stored_file, url in zip(stored.files, urls, strict=True):
        served = httpx.get(url, timeout=10)
        assert sha256(Path(str(stored_file.path)).read_bytes()) == sha256(served.content), url


def test_kill9_after_the_rename_before_the_commit_leaves_no_second_copy(
    sim: Sim, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    log = tmp_path / "taskmon.log"
    env = child_env(sim, data)
    task = sim.script(
        provider="xenodia", kind="image", queue_s=2.0, run_s=0.5, media_bytes=300 * KB
    )
    add_tasks([task], env, log)
    ref = ref_of(task)

    placed = kill_once_placed(env, log, task_cache_dir(data, ref), 1)
    forget_completions(data, ref, task["result_urls"])

    run_until_done_and_check(env, log, data, ref, task["result_urls"], placed)


def test_kill9_after_the_renames_of_two_outputs_named_alike_keeps_two_files(
    sim: Sim, tmp_path: Path
) -> None:
    # Same URL name, no extension: the cache names them by output (the extension from
    # the bytes), and the restart adopts each one instead of keeping a second copy.
    data = tmp_path / "data"
    log = tmp_path / "taskmon.log"
    env = child_env(sim, data)
    task = sim.script(
        provider="xenodia",
        kind="image",
        queue_s=2.0,
        run_s=0.5,
        outputs=2,
        output_names=["image", "image"],
        output_ext=False,
        media_bytes=200 * KB,
    )
    add_tasks([task], env, log)
    ref = ref_of(task)

    placed = kill_once_placed(env, log, task_cache_dir(data, ref), 2)
    short = ref.task_id[:12]
    assert placed == [f"xenodia_{short}_1.png", f"xenodia_{short}_2.png"]
    forget_completions(data, ref, task["result_urls"])

    run_until_done_and_check(env, log, data, ref, task["result_urls"], placed)
