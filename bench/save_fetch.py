"""`taskmon save` of a result not yet in the cache, for bench/download.py's `--save` case.

`taskmon save` fetches a missing result into the media cache first (the cache
filler, service/results/cache_filling.py), then copies it to the folder asked for. Each
run gets a fresh data dir whose store knows the task as succeeded with its
link and no cached file, as a run that never fetched it leaves it. A child
process runs `taskmon save --to OUT ID` in-process (`taskmon.cli.main`) and
reports:

- fetch: from the call to the moment the cached file's last byte was written
  (its mtime; the rename that places it keeps it), which is the download path
  under test;
- total: the whole command, the copy out (read, write, hash, fsync) included;
- the CPU seconds of every thread of the child during the command.

curl is `curl -o` + `sync`, as in the plain case, in the same interleaved repeats.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CHILD_FLAG = "--save-child"


def prepare_data_dir(directory: Path, task_id: str, url: str) -> None:
    """A store that knows `task_id` (vidgo) as succeeded with `url`, nothing cached."""
    from taskmon.domain import MediaKind, NewTask, Observation, Output, State, TaskRef
    from taskmon.service import db_path
    from taskmon.store import Store, StoreWriter

    directory.mkdir(parents=True)
    ref = TaskRef("vidgo", task_id)
    with Store.open(db_path(directory)) as store:
        store.add_tasks([NewTask(ref)])
    writer = StoreWriter(db_path(directory))
    writer.save_observation(
        ref.key,
        Observation(
            state=State.SUCCEEDED,
            outputs=(Output(url, MediaKind.VIDEO),),
            finished_at=datetime.now(UTC),
        ),
    )
    if not writer.close():
        raise SystemExit("the store writer did not finish")


def run_save(
    bench_file: str, task_id: str, data: Path, out: Path, pythonpath: Path | None = None
) -> dict[str, Any]:
    """One `taskmon save` in a child process (taskmon from `pythonpath` if given)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TASKMON_") and k != "DBUS_SESSION_BUS_ADDRESS"
    }
    env.update(TASKMON_DATA_DIR=str(data), PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    proc = subprocess.run(
        [sys.executable, bench_file, CHILD_FLAG, task_id, str(data), str(out)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def child_main(task_id: str, data: Path, out: Path) -> None:
    """In the child: time `taskmon save --to out task_id`; print what it took as JSON."""
    import contextlib
    import io

    import taskmon
    from taskmon.cli import main

    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    started_wall = time.time()
    started = time.perf_counter()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        try:
            code = main(["save", "--to", str(out), task_id])
        except SystemExit as exc:
            code = int(exc.code or 0)
    total = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cached = [p for p in (data / "cache").rglob("*") if p.is_file() and ".part" not in p.name]
    report: dict[str, Any] = {
        "code": code,
        "taskmon": str(Path(taskmon.__file__).parent),
        "total_s": total,
        "cpu_s": usage.ru_utime + usage.ru_stime - cpu_before,
        "saved": printed.getvalue().strip(),
    }
    if len(cached) == 1:
        report["fetch_s"] = cached[0].stat().st_mtime - started_wall
        report["size"] = cached[0].stat().st_size
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    raise SystemExit("run bench/download.py --save")
