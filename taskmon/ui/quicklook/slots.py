"""What a quick look can show of one task: one slot per output, a file or why there is none."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from taskmon.domain import MediaKind, State, TaskView

STILL_DOWNLOADING: Final = "still downloading"


@dataclass(frozen=True, slots=True)
class PreviewSlot:
    """One output of a task as the quick look shows it."""

    number: int  # 1-based, as people count outputs
    of: int  # how many outputs the task has
    path: str | None  # the saved file, when there is one
    url: str | None  # the result link the provider gave
    kind: MediaKind | None  # as the provider announced it (the bytes decide what is shown)
    last_frame_url: str | None
    absent: str | None  # why there is no file to show, in words

    @property
    def name(self) -> str:
        if self.path is not None:
            return Path(self.path).name
        return f"output {self.number}"


def preview_slots(view: TaskView) -> list[PreviewSlot]:
    """The outputs of `view` in order, each with its saved file or the reason it has none.

    `view.files` holds the saved files in output order, without the missing
    ones: when some are missing the saved ones come first and the rest say why.
    """
    outputs = view.outputs
    files = view.files
    count = max(len(outputs), len(files))
    if count == 0:
        return [PreviewSlot(1, 1, None, None, view.media_kind, None, _no_results(view))]
    slots = []
    for i in range(count):
        output = outputs[i] if i < len(outputs) else None
        path = files[i] if i < len(files) else None
        slots.append(
            PreviewSlot(
                number=i + 1,
                of=count,
                path=path,
                url=output.url if output is not None else None,
                kind=output.kind if output is not None else view.media_kind,
                last_frame_url=output.last_frame_url if output is not None else None,
                absent=None if path is not None else _not_saved(view),
            )
        )
    return slots


def _no_results(view: TaskView) -> str:
    if view.state is State.SUCCEEDED:
        return "the provider reported no result files"
    if view.state.is_terminal:
        return f"no results: the task {view.state.value}"
    return f"no results yet: the task is {view.state.value}"


def _not_saved(view: TaskView) -> str:
    # A failed download waiting for another try is pending too: say why, not "downloading".
    # (`download_waiting` arrives with the keep-results work; absent, nothing waits.)
    if getattr(view, "download_waiting", False):
        return f"not saved yet: {view.problem or 'the download failed'} (trying again)"
    if view.downloads_pending:
        return STILL_DOWNLOADING
    if view.download_failed:
        return f"not saved: {view.problem or 'the download failed'}"
    if view.problem:
        return f"not saved: {view.problem}"
    return "not saved yet"
