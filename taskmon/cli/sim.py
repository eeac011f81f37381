"""`taskmon sim`: run the provider simulator in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskmon.sim import Simulator

# The simulator (aiohttp's server included) and asyncio are imported only when
# this command runs: every other command, `taskmon run` first, starts without them.

EXIT_OK = 0
EXIT_CANNOT_LISTEN = 1
DEFAULT_PORT = 8800


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sim",
        help="run the built-in provider simulator",
        description=(
            "Serve every provider's status API on one port and their result files on "
            "another, with a demo set of tasks, until interrupted."
        ),
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="API port (default 8800; 0 = any free port)"
    )
    parser.add_argument(
        "--media-port",
        type=int,
        default=None,
        help="media port (default: --port + 1, or any free port when --port is 0)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for IDs, estimates and faults")
    parser.add_argument("--no-demo", action="store_true", help="start without demo tasks")
    parser.set_defaults(handler=run)


def _media_port(args: argparse.Namespace) -> int:
    if args.media_port is not None:
        return int(args.media_port)
    return 0 if args.port == 0 else args.port + 1


def _banner(sim: Simulator, demo: bool) -> list[str]:
    from taskmon.sim.demo import describe, watch_command

    lines = [f"# taskmon simulator (seed {sim.seed}): API {sim.api_url}, media {sim.media_url}"]
    for provider, key in sim.keys.items():
        env = provider.upper()
        lines.append(f"export TASKMON_{env}_BASE_URL={sim.api_url}")
        lines.append(f"export TASKMON_{env}_API_KEY={key}")
    if demo:
        lines.append("# demo tasks (their clocks started now):")
        for task in sim.tasks():
            lines.append(f"{watch_command(task)}  # {describe(task)}")
    lines.append("# Ctrl-C (or SIGTERM) stops the simulator.")
    return lines


async def _serve(args: argparse.Namespace) -> int:
    import asyncio

    from taskmon.sim import Simulator, demo_scripts

    sim = Simulator(seed=args.seed)
    try:
        await sim.start(api_port=args.port, media_port=_media_port(args))
    except OSError as exc:
        print(f"taskmon sim: cannot listen: {exc}", file=sys.stderr)
        return EXIT_CANNOT_LISTEN
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        if not args.no_demo:
            for script in demo_scripts():
                sim.add_task(script)
        print("\n".join(_banner(sim, not args.no_demo)), flush=True)
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await sim.stop()
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(_serve(args))


def main(argv: list[str] | None = None) -> int:
    """`python -m taskmon.cli.sim`: the same command without loading the other commands."""
    parser = argparse.ArgumentParser(prog="taskmon")
    register(parser.add_subparsers())
    args = parser.parse_args(["sim", *(sys.argv[1:] if argv is None else argv)])
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
