"""Lenient field types and small helpers shared by the provider modules.

Provider bodies are untrusted: a field of the wrong type, out of range or junk
becomes None instead of failing the whole response, so one odd field never
hides a finished task. Only the shape that matters (an object with a status)
is enforced, by the provider modules themselves.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import quote, urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainValidator,
    ValidationError,
    WrapValidator,
)

from taskmon.domain.snapshot import MediaKind, Output, State
from taskmon.providers.base import MAX_BODY_BYTES, MalformedResponse, clip

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

MAX_OUTPUTS = 100
MAX_URL_CHARS = 16_384  # presigned URLs run to a few KB; anything bigger is not a URL
MAX_EXTRAS = 20
_MAX_EPOCH_S = 253_402_300_799.0  # 9999-12-31T23:59:59Z, the last second datetime holds


class LenientModel(BaseModel):
    """Base of every parsed shape: unknown keys are ignored, every field optional."""

    model_config = ConfigDict(extra="ignore", frozen=True)


# --- scalars -------------------------------------------------------------------


def to_number(value: Any) -> float | None:
    """A finite number from a JSON number or numeric string; bools and junk are None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if len(value) > 64:
            return None
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # a 400-digit integer
            return None
        return number if math.isfinite(number) else None
    return None


def to_text(value: Any) -> str | None:
    """A non-blank string, else None."""
    return value if isinstance(value, str) and value.strip() else None


def to_token(value: Any) -> str | None:
    """An identifier-like value (code, resolution): a string or an integer, as a short string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return clip(str(value), 80) if abs(value) < 10**80 else None
    text = to_text(value)
    return clip(text, 80) if text else None


def to_url(value: Any) -> str | None:
    """A result URL as given (the downloader checks schemes), or None.

    White space and control characters, which no valid URL holds raw, are
    percent-encoded: the link keeps working where a sloppy server left a space
    in a file name, and an escape sequence can never reach a terminal.
    """
    text = to_text(value)
    if not text or len(text) > MAX_URL_CHARS:
        return None
    return text if text.isprintable() and " " not in text else _encode_unprintable(text.strip())


def _encode_unprintable(url: str) -> str:
    return "".join(
        quote(c, safe="") if c.isspace() or unicodedata.category(c)[0] == "C" else c for c in url
    )


def _valid_url(value: Any) -> str:
    url = to_url(value)
    if url is None:
        raise ValueError("not a result URL")
    return url


def to_percent(value: Any) -> float | None:
    number = to_number(value)
    return None if number is None else min(100.0, max(0.0, number))


def from_unix_s(value: Any) -> datetime | None:
    """Unix seconds as an aware UTC datetime; zero, negative or out of range is None."""
    seconds = to_number(value)
    if seconds is None or not 0 < seconds <= _MAX_EPOCH_S:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)


def from_unix_ms(value: Any) -> datetime | None:
    millis = to_number(value)
    return None if millis is None else from_unix_s(millis / 1000)


def from_iso(value: Any) -> datetime | None:
    """ISO 8601 as aware UTC; a string without a zone is taken as UTC."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # junk, or a year-9999 time pushed past the end
        return None


def positive(value: float | None) -> float | None:
    return value if value is not None and value > 0 else None


Number = Annotated[float | None, PlainValidator(to_number)]
Text = Annotated[str | None, PlainValidator(to_text)]
Token = Annotated[str | None, PlainValidator(to_token)]
Url = Annotated[str | None, PlainValidator(to_url)]
# A URL in an ItemList: one that is not a URL fails, and the list drops it.
UrlItem = Annotated[str, PlainValidator(_valid_url)]
Percent = Annotated[float | None, PlainValidator(to_percent)]
UnixSeconds = Annotated[datetime | None, PlainValidator(from_unix_s)]
UnixMillis = Annotated[datetime | None, PlainValidator(from_unix_ms)]
IsoTime = Annotated[datetime | None, PlainValidator(from_iso)]


# --- containers ----------------------------------------------------------------


def _none_if_invalid(value: Any, handler: Any) -> Any:
    try:
        return handler(value)
    except ValidationError:
        return None


def _as_capped_list(value: Any) -> Any:
    # A lone item counts as a one-item list; the cap bounds the work before validation.
    if value is None:
        return None
    return (value if isinstance(value, list) else [value])[:MAX_OUTPUTS]


def _drop_none(items: list[Any] | None) -> list[Any] | None:
    return None if items is None else [item for item in items if item is not None]


def message_object(value: Any) -> Any:
    """Let an error given as a bare string stand for `{"message": ...}`."""
    return {"message": value} if isinstance(value, str) else value


# A nested object or value that degrades to None when it has the wrong shape.
OrNone = Annotated[T | None, WrapValidator(_none_if_invalid)]
# A list (at most MAX_OUTPUTS long) keeping only the items that validate.
if TYPE_CHECKING:
    # What the field holds once validated: the None left by each failed item is gone.
    ItemList = list[T] | None
else:
    ItemList = Annotated[
        list[OrNone[T]] | None, BeforeValidator(_as_capped_list), AfterValidator(_drop_none)
    ]


# --- parsing helpers -----------------------------------------------------------


def loads_or_none(untrusted: bytes | str) -> Any:
    """Decode JSON, or None for anything undecodable. Never raises."""
    if len(untrusted) > MAX_BODY_BYTES:
        return None
    try:
        return json.loads(untrusted)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def parse_object(model: type[M], doc: Any, provider: str) -> M:
    """Validate a decoded body that must be a JSON object."""
    if not isinstance(doc, dict):
        raise MalformedResponse(f"{provider}: expected a JSON object, got {type(doc).__name__}")
    try:
        return model.model_validate(doc)
    except ValidationError:
        raise MalformedResponse(f"{provider}: the response is not the documented shape") from None


def map_status(
    untrusted_status: str | None, table: Mapping[str, State], provider: str
) -> tuple[State | None, str]:
    """The normalized state (None when unknown) and the raw status for display."""
    if untrusted_status is None:
        raise MalformedResponse(f"{provider}: the response has no task status")
    return table.get(untrusted_status.strip().lower()), clip(untrusted_status, 80)


def path_segment(value: str) -> str:
    """Percent-encode one path segment; `.` and `..` too, so no client folds them away."""
    encoded = quote(value, safe="")
    return encoded.replace(".", "%2E") if encoded in {".", ".."} else encoded


# --- media kinds and outputs ---------------------------------------------------

_EXTENSION_KINDS: dict[str, MediaKind] = {
    **dict.fromkeys(
        ("png", "jpg", "jpeg", "webp", "gif", "bmp", "tif", "tiff", "avif", "heic", "heif", "svg"),
        MediaKind.IMAGE,
    ),
    **dict.fromkeys(
        ("mp4", "mov", "webm", "mkv", "avi", "m4v", "mpg", "mpeg", "3gp"), MediaKind.VIDEO
    ),
    **dict.fromkeys(("mp3", "wav", "m4a", "aac", "ogg", "oga", "flac", "opus"), MediaKind.AUDIO),
}


def kind_from_url(url: str) -> MediaKind:
    """Guess the media kind from the extension of the URL's path (query ignored)."""
    try:
        name = urlsplit(url).path.rpartition("/")[2]
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return MediaKind.OTHER
    stem, dot, extension = name.rpartition(".")
    if not (dot and stem):
        return MediaKind.OTHER
    return _EXTENSION_KINDS.get(extension.lower(), MediaKind.OTHER)


def kind_from_label(label: str | None) -> MediaKind | None:
    """A provider's own media label ("image", "video", "audio"), or None."""
    if label is None:
        return None
    kind = label.strip().lower()
    return MediaKind(kind) if kind in {"image", "video", "audio"} else None


def kind_of_outputs(outputs: Iterable[Output]) -> MediaKind | None:
    """The task's media kind as its outputs show it: the first recognizable one."""
    return next((o.kind for o in outputs if o.kind is not MediaKind.OTHER), None)


def unique_outputs(outputs: Iterable[Output]) -> tuple[Output, ...]:
    """Outputs in order, each URL once, at most MAX_OUTPUTS."""
    seen: set[str] = set()
    kept: list[Output] = []
    for output in outputs:
        if output.url not in seen:
            seen.add(output.url)
            kept.append(output)
            if len(kept) == MAX_OUTPUTS:
                break
    return tuple(kept)


def _is_plain_scalar(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return abs(value) < 10**18
    return isinstance(value, float) and math.isfinite(value)


def scalar_extras(fields: Mapping[str, Any] | None) -> dict[str, Any]:
    """The scalar fields of an output object we have no slot for, bounded for display."""
    extras: dict[str, Any] = {}
    for key, value in (fields or {}).items():
        if len(extras) == MAX_EXTRAS:
            break
        if isinstance(value, str):
            extras[clip(key, 64)] = clip(value, 200)
        elif _is_plain_scalar(value):
            extras[clip(key, 64)] = value
    return extras


def clip_or_none(value: str | None, limit: int) -> str | None:
    return None if value is None else clip(value, limit)


MAX_ECHO_FIELDS = 32
MAX_ECHO_TEXT_CHARS = 4000  # a prompt is rarely longer; a sidecar needs no more of it
MAX_ECHO_LIST_ITEMS = 16


def _is_scalar_or_text(value: Any) -> bool:
    return isinstance(value, str) or _is_plain_scalar(value)


def echoed_request(untrusted: Any) -> dict[str, Any] | None:
    """What a provider echoed about the request (prompt, size…), small and bounded.

    Scalars and short lists of scalars are kept; nested objects are dropped.
    None when there is no such object.
    """
    if not isinstance(untrusted, Mapping):
        return None
    echo: dict[str, Any] = {}
    for key, value in untrusted.items():
        if len(echo) == MAX_ECHO_FIELDS:
            break
        if not isinstance(key, str):
            continue
        if isinstance(value, str):
            echo[clip(key, 64)] = clip(value, MAX_ECHO_TEXT_CHARS)
        elif _is_plain_scalar(value):
            echo[clip(key, 64)] = value
        elif isinstance(value, list) and all(_is_scalar_or_text(v) for v in value):
            items = value[:MAX_ECHO_LIST_ITEMS]
            echo[clip(key, 64)] = [clip(v, 500) if isinstance(v, str) else v for v in items]
    return echo
