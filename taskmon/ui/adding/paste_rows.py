"""The rows of the add dialog: one pasted item each, and the user's choices for it.

Plain objects over the widgets: a row says which task it adds, or why not
yet, before and without its combo boxes being made.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtWidgets import QComboBox

from taskmon.domain import TaskRef
from taskmon.intake import Ambiguous, Duplicate, NeedsModel, PasteItem, Rejected, Resolved, resolve
from taskmon.providers import PROVIDERS, BadReference
from taskmon.ui.table.cell_text import provider_name


class MissingChoice(BadReference):
    """A row the user still has to settle: its provider or its model."""


class Row:
    """One item of the paste and the user's choices for it.

    The choices live here, not in the widgets, so a row can be asked for its
    task before (or without) its combo boxes being made.
    """

    def __init__(self, item: PasteItem, provider: str | None) -> None:
        self.item = item
        self.provider = provider  # chosen or recognised; None: still to choose
        self.provider_box: QComboBox | None = None
        self.model_box: QComboBox | None = None

    @property
    def model(self) -> str:
        return self.model_box.currentText().strip() if self.model_box is not None else ""

    def ref(self) -> TaskRef | None:
        """The task this row adds, or None; raises BadReference (MissingChoice: not decided)."""
        item = self.item
        if isinstance(item, Resolved):
            return item.ref
        if not isinstance(item, Ambiguous | NeedsModel):
            return None
        if self.provider is None:
            raise MissingChoice(f"{item.task_id}: choose its provider")
        if PROVIDERS[self.provider].requires_model and not self.model:
            raise MissingChoice(f"{item.task_id}: {provider_name(self.provider)} needs the model")
        return resolve(item, self.provider, self.model)

    def status(self) -> tuple[str, str]:
        """The words and icon state of the row's first column."""
        if isinstance(self.item, Ambiguous | NeedsModel):
            if self.provider is None:
                return "Choose provider", "queued"
            if PROVIDERS[self.provider].requires_model and not self.model:
                return "Needs model", "queued"
            try:
                self.ref()
            except BadReference:
                return "Problem", "failed"
            return "Ready", "succeeded"
        return STATUS[type(self.item)]


def first_choice(item: PasteItem, last_provider: str) -> str | None:
    """The provider a row starts with: the recognised one, else the last one used, else none."""
    if isinstance(item, NeedsModel):
        return item.provider
    if isinstance(item, Ambiguous) and last_provider in item.candidates:
        return last_provider
    return None


def model_hint(provider: str) -> str:
    example = PROVIDERS[provider].example_model
    return f"model, e.g. {example}" if example else "the model the task was submitted with"


def provider_words(ref: TaskRef) -> str:
    return provider_name(ref.provider) + (" (by your out_task_id)" if ref.by_out_task_id else "")


STATUS: Final[dict[type, tuple[str, str]]] = {
    Resolved: ("Ready", "succeeded"),
    Ambiguous: ("Choose provider", "queued"),
    NeedsModel: ("Needs model", "queued"),
    Duplicate: ("Duplicate", "cancelled"),
    Rejected: ("Not an ID", "failed"),
}
