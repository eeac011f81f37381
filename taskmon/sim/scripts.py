"""What a test says about a simulated task: `TaskScript` and its `Fault`s.

A script is plain data (JSON round-trips through the control API); the
timeline it describes is built by `taskmon.sim.task_factory`, which also asks
the script's provider whether it can express it (`ProviderSpec.check`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

KINDS: tuple[str, ...] = ("image", "video", "audio")
OUTCOMES: tuple[str, ...] = ("succeeded", "failed", "cancelled")
FAULT_KINDS: tuple[str, ...] = (
    "429",
    "500",
    "502",
    "503",
    "html",
    "html502",
    "malformed",
    "empty",
    "truncated",
    "reset",
    "slow",
    "401",
    "404",
)


@dataclass
class Fault:
    """A misbehaviour applied to some status requests of one task."""

    kind: str  # one of FAULT_KINDS
    first: int = 0  # the first N status requests of the task (0 = not by count)
    until_s: float = 0.0  # or every status request during the first until_s after add
    from_s: float = 0.0  # and never in the first from_s after add (a blip later in life)
    probability: float = 0.0  # or at random (the simulator's seeded RNG)
    retry_after_s: float = 2.0  # Retry-After for 429/503
    delay_s: float = 2.0  # for "slow"


@dataclass
class TaskScript:
    """The life of one simulated task, from the moment it is added."""

    provider: str
    kind: str = "image"
    queue_s: float = 0.0  # reAPI has no queued state: this time reads as processing
    run_s: float = 1.0
    outcome: str = "succeeded"  # cancelled is BytesPike only; lost = foreign or never added
    task_id: str | None = None  # default: the provider's real ID format
    model: str | None = None
    out_task_id: str | None = None  # BytesPike only
    outputs: int = 1
    output_urls: list[str] | None = None  # verbatim result URLs (hostile ones welcome)
    output_names: list[str] | None = None  # file names in media URLs (hostile ones welcome)
    output_ext: bool = True  # False: the media URL path has no extension
    media_bytes: int = 2048
    media_ttl_s: float | None = None  # URLs expire this long after the task finished
    # With media_ttl_s: a status answer given after the links expired signs them anew,
    # valid this long from then (a provider that re-signs its result URLs per call).
    media_renew_s: float | None = None
    media_cut_after: int | None = None  # the first GET of each file is cut after N bytes
    error_code: str | None = None
    error_message: str | None = None
    foreign: bool = False  # another account's task: xenodia/vidgo 403, the others 404
    estimate_factor: float | None = None  # default drawn from the seeded RNG
    faults: list[Fault] = field(default_factory=list)
    stream: bool = True  # BytesPike: False makes the SSE endpoint answer 503
    stream_drop_after_s: float | None = None  # BytesPike: cut each SSE connection after N s
    # BytesPike: each SSE connection sends at most N task events, then only keep-alive
    # comments for as long as it stays open, the terminal event never (a stream that hangs).
    stream_events_max: int | None = None
    last_frame: bool = False  # reAPI video: add output.last_frame_url
    prompt: str | None = None  # Xenodia: the prompt its `request` echoes (default: made up)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the control API's request body)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, untrusted: Any) -> TaskScript:
        """Build from JSON; unknown keys are errors so typos do not pass silently."""
        if not isinstance(untrusted, dict):
            raise ValueError("a task script must be a JSON object")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(untrusted) - names)
        if unknown:
            raise ValueError(f"unknown TaskScript fields: {', '.join(unknown)}")
        values = dict(untrusted)
        raw_faults = values.pop("faults", None) or []
        if not isinstance(raw_faults, list):
            raise ValueError("faults must be a list")
        fault_names = {f.name for f in dataclasses.fields(Fault)}
        faults: list[Fault] = []
        for raw in raw_faults:
            if not isinstance(raw, dict) or not set(raw) <= fault_names:
                raise ValueError(f"bad fault: {raw!r}")
            faults.append(Fault(**raw))
        try:
            script = cls(faults=faults, **values)
            validate(script)
        except TypeError as exc:  # a missing field, or a string where a number belongs
            raise ValueError(f"bad task script: {exc}") from None
        return script


def validate(script: TaskScript) -> None:
    """Raise ValueError when the script contradicts itself, whatever its provider."""
    if script.kind not in KINDS:
        raise ValueError(f"unknown kind {script.kind!r}")
    if script.outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {script.outcome!r}")
    if script.queue_s < 0 or script.run_s < 0:
        raise ValueError("queue_s and run_s must be >= 0")
    if script.outputs < 0 or script.media_bytes < 0:
        raise ValueError("outputs and media_bytes must be >= 0")
    if script.media_renew_s is not None and (
        script.media_ttl_s is None or script.media_renew_s <= 0
    ):
        raise ValueError("media_renew_s must be > 0 and needs media_ttl_s")
    if script.task_id is not None and not script.task_id:
        raise ValueError("task_id must not be empty")
    for fault in script.faults:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r} (known: {', '.join(FAULT_KINDS)})")
