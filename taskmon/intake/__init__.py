"""Recognise the tasks in pasted text: bare IDs, status URLs and JSON responses (see reader.py)."""

from taskmon.intake.items import (
    MAX_SHOWN_CHARS,
    Ambiguous,
    Duplicate,
    NeedsModel,
    PasteItem,
    PasteResult,
    Rejected,
    Resolved,
    entries,
    shown,
)
from taskmon.intake.reader import (
    MAX_ENTRIES,
    MAX_JSON_PREFIX_CHARS,
    MAX_MULTILINE_JSON_FAILURES,
    MAX_PASTE_CHARS,
    parse_paste,
    resolve,
)

__all__ = [
    "MAX_ENTRIES",
    "MAX_JSON_PREFIX_CHARS",
    "MAX_MULTILINE_JSON_FAILURES",
    "MAX_PASTE_CHARS",
    "MAX_SHOWN_CHARS",
    "Ambiguous",
    "Duplicate",
    "NeedsModel",
    "PasteItem",
    "PasteResult",
    "Rejected",
    "Resolved",
    "entries",
    "parse_paste",
    "resolve",
    "shown",
]
