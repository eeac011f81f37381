"""How task values read in the table: durations, costs, progress estimates, expiry.

Pure functions over `TaskView` (no Qt), so the wording is tested on its own
and the model only asks "what does this cell say" and "what does it sort by".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from taskmon.domain import Cost, State, TaskView
from taskmon.providers import PROVIDERS
from taskmon.ui.table import keep_text

DASH = "—"


def duration(seconds: float | None) -> str:
    """`42 s`, `3 m 05 s`, `2 h 10 m`, `3 d 4 h`; nothing when unknown."""
    if seconds is None:
        return ""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} m {s % 60:02d} s"
    if s < 2 * 86400:  # "36 h" reads better than "1 d 12 h"
        return f"{s // 3600} h {s % 3600 // 60:02d} m"
    return f"{s // 86400} d {s % 86400 // 3600} h"


def born_at(view: TaskView) -> datetime:
    """When the task began: the provider's creation time, else when we first saw it."""
    if view.created_at is not None and view.created_at <= view.first_seen_at:
        return view.created_at
    return view.first_seen_at


def queued_s(view: TaskView, now: datetime) -> float | None:
    """Time spent waiting before it ran (so far, while it still waits)."""
    if not view.observed:
        return None
    end = view.started_at or view.finished_at or (None if view.state.is_terminal else now)
    if end is None:
        return None
    return max(0.0, (end - born_at(view)).total_seconds())


def running_s(view: TaskView, now: datetime) -> float | None:
    """Time spent running (so far, while it runs)."""
    if view.started_at is None:
        return None
    end = view.finished_at or (None if view.state.is_terminal else now)
    if end is None:
        return None
    return max(0.0, (end - view.started_at).total_seconds())


def eta_s(view: TaskView, now: datetime) -> float | None:
    if view.state.is_terminal or view.eta_at is None:
        return None
    return max(0.0, (view.eta_at - now).total_seconds())


def eta_text(view: TaskView, now: datetime) -> str:
    """`~1 m 05 s`, `any moment`; `longer than usual` past the learned spread; else nothing."""
    seconds = eta_s(view, now)
    if seconds is None:
        return "longer than usual" if overdue_text(view, now) else ""
    if seconds < 1:
        return "any moment"
    return f"~{duration(seconds)}"


def overdue_text(view: TaskView, now: datetime) -> str:
    """`running 3 m 35 s, usually 40 s–1 m 10 s` once a task outlasts its usual spread."""
    if view.state.is_terminal or view.usual_total_s is None or not view.observed:
        return ""
    if view.progress is not None:  # the provider says how far it is: no guessing needed
        return ""
    low, high = view.usual_total_s
    age = (now - born_at(view)).total_seconds()
    if age <= high or (view.eta_at is not None and view.eta_at > now):
        return ""
    return f"{state_text(view)} {duration(age)}, usually {duration(low)}–{duration(high)}"


class ProgressMode(StrEnum):
    REPORTED = "reported"  # the provider said how far it is
    ESTIMATED = "estimated"  # elapsed versus expected time
    UNKNOWN = "unknown"  # nothing is known: indeterminate
    DONE = "done"  # terminal


@dataclass(frozen=True, slots=True)
class ProgressInfo:
    mode: ProgressMode
    fraction: float | None  # 0..1, None when indeterminate
    text: str


def progress(view: TaskView, now: datetime) -> ProgressInfo:
    """What the progress bar shows, and how sure it is."""
    if view.state.is_terminal:
        if view.state is State.SUCCEEDED:
            text = "downloading…" if view.downloads_pending else "done"
            if keep_text.results_unsaved(view):
                text = "not saved"
            return ProgressInfo(ProgressMode.DONE, 1.0, text)
        return ProgressInfo(ProgressMode.DONE, None, view.state.value)
    if view.progress is not None:
        fraction = min(1.0, max(0.0, view.progress / 100.0))
        return ProgressInfo(ProgressMode.REPORTED, fraction, f"{view.progress:.0f} %")
    if view.eta_at is not None:
        start = born_at(view)
        total = (view.eta_at - start).total_seconds()
        if total > 0:
            # Never show "finished" on a guess: an overdue estimate parks at 99 %.
            fraction = min(0.99, max(0.0, (now - start).total_seconds() / total))
            return ProgressInfo(ProgressMode.ESTIMATED, fraction, f"~{fraction * 100:.0f} %")
    words = "waiting" if view.state is State.QUEUED else "working"
    return ProgressInfo(ProgressMode.UNKNOWN, None, words)


def progress_sort_key(view: TaskView, now: datetime) -> float:
    info = progress(view, now)
    if info.mode is ProgressMode.DONE:
        return 2.0 if view.state is State.SUCCEEDED else 1.5
    return -1.0 if info.fraction is None else info.fraction


def state_text(view: TaskView) -> str:
    """`running`, or the provider's own word when it is one we do not know."""
    if not view.observed:
        return "checking…" if view.problem is None else "retrying"
    if view.raw_status and view.problem and "unrecognised status" in view.problem:
        return f"{view.state.value} ({view.raw_status})"
    if keep_text.results_unsaved(view):  # also while a failed download waits for a retry
        return f"succeeded, results not saved: {keep_text.unsaved_reason(view)}"
    if view.state is State.SUCCEEDED and view.downloads_pending:
        return "succeeded, saving"
    return view.state.value


def state_cell(view: TaskView) -> str:
    """The state as the table's narrow cell says it; the reason is in its tooltip."""
    if keep_text.results_unsaved(view):
        return "not saved"  # beside the warning icon, in the warning colour
    return state_text(view)


def colour_state(view: TaskView) -> str:
    """The theme colour a task's state is drawn in: `unsaved` (a warning) is not green."""
    return "unsaved" if keep_text.results_unsaved(view) else view.state.value


def cost_value(cost: Cost) -> float | None:
    """One number to sort costs by (credits first; micro-USDC as USDC)."""
    if cost.credits is not None:
        return cost.credits
    if cost.micro_usdc is not None:
        return cost.micro_usdc / 1_000_000
    return cost.estimated_credits


def cost_text(cost: Cost) -> str:
    if cost.credits is not None:
        return f"{cost.credits:g} cr"
    if cost.micro_usdc is not None:
        return f"${cost.micro_usdc / 1_000_000:.4f}".rstrip("0").rstrip(".")
    if cost.estimated_credits is not None:
        return f"~{cost.estimated_credits:g} cr"
    return ""


def results_text(view: TaskView) -> str:
    """`2 saved`, `2 (saving 1/2)`; nothing before there are results (a dash only for none)."""
    count = len(view.outputs)
    if count == 0:
        return DASH if view.state is State.SUCCEEDED else ""
    saved = len(view.files)
    if view.downloads_pending:
        return f"{count} (saving {saved}/{count})"
    if saved == count:
        return f"{count} saved"
    if view.download_failed:
        return f"{count} ({saved} saved, {count - saved} failed)"
    return str(count)


def expires_at(view: TaskView) -> datetime | None:
    """When the result links stop working: stated by a link, documented, or the setting."""
    return keep_text.expires_at(view)


def expires_text(view: TaskView, now: datetime) -> str:
    """`in 3 h 12 m`, `in 42 m`, `expired`; `saved` once every result is kept (links no
    longer matter)."""
    if view.outputs and len(view.files) == len(view.outputs):
        return "saved"
    at = expires_at(view)
    return "" if at is None else keep_text.countdown((at - now).total_seconds())


def problem_text(view: TaskView) -> str:
    """The last error in words: the task's own failure first, then a passing problem."""
    if view.error is not None and view.state.is_terminal:
        code = f" [{view.error.code}]" if view.error.code else ""
        return f"{view.error.message}{code}"
    return view.problem or ""


def provider_name(name: str) -> str:
    provider = PROVIDERS.get(name)
    return provider.display_name if provider is not None else name
