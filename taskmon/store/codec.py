"""Conversions between store values and SQLite columns.

Times are unix seconds (float, UTC) in the file and aware UTC datetimes in
Python. JSON columns are decoded leniently: a damaged value reads as empty
rather than making a whole listing fail.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any, Final

from taskmon.domain.records import FileState, StoredFile, StoredTask
from taskmon.domain.snapshot import Cost, MediaKind, Output, State, TaskError
from taskmon.domain.task import TaskRef

RAW_MAX_BYTES: Final = 64 * 1024  # a details view needs the payload, not megabytes of it


def to_epoch(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:  # the engine only makes aware times; a naive one means UTC
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def from_epoch(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


# default=repr: a stray non-JSON value must not make a whole batch fail. One encoder
# for every value: json.dumps with options builds a new one per call.
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=repr)


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def _loads(text: str | None, fallback: Any) -> Any:
    if text is None:
        return fallback
    try:
        return json.loads(text)
    except ValueError:
        return fallback


def outputs_to_json(outputs: tuple[Output, ...]) -> str:
    # Field by field, as asdict() gave them, without its deep copies (every poll
    # saves its outputs and cost: asdict was a third of the store writer's time).
    return _dumps(
        [
            {
                "url": o.url,
                "kind": o.kind,
                "last_frame_url": o.last_frame_url,
                "duration_s": o.duration_s,
                "resolution": o.resolution,
                "extra": o.extra,
            }
            for o in outputs
        ]
    )


def outputs_from_json(text: str | None) -> tuple[Output, ...]:
    items = _loads(text, [])
    result: list[Output] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            continue
        extra = item.get("extra")
        result.append(
            Output(
                url=item["url"],
                kind=_media_kind_or_none(item.get("kind")) or MediaKind.OTHER,
                last_frame_url=item.get("last_frame_url"),
                duration_s=item.get("duration_s"),
                resolution=item.get("resolution"),
                extra=extra if isinstance(extra, dict) else {},
            )
        )
    return tuple(result)


def cost_to_json(cost: Cost) -> str | None:
    if cost.is_empty:
        return None
    return _dumps(
        {
            "credits": cost.credits,
            "estimated_credits": cost.estimated_credits,
            "micro_usdc": cost.micro_usdc,
            "processing_s": cost.processing_s,
        }
    )


def cost_from_json(text: str | None) -> Cost:
    doc = _loads(text, {})
    if not isinstance(doc, dict):
        return Cost()
    fields = ("credits", "estimated_credits", "micro_usdc", "processing_s")
    return Cost(**{k: doc[k] for k in fields if isinstance(doc.get(k), int | float)})


def raw_to_json(raw: Any) -> str | None:
    """The payload as JSON, or a marker saying how large it was when over RAW_MAX_BYTES."""
    if raw is None:
        return None
    text = _dumps(raw)
    size = len(text.encode())
    return text if size <= RAW_MAX_BYTES else _dumps({"taskmon_truncated_bytes": size})


def raw_from_json(text: str | None) -> Any:
    return _loads(text, None)


def _media_kind_or_none(value: object) -> MediaKind | None:
    """The stored media kind, or None for a value this version does not know."""
    return (
        MediaKind(value)
        if isinstance(value, str) and value in MediaKind._value2member_map_
        else None
    )


TASK_COLUMNS: Final = (
    "key, provider, task_id, model, by_out_task_id, label, added_at, observed, state, "
    "raw_status, progress, outputs, error_code, error_message, problem, cost, reported_model, "
    "media_kind, created_at, started_at, finished_at, next_poll_at, provider_task_id, raw, "
    "updated_at"
)
FILE_COLUMNS: Final = "task_key, output_index, url, path, state, size, error, updated_at"


def file_from_row(row: sqlite3.Row) -> StoredFile:
    return StoredFile(
        index=row["output_index"],
        url=row["url"],
        path=row["path"],
        state=FileState(row["state"]),
        size=row["size"],
        error=row["error"],
        updated_at=datetime.fromtimestamp(row["updated_at"], UTC),
    )


def task_from_row(row: sqlite3.Row, files: tuple[StoredFile, ...]) -> StoredTask:
    ref = TaskRef(
        provider=row["provider"],
        task_id=row["task_id"],
        model=row["model"],
        by_out_task_id=bool(row["by_out_task_id"]),
    )
    error = None
    if row["error_message"] is not None or row["error_code"] is not None:
        error = TaskError(message=row["error_message"] or "", code=row["error_code"])
    state = row["state"]
    return StoredTask(
        ref=ref,
        label=row["label"],
        added_at=datetime.fromtimestamp(row["added_at"], UTC),
        observed=bool(row["observed"]),
        state=State(state) if state in State._value2member_map_ else State.QUEUED,
        raw_status=row["raw_status"],
        progress=row["progress"],
        outputs=outputs_from_json(row["outputs"]),
        error=error,
        problem=row["problem"],
        cost=cost_from_json(row["cost"]),
        model=row["reported_model"] or ref.model,
        media_kind=_media_kind_or_none(row["media_kind"]),
        created_at=from_epoch(row["created_at"]),
        started_at=from_epoch(row["started_at"]),
        finished_at=from_epoch(row["finished_at"]),
        next_poll_at=from_epoch(row["next_poll_at"]),
        provider_task_id=row["provider_task_id"],
        raw=raw_from_json(row["raw"]),
        updated_at=from_epoch(row["updated_at"]),
        files=files,
    )
