"""UI benchmark: the window with 1,000 tracked tasks updating, beside an empty window.

A simulator process serves the five providers. Before each measured run the
benchmark scripts the tasks there afresh (every provider in turn; 80 % images
of 15-120 s, 15 % video of 60-300 s, 5 % audio where a provider has it; ~4 %
failures, a few BytesPike cancellations, ~2 % with one 503 first; one 1 KiB
result file each), adds them all to a fresh data dir in one `Store.add_tasks`
call, and starts the real window in a child process: this file with `--child`,
which creates the QApplication, installs its probes and calls
`taskmon.ui.app.run_app(demo=False)` against the simulator (keys and base URLs
from `TASKMON_<P>_API_KEY` / `_BASE_URL`, a fresh `XDG_CONFIG_HOME` so the
window's QSettings start empty, a D-Bus address that leads nowhere so no keyring
prompt and no dbus autolaunch). Xenodia and Vidgo report progress while
running and BytesPike pushes events, and some tasks end (and download) inside
the window, so the table really changes while it is measured.

What the child measures (wall-clock times from the parent's `Popen`, passed in
`TASKMON_BENCH_SPAWN_EPOCH`, so interpreter start and imports count):

- first paint: the task table's `paintEvent` (a Python override already),
  wrapped before `run_app`, marks the first paint of its viewport; "with all
  rows" is the first such paint while the table (the proxy the view shows)
  holds every task. (An application-wide event filter did this until
  2026-12-06: it ran Python for every event of every widget being built and
  added up to ~45 ms to start-up stalls that the app alone does not have.)
  Rows appended below the last one on screen repaint nothing but the scroll
  bar (ui/table/task_table.py), so that paint may come only with the next
  change on screen: the target is on "all rows in the table";
- rows loaded: the moment the table first holds every task (checked every
  10 ms by the probe below);
- main-thread stalls: a 10 ms `PreciseTimer` on the main thread records the gap
  between its timeouts; a stall is a gap minus the interval. With each gap the
  main thread's own CPU time in it (`time.thread_time()`): a "busy stretch" is
  that CPU time, the part of a stall the app's own work made; the rest of a
  gap the thread waited (for a CPU on a loaded machine, or in a system call). The steady window
  starts when the rows are loaded (for the empty window: at its first paint)
  and lasts `--window-s` (20 s); if the rows never all arrive it starts after
  `--load-timeout-s` (20 s) and the run is flagged. Start-up (loop start to
  rows loaded) is reported apart, for information;
- what moved during the steady window: task views the bridge handed to the
  table, table viewport repaints per second, and CPU % (getrusage), also the
  main (Qt) thread's own CPU (`time.thread_time()`; with the CPU time the
  main thread used from the process start to the rows loaded): on a machine
  shared with other work, wall-clock stalls grow with the load, the main
  thread's CPU time much less, so compare both;
- references to None lost per second during the steady window: on Python
  3.11 None is refcounted, and a binding that hands back None without its
  reference (PySide6 6.12.0 does so for every None a Python `data()` or
  `headerData()` override returns) makes this positive until the process aborts
  with "none_dealloc"; healthy is about 0;
- after the steady window, what a person does with the full table, timed
  inside the window (each action, then `processEvents()` for the layout and
  repaint it causes; medians of 7): a sort (what a header click does), select
  all (Ctrl+A), and single wheel steps of a scroll, each also as main-thread
  CPU time;
- then it quits the way the Quit action does (`MainWindow.quit_app()`).

The child prints its figures as JSON lines as it goes (marks at once, the
figures so far about once a second, the window's figures before it quits), so a
run that crashes still reports how far it got, and why (`--keep-logs DIR` keeps
each child's output).

The parent adds peak RSS (`ru_maxrss`) and CPU seconds from `os.wait4`. Every
configuration runs `--repeats` times (default 3), interleaved (baseline, 1,000,
baseline, ...) so the shared machine's drift hits both alike, after each
checkout's taskmon is byte-compiled (as an installation is: bench/precompile.py)
and one unmeasured warm-up start (page cache); the table shows medians and the ratio to
the baseline (the same window with an empty store). `--also 100` adds columns.
`--stall-stacks` adds a sampler thread in the child that, while a tick is over
30 ms late, records where the main thread is, and prints the longest stalls
with their most frequent stacks (it perturbs the figures a little: off by
default).

    python bench/ui.py                          # 1,000 tasks, 3 repeats: 2.5-3.5 minutes
    python bench/ui.py --tasks 200 --repeats 1  # a quick look: under a minute
    python bench/ui.py --xvfb                   # a real X server (Xvfb) instead of offscreen
    python bench/ui.py --against ../main        # before/after: each run of this checkout
                                                # next to one of ../main, same conditions

Targets (issues): with 1,000 tasks, first paint within 1.5 s of start, no
main-thread stall over 50 ms (steady or start-up), peak RSS under 300 MB, a
sort and select-all within 100 ms, a scroll step within 16 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from precompile import compile_package
from sim_process import model_of, script_tasks, sim_keys, start_simulator, stop

if TYPE_CHECKING:
    pass

PROVIDERS = ("xenodia", "apixo", "bytespike", "vidgo", "reapi")
AUDIO_OK = {"apixo", "reapi"}
TARGET_FIRST_PAINT_S = 1.5
TARGET_STALL_MS = 50.0
TARGET_RSS_MB = 300.0
TARGET_SORT_MS = 100.0
TARGET_SELECT_ALL_MS = 100.0
TARGET_SCROLL_MS = 16.0
PROBE_MS = 10
SPAWN_ENV = "TASKMON_BENCH_SPAWN_EPOCH"
RESULT_MARK = "UIBENCH "
REPO = Path(__file__).resolve().parent.parent


def make_plan(n: int, seed: int, min_s: float, max_image_s: float, max_video_s: float) -> list:
    """Scripts for `n` tasks: all providers in turn, durations spread so some end in the window."""
    rng = random.Random(seed)
    plan = []
    for i in range(n):
        provider = PROVIDERS[i % len(PROVIDERS)]
        roll = rng.random()
        kind = "image" if roll < 0.80 else "video" if roll < 0.95 else "audio"
        if kind == "audio" and provider not in AUDIO_OK:
            kind = "image"
        low, high = (60.0, max_video_s) if kind == "video" else (min_s, max_image_s)
        total = rng.uniform(low, max(low, high))
        queue = total * rng.uniform(0.0, 0.3)
        outcome = "failed" if rng.random() < 0.04 else "succeeded"
        if provider == "bytespike" and rng.random() < 0.03:
            outcome = "cancelled"
        script: dict[str, Any] = {
            "provider": provider,
            "kind": kind,
            "queue_s": round(queue, 2),
            "run_s": round(total - queue, 2),
            "outcome": outcome,
            "outputs": 1,
            "media_bytes": 1024,
        }
        if rng.random() < 0.02:
            script["faults"] = [{"kind": "503", "first": 1, "retry_after_s": 2.0}]
        plan.append(script)
    return plan


# -- helper processes ------------------------------------------------------------------


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """Xvfb on a free display number (it writes the number it took to -displayfd)."""
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    if not number.isdigit():
        stop(proc)
        raise SystemExit("Xvfb did not start")
    return proc, f":{number}"


def with_pythonpath(env: dict[str, str], tree: Path = REPO) -> dict[str, str]:
    parts = [str(tree), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(parts))
    return env


def child_env(
    api: str, keys: dict[str, str], tmp: Path, display: str | None, tree: Path = REPO
) -> dict[str, str]:
    """The simulator's keys and URLs, nothing inherited of taskmon, fresh config dirs."""
    dropped = {"DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND", "DISPLAY", "WAYLAND_DISPLAY"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKMON_") and k not in dropped}
    for provider in PROVIDERS:
        env[f"TASKMON_{provider.upper()}_BASE_URL"] = api
        env[f"TASKMON_{provider.upper()}_API_KEY"] = keys[provider]
    runtime = tmp / "run"
    runtime.mkdir(mode=0o700)
    for name in ("CONFIG", "DATA", "CACHE"):
        (tmp / name.lower()).mkdir()
        env[f"XDG_{name}_HOME"] = str(tmp / name.lower())
    env["XDG_RUNTIME_DIR"] = str(runtime)
    env["TASKMON_DATA_DIR"] = str(tmp / "taskmon")
    # Set but unreachable: no keyring prompt, and libdbus does not autolaunch a bus under X.
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={tmp / 'no-bus'}"
    if display:
        env["DISPLAY"] = display
        env["QT_QPA_PLATFORM"] = "xcb"
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
    return with_pythonpath(env, tree)


# -- the child: the real window with probes ---------------------------------------------------


def child_main(expected_rows: int, window_s: float, load_timeout_s: float, stacks: bool) -> int:
    """Run `run_app()` with a paint filter and a stall probe; figures go to stdout as JSON."""
    entered = time.time()
    spawn = float(os.environ[SPAWN_ENV])
    import resource

    from PySide6.QtCore import QObject, Qt, QTimer
    from PySide6.QtWidgets import QApplication, QTableView, QWidget

    app = QApplication([sys.argv[0]])
    app_made = time.time()

    class Probe(QObject):
        def __init__(self) -> None:
            super().__init__(app)
            self.marks: dict[str, float] = {}
            self.mark("python_started", entered)
            self.mark("qapplication", app_made)
            self.window: Any = None
            self.table: QTableView | None = None
            self.viewport: QWidget | None = None
            self.phase = "startup"
            self.last = 0.0
            self.gaps: dict[str, list[float]] = {"startup": [], "steady": []}
            # The main thread's own CPU time within each gap: a gap far longer than
            # it was spent waiting for a CPU (a loaded machine), not working.
            self.gap_cpu: dict[str, list[float]] = {"startup": [], "steady": []}
            self.last_cpu = 0.0
            self.stall_starts: dict[str, list[tuple[float, float]]] = {"startup": [], "steady": []}
            self.loop_started = 0.0
            self.steady_until = 0.0
            self.load_timed_out = False
            self.updated_views = 0
            self.update_batches = 0
            self.repaints = 0
            self.cpu_steady_s = 0.0
            self.main_cpu_steady_s = 0.0  # the main (Qt) thread's own CPU time
            self.main_cpu_startup_s = 0.0
            self.stacks: list[dict[str, Any]] = []
            self.none_refs = 0  # None's refcount when the phase started
            self.none_since = 0.0
            self.none_startup: dict[str, float] = {}
            self.timer = QTimer(self)
            self.timer.setTimerType(Qt.TimerType.PreciseTimer)
            self.timer.setInterval(PROBE_MS)
            self.timer.timeout.connect(self.tick)
            self.timer.start()

        def rows(self) -> int:
            model = self.table.model() if self.table is not None else None
            return -1 if model is None else model.rowCount()

        def mark(self, name: str, at: float | None = None) -> None:
            if name not in self.marks:
                self.marks[name] = time.time() if at is None else at
                _emit({"mark": name, "s": round(self.marks[name] - spawn, 4)})

        def figures(self) -> dict[str, Any]:
            figures: dict[str, Any] = {
                "rows": self.rows(),
                "load_timed_out": self.load_timed_out,
                "window_s": window_s,
                "updated_views": self.updated_views,
                "update_batches": self.update_batches,
                "repaints": self.repaints,
                "cpu_steady_s": self.cpu_steady_s,
                "main_cpu_steady_s": self.main_cpu_steady_s,
                "main_cpu_startup_s": self.main_cpu_startup_s,
                **self.none_startup,
            }
            for phase, gaps in self.gaps.items():
                figures[phase] = _gap_figures(gaps, self.gap_cpu[phase])
            phase = "startup" if self.phase == "startup" else "steady"
            lost = self.none_refs - sys.getrefcount(None)
            elapsed = max(1e-3, time.perf_counter() - self.none_since)
            figures[f"none_refs_lost_per_s_{phase}"] = lost / elapsed
            return figures

        def on_table_paint(self, table: QTableView) -> None:
            if self.viewport is None:
                self.table, self.viewport = table, table.viewport()
                self.mark("first_paint")
            rows = self.rows()
            if rows > 0:
                self.mark("first_paint_with_rows")
            if rows >= expected_rows:
                self.mark("first_paint_all_rows")
            if self.phase == "steady":
                self.repaints += 1

        def _emit_partial(self, now: float) -> None:
            partial = self.figures()
            if self.phase == "steady":
                partial["window_s"] = now - (self.steady_until - window_s)
                partial["cpu_steady_s"] += _cpu_s(resource)
                partial["main_cpu_steady_s"] += time.thread_time()
            else:  # nothing of the steady window yet
                steady = (
                    "steady",
                    "updated_views",
                    "update_batches",
                    "repaints",
                    "cpu_steady_s",
                    "main_cpu_steady_s",
                )
                partial = {k: v for k, v in partial.items() if k not in steady} | {"window_s": 0}
            _emit({"partial": partial})

        def _on_tasks_changed(self, views: list[Any]) -> None:
            if self.phase == "steady":
                self.updated_views += len(views)
                self.update_batches += 1

        def tick(self) -> None:
            now, cpu = time.perf_counter(), time.thread_time()
            if self.last:
                gap = now - self.last
                self.gaps[self.phase].append(gap)
                self.gap_cpu[self.phase].append(cpu - self.last_cpu)
                if gap * 1000 - PROBE_MS > TARGET_STALL_MS:
                    self.stall_starts[self.phase].append((self.last, gap))
            else:
                self.loop_started = now
                self.none_refs, self.none_since = sys.getrefcount(None), now
                self.mark("event_loop")
            self.last, self.last_cpu = now, cpu
            if self.window is None:
                for widget in app.topLevelWidgets():
                    if widget.objectName() == "mainWindow":
                        self.window = widget
                        self.mark("window_created")
                        bridge = getattr(widget, "bridge", None)
                        if bridge is not None:
                            bridge.tasksChanged.connect(self._on_tasks_changed)
                        break
            if self.phase in ("startup", "steady") and len(self.gaps[self.phase]) % 100 == 99:
                self._emit_partial(now)  # about once a second, in case the app dies
            if self.phase == "startup":
                loaded = "first_paint" in self.marks and self.rows() >= expected_rows
                timed_out = now - self.loop_started > load_timeout_s
                if loaded or timed_out:
                    self.load_timed_out = not loaded
                    if loaded:
                        self.mark("rows_loaded")
                    key = "none_refs_lost_per_s_startup"
                    self.none_startup = {key: self.figures()[key]}
                    self.none_refs, self.none_since = sys.getrefcount(None), now
                    self.phase = "steady"
                    self.steady_until = now + window_s
                    self.cpu_steady_s = -_cpu_s(resource)
                    self.main_cpu_startup_s = time.thread_time()  # since the process began
                    self.main_cpu_steady_s = -time.thread_time()
            elif now >= self.steady_until and self.phase == "steady":
                self.phase = "done"
                self.cpu_steady_s += _cpu_s(resource)
                self.main_cpu_steady_s += time.thread_time()
                self.timer.stop()
                if sampler is not None:
                    sampler.running = False
                    self.stacks = sampler.report(self.stall_starts)
                # Printed before quitting, so a crash on the way out loses nothing.
                _emit({"window": self.figures(), "stall_stacks": self.stacks})
                if self.table is not None:
                    _emit({"interactions": _interactions(app, self.table)})
                self.mark("quit")
                if self.window is not None and hasattr(self.window, "quit_app"):
                    # Tasks still run: no "quit anyway?" question, nobody is there to answer.
                    self.window.confirm_quit = None
                    self.window.quit_app()
                else:
                    app.quit()

    sampler: _StallSampler | None = None
    probe = Probe()
    # The table's own paintEvent (already Python) marks its paints: an event filter on
    # the whole application would run Python for every event of every widget the
    # window builds and make start-up look slower than it is.
    from taskmon.ui.table.task_table import TaskTable

    table_paint = TaskTable.paintEvent

    def paint_event(table: TaskTable, event: Any) -> None:
        probe.on_table_paint(table)
        table_paint(table, event)

    TaskTable.paintEvent = paint_event  # type: ignore[method-assign]
    if stacks:
        sampler = _StallSampler(probe)
        sampler.start()
    from taskmon.ui.app import run_app

    status = run_app(demo=False)
    returned = time.time()
    shutdown_s = returned - probe.marks.get("quit", returned)
    _emit({"end": {"exit_status": status, "shutdown_s": round(shutdown_s, 3)}})
    return 0


INTERACTION_REPEATS = 7
SCROLL_STEPS = 5


def _interactions(app: Any, table: Any) -> dict[str, float]:
    """Time what a person does with the full table: sort, select all, scroll (medians, ms).

    Each action is followed by `processEvents()`, so the layout and the repaint it
    causes count too (rows keep changing meanwhile, as they would).
    """
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtTest import QTest

    from taskmon.ui.table.task_model import Column

    header = table.horizontalHeader()
    viewport = table.viewport()
    keys = ("sort_ms", "select_all_ms", "scroll_step_ms")
    times: dict[str, list[float]] = {k: [] for k in (*keys, *(f"{k[:-3]}_cpu_ms" for k in keys))}

    def timed(key: str, action: Any) -> None:
        app.processEvents()  # whatever was pending is not the action's
        started, cpu = time.perf_counter(), time.thread_time()
        action()
        app.processEvents()
        times[key].append((time.perf_counter() - started) * 1000)
        # The main thread's own CPU: what a busy machine's other processes do not add.
        times[f"{key[:-3]}_cpu_ms"].append((time.thread_time() - cpu) * 1000)

    def wheel(delta: int) -> None:
        centre = QPointF(viewport.width() / 2, viewport.height() / 2)
        event = QWheelEvent(
            centre,
            QPointF(viewport.mapToGlobal(centre.toPoint())),
            QPoint(),
            QPoint(0, delta),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        app.sendEvent(viewport, event)

    columns = (Column.STATE, Column.PROGRESS, Column.ETA, Column.TASK_ID, Column.RUNNING)
    for repeat in range(INTERACTION_REPEATS):
        column = columns[repeat % len(columns)]
        order = Qt.SortOrder.AscendingOrder if repeat % 2 else Qt.SortOrder.DescendingOrder
        # What a header click does once the click is recognised.
        timed("sort_ms", lambda c=column, o=order: header.setSortIndicator(c, o))
        table.setFocus()
        timed(
            "select_all_ms",
            lambda: QTest.keyClick(table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier),
        )
        table.clearSelection()
        for _ in range(SCROLL_STEPS):
            timed("scroll_step_ms", lambda: wheel(-120))
        for _ in range(SCROLL_STEPS):
            wheel(120)
        app.processEvents()
    return {key: statistics.median(values) for key, values in times.items() if values}


def _emit(record: dict[str, Any]) -> None:
    print(RESULT_MARK + json.dumps(record), flush=True)


def _cpu_s(resource: Any) -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return float(usage.ru_utime + usage.ru_stime)


def _gap_figures(gaps: list[float], cpu: list[float]) -> dict[str, Any]:
    if not gaps:
        return {"ticks": 0}
    ms = [g * 1000 for g in gaps]
    cpu_ms = [c * 1000 for c in cpu]
    longest = max(range(len(ms)), key=ms.__getitem__)
    return {
        "ticks": len(ms),
        "longest_stall_ms": max(ms) - PROBE_MS,
        # Of the longest gap, the main thread's own CPU time; and the most CPU the
        # main thread spent in any one gap: the longest stall its own work caused.
        "longest_stall_cpu_ms": cpu_ms[longest] if longest < len(cpu_ms) else None,
        "longest_busy_ms": max(cpu_ms, default=0.0),
        "busy_over_50ms": sum(1 for c in cpu_ms if c > TARGET_STALL_MS),
        "p99_gap_ms": percentile(ms, 0.99),
        "median_gap_ms": statistics.median(ms),
        "stalls_over_50ms": sum(1 for g in ms if g - PROBE_MS > TARGET_STALL_MS),
        "longest_gaps_ms": [round(g, 1) for g in sorted(ms, reverse=True)[:5]],
    }


class _StallSampler:
    """While the probe's tick is late, sample where the main thread is (stdlib only)."""

    LATE_S = 0.030
    EVERY_S = 0.005

    def __init__(self, probe: Any) -> None:
        import threading

        self.probe = probe
        self.main_id = threading.main_thread().ident
        self.samples: dict[float, list[tuple[str, ...]]] = {}
        self.running = True
        self.thread = threading.Thread(target=self._run, name="stall-sampler", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def join(self) -> None:
        self.thread.join(2)

    def _run(self) -> None:
        import traceback

        while self.running:
            time.sleep(self.EVERY_S)
            last = self.probe.last
            if not last or time.perf_counter() - last < self.LATE_S:
                continue
            frame = sys._current_frames().get(self.main_id)
            if frame is None:
                continue
            stack = tuple(
                f"{Path(f.filename).name}:{f.lineno} {f.name}"
                for f in traceback.extract_stack(frame)[-10:]
            )
            self.samples.setdefault(last, []).append(stack)

    def report(self, stalls: dict[str, list[tuple[float, float]]]) -> list[dict[str, Any]]:
        found = [
            (gap, phase, start)
            for phase, items in stalls.items()
            for start, gap in sorted(items, key=lambda item: item[1], reverse=True)[:8]
        ]
        out = []
        for gap, phase, start in found:
            common = Counter(self.samples.get(start, [])).most_common(2)
            out.append(
                {
                    "phase": phase,
                    "stall_ms": round(gap * 1000 - PROBE_MS, 1),
                    "samples": len(self.samples.get(start, [])),
                    "stacks": [{"count": n, "frames": list(s)} for s, n in common],
                }
            )
        return out


# -- the parent: one measured child ------------------------------------------------------------


@dataclass
class Run:
    tasks: int
    repeat: int
    child: dict[str, Any] = field(default_factory=dict)
    max_rss_kib: int = 0
    cpu_user_s: float = 0.0
    cpu_sys_s: float = 0.0
    wall_s: float = 0.0
    exit_code: int | None = None
    timed_out: bool = False
    problem: str | None = None
    tree: Path = REPO  # the checkout whose taskmon the child runs


def measure(
    api: str,
    keys: dict[str, str],
    plan: list[dict[str, Any]],
    run: Run,
    args: Any,
    display: str | None,
    window_s: float,
) -> Run:
    """Script the tasks, fill a fresh store, run the window in a child and wait4 it."""
    from taskmon.domain.records import NewTask
    from taskmon.domain.task import TaskRef
    from taskmon.service.data_paths import db_path, ensure_data_dir
    from taskmon.store.store import Store

    tasks = script_tasks(api, plan)
    with tempfile.TemporaryDirectory(prefix="taskmon-bench-ui-") as name:
        tmp = Path(name)
        env = child_env(api, keys, tmp, display, run.tree)
        directory = ensure_data_dir(Path(env["TASKMON_DATA_DIR"]))
        labels = ("", "portrait set", "batch 7 · hero shots", "")
        new = [
            NewTask(TaskRef(t["provider"], t["task_id"], model_of(t)), labels[i % 4] or None)
            for i, t in enumerate(tasks)
        ]
        with Store.open(db_path(directory)) as store:
            store.add_tasks(new)
        out, err = tmp / "child.out", tmp / "child.err"
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            str(len(tasks)),
            "--window-s",
            str(window_s),
            "--load-timeout-s",
            str(args.load_timeout_s),
        ]
        if args.stall_stacks:
            cmd.append("--stall-stacks")
        timeout_s = args.load_timeout_s + window_s + 60
        with out.open("wb") as stdout, err.open("wb") as stderr:
            env[SPAWN_ENV] = repr(time.time())
            started = time.monotonic()
            proc = subprocess.Popen(
                cmd, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, cwd=tmp
            )
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() - started > timeout_s and not run.timed_out:
                    run.timed_out = True
                    os.kill(proc.pid, signal.SIGKILL)
                time.sleep(0.05)
        run.wall_s = time.monotonic() - started
        proc.returncode = run.exit_code = os.waitstatus_to_exitcode(status)
        run.cpu_user_s, run.cpu_sys_s = usage.ru_utime, usage.ru_stime
        run.max_rss_kib = usage.ru_maxrss  # KiB on Linux
        run.child = _child_figures(out.read_text(errors="replace"))
        if run.exit_code != 0 or "exit_status" not in run.child:
            run.problem = _problem(err.read_text(errors="replace"), run.exit_code)
            if "exit_status" in run.child:
                run.problem = "after run_app returned (figures complete), " + run.problem
            elif run.child.get("partial") and run.child["window_s"]:
                shown = run.child["window_s"]
                run.problem += f" (figures of the window's first {shown:.0f} s)"
            elif run.child.get("partial"):
                run.problem += " (during start-up: no steady window)"
        if args.keep_logs:
            args.keep_logs.mkdir(parents=True, exist_ok=True)
            stem = f"{run.tasks}-tasks-run{run.repeat + 1}"
            for path in (out, err):
                (args.keep_logs / f"{stem}{path.suffix}").write_bytes(path.read_bytes())
    return run


def _child_figures(stdout: str) -> dict[str, Any]:
    """Merge the child's lines: marks, the window's figures (or the last partial ones), end."""
    child: dict[str, Any] = {"marks_s": {}}
    window: dict[str, Any] | None = None
    partial: dict[str, Any] | None = None
    for line in stdout.splitlines():
        if not line.startswith(RESULT_MARK):
            continue
        record = json.loads(line[len(RESULT_MARK) :])
        if "mark" in record:
            child["marks_s"][record["mark"]] = record["s"]
        elif "interactions" in record:
            child["interactions"] = record["interactions"]
        elif "window" in record:
            window = record["window"]
            child["stall_stacks"] = record.get("stall_stacks") or []
        elif "partial" in record:
            partial = record["partial"]
        elif "end" in record:
            child.update(record["end"])
    if window is not None:
        child.update(window)
    elif partial is not None:
        child.update(partial, partial=True)
    return child


def _problem(stderr: str, exit_code: int | None) -> str:
    """Why a child failed: a fatal error and where the main thread was, else stderr's end."""
    lines = stderr.strip().splitlines()
    fatal = [i for i, ln in enumerate(lines) if ln.startswith("Fatal Python error")]
    if fatal:
        after = lines[fatal[0] :]
        current = next((i for i, ln in enumerate(after) if ln.startswith("Current thread")), 0)
        frames = [re.search(r'File "(.+)", line (\d+) in (\S+)', ln) for ln in after[current:]]
        shown = [f"{Path(m[1]).parent.name}/{Path(m[1]).name}:{m[2]} {m[3]}" for m in frames if m][
            :2
        ]
        return f"exit code {exit_code}: {after[0]}; main thread in: " + " <- ".join(shown)
    return "\n".join(lines[-15:]) or f"exit code {exit_code}, no output"


# -- report ---------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _get(run: Run, path: str) -> float | None:
    """A figure of one run by dotted path; None where it was not reached."""
    if path == "rss_mb":
        return run.max_rss_kib / 1024
    if path == "cpu_s":
        return run.cpu_user_s + run.cpu_sys_s
    if path == "wall_s":
        return run.wall_s
    per_s = {
        "cpu_steady_pct": ("cpu_steady_s", 100.0),
        "main_cpu_steady_pct": ("main_cpu_steady_s", 100.0),
        "repaints_per_s": ("repaints", 1.0),
    }
    if path in per_s:
        key, scale = per_s[path]
        c = run.child
        if key not in c or not c.get("window_s"):
            return None
        return scale * c[key] / c["window_s"]
    value: Any = run.child
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return None if value is None else float(value)


def median_of(runs: list[Run], path: str) -> float | None:
    values = [v for v in (_get(r, path) for r in runs) if v is not None]
    return statistics.median(values) if values and len(values) == len(runs) else None


# (label, path, format, target check or None)
ROWS: list[tuple[str, str, str, Any]] = [
    ("first paint, s", "marks_s.first_paint", "{:.2f}", ("<", TARGET_FIRST_PAINT_S)),
    ("first paint with rows, s", "marks_s.first_paint_with_rows", "{:.2f}", None),
    ("first paint with all rows, s", "marks_s.first_paint_all_rows", "{:.2f}", None),
    ("all rows in the table, s", "marks_s.rows_loaded", "{:.2f}", ("<", TARGET_FIRST_PAINT_S)),
    ("  python running, s", "marks_s.python_started", "{:.2f}", None),
    ("  QApplication made, s", "marks_s.qapplication", "{:.2f}", None),
    ("  window made, s", "marks_s.window_created", "{:.2f}", None),
    ("longest stall (steady), ms", "steady.longest_stall_ms", "{:.0f}", ("<=", TARGET_STALL_MS)),
    ("  main thread CPU in it, ms", "steady.longest_stall_cpu_ms", "{:.0f}", None),
    ("longest busy stretch (steady), ms", "steady.longest_busy_ms", "{:.0f}", None),
    ("busy stretches > 50 ms (steady)", "steady.busy_over_50ms", "{:.0f}", None),
    ("p99 probe gap (steady), ms", "steady.p99_gap_ms", "{:.1f}", None),
    ("stalls > 50 ms (steady)", "steady.stalls_over_50ms", "{:.0f}", None),
    (
        "longest stall (start-up), ms",
        "startup.longest_stall_ms",
        "{:.0f}",
        ("<=", TARGET_STALL_MS),
    ),
    ("stalls > 50 ms (start-up)", "startup.stalls_over_50ms", "{:.0f}", None),
    ("  main thread CPU in it, ms", "startup.longest_stall_cpu_ms", "{:.0f}", None),
    ("longest busy stretch (start-up), ms", "startup.longest_busy_ms", "{:.0f}", None),
    ("sort (header click), ms", "interactions.sort_ms", "{:.1f}", ("<=", TARGET_SORT_MS)),
    (
        "select all (Ctrl+A), ms",
        "interactions.select_all_ms",
        "{:.1f}",
        ("<=", TARGET_SELECT_ALL_MS),
    ),
    ("scroll step (wheel), ms", "interactions.scroll_step_ms", "{:.1f}", ("<=", TARGET_SCROLL_MS)),
    ("  sort, main thread CPU ms", "interactions.sort_cpu_ms", "{:.1f}", None),
    ("  select all, main thread CPU ms", "interactions.select_all_cpu_ms", "{:.1f}", None),
    ("  scroll step, main thread CPU ms", "interactions.scroll_step_cpu_ms", "{:.1f}", None),
    ("rows in the table at the end", "rows", "{:.0f}", None),
    ("task views to the table (steady)", "updated_views", "{:.0f}", None),
    ("table repaints per s (steady)", "repaints_per_s", "{:.1f}", None),
    ("CPU % (steady window)", "cpu_steady_pct", "{:.0f}", None),
    ("  main thread CPU % (steady)", "main_cpu_steady_pct", "{:.1f}", None),
    ("  main thread CPU s, start to rows", "main_cpu_startup_s", "{:.2f}", None),
    ("refs to None lost per s (steady)", "none_refs_lost_per_s_steady", "{:.0f}", None),
    ("peak RSS, MB", "rss_mb", "{:.0f}", ("<", TARGET_RSS_MB)),
    ("CPU s (whole process)", "cpu_s", "{:.1f}", None),
    ("shutdown after quit, s", "shutdown_s", "{:.2f}", None),
    ("wall, s", "wall_s", "{:.1f}", None),
]


def report(columns: dict[int, list[Run]], main_n: int, args: Any) -> dict[str, Any]:
    names = {n: f"{n:,} tasks" + (" (baseline)" if n == 0 else "") for n in columns}
    width = 20
    base = columns[0]
    main = columns[main_n]

    def line(label: str, values: list[str], ratio: str, target: str) -> None:
        cells = "".join(f"{v:>{width}}" for v in values)
        print(f"{label:<34}{cells}{ratio:>12}   {target}")

    platform = f"Xvfb {args.xvfb_display}" if args.xvfb_display else "offscreen"
    print(
        f"\nthe window (run_app) with a fresh store; medians of {args.repeats} run(s); "
        f"steady window {args.window_s:g} s; QPA {platform}; {os.cpu_count()} cores (shared)"
    )
    line("", [names[n] for n in columns], f"{main_n:,}/base", f"target ({main_n:,} column)")
    medians: dict[str, dict[str, float | None]] = {names[n]: {} for n in columns}
    for label, path, fmt, check in ROWS:
        values = []
        for n, runs in columns.items():
            m = median_of(runs, path)
            medians[names[n]][path] = m
            values.append("-" if m is None else fmt.format(m))
        b, v = median_of(base, path), median_of(main, path)
        ratio = f"{v / b:.2f}x" if b and v is not None and b > 0 else ""
        target = ""
        if check is not None:
            op, limit = check
            ok = v is not None and (v < limit if op == "<" else v <= limit)
            verdict = "no figure" if v is None else "met" if ok else "MISSED"
            target = f"{op} {limit:g}: {verdict}"
        line(label, values, ratio, target)
    worst = [_get(r, "steady.longest_stall_ms") for r in main]
    print(
        f"longest steady stall per run, {names[main_n]}: "
        + ", ".join("-" if w is None else f"{w:.0f} ms" for w in worst)
    )
    for n, runs in columns.items():
        for r in runs:
            if r.problem or r.timed_out or r.child.get("load_timed_out"):
                why = r.problem or ("killed at timeout" if r.timed_out else "rows never loaded")
                print(f"  {names[n]} run {r.repeat + 1}: {why}")
    if args.stall_stacks:
        print_stacks(columns, names)
    return medians


def print_stacks(columns: dict[int, list[Run]], names: dict[int, str]) -> None:
    """The longest stalls of each phase, with the main thread's most frequent stack."""
    for n, runs in columns.items():
        for phase, count in (("steady", 4), ("startup", 3)):
            stalls = [
                (s, r.repeat)
                for r in runs
                for s in r.child.get("stall_stacks", [])
                if s["phase"] == phase
            ]
            stalls.sort(key=lambda item: item[0]["stall_ms"], reverse=True)
            if not stalls:
                continue
            print(f"\nlongest {phase} stalls, {names[n]} (where the main thread was while late):")
            for stall, repeat in stalls[:count]:
                print(
                    f"  run {repeat + 1}: {stall['stall_ms']:.0f} ms, {stall['samples']} sample(s)"
                )
                for stack in stall["stacks"][:1]:
                    for frame in stack["frames"][-6:]:
                        print(f"      {frame}")


def compare(this: list[Run], other: list[Run], other_name: str) -> None:
    """The main column of this checkout beside the same of `--against` (medians, ratio)."""
    width = 16
    print(f"\nthis checkout against {other_name}, {this[0].tasks:,} tasks (medians):")
    print(f"{'':<34}{'this':>{width}}{other_name:>{width}}{'this/other':>12}")
    for label, path, fmt, _check in ROWS:
        a, b = median_of(this, path), median_of(other, path)
        cells = "".join(f"{'-' if v is None else fmt.format(v):>{width}}" for v in (a, b))
        ratio = f"{a / b:.2f}x" if a is not None and b else ""
        print(f"{label:<34}{cells}{ratio:>12}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument(
        "--also",
        type=int,
        action="append",
        default=[],
        help="another task count to measure (repeatable), e.g. --also 100",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--window-s", type=float, default=20.0, help="steady window")
    parser.add_argument(
        "--load-timeout-s", type=float, default=20.0, help="the longest wait for every row"
    )
    parser.add_argument("--min-s", type=float, default=15.0, help="shortest task")
    parser.add_argument("--max-image-s", type=float, default=120.0)
    parser.add_argument("--max-video-s", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--xvfb", action="store_true", help="start Xvfb and use the xcb platform")
    parser.add_argument("--no-warmup", action="store_true")
    parser.add_argument(
        "--stall-stacks",
        action="store_true",
        help="sample the main thread's stack during stalls (perturbs a little)",
    )
    parser.add_argument("--json-out", type=Path, help="also write the figures here")
    parser.add_argument(
        "--against",
        type=Path,
        help="another checkout (e.g. a worktree of main) measured interleaved with this one",
    )
    parser.add_argument("--keep-logs", type=Path, help="copy each child's stdout/stderr here")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--thumbnails", action="store_true", help="the thumbnail case (bench/ui_thumbnails.py)"
    )
    args = parser.parse_args()
    if args.thumbnails:
        from ui_thumbnails import main as thumbnails_main

        cases = ["--tasks", str(args.tasks), "--repeats", str(args.repeats)]
        raise SystemExit(thumbnails_main(cases))
    if args.child is not None:
        raise SystemExit(
            child_main(args.child, args.window_s, args.load_timeout_s, args.stall_stacks)
        )
    if args.tasks <= 0 or args.repeats <= 0:
        parser.error("--tasks and --repeats must be positive")
    sizes = sorted({0, args.tasks, *(n for n in args.also if n > 0)})
    plans = {
        n: make_plan(n, args.seed, args.min_s, args.max_image_s, args.max_video_s) for n in sizes
    }
    trees = [REPO, *([args.against.resolve()] if args.against else [])]
    for tree in trees:
        compile_package(tree)  # as installed: no module compiled from source at each start
    by_tree: dict[Path, dict[int, list[Run]]] = {t: {n: [] for n in sizes} for t in trees}
    columns = by_tree[REPO]
    sim, api = start_simulator(args.seed, with_pythonpath(dict(os.environ)))
    xvfb = None
    args.xvfb_display = None
    try:
        if args.xvfb:
            xvfb, args.xvfb_display = start_xvfb()
        keys = sim_keys(api)
        if not args.no_warmup:
            warm = measure(api, keys, [], Run(0, -1), args, args.xvfb_display, 1.0)
            print(f"  warm-up start: {warm.wall_s:.1f} s", file=sys.stderr)
            if warm.problem:
                raise SystemExit(f"the window did not start:\n{warm.problem}")
        for repeat in range(args.repeats):
            for n in sizes:
                for tree in trees:  # interleaved, so the machine's drift hits each alike
                    run = measure(
                        api,
                        keys,
                        plans[n],
                        Run(n, repeat, tree=tree),
                        args,
                        args.xvfb_display,
                        args.window_s,
                    )
                    by_tree[tree][n].append(run)
                    c = run.child
                    print(
                        f"  {n:>5} tasks, run {repeat + 1}"
                        + (f" ({tree.name})" if len(trees) > 1 else "")
                        + f": first paint {c.get('marks_s', {}).get('first_paint', '-')} s, "
                        f"longest steady stall "
                        f"{c.get('steady', {}).get('longest_stall_ms', float('nan')):.0f} ms, "
                        f"RSS {run.max_rss_kib / 1024:.0f} MB, {run.wall_s:.0f} s"
                        + (f"  PROBLEM: {run.problem}" if run.problem else ""),
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        stop(sim)
        if xvfb is not None:
            stop(xvfb)
    for tree in trees[1:]:
        print(f"\n=== {tree} (--against) ===")
        report(by_tree[tree], args.tasks, args)
        print(f"\n=== {REPO} (this checkout) ===")
    medians = report(columns, args.tasks, args)
    if len(trees) > 1:
        compare(columns[args.tasks], by_tree[trees[1]][args.tasks], trees[1].name)
    if args.json_out:
        raw = {
            f"{n} tasks" + ("" if tree == REPO else f" ({tree})"): [
                {
                    "repeat": r.repeat,
                    "child": r.child,
                    "peak_rss_mb": r.max_rss_kib / 1024,
                    "cpu_user_s": r.cpu_user_s,
                    "cpu_sys_s": r.cpu_sys_s,
                    "wall_s": r.wall_s,
                    "exit_code": r.exit_code,
                    "timed_out": r.timed_out,
                    "problem": r.problem,
                }
                for r in runs
            ]
            for tree in trees
            for n, runs in by_tree[tree].items()
        }
        args_out = {k: v for k, v in vars(args).items() if k not in ("json_out", "child")}
        args.json_out.write_text(
            json.dumps({"args": args_out, "medians": medians, "runs": raw}, default=str)
        )


if __name__ == "__main__":
    main()
