"""`taskmon watch` as a user runs it: a real process against the simulator on loopback.

These tests pin the README's contract (the `--json` lines, `--save-dir`, the exit
status, the plain piped view, one-line errors, keys never shown). The scenarios'
processes run side by side (the module-scoped `runs` fixture), so the file costs
about as long as its slowest run plus the interpreters' start-up (~12 s on two
cores); each test then checks one behaviour on the finished runs.

The child environment is hermetic: no inherited TASKMON_* variables and no D-Bus
session, so there is no usable keyring and a key comes only from the
TASKMON_<PROVIDER>_API_KEY a scenario sets.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import groupby, pairwise
from pathlib import Path
from typing import Any

import pytest

from taskmon.sim import SimulatorThread, TaskScript

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 60.0
STARTUP_TIMEOUT_S = 15.0
LINE_KEYS = {"provider", "task_id", "state", "progress", "outputs", "error"}
TERMINAL = {"succeeded", "failed", "cancelled", "lost"}
NOT_TERMINAL = {"queued", "running"}
EXIT_OK, EXIT_TASK_FAILED, EXIT_USAGE, EXIT_TIMEOUT = 0, 1, 2, 3

WRONG_KEY = "sk-wrong-0f9e8d7c6b5a-never-printed"
OUT_TASK_ID = "order-7f3a-2024"
UNKNOWN_REAPI_ID = "task_" + "0" * 32
MODEL = "nano-banana"


def hermetic_env(**extra: str) -> dict[str, str]:
    """os.environ without TASKMON_*, D-Bus (so no keyring) or a forced keyring backend."""
    dropped = {"DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKMON_") and k not in dropped}
    return {**env, **extra}


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]

    def by_task(self) -> dict[str, list[dict[str, Any]]]:
        tasks: dict[str, list[dict[str, Any]]] = {}
        for line in self.json_lines():
            tasks.setdefault(line["task_id"], []).append(line)
        return tasks


@dataclass
class Watch:
    """One `taskmon watch` process, started now and collected on first use."""

    args: list[str]
    env: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)  # role -> the ID given
    proc: subprocess.Popen[str] | None = None
    _finished: Finished | None = None

    def start(self) -> Watch:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "taskmon", "watch", *self.args],
            env=self.env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return self

    def result(self) -> Finished:
        if self._finished is None:
            assert self.proc is not None
            try:
                stdout, stderr = self.proc.communicate(timeout=RUN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.kill()
                pytest.fail(f"taskmon watch {self.args} did not end in {RUN_TIMEOUT_S} s")
            self._finished = Finished(self.proc.returncode, stdout, stderr)
        return self._finished

    def kill(self) -> None:
        """Stop by PID, whatever state the run is in."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


@dataclass
class Runs:
    """The scenarios' runs; a group's processes all start on first use of any of them."""

    sim: SimulatorThread
    save_dir: Path
    watches: dict[str, Watch] = field(default_factory=dict)

    def _watch(self, name: str) -> Watch:
        if name not in self.watches:
            group = next(g for g in GROUPS if name in g)
            for member in group:
                watch = SCENARIOS[member](self.sim, self.save_dir).start()
                self.watches[member] = watch
                if group is TRACKING:
                    self._wait_for_first_contact(watch)
        return self.watches[name]

    def _wait_for_first_contact(self, watch: Watch) -> None:
        """Until the process has asked about one of its tasks (or ended).

        Interpreters starting side by side on a small machine take seconds, which a
        task's short life cannot absorb; one at a time, each is polled within ~0.5 s.
        """
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            assert watch.proc is not None
            if watch.proc.poll() is not None:
                return
            for task_id in watch.ids.values():
                try:
                    stats = self.sim.stats(task_id)
                except KeyError:  # not a simulated task (the unknown ID)
                    continue
                if stats.polls or stats.stream_connections:
                    return
            time.sleep(0.02)
        pytest.fail(f"taskmon watch {watch.args} asked nothing in {STARTUP_TIMEOUT_S} s")

    def __getitem__(self, name: str) -> Finished:
        return self._watch(name).result()

    def ids(self, name: str) -> dict[str, str]:
        return self._watch(name).ids

    def xenodia_answers(self, task_id: str) -> list[tuple[str, float]]:
        """(state, progress) of every Xenodia status answer the simulator gave for the task.

        Xenodia reports 0 % while queued and 100 % once ended; while running, the
        simulator's progress curve at the moment it answered.
        """
        task = self.sim.call(lambda: self.sim.simulator.task(task_id, "xenodia"))
        fixed = {"queued": 0, "succeeded": 100, "failed": 100}
        return [
            (phase, fixed[phase] if phase in fixed else task.running_progress(poll.at_epoch))
            for poll in self.sim.stats(task_id, "xenodia").polls
            if poll.http_status == 200 and (phase := poll.phase) is not None
        ]

    def sim_phases(self, provider: str, task_id: str) -> list[str]:
        """The normalized state of every status answer the simulator gave for the task."""
        stats = self.sim.stats(task_id, provider)
        return [p.phase for p in stats.polls if p.http_status == 200 and p.phase is not None]


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorThread]:
    with SimulatorThread(seed=23) as simulator:
        yield simulator


# The scenarios. Each adds its tasks just before its process starts, so a task's short
# life (<= 1.5 s queued, <= 1 s running) begins with its watcher.
Scenario = Callable[[SimulatorThread, Path], Watch]


def _env_for(
    sim: SimulatorThread, provider: str, *, base_url: bool = True, **extra: str
) -> dict[str, str]:
    env = {f"TASKMON_{provider.upper()}_API_KEY": sim.keys[provider]}
    if base_url:
        env[f"TASKMON_{provider.upper()}_BASE_URL"] = sim.api_url
    return hermetic_env(**{**env, **extra})


def _json_mixed(sim: SimulatorThread, _: Path) -> Watch:
    ok = sim.add_task(TaskScript("xenodia", "image", queue_s=1.5, run_s=1.0, outputs=2))
    bad = sim.add_task(
        TaskScript(
            "xenodia",
            "image",
            queue_s=1.0,
            run_s=0.5,
            outcome="failed",
            error_code="E_POLICY",
            error_message="prompt rejected by the safety filter",
        )
    )
    ids = {"ok": ok.task_id, "bad": bad.task_id}
    return Watch(
        ["--provider", "xenodia", "--json", ok.task_id, bad.task_id], _env_for(sim, "xenodia"), ids
    )


def _queued_until_timeout(sim: SimulatorThread, _: Path) -> Watch:
    # Queued for a minute, with an early estimate so the engine looks again within
    # ~2.5 s: the simulator answers the same (queued, 0 %) more than once.
    task = sim.add_task(TaskScript("xenodia", "image", queue_s=60, run_s=1, estimate_factor=0.05))
    return Watch(
        ["--provider", "xenodia", "--json", "--timeout", "4", task.task_id],
        _env_for(sim, "xenodia"),
        {"queued": task.task_id},
    )


def _plain(sim: SimulatorThread, _: Path) -> Watch:
    ok = sim.add_task(TaskScript("vidgo", "image", queue_s=1.5, run_s=1.0))
    bad = sim.add_task(TaskScript("vidgo", "video", queue_s=1.0, run_s=0.5, outcome="failed"))
    return Watch(
        ["--provider", "vidgo", ok.task_id, bad.task_id],
        _env_for(sim, "vidgo"),
        {"ok": ok.task_id, "bad": bad.task_id},
    )


def _out_task_id(sim: SimulatorThread, _: Path) -> Watch:
    task = sim.add_task(
        TaskScript("bytespike", "image", queue_s=1.0, run_s=1.0, out_task_id=OUT_TASK_ID)
    )
    return Watch(
        ["--provider", "bytespike", "--json", "--out-task-id", OUT_TASK_ID],
        _env_for(sim, "bytespike"),
        {"out": OUT_TASK_ID, "server": task.task_id},
    )


def _cancelled(sim: SimulatorThread, _: Path) -> Watch:
    task = sim.add_task(
        TaskScript("bytespike", "video", queue_s=1.0, run_s=1.0, outcome="cancelled")
    )
    return Watch(
        ["--provider", "bytespike", "--json", task.task_id],
        _env_for(sim, "bytespike"),
        {"cancelled": task.task_id},
    )


def _lost(sim: SimulatorThread, _: Path) -> Watch:
    # The only reAPI scenario, so the simulator's reAPI request count is this run's.
    ok = sim.add_task(TaskScript("reapi", "audio", run_s=1.0))
    return Watch(
        ["--provider", "reapi", "--json", UNKNOWN_REAPI_ID, ok.task_id],
        _env_for(sim, "reapi"),
        {"unknown": UNKNOWN_REAPI_ID, "ok": ok.task_id},
    )


def _saved(sim: SimulatorThread, save_dir: Path) -> Watch:
    two = sim.add_task(TaskScript("apixo", "image", queue_s=1.0, run_s=1.0, outputs=2, model=MODEL))
    one = sim.add_task(
        TaskScript("apixo", "image", queue_s=1.0, run_s=0.5, model=MODEL, media_bytes=40_000)
    )
    # The base URL comes from --base-url only (no TASKMON_APIXO_BASE_URL).
    args = ["--provider", "apixo", "--model", MODEL, "--base-url", sim.api_url]
    args += ["--json", "--save-dir", str(save_dir), two.task_id, one.task_id]
    return Watch(
        args,
        _env_for(sim, "apixo", base_url=False),
        {"two": two.task_id, "one": one.task_id},
    )


def _saved_plain(sim: SimulatorThread, save_dir: Path) -> Watch:
    task = sim.add_task(TaskScript("xenodia", "image", queue_s=1.0, run_s=0.5, outputs=2))
    args = ["--provider", "xenodia", "--save-dir", str(plain_save_dir(save_dir)), task.task_id]
    return Watch(args, _env_for(sim, "xenodia"), {"task": task.task_id})


def plain_save_dir(save_dir: Path) -> Path:
    """The plain `--save-dir` run's own directory, beside the `--json` run's."""
    return save_dir.with_name("plain-results")


def _usage(*args: str, provider: str = "xenodia", **env: str) -> Scenario:
    def build(sim: SimulatorThread, _: Path) -> Watch:
        return Watch(
            [a.format(api=sim.api_url) for a in args],
            _env_for(sim, provider, **{k: v.format(api=sim.api_url) for k, v in env.items()}),
        )

    return build


def _no_key(sim: SimulatorThread, _: Path) -> Watch:
    task = sim.add_task(TaskScript("vidgo", "image", run_s=1.0))
    env = hermetic_env(TASKMON_VIDGO_BASE_URL=sim.api_url)
    return Watch(["--provider", "vidgo", task.task_id], env, {"task": task.task_id})


def _key_rejected(sim: SimulatorThread, _: Path) -> Watch:
    task = sim.add_task(TaskScript("xenodia", "image", run_s=1.0))
    env = hermetic_env(TASKMON_XENODIA_BASE_URL=sim.api_url, TASKMON_XENODIA_API_KEY=WRONG_KEY)
    return Watch(["--provider", "xenodia", task.task_id], env, {"task": task.task_id})


SCENARIOS: dict[str, Scenario] = {
    # The slowest first: a lost task needs a confirming retry ~5 s after the first look.
    "lost": _lost,
    "queued_timeout": _queued_until_timeout,
    "json": _json_mixed,
    "plain": _plain,
    "out_task_id": _out_task_id,
    "cancelled": _cancelled,
    "saved": _saved,
    "saved_plain": _saved_plain,
    "unknown_provider": _usage("--provider", "midjourney", "task_1"),
    "apixo_without_model": _usage("--provider", "apixo", "task_abc123xyz789", provider="apixo"),
    "out_task_id_unsupported": _usage("--provider", "xenodia", "--out-task-id", "order-1"),
    "http_not_loopback": _usage(
        "--provider", "xenodia", "--base-url", "http://api.example.com", "task_1"
    ),
    "http_not_loopback_env": _usage(
        "--provider", "xenodia", "task_1", TASKMON_XENODIA_BASE_URL="http://10.1.2.3:8800"
    ),
    "base_url_with_path": _usage("--provider", "xenodia", "--base-url", "{api}/api/v1", "task_1"),
    "no_key": _no_key,
    "key_rejected": _key_rejected,
}
USAGE = (
    "unknown_provider",
    "apixo_without_model",
    "out_task_id_unsupported",
    "http_not_loopback",
    "http_not_loopback_env",
    "base_url_with_path",
    "no_key",
    "key_rejected",
)
# The tracking runs start one after the other (see Runs), the usage ones together.
TRACKING = tuple(name for name in SCENARIOS if name not in USAGE)
GROUPS = (TRACKING, USAGE)


@pytest.fixture(scope="module")
def runs(sim: SimulatorThread, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    runs = Runs(sim, tmp_path_factory.mktemp("watch") / "results")  # watch creates the dir
    try:
        yield runs
    finally:
        for watch in runs.watches.values():
            watch.kill()


def states(lines: list[dict[str, Any]]) -> list[str]:
    return [line["state"] for line in lines]


def squeeze(items: list[str]) -> list[str]:
    """Consecutive repeats collapsed: the sequence of changes."""
    return [item for item, _ in groupby(items)]


# -- --json ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["json", "queued_timeout", "out_task_id", "cancelled", "lost"])
def test_json_lines_carry_exactly_the_documented_keys(runs: Runs, name: str) -> None:
    lines = runs[name].json_lines()

    assert lines
    for line in lines:
        assert set(line) == LINE_KEYS  # no "files" without --save-dir
        assert line["state"] in TERMINAL | NOT_TERMINAL
        assert line["progress"] is None or isinstance(line["progress"], int | float)
        assert isinstance(line["outputs"], list)


def test_json_first_observation_is_printed(runs: Runs) -> None:
    by_task = runs["json"].by_task()

    for task_id in runs.ids("json").values():
        first = by_task[task_id][0]
        assert (first["state"], first["progress"]) == runs.xenodia_answers(task_id)[0]


def test_json_prints_a_line_per_state_or_progress_change(runs: Runs) -> None:
    by_task = runs["json"].by_task()

    for task_id in runs.ids("json").values():
        shown = [(line["state"], line["progress"]) for line in by_task[task_id]]
        assert shown == squeeze(runs.xenodia_answers(task_id))
    # Seen before its end (queued or running, ~0.5 s after start), then at the end.
    assert len(by_task[runs.ids("json")["ok"]]) >= 2


def test_json_repeats_no_line_for_an_unchanged_task(runs: Runs) -> None:
    # The simulator answered "queued, 0 %" several times: one line says so.
    task_id = runs.ids("queued_timeout")["queued"]
    answers = runs.xenodia_answers(task_id)
    lines = runs["queued_timeout"].json_lines()

    assert len(answers) >= 2 and set(answers) == {("queued", 0)}
    assert [(line["task_id"], line["state"]) for line in lines] == [(task_id, "queued")]
    for name in ("json", "out_task_id", "cancelled", "lost", "saved"):
        for task_lines in runs[name].by_task().values():
            signatures = [(line["state"], line["progress"]) for line in task_lines]
            assert all(a != b for a, b in pairwise(signatures)), name


def test_json_task_id_is_the_id_given(runs: Runs) -> None:
    assert set(runs["json"].by_task()) == set(runs.ids("json").values())
    assert {line["provider"] for line in runs["json"].json_lines()} == {"xenodia"}


def test_json_task_id_is_the_out_task_id_when_given(runs: Runs) -> None:
    lines = runs["out_task_id"].json_lines()

    assert {line["task_id"] for line in lines} == {OUT_TASK_ID}
    assert runs.ids("out_task_id")["server"] != OUT_TASK_ID
    assert runs.ids("out_task_id")["server"] not in runs["out_task_id"].stdout


def test_json_outputs_are_url_and_kind(runs: Runs) -> None:
    ok = runs.ids("json")["ok"]
    last = runs["json"].by_task()[ok][-1]

    assert last["state"] == "succeeded"
    assert last["outputs"] == [
        {"url": url, "kind": "image"} for url in runs.sim.result_urls(ok, "xenodia")
    ]
    assert len(last["outputs"]) == 2


def test_json_error_is_code_and_message_on_failure_else_null(runs: Runs) -> None:
    by_task = runs["json"].by_task()
    failed = by_task[runs.ids("json")["bad"]][-1]
    lost = runs["lost"].by_task()[UNKNOWN_REAPI_ID][-1]

    assert failed["state"] == "failed"
    assert failed["error"] == {
        "code": "E_POLICY",
        "message": "prompt rejected by the safety filter",
    }
    assert lost["state"] == "lost"
    assert set(lost["error"]) == {"code", "message"} and lost["error"]["message"]
    for name in ("json", "out_task_id", "queued_timeout", "saved", "lost"):
        for line in runs[name].json_lines():
            if line["state"] not in ("failed", "lost"):
                assert line["error"] is None, (name, line)


@pytest.mark.parametrize("name", ["json", "out_task_id", "cancelled", "lost", "saved"])
def test_json_last_line_of_each_task_is_terminal(runs: Runs, name: str) -> None:
    by_task = runs[name].by_task()

    assert set(by_task) == set(runs.ids(name).values()) - {runs.ids(name).get("server")}
    for task_lines in by_task.values():
        assert task_lines[-1]["state"] in TERMINAL
        assert all(line["state"] in NOT_TERMINAL for line in task_lines[:-1])


# -- --save-dir -----------------------------------------------------------------


def test_save_dir_files_are_the_results_byte_for_byte(runs: Runs) -> None:
    result = runs["saved"]
    save_dir = runs.save_dir.resolve()

    assert result.returncode == EXIT_OK, result.stderr
    for role, task_id in runs.ids("saved").items():
        lines = result.by_task()[task_id]
        *before, last = lines
        assert last["state"] == "succeeded"
        assert set(last) == LINE_KEYS | {"files", "problem"}
        assert last["problem"] is None
        assert all("files" not in line for line in before)
        urls = [output["url"] for output in last["outputs"]]
        assert len(last["files"]) == len(urls) == (2 if role == "two" else 1)
        for path_text, url in zip(last["files"], urls, strict=True):
            path = Path(path_text)
            assert path.is_absolute() and path.parent == save_dir
            assert path.read_bytes() == runs.sim.expected_media(url)
    assert not [p for p in save_dir.rglob("*") if ".part" in p.name]


@pytest.mark.parametrize("name", ["saved", "saved_plain"])
def test_save_dir_run_prints_nothing_on_stderr(runs: Runs, name: str) -> None:
    result = runs[name]

    assert result.returncode == EXIT_OK
    assert result.stderr == ""


def test_save_dir_plain_view_ends_naming_the_saved_files(runs: Runs) -> None:
    result = runs["saved_plain"]
    save_dir = plain_save_dir(runs.save_dir).resolve()

    last = result.lines[-1]
    assert last.split()[1:3] == [runs.ids("saved_plain")["task"], "succeeded"]
    saved = sorted(save_dir.iterdir())
    assert len(saved) == 2
    for path in saved:
        assert str(path) in last
        assert path.stat().st_size > 0
        assert ".part" not in path.name


def test_save_dir_downloads_never_carry_the_key(runs: Runs) -> None:
    runs["saved"]
    media = runs.sim.media_requests

    assert media
    for _path, headers in media:
        assert "authorization" not in {h.lower() for h in headers}
        assert runs.sim.keys["apixo"] not in " ".join(headers.values())


# -- exit status ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["out_task_id", "saved"])
def test_exit_0_when_every_task_succeeded(runs: Runs, name: str) -> None:
    result = runs[name]

    assert result.returncode == EXIT_OK, result.stderr
    assert {line["state"] for line in result.json_lines()} <= {"queued", "running", "succeeded"}


@pytest.mark.parametrize(
    ("name", "ending"), [("json", "failed"), ("cancelled", "cancelled"), ("lost", "lost")]
)
def test_exit_1_when_any_task_failed_was_cancelled_or_lost(
    runs: Runs, name: str, ending: str
) -> None:
    result = runs[name]

    assert result.returncode == EXIT_TASK_FAILED, result.stderr
    assert ending in {lines[-1]["state"] for lines in result.by_task().values()}
    assert "Traceback" not in result.stderr


def test_lost_only_after_a_confirming_retry(runs: Runs) -> None:
    result = runs["lost"]
    ok_polls = len(runs.sim.stats(runs.ids("lost")["ok"], "reapi").polls)

    assert result.by_task()[UNKNOWN_REAPI_ID] == [result.by_task()[UNKNOWN_REAPI_ID][-1]]
    assert result.by_task()[runs.ids("lost")["ok"]][-1]["state"] == "succeeded"
    assert runs.sim.requests_by_provider["reapi"] - ok_polls == 2  # asked twice, then lost


@pytest.mark.parametrize("name", USAGE)
def test_exit_2_with_one_line_on_stderr_for_usage_and_key_problems(runs: Runs, name: str) -> None:
    result = runs[name]

    assert result.returncode == EXIT_USAGE
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("taskmon watch: ")


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("unknown_provider", "midjourney"),
        ("apixo_without_model", "model"),
        ("out_task_id_unsupported", "out_task_id"),
        ("http_not_loopback", "loopback"),
        ("http_not_loopback_env", "loopback"),
        ("base_url_with_path", "host and port only"),
        ("no_key", "TASKMON_VIDGO_API_KEY"),
        ("key_rejected", "401"),
    ],
)
def test_exit_2_message_says_what_is_wrong(runs: Runs, name: str, words: str) -> None:
    result = runs[name]

    assert result.returncode == EXIT_USAGE
    assert words in result.stderr.splitlines()[-1]


def test_exit_3_when_the_timeout_is_reached(runs: Runs) -> None:
    result = runs["queued_timeout"]

    assert result.returncode == EXIT_TIMEOUT
    assert result.stderr.splitlines() == ["taskmon watch: --timeout of 4 s reached"]


# -- the plain view -------------------------------------------------------------


def test_plain_lines_when_piped_one_per_change_ending_terminal(runs: Runs) -> None:
    result = runs["plain"]

    assert result.returncode == EXIT_TASK_FAILED, result.stderr
    assert "\x1b" not in result.stdout and "\r" not in result.stdout
    by_task: dict[str, list[str]] = {}
    for line in result.lines:
        provider, task_id, *_ = line.split()
        assert provider == "vidgo"
        by_task.setdefault(task_id, []).append(line)
    assert set(by_task) == set(runs.ids("plain").values())
    for task_id, lines in by_task.items():
        assert all(a != b for a, b in pairwise(lines))  # changes only
        shown = [line.split()[2] for line in lines]
        assert squeeze(shown) == squeeze(runs.sim_phases("vidgo", task_id))
        assert shown[-1] in TERMINAL
    assert by_task[runs.ids("plain")["ok"]][-1].split()[2] == "succeeded"
    assert by_task[runs.ids("plain")["bad"]][-1].split()[2] == "failed"


# -- keys -------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_api_key_is_never_printed(runs: Runs, name: str) -> None:
    result = runs[name]
    keys = [*runs.sim.keys.values(), WRONG_KEY]

    for key in keys:
        assert key not in result.stdout
        assert key not in result.stderr


class _EchoingKeyServer(BaseHTTPRequestHandler):
    """A provider that quotes the rejected key back in its 401 message (some do)."""

    def do_GET(self) -> None:
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        body = json.dumps({"code": 401, "message": f"Invalid API key provided: {key}"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def echoing_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingKeyServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_key_echoed_back_by_the_server_is_not_printed(echoing_server: str) -> None:
    env = hermetic_env(TASKMON_XENODIA_BASE_URL=echoing_server, TASKMON_XENODIA_API_KEY=WRONG_KEY)
    watch = Watch(["--provider", "xenodia", "task_1"], env).start()
    try:
        result = watch.result()
    finally:
        watch.kill()

    assert result.returncode == EXIT_USAGE
    assert "rejected the API key" in result.stderr
    assert WRONG_KEY not in result.stdout + result.stderr
