"""`taskmon watch`: track the given tasks until each is terminal (no store involved).

The exit status and the `--json` line format are a contract that scripts rely on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import Any, TextIO

from taskmon.cli import EXIT_OK, EXIT_TASK_FAILED, EXIT_TIMEOUT, EXIT_USAGE
from taskmon.cli.live_view import LiveView
from taskmon.cli.task_args import add_task_ref_arguments, task_refs
from taskmon.domain import State, TaskRef, TaskView
from taskmon.providers import BadReference
from taskmon.tracking import EngineEvent, HostEvent, ProviderEvent, TaskEvent

# The engine (with asyncio, the HTTP client and the providers' parsers) is
# imported when the command runs, not when `taskmon --help` builds its parser.


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "watch",
        help="track task IDs until each one ends",
        description=(
            "Track the given tasks of one provider until each is terminal. Exit status: "
            "0 all succeeded; 1 any failed, cancelled or lost; 2 usage, configuration or "
            "key problem; 3 --timeout reached."
        ),
    )
    add_task_ref_arguments(parser)
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="scheme://host[:port] replacing the provider's API host "
        "(else TASKMON_<PROVIDER>_BASE_URL)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per line on each state or progress change",
    )
    parser.add_argument(
        "--save-dir", type=Path, metavar="DIR", help="download each succeeded task's results here"
    )
    parser.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="give up after this long (exit 3)"
    )
    parser.add_argument("ids", nargs="+", metavar="ID", help="task IDs")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from taskmon.net import ConfigError

    try:
        refs = task_refs(args, dict.fromkeys(args.ids))  # duplicates on the command line: once
        if args.timeout is not None and args.timeout <= 0:
            raise ConfigError("--timeout must be a positive number of seconds")
        if args.save_dir is not None:
            args.save_dir = args.save_dir.expanduser().resolve()
            args.save_dir.mkdir(parents=True, exist_ok=True)
    except (BadReference, ConfigError, OSError) as exc:
        print(f"taskmon watch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return asyncio.run(_watch(args, refs))


async def _watch(args: argparse.Namespace, refs: list[TaskRef]) -> int:
    import asyncio

    from taskmon.keys import KeyStore
    from taskmon.net import ConfigError
    from taskmon.tracking import Engine, EngineConfig

    config = EngineConfig(
        base_url_overrides={args.provider: args.base_url} if args.base_url else {},
        result_dir=None if args.save_dir is None else (lambda _ref: args.save_dir),
        download_retry_later=False,  # watch reports a failed download and exits 1
    )
    engine = Engine(KeyStore(), config)
    printer = _Printer(args.json, args.save_dir is not None, sys.stdout)
    stop = asyncio.Event()
    fatal: list[str] = []

    def on_event(event: EngineEvent) -> None:
        if isinstance(event, HostEvent):
            # Once when status calls start failing, once when they answer again.
            words = event.problem or "reachable again"
            print(f"taskmon watch: {event.provider}: {words}", file=sys.stderr, flush=True)
            return
        if isinstance(event, ProviderEvent):
            if event.problem:
                fatal.append(event.problem)
                stop.set()
            return
        # A saved file is shown by the TaskEvent that follows it; watch keeps no store.
        if isinstance(event, TaskEvent):
            printer.show(event)
        if all(v.is_done for v in engine.tasks()):
            stop.set()

    engine.subscribe(on_event)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        try:
            engine.base_url(args.provider)
            for ref in refs:
                engine.track(ref)
        except (BadReference, ConfigError) as exc:
            print(f"taskmon watch: {exc}", file=sys.stderr)
            return EXIT_USAGE
        try:
            async with asyncio.timeout(args.timeout):
                await stop.wait()
        except TimeoutError:
            printer.close()
            print(f"taskmon watch: --timeout of {args.timeout:g} s reached", file=sys.stderr)
            return EXIT_TIMEOUT
        printer.close()
        if fatal:
            print(f"taskmon watch: {fatal[0]}", file=sys.stderr)
            return EXIT_USAGE
        views = engine.tasks()
        if not all(v.is_done for v in views):
            return 130  # interrupted
        for v in views:
            if v.download_failed and v.problem:
                print(f"taskmon watch: {v.ref.task_id}: {v.problem}", file=sys.stderr)
        ok = all(v.state is State.SUCCEEDED and not v.download_failed for v in views)
        return EXIT_OK if ok else EXIT_TASK_FAILED
    finally:
        await engine.aclose()


def watch_line(view: TaskView, with_files: bool) -> dict[str, Any]:
    """The `--json` object for one task (the documented contract)."""
    line: dict[str, Any] = {
        "provider": view.ref.provider,
        "task_id": view.ref.task_id,
        "state": view.state.value,
        "progress": view.progress,
        "outputs": [{"url": o.url, "kind": o.kind.value} for o in view.outputs],
        "error": (
            None if view.error is None else {"code": view.error.code, "message": view.error.message}
        ),
    }
    if with_files and view.state is State.SUCCEEDED:
        line["files"] = list(view.files)
        # Why results are missing (a failed download); null when every one was saved.
        line["problem"] = view.problem if view.download_failed else None
    return line


class _Printer:
    """Prints a line per state or progress change; a succeeded line waits for its files."""

    def __init__(self, as_json: bool, with_files: bool, out: TextIO) -> None:
        self._json = as_json
        self._with_files = with_files
        self._out = out
        self._last: dict[str, tuple[State, float | None]] = {}
        self._live = None if as_json else LiveView(out)

    def show(self, event: TaskEvent) -> None:
        view = event.view
        if self._live is not None:
            self._live.update(view)
        if not view.observed:
            return
        if view.state is State.SUCCEEDED and self._with_files and view.downloads_pending:
            return  # the contract: files first, then the succeeded line
        signature = (view.state, view.progress)
        if self._last.get(view.key) == signature:
            return
        self._last[view.key] = signature
        if self._json:
            self._out.write(json.dumps(watch_line(view, self._with_files)) + "\n")
            self._out.flush()

    def close(self) -> None:
        if self._live is not None:
            self._live.close()
