"""An API key taken out of everything a server sends back, in every form it may echo it.

Servers echo keys ("Invalid API key: sk-..."). Replacing the key's own bytes
is not enough: a PHP `json_encode` writes `/` as `\\/`, another encoder writes
every character as `\\u0073`, and the JSON parser then decodes the plain key
into a message that reaches the store, the screen and the logs. So a body is
cleaned twice: its bytes before parsing (the key as written, JSON-escaped,
URL-encoded, base64), and, when the body holds an escape that could have
hidden the key, every string of what was parsed from it.
"""

from __future__ import annotations

import base64
import dataclasses
from functools import lru_cache
from typing import Any, Final, TypeVar
from urllib.parse import quote, quote_plus

REDACTED: Final = "[redacted]"
_MIN_FORM_CHARS: Final = 6  # shorter "forms" would strike ordinary words

T = TypeVar("T")


class KeyRedactor:
    """Removes one key from bytes, text and parsed values."""

    __slots__ = ("_byte_forms", "_text_forms")

    def __init__(self, secret: str) -> None:
        raw = secret.encode()
        forms = {
            secret,
            secret.replace("/", "\\/"),  # JSON with escaped slashes (PHP's default)
            quote(secret, safe=""),
            quote_plus(secret, safe=""),
            base64.b64encode(raw).decode(),
            base64.b64encode(raw).decode().rstrip("="),
            base64.urlsafe_b64encode(raw).decode().rstrip("="),
        }
        # Longest first, so a form that contains another is struck whole.
        ordered = sorted((f for f in forms if len(f) >= _MIN_FORM_CHARS), key=len, reverse=True)
        self._text_forms: tuple[str, ...] = tuple(ordered)
        self._byte_forms: tuple[bytes, ...] = tuple(f.encode() for f in ordered)

    def bytes(self, untrusted_body: bytes) -> bytes:
        """`untrusted_body` with every written form of the key replaced."""
        for form in self._byte_forms:
            if form in untrusted_body:
                untrusted_body = untrusted_body.replace(form, REDACTED.encode())
        return untrusted_body

    def text(self, untrusted_text: str) -> str:
        """`untrusted_text` with every form of the key replaced."""
        for form in self._text_forms:
            if form in untrusted_text:
                untrusted_text = untrusted_text.replace(form, REDACTED)
        return untrusted_text

    def value(self, parsed: T) -> T:
        """Every string inside `parsed` (dicts, lists, tuples, frozen dataclasses) cleaned."""
        return _walk(parsed, self.text)  # type: ignore[no-any-return]  # same shape, same type


def could_hide_a_key(untrusted_body: bytes | str) -> bool:
    """Whether decoding may produce text the body's bytes do not hold: a JSON escape.

    Every other way a key can appear was struck from the bytes already, so a
    body without a backslash needs no walk over what was parsed from it (the
    walk would otherwise cost every poll).
    """
    if isinstance(untrusted_body, bytes):
        return b"\\" in untrusted_body
    return "\\" in untrusted_body


@lru_cache(maxsize=32)
def redactor_for(secret: str) -> KeyRedactor:
    """The redactor of `secret`, made once per key (polls reuse it)."""
    return KeyRedactor(secret)


def _walk(value: Any, clean: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {_walk(k, clean): _walk(v, clean) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_walk(v, clean) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _walk(getattr(value, f.name), clean)
            for f in dataclasses.fields(value)
            if f.init
        }
        return dataclasses.replace(value, **changes)
    return value
