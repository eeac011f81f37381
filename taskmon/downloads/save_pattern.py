"""Where a saved result goes: a pattern such as `{provider}/{date}/{label}_{index}.{ext}`.

The pattern is the user's; the values substituted into it are not (labels,
prompts and models come from people and providers). So the pattern is split
into folders at its own `/` only, every substituted value is made one safe
piece of a name (no separator, no control character), and every resulting
component is made safe for every OS with pathvalidate: no traversal (`..`), no
hidden name (leading dot), no reserved name (`CON`, `NUL`, `COM1`…), at most
255 bytes. The path it gives is relative and never leaves the chosen folder.

Also the names of files in the media cache (`cache_name_hint`): the names a
drag or "Show in folder" hands over, so people must understand them.

Pure: no I/O.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Final

from pathvalidate import ValidationError, sanitize_filename, validate_filename

DEFAULT_PATTERN: Final = "{provider}_{task_id}_{index}.{ext}"
PLACEHOLDERS: Final = (
    "provider",
    "task_id",
    "model",
    "kind",
    "label",
    "prompt",
    "index",
    "n",
    "ext",
    "date",
    "time",
)
PROMPT_CHARS: Final = 60
SHORT_ID_CHARS: Final = 12
MAX_COMPONENT_BYTES: Final = 255
# A file's name leaves room for " (999)" and the sidecar's ".json" within 255 bytes.
MAX_FILE_NAME_BYTES: Final = MAX_COMPONENT_BYTES - len(" (999)") - len(".json")
MAX_PATTERN_CHARS: Final = 1024
FALLBACK_COMPONENT: Final = "_"
_MAX_SANITIZE_ROUNDS: Final = 4

_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Separators, and what some OS does not allow in a name.
_NOT_IN_NAMES: Final = re.compile(r'[/\\<>:"|?*]')


class PatternError(ValueError):
    """The save pattern cannot be used; `str()` says why, for the user."""


@dataclass(frozen=True, slots=True)
class ResultFields:
    """What a pattern may name about one result (untrusted text, validated on use)."""

    provider: str
    task_id: str
    model: str | None
    kind: str | None
    label: str | None
    prompt: str | None
    index: int  # 1-based
    n: int  # number of outputs of the task
    ext: str  # without the dot; "" when unknown
    finished_at: datetime | None  # aware; UTC is used for {date} and {time}

    def values(self, now: datetime) -> Mapping[str, str]:
        """Each placeholder's raw text (not yet made safe)."""
        moment = (self.finished_at or now).astimezone(UTC)
        return {
            "provider": self.provider,
            "task_id": self.task_id,
            "model": self.model or "",
            "kind": self.kind or "",
            "label": self.label or "",
            "prompt": (self.prompt or "")[:PROMPT_CHARS],
            "index": str(self.index),
            "n": str(self.n),
            "ext": self.ext.lstrip(".") or "bin",
            "date": moment.strftime("%Y-%m-%d"),
            "time": moment.strftime("%H%M%S"),
        }


@dataclass(frozen=True, slots=True)
class SavePattern:
    """A checked pattern: per folder level, its literal text and placeholders in order."""

    text: str
    components: tuple[tuple[tuple[str, str | None], ...], ...]

    @classmethod
    def parse(cls, pattern: str) -> SavePattern:
        """Check `pattern`; PatternError names the problem (an unknown placeholder…)."""
        if not pattern.strip():
            raise PatternError("the pattern is empty")
        if len(pattern) > MAX_PATTERN_CHARS:
            raise PatternError(f"the pattern is longer than {MAX_PATTERN_CHARS} characters")
        if pattern.startswith("/") or re.match(r"^[A-Za-z]:", pattern):
            raise PatternError(
                f"the pattern {pattern!r} must be relative: files go into the chosen folder"
            )
        if _CONTROL.search(pattern):
            raise PatternError("the pattern contains a control character")
        components = []
        for part in pattern.split("/"):
            if part.strip() in ("", ".", ".."):
                raise PatternError(
                    f"the pattern {pattern!r} has an empty, '.' or '..' folder: "
                    "files never leave the chosen folder"
                )
            components.append(_parse_component(part, pattern))
        return cls(pattern, tuple(components))

    def render(self, fields: ResultFields, now: datetime | None = None) -> PurePosixPath:
        """The relative path for one result: safe components, the last one a file name."""
        values = fields.values(now or datetime.now(UTC))
        last = len(self.components) - 1
        parts = []
        for position, component in enumerate(self.components):
            text = "".join(
                literal + ("" if field is None else safe_value(values[field]))
                for literal, field in component
            )
            limit = MAX_FILE_NAME_BYTES if position == last else MAX_COMPONENT_BYTES
            parts.append(safe_component(text, limit))
        return PurePosixPath(*parts)


def _parse_component(part: str, pattern: str) -> tuple[tuple[str, str | None], ...]:
    try:
        pieces = list(string.Formatter().parse(part))
    except ValueError as exc:
        raise PatternError(
            f"the pattern {pattern!r} is not valid ({exc}); write {{{{ and }}}} for a brace"
        ) from None
    parsed: list[tuple[str, str | None]] = []
    for literal, field, spec, conversion in pieces:
        if field is None:
            parsed.append((literal, None))
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            shown = "{" + field + (f"!{conversion}" if conversion else "")
            shown += (f":{spec}" if spec else "") + "}"
            raise PatternError(
                f"unknown placeholder {shown} in the pattern {pattern!r}; known: "
                + " ".join("{" + p + "}" for p in PLACEHOLDERS)
            )
        parsed.append((literal, field))
    return tuple(parsed)


def safe_value(untrusted: str) -> str:
    """One substituted value as a piece of a name: no separator, no control character."""
    folded = " ".join(_CONTROL.sub(" ", untrusted).split())
    # The whole component is checked again (reserved names, length) once it is built.
    return _NOT_IN_NAMES.sub("_", folded)


def safe_component(untrusted: str, max_bytes: int = MAX_COMPONENT_BYTES) -> str:
    """A name valid on every OS: not hidden, not reserved, not empty, at most `max_bytes`."""
    text = _CONTROL.sub("_", untrusted)
    for _ in range(_MAX_SANITIZE_ROUNDS):
        # Strip first: pathvalidate strips trailing spaces after its reserved-name check.
        text = _trim(_bounded(_trim(text), max_bytes))
        text = _trim(str(sanitize_filename(text, platform="universal", replacement_text="_")))
        text = _bounded(text, max_bytes)
        try:
            validate_filename(text, platform="universal")
        except ValidationError:
            continue
        if text:
            return text
    return FALLBACK_COMPONENT


def _trim(text: str) -> str:
    # Leading dots hide a file (and '.', '..' are not names); trailing ones break Windows.
    return text.strip().lstrip(".").rstrip(". ")


def _bounded(name: str, max_bytes: int) -> str:
    """`name` cut to `max_bytes` of UTF-8, keeping a short extension."""
    if len(name.encode()) <= max_bytes:
        return name
    suffix = PurePosixPath(name).suffix
    if len(suffix.encode()) > 16:
        suffix = ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    budget = max_bytes - len(suffix.encode())
    return stem.encode()[:budget].decode("utf-8", errors="ignore").rstrip(". ") + suffix


def short_task_id(task_id: str) -> str:
    """The first 12 characters of a task ID, made safe for a file name."""
    return safe_value(task_id[:SHORT_ID_CHARS]) or FALLBACK_COMPONENT


def cache_name_hint(provider: str, task_id: str, index: int) -> str:
    """The media cache's name for output `index` (0-based) without its extension.

    `<provider>_<short task id>_<index from 1>`, e.g. `xenodia_task_f131b16_1`; the
    downloader adds the extension the link or the content gives.
    """
    return safe_component(f"{safe_value(provider)}_{short_task_id(task_id)}_{index + 1}")
