"""The Add dialog's words: what the pasted rows hold, and what was not added and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from taskmon.domain import counted
from taskmon.intake import Duplicate, PasteItem, Rejected, entries
from taskmon.ui.adding.paste_rows import Row

REPORTED_ITEMS: Final = 3  # skipped items named in a report; the rest are counted


def summary_text(rows: Sequence[Row], ready: int) -> str:
    """What the rows hold now, e.g. "11 tasks, 1 needs a model, 2 not recognised"."""
    to_choose = sum(r.status()[0] == "Choose provider" for r in rows)
    to_model = sum(r.status()[0] == "Needs model" for r in rows)
    duplicates = sum(isinstance(r.item, Duplicate) for r in rows)
    rejected = sum(entries(r.item) for r in rows if isinstance(r.item, Rejected))
    parts = [
        counted(ready, "task") if ready else "",
        counted(to_choose, "needs a provider", "need a provider") if to_choose else "",
        counted(to_model, "needs a model", "need a model") if to_model else "",
        counted(duplicates, "duplicate skipped", "duplicates skipped") if duplicates else "",
        f"{rejected:,} not recognised" if rejected else "",
    ]
    return ", ".join(p for p in parts if p) or "nothing to add"


def skipped_report(items: Sequence[PasteItem]) -> str:
    """"3 not added: …", counting every entry it names; "" when nothing was skipped."""
    skipped = [i for i in items if isinstance(i, Rejected | Duplicate)]
    if not skipped:
        return ""
    shown = skipped[:REPORTED_ITEMS]
    text = f"{sum(entries(i) for i in skipped):,} not added: " + "; ".join(
        i.reason for i in shown
    )
    rest = sum(entries(i) for i in skipped[REPORTED_ITEMS:])
    return text + (f"; and {rest:,} more" if rest else "")
