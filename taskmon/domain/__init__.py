"""The values every layer shares: a task's identity, its snapshots, its view and its records.

No I/O and no third-party imports: cheap to import from anywhere.
"""

from taskmon.domain.printable import printable
from taskmon.domain.records import (
    DURATION_SAMPLES,
    AddResult,
    DurationSummary,
    FileState,
    NewTask,
    Observation,
    Quantiles,
    StoredFile,
    StoredTask,
)
from taskmon.domain.snapshot import (
    Cost,
    MediaKind,
    Output,
    PollHints,
    Snapshot,
    State,
    TaskError,
)
from taskmon.domain.task import (
    GAVE_UP,
    MAX_HISTORY,
    NOT_FOUND,
    Change,
    HistoryEntry,
    TaskRef,
    TaskView,
    utcnow,
)
from taskmon.domain.wording import counted

__all__ = [
    "DURATION_SAMPLES",
    "GAVE_UP",
    "MAX_HISTORY",
    "NOT_FOUND",
    "AddResult",
    "Change",
    "Cost",
    "DurationSummary",
    "FileState",
    "HistoryEntry",
    "MediaKind",
    "NewTask",
    "Observation",
    "Output",
    "PollHints",
    "Quantiles",
    "Snapshot",
    "State",
    "StoredFile",
    "StoredTask",
    "TaskError",
    "TaskRef",
    "TaskView",
    "counted",
    "printable",
    "utcnow",
]
