"""The metadata sidecar written beside a saved result: `cat.png` gets `cat.png.json`.

Its keys are a contract scripts rely on: provider, task_id, model, kind,
label, prompt, request, created_at, finished_at, cost, source_url, sha256,
taskmon_version. Unknown values are null; times are ISO 8601 UTC.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from taskmon import __version__
from taskmon.domain.snapshot import Cost

SIDECAR_SUFFIX = ".json"


def sidecar_path(path: Path) -> Path:
    """Where the sidecar of the file `path` goes: the same name with `.json` added."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


@dataclass(frozen=True, slots=True)
class ResultOrigin:
    """Where a saved result came from: what its sidecar says, but its checksum."""

    provider: str
    task_id: str
    model: str | None
    kind: str | None
    label: str | None
    prompt: str | None
    request: dict[str, Any] | None  # bounded by the provider module
    created_at: datetime | None
    finished_at: datetime | None
    cost: Cost
    source_url: str

    def sidecar(self, sha256: str) -> dict[str, Any]:
        """The sidecar's JSON object for a copy whose bytes have this SHA-256."""
        return {
            "provider": self.provider,
            "task_id": self.task_id,
            "model": self.model,
            "kind": self.kind,
            "label": self.label,
            "prompt": self.prompt,
            "request": self.request,
            "created_at": iso_utc(self.created_at),
            "finished_at": iso_utc(self.finished_at),
            "cost": cost_as_given(self.cost),
            "source_url": self.source_url,
            "sha256": sha256,
            "taskmon_version": __version__,
        }

    def sidecar_bytes(self, sha256: str) -> bytes:
        """The sidecar as UTF-8 JSON text, indented for people."""
        text = json.dumps(self.sidecar(sha256), ensure_ascii=False, indent=2, default=str)
        return (text + "\n").encode()


def cost_as_given(cost: Cost) -> dict[str, float | int] | None:
    """The figures the provider gave, in its own units (None when it gave none)."""
    figures = {
        "credits": cost.credits,
        "estimated_credits": cost.estimated_credits,
        "micro_usdc": cost.micro_usdc,
        "processing_s": cost.processing_s,
    }
    given = {k: v for k, v in figures.items() if v is not None}
    return given or None


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, to the millisecond; None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is None:  # taskmon makes aware times only; a naive one means UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
