"""The provider seam: what every provider module implements.

A provider is pure: it builds request descriptions and parses untrusted bytes
into a `Snapshot`. It never performs I/O and never sees an API key; the engine
sends the request and adds the Authorization header itself, only to the
provider's own API host.
"""

from __future__ import annotations

import json
import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

from taskmon.domain.printable import printable
from taskmon.domain.snapshot import Snapshot
from taskmon.domain.task import TaskRef

MAX_BODY_BYTES = 4 * 1024 * 1024  # a status response larger than this is not a status response
MAX_MESSAGE_CHARS = 500
MAX_TASK_ID_CHARS = 256
MAX_PASTED_URL_CHARS = 2048  # status URLs are short; a longer "URL" is not one
_MAX_QUERY_FIELDS = 64


class ProviderError(Exception):
    """Base of the errors a provider module raises; `str()` is a user-facing message."""


class BadReference(ProviderError, ValueError):
    """The task reference cannot be used with this provider (missing model, empty id...)."""


class MalformedResponse(ProviderError):
    """The body is not the documented shape (HTML from a proxy, truncated JSON...)."""


class ApiError(ProviderError):
    """A 2xx response whose envelope reports an error (e.g. `{"code": 404, ...}`).

    The engine treats it exactly like an HTTP error with `status`.
    """

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """A request to make against the provider's API base URL (no auth header)."""

    method: str
    path: str  # already percent-encoded, appended to the base URL unchanged
    params: Mapping[str, str] = field(default_factory=dict)
    json_body: Any = None


class IdMatch(Enum):
    """How surely a bare pasted token is one provider's task ID."""

    NO = "no"
    POSSIBLE = "possible"  # a free-form ID this provider might use (others might too)
    CERTAIN = "certain"  # a shape only this provider uses


@dataclass(frozen=True, slots=True)
class PastedUrl:
    """A pasted http(s) URL, split and percent-decoded once for `Provider.ref_from_url`.

    Only the path and query name a task. The host is a hint: taskmon never
    sends a request, let alone a key, to a pasted host.
    """

    host: str  # lower case, without the port
    segments: tuple[str, ...]  # decoded path segments; empty ones (`//`, a trailing `/`) dropped
    query: tuple[tuple[str, str], ...] = ()  # decoded parameters, in order

    @classmethod
    def parse(cls, untrusted_url: str) -> PastedUrl | None:
        """The URL's parts, or None unless it is a bounded http(s) URL with a host."""
        if len(untrusted_url) > MAX_PASTED_URL_CHARS:
            return None
        try:
            parts = urlsplit(untrusted_url.strip())
            host = parts.hostname  # lower-cased by urlsplit
            query = parse_qsl(parts.query, keep_blank_values=True, max_num_fields=_MAX_QUERY_FIELDS)
        except ValueError:  # an unbalanced IPv6 bracket, too many query fields...
            return None
        if parts.scheme.lower() not in {"http", "https"} or not host:
            return None
        segments = tuple(unquote(s) for s in parts.path.split("/") if s)
        return cls(host=host, segments=segments, query=tuple(query))

    def param(self, name: str) -> str | None:
        """The first value of query parameter `name`, or None."""
        return next((value for key, value in self.query if key == name), None)


_ID_CHARS = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
MIN_FREE_FORM_ID_CHARS = 6


def looks_like_task_id(untrusted_token: str) -> bool:
    """Whether a token could be a free-form task ID at all.

    ASCII letters, digits, `_` and `-`, at least one letter and one digit,
    6 to 256 characters: every ID in the five providers' docs is (`task_123`,
    UUIDs, ULIDs, `KC9IIO8MLOAN18JX`); words, numbers and dates are not.
    """
    return (
        MIN_FREE_FORM_ID_CHARS <= len(untrusted_token) <= MAX_TASK_ID_CHARS
        and _ID_CHARS.fullmatch(untrusted_token) is not None
        and any(c.isdigit() for c in untrusted_token)
        and any(c.isalpha() for c in untrusted_token)
    )


def _has_space_or_control(text: str) -> bool:
    """Whitespace, or a control or format character (newline, escape, bidi override...).

    No provider's ID or model has one, and each could forge a line or redraw a
    terminal when the reference is printed.
    """
    return any(c.isspace() or unicodedata.category(c)[0] == "C" for c in text)


@dataclass(frozen=True, slots=True)
class ApiProblem:
    """What an error response body said, best effort."""

    message: str | None = None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """Who a provider is and what a task reference needs: the rules `validate_ref` applies.

    Each field is the provider class's attribute of the same name, which the
    catalog can read without importing the provider's parser (see catalog.py).
    """

    name: str
    display_name: str
    requires_model: bool
    supports_out_task_id: bool
    result_url_ttl_s: float | None = None  # how long result links live, when documented
    example_model: str | None = None  # a model from the provider's docs, for hints and examples

    def validate_ref(self, ref: TaskRef) -> None:
        """Raise BadReference when `ref` cannot be queried."""
        if not ref.task_id.strip():
            raise BadReference(f"{self.display_name}: the task ID is empty")
        if len(ref.task_id) > MAX_TASK_ID_CHARS:
            raise BadReference(
                f"{self.display_name}: the task ID is longer than {MAX_TASK_ID_CHARS} characters"
            )
        if _has_space_or_control(ref.task_id):
            raise BadReference(
                f"{self.display_name}: a task ID cannot contain spaces, line breaks or "
                f"control characters: {ref.task_id!r}"
            )
        if ref.model is not None and _has_space_or_control(ref.model):
            raise BadReference(
                f"{self.display_name}: a model name cannot contain spaces, line breaks or "
                f"control characters: {ref.model!r}"
            )
        if self.requires_model and not (ref.model and ref.model.strip()):
            raise BadReference(f"{self.display_name} needs the model the task was submitted with")
        if ref.by_out_task_id and not self.supports_out_task_id:
            raise BadReference(f"{self.display_name} has no out_task_id lookup")


class Provider(ABC):
    """One provider: request building and response parsing, no I/O."""

    name: ClassVar[str]  # lower-case identifier, used in CLI flags and env vars
    display_name: ClassVar[str]
    default_base_url: ClassVar[str]  # scheme and host only; paths are appended
    # 403 means "another account's task" (lost) rather than an access error.
    forbidden_means_lost: ClassVar[bool] = False
    # Never poll one task more often than this (reAPI caches status for 5 s).
    min_poll_interval_s: ClassVar[float] = 0.0
    # How long result URLs stay valid, when the provider documents it.
    result_url_ttl_s: ClassVar[float | None] = None
    requires_model: ClassVar[bool] = False
    # A model name from the provider's own docs, for hints where a model is asked for.
    example_model: ClassVar[str | None] = None
    supports_out_task_id: ClassVar[bool] = False
    supports_cancel: ClassVar[bool] = False
    supports_stream: ClassVar[bool] = False

    @property
    def api_host(self) -> str:
        """The host of the public API (from `default_base_url`)."""
        return urlsplit(self.default_base_url).hostname or ""

    @classmethod
    def info(cls) -> ProviderInfo:
        """The name and the reference rules, as the catalog knows them without this class."""
        return ProviderInfo(
            name=cls.name,
            display_name=cls.display_name,
            requires_model=cls.requires_model,
            supports_out_task_id=cls.supports_out_task_id,
            result_url_ttl_s=cls.result_url_ttl_s,
            example_model=cls.example_model,
        )

    def validate_ref(self, ref: TaskRef) -> None:
        """Raise BadReference when `ref` cannot be queried.

        The rules are ProviderInfo's, which `taskmon add` applies from the catalog
        without importing the provider: a rule added by overriding this would not
        reach it.
        """
        self.info().validate_ref(ref)

    @abstractmethod
    def status_request(self, ref: TaskRef) -> RequestSpec:
        """The status call for `ref`."""

    @abstractmethod
    def parse_status(self, untrusted_body: bytes) -> Snapshot:
        """Parse a 2xx status body; raise MalformedResponse or ApiError."""

    def parse_error(self, untrusted_body: bytes) -> ApiProblem:
        """Best-effort message and code from a non-2xx body; never raises."""
        return generic_error_problem(untrusted_body)

    def rate_limit_reset_s(self, headers: Mapping[str, str], now_epoch_s: float) -> float | None:
        """Seconds to wait after a 429, from provider-specific headers (Retry-After is generic)."""
        return None

    def request_echo(self, untrusted_payload: Any) -> dict[str, Any] | None:
        """What a status payload (as stored: decoded JSON) echoes about the request, bounded.

        The same as `parse_status(...).request`, for a payload kept in the store.
        """
        return None

    def cancel_request(self, ref: TaskRef, provider_task_id: str | None) -> RequestSpec | None:
        """The cancel call, for providers that support it."""
        return None

    def stream_request(self, ref: TaskRef, provider_task_id: str | None) -> RequestSpec | None:
        """The server-sent-events call for pushed updates, if the provider has one."""
        return None

    def parse_stream_event(self, event: str, untrusted_data: str) -> Snapshot | None:
        """A pushed event as a snapshot, or None for events that carry no task state."""
        return None

    # --- recognising pasted references (taskmon.intake) ----------------------
    # Pure and total: any input gives an answer, never an exception, except
    # BadReference where the text is clearly this provider's but unusable.

    def id_match(self, untrusted_token: str) -> IdMatch:
        """How surely a bare token (already stripped, at most 256 chars) is this provider's ID."""
        return IdMatch.NO

    def ref_from_url(self, url: PastedUrl) -> TaskRef | None:
        """The task named by a pasted status or poll URL of this provider, else None.

        Match the documented path on any host (a simulator, a proxy or a base
        URL override serves the same paths); restrict to the provider's own
        host only paths that other services plausibly use too.
        """
        return None

    def refs_from_json(self, untrusted_doc: Any) -> list[TaskRef]:
        """The tasks named by a pasted submit or status response of this provider, else [].

        Be strict: another provider's response, or any other JSON, must give [].
        Return no model unless `requires_model`.
        """
        return []


def decode_json(untrusted_body: bytes, provider: str) -> Any:
    """Decode a JSON body or raise MalformedResponse with a short, safe description."""
    if len(untrusted_body) > MAX_BODY_BYTES:
        raise MalformedResponse(
            f"{provider}: response body too large ({len(untrusted_body)} bytes)"
        )
    if not untrusted_body.strip():
        raise MalformedResponse(f"{provider}: empty response body")
    head = untrusted_body.lstrip()[:1]
    if head == b"<":
        raise MalformedResponse(f"{provider}: got an HTML page instead of JSON (a proxy error?)")
    try:
        return json.loads(untrusted_body)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # deep nesting recurses
        raise MalformedResponse(
            f"{provider}: response is not valid JSON ({exc.__class__.__name__})"
        ) from None


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Bound a provider-supplied message before it reaches a log or a table cell.

    White space is folded to single spaces; control characters are made visible.
    """
    text = printable(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def generic_error_problem(untrusted_body: bytes) -> ApiProblem:
    """Find a message and code in the error envelopes the five providers use."""
    try:
        doc = json.loads(untrusted_body[:MAX_BODY_BYTES])
    except (UnicodeDecodeError, ValueError, RecursionError):
        return ApiProblem()
    if not isinstance(doc, dict):
        return ApiProblem()
    message: Any = doc.get("message")
    code: Any = doc.get("code")
    err = doc.get("error")
    if isinstance(err, dict):
        message = err.get("message", message)
        code = err.get("code", err.get("type", code))
    elif isinstance(err, str) and err:
        code = code if code is not None else err
    data = doc.get("data")
    if message is None and isinstance(data, dict) and isinstance(data.get("error"), str):
        message = data["error"]
    return ApiProblem(
        message=clip(str(message)) if isinstance(message, str | int | float) else None,
        code=clip(str(code), 80)
        if isinstance(code, str | int) and not isinstance(code, bool)
        else None,
    )
