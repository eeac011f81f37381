"""The `taskmon` command: headless commands over the same engine as the window.

Each subcommand lives in its own module exposing `register(subparsers)`, which
adds a parser whose defaults carry `handler=run`, and `run(args) -> int`.

Building the parser imports every command module, and scripts run `--help`,
`list` and `add` in loops: a command module imports at its top only what its
parser and its light helpers need (the domain values, the provider catalog), and
its handler imports what the command runs on (the store, the engine, asyncio,
the keyring) when it runs.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from typing import NoReturn

from taskmon import __version__

# Exit codes shared by every command (the watch contract relies on them).
EXIT_OK = 0
EXIT_TASK_FAILED = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 3

_COMMAND_MODULES = ("watch", "add", "run", "list_cmd", "remove", "retry", "save", "keys", "sim")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # Scripts rely on exactly one clear line on stderr for a usage problem.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="taskmon",
        description=(
            "Track asynchronous AI media-generation tasks across providers. Without a "
            "command, opens the window (or brings an open one to the front)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"taskmon {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the window against the built-in simulator, in a throw-away data dir, "
        "with sample tasks across all providers (no keys, no network)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation (display, media, images, keyring, tray, notifications, "
        "data dir, TLS, loopback) and print a report; exit 1 if taskmon cannot run",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        dest="self_test_json",  # not `json`: the commands' own --json options use that
        help="with --self-test: the report as one JSON object",
    )
    # The Qt half of --self-test, run in a child process (taskmon.ui.install_checks).
    parser.add_argument("--self-test-qt", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--hidden",
        action="store_true",
        help="start in the system tray without showing the window (what start at login "
        "uses); without a tray the window starts minimized",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    for name in _COMMAND_MODULES:
        importlib.import_module(f"taskmon.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if args.self_test_qt:
        from taskmon.ui.install_checks import main as qt_checks

        return qt_checks()
    if args.self_test:
        from taskmon.cli.self_test import run as self_test

        return self_test(json_output=args.self_test_json)
    if handler is None:
        from taskmon.ui.app import run_app  # Qt is imported only for the window

        return run_app(demo=args.demo, hidden=args.hidden)
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        return 130
