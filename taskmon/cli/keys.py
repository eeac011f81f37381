"""`taskmon keys set|delete|list`: provider API keys in the OS keyring, never printed."""

from __future__ import annotations

import argparse
import getpass
import sys
import unicodedata
from typing import TYPE_CHECKING

from taskmon.cli import EXIT_OK, EXIT_USAGE
from taskmon.cli.task_args import provider_names

if TYPE_CHECKING:
    from taskmon.keys import KeyStore

# taskmon.keys (asyncio, and the keyring when asked) is imported when the command runs.

MAX_KEY_CHARS = 4096  # far above any real API key; stops a piped file being stored as one


class _UsageProblem(Exception):
    """A bad name, an empty key, no keyring: one line on stderr, exit 2."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "keys",
        help="store, remove and list provider API keys",
        description=(
            "Keys live in the OS keyring (service 'taskmon', one entry per provider). "
            "TASKMON_<PROVIDER>_API_KEY overrides the keyring. Values are never printed. "
            "Exit status: 0 ok; 2 unknown provider, empty key or no usable keyring."
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    known = ", ".join(provider_names())
    set_parser = actions.add_parser(
        "set",
        help="store a provider's key (prompts without echo; reads stdin when piped)",
        description="Store a key: typed at a prompt that does not echo, or read from stdin.",
    )
    set_parser.add_argument("name", metavar="NAME", help=f"provider: {known}")
    delete_parser = actions.add_parser("delete", help="remove a provider's key from the keyring")
    delete_parser.add_argument("name", metavar="NAME", help=f"provider: {known}")
    actions.add_parser("list", help="which providers have a key, and where it comes from")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from taskmon.keys import KeyStore

    try:
        return asyncio.run(_run(args, KeyStore()))
    except _UsageProblem as exc:
        print(f"taskmon keys: {exc}", file=sys.stderr)
        return EXIT_USAGE


async def _run(args: argparse.Namespace, store: KeyStore) -> int:
    from taskmon.keys import KeyringUnavailable

    if args.action == "list":
        await _list(store)
        return EXIT_OK
    name = _provider(args.name)
    try:
        if args.action == "set":
            await _set(store, name)
        else:
            await _delete(store, name)
    except KeyringUnavailable as exc:
        raise _UsageProblem(str(exc)) from None
    return EXIT_OK


def _provider(untrusted_name: str) -> str:
    name = untrusted_name.strip().lower()
    if name not in provider_names():
        known = ", ".join(provider_names())
        raise _UsageProblem(f"unknown provider {untrusted_name!r} (known: {known})")
    return name


def _read_key(name: str) -> str:
    """The key from a no-echo prompt on a terminal, else from stdin (one trailing newline off)."""
    if sys.stdin is None:
        raise _UsageProblem("no stdin to read the key from")
    if sys.stdin.isatty():
        try:
            value = getpass.getpass(f"API key for {name} (not shown): ")
        except EOFError:
            value = ""
    else:
        value = sys.stdin.read(MAX_KEY_CHARS + 2)
        value = value.removesuffix("\n").removesuffix("\r")
    if len(value) > MAX_KEY_CHARS:
        raise _UsageProblem(f"the key is longer than {MAX_KEY_CHARS} characters; nothing stored")
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise _UsageProblem("the key contains line breaks or control characters; nothing stored")
    if not value.strip():
        raise _UsageProblem("the key is empty; nothing stored")
    return value


async def _set(store: KeyStore, name: str) -> None:
    status = await store.backend(name)
    if not status.available:  # say so before the user types a key for nothing
        raise _UsageProblem(status.message)
    value = _read_key(name)
    await store.set(name, value)
    print(f"stored the API key for {name} in the keyring ({status.name})")
    await _note_env_override(store, name, "is set and takes precedence")


async def _delete(store: KeyStore, name: str) -> None:
    if await store.delete(name):
        print(f"deleted the API key for {name} from the keyring")
    else:
        print(f"no API key for {name} in the keyring")
    await _note_env_override(store, name, "still provides a key")


async def _note_env_override(store: KeyStore, name: str, note: str) -> None:
    from taskmon.keys import KeySource, env_var

    if await store.source(name) is KeySource.ENV:
        print(f"note: {env_var(name)} {note}", file=sys.stderr)


async def _list(store: KeyStore) -> None:
    from taskmon.keys import KeySource, env_var

    labels = {KeySource.ENV: "environment", KeySource.KEYRING: "keyring", KeySource.NONE: "none"}
    status = await store.backend()
    names = provider_names()
    width = max((len(n) for n in names), default=8)
    for name in names:
        source = await store.source(name)
        state = "not set" if source is KeySource.NONE else "set"
        where = labels[source]
        if source is KeySource.ENV:
            where += f" ({env_var(name)})"
        print(f"{name:<{width}}  {state:<7}  {where}")
    if status.available:
        print(f"keyring: available ({status.name})")
    else:
        print(f"keyring: unavailable: {status.message}")
