"""UI benchmark, thumbnail case: 1,000 finished tasks whose results are on disk.

The real window (MainWindow over a real, empty TrackingService) is given 1,000
succeeded tasks at once, as the bridge hands them over, each with its result
files on disk (1 in 10 has two). The files are real and of realistic weight:
1024×1024 PNGs (plasma fractals, ~5 MB, the slow case: Qt decodes PNG whole,
then scales), 1024×1024 JPEGs, 1280×720 H.264 clips of 4 s and 30 s stereo
WAVs, mixed 60/20/15/5; each task's file is its own hard link, so every task is
a separate thumbnail to make (the cache keys on the path).

Measured in a child process per run (figures as JSON lines, as bench/ui.py does):

- visible thumbnails: from the moment the rows are in the table and painted,
  the time until the thumbnail of every row on screen is known (made, or
  read from the disk cache); then the same after switching to the grid
  (Ctrl+2; other rows, bigger tiles) and after scrolling the list one page;
- main-thread stalls while they are made: a 10 ms PreciseTimer on the GUI
  thread, a stall being the gap between its ticks minus 10 ms, from the moment
  the rows are in until every asked-for thumbnail is done (plus 0.5 s) in each
  of the three steps. The rows' arrival itself (five chunks of 200, as the
  bridge hands them over, and their first paints) is reported apart: it is
  what bench/ui.py measures as start-up, thumbnails or not;
- how many times the table and the grid painted, and how long a paint took
  (a thumbnail arriving repaints the list's thumbnail column only; a scroll or
  a switch of view repaints everything, thumbnails or not);
- decodes and disk-cache reads.

Three runs per repeat: "no files" (the same rows and steps without result files:
what the table and grid cost by themselves, the baseline for the stalls),
"cold" (an empty thumbnail cache: everything on screen is decoded) and "warm"
(the same data dir, a new process: what a restart sees).

    python bench/ui_thumbnails.py              # about a minute (first run makes the media)
    python bench/ui_thumbnails.py --tasks 300
    python bench/ui.py --thumbnails            # the same, from the UI benchmark

Targets (issue 12): visible thumbnails within 1 s, no main-thread stall over 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from precompile import compile_package

REPO = Path(__file__).resolve().parent.parent
MEDIA_CACHE = Path(tempfile.gettempdir()) / "taskmon-bench-thumbnail-media"
MARK = "THUMBBENCH "
TARGET_VISIBLE_S = 1.0
TARGET_STALL_MS = 50.0
PROBE_MS = 10
MIX = (("png", 60), ("jpg", 20), ("mp4", 15), ("wav", 5))


# -- media ----------------------------------------------------------------------------


def source_media() -> dict[str, list[Path]]:
    """A few real files per kind, made once (ImageMagick, ffmpeg) and kept in /tmp."""
    MEDIA_CACHE.mkdir(exist_ok=True)
    made: dict[str, list[Path]] = {"png": [], "jpg": [], "mp4": [], "wav": []}
    for seed in range(6):
        png = MEDIA_CACHE / f"plasma{seed}.png"
        jpg = png.with_suffix(".jpg")
        if not png.exists():
            _run(["convert", "-size", "1024x1024", "-seed", str(seed), "plasma:fractal", str(png)])
        if not jpg.exists():
            _run(["convert", str(png), "-quality", "90", str(jpg)])
        made["png"].append(png)
        made["jpg"].append(jpg)
    for i, source in enumerate(("testsrc2", "smptehdbars")):
        clip = MEDIA_CACHE / f"{source}.mp4"
        if not clip.exists():
            spec = f"{source}=duration=4:size=1280x720:rate=25"
            _run(
                [
                    "ffmpeg",
                    "-loglevel",
                    "error",
                    "-y",
                    "-f",
                    "lavfi",
                    "-i",
                    spec,
                    "-c:v",
                    "libx264",
                    "-pix_fmt",
                    "yuv420p",
                    str(clip),
                ]
            )
        made["mp4"].append(clip)
        wav = MEDIA_CACHE / f"tone{i}.wav"
        if not wav.exists():
            spec = f"sine=frequency={330 + 220 * i}:duration=30"
            _run(
                [
                    "ffmpeg",
                    "-loglevel",
                    "error",
                    "-y",
                    "-f",
                    "lavfi",
                    "-i",
                    spec,
                    "-ac",
                    "2",
                    "-ar",
                    "44100",
                    str(wav),
                ]
            )
        made["wav"].append(wav)
    return made


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL)


def result_files(folder: Path, tasks: int) -> list[list[str]]:
    """Per task its result paths: hard links to the source media, 1 task in 10 with two."""
    sources = source_media()
    kinds = [kind for kind, share in MIX for _ in range(share)]
    folder.mkdir(parents=True, exist_ok=True)
    plan = []
    for i in range(tasks):
        paths = []
        for output in range(2 if i % 10 == 3 else 1):
            kind = kinds[(i * 7 + output) % len(kinds)]
            source = sources[kind][(i + output) % len(sources[kind])]
            path = folder / f"task{i:04d}_{output + 1}.{kind}"
            if not path.exists():
                os.link(source, path)
            paths.append(str(path))
        plan.append(paths)
    return plan


# -- the child: the window -----------------------------------------------------------


def child_main(plan_file: Path, data_dir: Path) -> int:
    import asyncio
    import dataclasses
    from datetime import UTC, datetime, timedelta

    import qasync
    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from taskmon.domain import MediaKind, Output, Snapshot, State, TaskRef
    from taskmon.keys import KeyStore
    from taskmon.providers import PROVIDERS
    from taskmon.service import HolderRole, TrackingService
    from taskmon.tracking.task import TrackedTask
    from taskmon.ui.bridge import MORE_ROWS_MS, NEW_ROWS_PER_FLUSH, EngineBridge
    from taskmon.ui.window import MainWindow

    plan: list[list[str]] = json.loads(plan_file.read_text())
    paints: dict[str, list[float]] = {"table": [], "grid": []}
    from taskmon.ui.grid import TaskGrid
    from taskmon.ui.table.task_table import TaskTable

    # How long each view's paint takes (what a stall is made of).
    for name, cls in (("table", TaskTable), ("grid", TaskGrid)):
        original = cls.paintEvent

        def timed(self: Any, event: Any, original: Any = original, name: str = name) -> None:
            started = time.perf_counter()
            original(self, event)
            paints[name].append((time.perf_counter() - started) * 1000)

        cls.paintEvent = timed  # type: ignore[method-assign]
    app = QApplication([sys.argv[0]])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    keys = KeyStore(env={})
    service = TrackingService(data_dir, keys, role=HolderRole.WINDOW)
    bridge = EngineBridge(service, keys)
    loop.run_until_complete(bridge.start())
    settings = QSettings(str(data_dir / "window.ini"), QSettings.Format.IniFormat)
    settings.setValue("close/choice", "quit")
    window = MainWindow(bridge, settings)
    window.resize(1440, 900)
    window.show()

    now = datetime.now(UTC)
    providers = list(PROVIDERS)
    views = []
    for i, paths in enumerate(plan):
        provider = providers[i % len(providers)]
        ref = TaskRef(
            provider,
            f"task_bench_{i:05d}",
            "bench-model" if PROVIDERS[provider].requires_model else None,
        )
        task = TrackedTask(
            ref=ref,
            provider=PROVIDERS[provider],
            first_seen_mono=0.0,
            first_seen_at=now - timedelta(minutes=5),
            label=f"bench {i}",
        )
        outputs = tuple(
            Output(url=f"https://cdn.example/{i}/{n}", kind=MediaKind.IMAGE)
            for n in range(len(paths))
        )
        task.apply(
            Snapshot(
                state=State.SUCCEEDED,
                raw_status="success",
                progress=None,
                outputs=outputs,
                created_at=now - timedelta(minutes=5),
            ),
            300.0,
            now,
        )
        views.append(dataclasses.replace(task.view(300.0, now), files=tuple(paths)))

    thumbnails = window.thumbnails
    table = window.table
    state: dict[str, Any] = {"last": 0.0, "measuring": False, "phase": "rows"}
    figures: dict[str, Any] = {"tasks": len(plan)}

    phase_gaps: dict[str, list[float]] = {"rows": [], "thumbnails": []}

    def tick() -> None:
        t = time.perf_counter()
        if state["measuring"] and state["last"]:
            phase_gaps[state["phase"]].append(t - state["last"])
        state["last"] = t

    import threading
    import traceback
    from collections import Counter

    main_id = threading.get_ident()
    stacks: Counter[str] = Counter()

    def sample() -> None:  # where the main thread is while a tick is late
        while state.get("sampling", True):
            time.sleep(0.005)
            late = time.perf_counter() - state["last"] > 0.03
            if state["measuring"] and state["phase"] == "thumbnails" and late:
                frame = sys._current_frames().get(main_id)
                if frame is not None:
                    where = traceback.extract_stack(frame)[-4:]
                    stacks[
                        " <- ".join(
                            f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(where)
                        )
                    ] += 1

    if os.environ.get("THUMBBENCH_STACKS"):
        threading.Thread(target=sample, daemon=True).start()

    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(PROBE_MS)
    probe.timeout.connect(tick)
    probe.start()

    def visible_files(view_widget: Any) -> list[str]:
        """First files of the rows on screen (rows are laid out in order: stop past the end)."""
        proxy = window.proxy
        viewport = view_widget.viewport().rect()
        files = []
        for row in range(proxy.rowCount()):
            rect = view_widget.visualRect(proxy.index(row, 1))
            if rect.top() > viewport.bottom():
                break
            if rect.isValid() and rect.intersects(viewport):
                view = window.model.view_at(proxy.mapToSource(proxy.index(row, 0)).row())
                files.extend(view.files[:1])
        return files

    def wait_visible(view_widget: Any, label: str) -> None:
        started = time.perf_counter()
        app.processEvents()  # the layout and the first paint, which asks for them
        wanted = visible_files(view_widget)
        deadline = started + 30
        while time.perf_counter() < deadline and not all(thumbnails.known(p) for p in wanted):
            app.processEvents()
            time.sleep(0.001)
        figures[f"{label}_s"] = round(time.perf_counter() - started, 3)
        figures[f"{label}_rows"] = len(wanted)
        for _ in range(5):  # the repaint the last thumbnails asked for, in every column
            app.processEvents()
            time.sleep(0.02)

    def settle() -> None:
        end = time.perf_counter() + 30
        while thumbnails.pending() and time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.002)
        end = time.perf_counter() + 0.5
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.002)

    for _ in range(20):  # the empty window drawn, the loop running
        app.processEvents()
        time.sleep(0.01)
    state["measuring"] = True
    # As the bridge hands rows over: NEW_ROWS_PER_FLUSH at a time, the window drawing between.
    for start in range(0, len(views), NEW_ROWS_PER_FLUSH):
        window.model.apply(views[start : start + NEW_ROWS_PER_FLUSH])
        end = time.perf_counter() + MORE_ROWS_MS / 1000
        while time.perf_counter() < end:
            app.processEvents()
    state["phase"] = "thumbnails"
    wait_visible(table, "list_visible")
    settle()
    window.views.show_mode("grid")
    wait_visible(window.views.grid, "grid_visible")
    settle()
    window.views.show_mode("list")
    table.verticalScrollBar().setValue(
        table.verticalScrollBar().value() + table.viewport().height()
    )
    wait_visible(table, "scrolled_visible")
    settle()
    state["measuring"] = False
    for phase, gaps in phase_gaps.items():
        stalls = [g * 1000 - PROBE_MS for g in gaps]
        ordered = sorted(g * 1000 for g in gaps)
        figures[f"{phase}_longest_stall_ms"] = round(max(stalls, default=0.0), 1)
        figures[f"{phase}_stalls_over_50ms"] = sum(1 for s in stalls if s > TARGET_STALL_MS)
        figures[f"{phase}_p99_gap_ms"] = (
            round(ordered[int(0.99 * (len(ordered) - 1))], 1) if ordered else None
        )
        figures[f"{phase}_ticks"] = len(gaps)
    figures.update(decodes=thumbnails.decodes, disk_hits=thumbnails.disk_hits)
    for name, times in paints.items():
        if times:
            figures[f"{name}_paints"] = len(times)
            figures[f"{name}_paint_median_ms"] = round(statistics.median(times), 1)
            figures[f"{name}_paint_max_ms"] = round(max(times), 1)
    state["sampling"] = False
    for where, count in stacks.most_common(8):
        print(f"{count:5d} {where}", file=sys.stderr)
    print(MARK + json.dumps(figures), flush=True)
    window.confirm_quit = None  # no "quit while tasks run?" question in a bench
    window.quit_app()
    thumbnails.shutdown()
    loop.run_until_complete(bridge.stop())
    return 0


# -- the parent ------------------------------------------------------------------------


def run_child(plan_file: Path, data_dir: Path, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", str(plan_file), str(data_dir)]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if os.environ.get("THUMBBENCH_STACKS"):
        print(
            "\n".join(ln for ln in done.stderr.splitlines() if ln[:5].strip().isdigit()),
            file=sys.stderr,
        )
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    if os.environ.get("THUMBBENCH_STACKS"):
        print(done.stderr[-6000:], file=sys.stderr)
    raise SystemExit(f"the window run failed (exit {done.returncode}):\n{done.stderr[-3000:]}")


def report(runs: dict[str, list[dict[str, Any]]]) -> None:
    rows = [
        ("list: visible thumbnails, s", "list_visible_s", TARGET_VISIBLE_S),
        ("  rows on screen", "list_visible_rows", None),
        ("grid: visible thumbnails, s", "grid_visible_s", TARGET_VISIBLE_S),
        ("  tiles on screen", "grid_visible_rows", None),
        ("list scrolled a page: visible, s", "scrolled_visible_s", TARGET_VISIBLE_S),
        ("thumbnails made: longest stall, ms", "thumbnails_longest_stall_ms", TARGET_STALL_MS),
        ("  stalls > 50 ms", "thumbnails_stalls_over_50ms", None),
        ("  p99 probe gap, ms", "thumbnails_p99_gap_ms", None),
        ("rows arriving: longest stall, ms", "rows_longest_stall_ms", None),
        ("  stalls > 50 ms", "rows_stalls_over_50ms", None),
        ("table paints", "table_paints", None),
        ("  median ms", "table_paint_median_ms", None),
        ("  longest ms", "table_paint_max_ms", None),
        ("grid paints", "grid_paints", None),
        ("  median ms", "grid_paint_median_ms", None),
        ("  longest ms", "grid_paint_max_ms", None),
        ("files decoded", "decodes", None),
        ("read from the disk cache", "disk_hits", None),
    ]
    names = list(runs)
    print(f"\n{'':<36}" + "".join(f"{n:>14}" for n in names) + "   target")
    for label, key, target in rows:
        cells = []
        verdicts = []
        for name in names:
            values = [r[key] for r in runs[name] if r.get(key) is not None]
            value = statistics.median(values) if values else None
            cells.append("-" if value is None else f"{value:g}")
            if target is not None and value is not None:
                verdicts.append("met" if value <= target else "MISSED")
        verdict = f"<= {target:g}: {', '.join(verdicts)}" if target is not None else ""
        print(f"{label:<36}" + "".join(f"{c:>14}" for c in cells) + f"   {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=1, help="cold/warm pairs")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(Path(args.child[0]), Path(args.child[1]))
    compile_package(REPO)  # as installed: no module compiled from source at each start
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKMON_")}
    env["QT_QPA_PLATFORM"] = env.get("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    runs: dict[str, list[dict[str, Any]]] = {"no files": [], "cold": [], "warm": []}
    with tempfile.TemporaryDirectory(prefix="taskmon-thumbbench-") as tmp:
        root = Path(tmp)
        plan = result_files(root / "results", args.tasks)
        plan_file = root / "plan.json"
        plan_file.write_text(json.dumps(plan))
        # The same window, rows and steps without result files: what the table costs alone.
        bare_file = root / "bare.json"
        bare_file.write_text(json.dumps([[] for _ in plan]))
        env["XDG_CONFIG_HOME"] = str(root / "config")
        env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={root / 'no-bus'}"
        for repeat in range(args.repeats):
            figures = run_child(bare_file, root / f"bare{repeat}", env)
            runs["no files"].append(figures)
            print(f"  no files run {repeat + 1}: {figures}", file=sys.stderr, flush=True)
            data_dir = root / f"data{repeat}"
            for kind in ("cold", "warm"):  # warm: the same data dir, a new process
                figures = run_child(plan_file, data_dir, env)
                runs[kind].append(figures)
                print(f"  {kind} run {repeat + 1}: {figures}", file=sys.stderr, flush=True)
            shutil.rmtree(data_dir, ignore_errors=True)
    report(runs)
    if args.json_out:
        args.json_out.write_text(json.dumps(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
