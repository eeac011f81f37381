"""The arguments that name tasks of one provider (`--provider`, `--model`, `--out-task-id`).

Defined once for every command that takes them. The providers' names, which of
them need `--model` and which take `--out-task-id` come from the provider
catalog, which reads them without importing the providers' parsers (or pydantic):
nothing here names a provider.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from taskmon.domain import TaskRef
from taskmon.providers import ProviderInfo, provider_catalog


def provider_names() -> list[str]:
    """Every provider's name, in name order."""
    return list(provider_catalog())


def add_task_ref_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `--provider NAME` (required), `--model M` and `--out-task-id` to `parser`."""
    infos = provider_catalog().values()
    names = provider_names()
    parser.add_argument(
        "--provider",
        required=True,
        type=str.lower,
        choices=names,
        metavar="NAME",
        help="one of: " + ", ".join(names),
    )
    parser.add_argument(
        "--model",
        help="model the tasks were submitted with"
        + _for_providers("needed for", [i for i in infos if i.requires_model]),
    )
    parser.add_argument(
        "--out-task-id",
        action="store_true",
        help="the IDs are the caller's out_task_id keys"
        + _for_providers("accepted by", [i for i in infos if i.supports_out_task_id]),
    )


def task_refs(args: argparse.Namespace, task_ids: Iterable[str]) -> list[TaskRef]:
    """The parsed arguments' tasks, each checked; BadReference says what is wrong with one."""
    info = provider_catalog()[args.provider]
    model = (args.model or "").strip() or None
    refs = [
        TaskRef(info.name, task_id, model, by_out_task_id=args.out_task_id) for task_id in task_ids
    ]
    for ref in refs:
        info.validate_ref(ref)
    return refs


def _for_providers(relation: str, infos: list[ProviderInfo]) -> str:
    """` (needed for: <display names>)`; nothing when no provider is concerned."""
    if not infos:
        return ""
    return f" ({relation}: {', '.join(i.display_name for i in infos)})"
